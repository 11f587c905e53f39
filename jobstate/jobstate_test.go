package jobstate

import (
	"slices"
	"testing"
)

func TestStatuses(t *testing.T) {
	var final []string
	for _, s := range Statuses() {
		if IsFinal(s) {
			final = append(final, s)
		}
	}
	if want := []string{StatusSucceeded, StatusFailed, StatusCanceled}; !slices.Equal(final, want) {
		t.Errorf("final statuses = %q, want %q", final, want)
	}
	if IsFinal("") || IsFinal("unknown") {
		t.Error("an unknown status is final")
	}
	Statuses()[0], EventKinds()[0] = "changed", "changed" // callers get copies
	if Statuses()[0] != StatusQueued || EventKinds()[0] != EventStarted {
		t.Error("changing a returned list changed the package's")
	}
}
