package resume

import (
	"reflect"
	"slices"
	"testing"
)

// skilled returns a profile whose only evidence is a list of skill names.
func skilled(names ...string) Resume {
	r := Resume{Basics: Basics{Name: "Test Candidate"}}
	for _, n := range names {
		r.Skills = append(r.Skills, Skill{Name: n})
	}
	return r
}

func TestMatchScoreCoverage(t *testing.T) {
	profile := skilled("Go", "PostgreSQL", "Kubernetes")
	covered := "Requirements:\n- Go\n- PostgreSQL\n- Kubernetes\n"
	uncovered := "Requirements:\n- Rust\n- Haskell\n- Erlang\n"
	half := "Requirements:\n- Go\n- PostgreSQL\n- Rust\n- Erlang\n"

	tests := []struct {
		name string
		jd   string
		want int
	}{
		{name: "all required skills held", jd: covered, want: 100},
		{name: "none held", jd: uncovered, want: 0},
		{name: "half held", jd: half, want: 50},
		{name: "empty posting", jd: "", want: 0},
		{name: "aliases and plurals", jd: "Requirements: Golang, Postgres, K8s", want: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchScore(profile, tt.jd).Score; got != tt.want {
				t.Errorf("Score = %d, want %d", got, tt.want)
			}
		})
	}
	if a, b := MatchScore(profile, covered).Score, MatchScore(profile, uncovered).Score; a <= b {
		t.Errorf("covered posting scored %d, uncovered %d; want covered higher", a, b)
	}
}

func TestMatchScoreWeightsMustHaveTwice(t *testing.T) {
	jd := "Requirements:\n- Go\nPreferred:\n- Rust\n"
	tests := []struct {
		name    string
		profile Resume
		want    int
	}{
		{name: "holds the must-have", profile: skilled("Go"), want: 67},      // 2 of 3
		{name: "holds the nice-to-have", profile: skilled("Rust"), want: 33}, // 1 of 3
		{name: "holds both", profile: skilled("Rust", "Go"), want: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchScore(tt.profile, jd).Score; got != tt.want {
				t.Errorf("Score = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestMatchScoreSplitsMustAndNice(t *testing.T) {
	tests := []struct {
		name     string
		jd       string
		wantMust []string
		wantNice []string
	}{
		{
			name:     "headings with bullets",
			jd:       "Requirements\n- Go\n- Kafka\n\nNice to have:\n- Rust\n- gRPC\n",
			wantMust: []string{"go", "kafka"},
			wantNice: []string{"grpc", "rust"},
		},
		{
			name:     "markers inside sentences",
			jd:       "Go is required. Rust is a plus. Terraform would be a bonus.",
			wantMust: []string{"go"},
			wantNice: []string{"rust", "terraform"},
		},
		{
			name:     "inline labels",
			jd:       "Must have: Go, SQL\nPreferred: Rust",
			wantMust: []string{"go", "sql"},
			wantNice: []string{"rust"},
		},
		{
			name:     "body text counts as must-have",
			jd:       "Senior Engineer\nWe build services in Go.",
			wantMust: []string{"engineer", "go", "senior", "services"},
			wantNice: []string{},
		},
		{
			name:     "a sentence marker beats its section",
			jd:       "Requirements:\n- Go\n- Kafka experience is a plus\n",
			wantMust: []string{"go"},
			wantNice: []string{"kafka"},
		},
		{
			name:     "required wins over preferred",
			jd:       "Preferred:\n- Go\nRequirements:\n- Go\n",
			wantMust: []string{"go"},
			wantNice: []string{},
		},
		{
			name:     "benefits and about us are skipped",
			jd:       "About us\nAcme sells widgets.\nRequirements:\n- Go\nBenefits:\n- Dental insurance\n",
			wantMust: []string{"go"},
			wantNice: []string{},
		},
		{
			name:     "responsibilities end a preferred section",
			jd:       "Preferred:\n- Rust\nResponsibilities:\n- Operate Kafka\n",
			wantMust: []string{"kafka", "operate"},
			wantNice: []string{"rust"},
		},
		{
			name:     "a short bullet is not a heading",
			jd:       "Preferred qualifications\nKubernetes\nRust\n",
			wantMust: []string{},
			wantNice: []string{"kubernetes", "rust"},
		},
		{
			name:     "conversational headings",
			jd:       "What you'll do\n- Operate Kafka\nWhat we're looking for\n- Go\nEven better\n- Rust\n",
			wantMust: []string{"go", "kafka", "operate"},
			wantNice: []string{"rust"},
		},
		{
			name:     "plus between skills is no marker",
			jd:       "Requirements: Go plus SQL",
			wantMust: []string{"go", "sql"},
			wantNice: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MatchScore(Resume{}, tt.jd)
			if !slices.Equal(got.MustHave, tt.wantMust) {
				t.Errorf("MustHave = %q, want %q", got.MustHave, tt.wantMust)
			}
			if !slices.Equal(got.NiceToHave, tt.wantNice) {
				t.Errorf("NiceToHave = %q, want %q", got.NiceToHave, tt.wantNice)
			}
		})
	}
}

func TestMatchScoreLists(t *testing.T) {
	jd := "Requirements:\n- PostgreSQL, Go and Kafka\nPreferred:\n- Rust, AWS\n"
	got := MatchScore(skilled("Go", "AWS", "Kafka"), jd)
	want := Match{
		Score:      63, // must-haves weigh 2, nice-to-haves 1: 5 of 8 is 62.5%, rounded half up
		MustHave:   []string{"go", "kafka", "postgresql"},
		NiceToHave: []string{"aws", "rust"},
		Matched:    []string{"go", "kafka", "aws"},
		Missing:    []string{"postgresql", "rust"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestMatchScoreIgnoresOrder(t *testing.T) {
	r := Sample()
	tailored := TailorOffline(r, SampleJobDescription, "Senior Backend Engineer")
	got, want := MatchScore(tailored, SampleJobDescription), MatchScore(r, SampleJobDescription)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tailored: %+v\noriginal: %+v\nwant equal: coverage does not depend on order", got, want)
	}
}

func TestMatchScoreSample(t *testing.T) {
	m := MatchScore(Sample(), SampleJobDescription)
	if m.Score < 30 || m.Score > 90 {
		t.Errorf("Score = %d, want a partial match between 30 and 90", m.Score)
	}
	for _, term := range []string{"go", "postgresql", "kafka", "kubernetes"} {
		if !slices.Contains(m.Matched, term) {
			t.Errorf("Matched = %q, want it to contain %q", m.Matched, term)
		}
	}
	for _, term := range []string{"rust", "gcp"} {
		if !slices.Contains(m.Missing, term) {
			t.Errorf("Missing = %q, want it to contain %q", m.Missing, term)
		}
		if !slices.Contains(m.NiceToHave, term) {
			t.Errorf("NiceToHave = %q, want it to contain %q", m.NiceToHave, term)
		}
	}
	for _, term := range []string{"equity", "dental", "leave"} {
		if slices.Contains(m.Missing, term) {
			t.Errorf("Missing contains %q from the benefits section", term)
		}
	}
	if again := MatchScore(Sample(), SampleJobDescription); !reflect.DeepEqual(m, again) {
		t.Errorf("second run differs:\n%+v\n%+v", m, again)
	}
}

func BenchmarkMatchScore(b *testing.B) {
	r := Sample()
	for b.Loop() {
		MatchScore(r, SampleJobDescription)
	}
}
