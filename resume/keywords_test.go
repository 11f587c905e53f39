package resume

import (
	"slices"
	"testing"
)

func TestKeywords(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{name: "empty", text: "", want: nil},
		{name: "only filler", text: "The team's ability to work with strong experience, 5+ years.", want: nil},
		{name: "c-family and .net", text: "Experience with C++, C# and .NET is required.", want: []string{"c++", "c#", ".net"}},
		{name: "dotted names and ci/cd", text: "Node.js services, Vue.js and CI/CD pipelines.", want: []string{"node.js", "services", "vue.js", "ci/cd", "pipelines"}},
		{name: "short slashed acronyms stay whole", text: "TCP/IP, UI/UX and A/B testing", want: []string{"tcp/ip", "ui/ux", "a/b", "testing"}},
		{name: "slashed words split", text: "Python/Django, Go/Gin and AWS/GCP", want: []string{"python", "django", "go", "gin", "aws", "gcp"}},
		{name: "and/or", text: "Java and/or Kotlin", want: []string{"java", "kotlin"}},
		{name: "plural and singular count once", text: "APIs and API design", want: []string{"apis", "design"}},
		{name: "aliases count once", text: "Golang (Go), K8s and Kubernetes, PostgreSQL/Postgres", want: []string{"golang", "k8s", "postgresql"}},
		{name: "digits inside names", text: "EC2, S3 and K8s", want: []string{"ec2", "s3", "k8s"}},
		{name: "numbers dropped", text: "3.11 2019 10,000 5+", want: nil},
		{name: "single-letter languages", text: "R and C, not X", want: []string{"r", "c"}},
		{name: "hyphens separate", text: "event-driven, real-time systems", want: []string{"event", "real", "time", "systems"}},
		{name: "abbreviations are filler", text: "e.g. Kafka, i.e. streams, etc.", want: []string{"kafka", "streams"}},
		{name: "possessive and sentence end", text: "Google's Kubernetes. Then Terraform.", want: []string{"google", "kubernetes", "terraform"}},
		{name: "adverbs dropped, not assembly", text: "reliably shipped assembly code quickly", want: []string{"shipped", "assembly"}},
		{name: "leading symbols stripped", text: "#golang +1 ...rust", want: []string{"golang", "rust"}},
		{name: "curly apostrophe", text: "Don’t miss Spark’s API", want: []string{"miss", "spark", "api"}},
		{name: "unicode letters", text: "Entwicklung für Übersetzung", want: []string{"entwicklung", "für", "übersetzung"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Keywords(tt.text)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Keywords(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestTermKey(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"apis", "api", true},
		{"databases", "database", true},
		{"technologies", "technology", true},
		{"golang", "go", true},
		{"postgres", "postgresql", true},
		{"nodejs", "node.js", true},
		{"kpis", "kpi", true},
		{"redis", "redi", false},
		{"analysis", "analysi", false},
		{"aws", "aw", false},
		{"access", "acces", false},
		{"java", "javascript", false},
		{"c", "c++", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			if got := termKey(tt.a) == termKey(tt.b); got != tt.same {
				t.Errorf("termKey(%q) = %q, termKey(%q) = %q; same = %v, want %v",
					tt.a, termKey(tt.a), tt.b, termKey(tt.b), got, tt.same)
			}
		})
	}
}
