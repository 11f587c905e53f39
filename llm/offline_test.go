package llm

import (
	"context"
	"reflect"
	"testing"
)

func TestOfflineTailor(t *testing.T) {
	o := NewOffline()
	req := testRequest()

	first, err := o.Tailor(context.Background(), req)
	if err != nil {
		t.Fatalf("Tailor: %v", err)
	}
	second, err := o.Tailor(context.Background(), req)
	if err != nil {
		t.Fatalf("Tailor: %v", err)
	}
	if !reflect.DeepEqual(first, second) {
		t.Errorf("Tailor is not deterministic:\n%+v\n%+v", first, second)
	}
	if first.Model != "offline" || o.Model() != "offline" {
		t.Errorf("Model = %q, Model() = %q, want offline", first.Model, o.Model())
	}
	if first.Profile.Basics.Name != req.Profile.Basics.Name {
		t.Errorf("Basics.Name = %q, want %q", first.Profile.Basics.Name, req.Profile.Basics.Name)
	}
}

func TestOfflineTailorCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := NewOffline().Tailor(ctx, testRequest())

	if got := ClassOf(err); got != ClassCanceled {
		t.Errorf("ClassOf(%v) = %v, want %v", err, got, ClassCanceled)
	}
}
