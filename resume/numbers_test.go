package resume

import (
	"slices"
	"testing"
)

func TestNumbersIn(t *testing.T) {
	tests := []struct {
		text       string
		wantText   []string
		wantValues []string
	}{
		{"cut latency by 40%", []string{"40%"}, []string{"40"}},
		{"saved $2M a year", []string{"$2M"}, []string{"2000000"}},
		{"saved $2 million", []string{"$2 million"}, []string{"2000000"}},
		{"€3.5bn raised", []string{"€3.5bn"}, []string{"3500000000"}},
		{"1,200 requests per second", []string{"1,200"}, []string{"1200"}},
		{"1.2k requests", []string{"1.2k"}, []string{"1200"}},
		{"from 2019, 2020 and 3,4", []string{"2019", "2020", "3", "4"}, []string{"2019", "2020", "3", "4"}},
		{"grew from 45 to 8 minutes.", []string{"45", "8"}, []string{"45", "8"}},
		{"2019-03", []string{"2019", "03"}, []string{"2019", "3"}},
		{"score 3.50", []string{"3.50"}, []string{"3.5"}},
		{"0.5 FTE", []string{"0.5"}, []string{"0.5"}},
		{"5ms p99, 10x faster", []string{"5", "10"}, []string{"5", "10"}},
		{"k8s on ec2, p99.9 and v1.2.3 with S3", nil, nil},
		{"Über2 and 2 m long", []string{"2"}, []string{"2"}},
		{"no numbers", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			var gotText, gotValues []string
			for _, n := range numbersIn(tt.text) {
				gotText = append(gotText, n.text)
				gotValues = append(gotValues, n.value)
			}
			if !slices.Equal(gotText, tt.wantText) {
				t.Errorf("texts = %q, want %q", gotText, tt.wantText)
			}
			if !slices.Equal(gotValues, tt.wantValues) {
				t.Errorf("values = %q, want %q", gotValues, tt.wantValues)
			}
		})
	}
}
