package resume

import (
	"slices"
	"testing"
)

func TestSentences(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"Go; Kafka; gRPC", []string{"Go;", "Kafka;", "gRPC"}},
		{"Cut costs 20%. Led 5 people!", []string{"Cut costs 20%.", "Led 5 people!"}},
		{"Built Node.js APIs, e.g. REST; i.e. not gRPC.", []string{"Built Node.js APIs, e.g. REST;", "i.e. not gRPC."}},
		{"v2.0 shipped.\tThen v3.", []string{"v2.0 shipped.", "Then v3."}},
		{"Ends with a mark.", []string{"Ends with a mark."}},
	}
	for _, tt := range tests {
		if got := sentences(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("sentences(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
