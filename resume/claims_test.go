package resume

import "testing"

func TestAmericanize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"programme", "program"},
		{"catalogue", "catalog"},
		{"paediatric", "pediatric"},
		{"anaemia", "anemia"},
		{"colours", "colors"},
		{"optimised", "optimized"},
		{"organisation", "organization"},
		{"analysed", "analyzed"},
		{"centre", "center"},
		{"travelled", "traveled"},
		{"licence", "license"},
		{"enrolment", "enrollment"},
		{"kubernetes", "kubernetes"},
		{"house", "house"},
		{"python", "python"},
	} {
		if got := americanize(tc.in); got != tc.want {
			t.Errorf("americanize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
