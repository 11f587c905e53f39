package resume

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestTailorOfflineIsDeterministic(t *testing.T) {
	first := TailorOffline(Sample(), SampleJobDescription, "Senior Backend Engineer")
	for range 5 {
		if got := TailorOffline(Sample(), SampleJobDescription, "Senior Backend Engineer"); !reflect.DeepEqual(got, first) {
			t.Fatalf("runs differ:\n%+v\n%+v", got, first)
		}
	}
}

func TestTailorOfflineLeavesInputAlone(t *testing.T) {
	r := Sample()
	TailorOffline(r, SampleJobDescription, "")
	if !reflect.DeepEqual(r, Sample()) {
		t.Error("TailorOffline modified its input")
	}
}

func TestTailorOfflineReordersTowardTheJob(t *testing.T) {
	r := Resume{
		Basics: Basics{Name: "A"},
		Work: []Work{{Name: "Acme", Highlights: []string{
			"Organised the office move.",
			"Ran the hiring fair.",
			"Built Kafka consumers in Go.",
			"Tuned PostgreSQL queries.",
		}}},
		Projects: []Project{{Name: "p", Highlights: []string{"Wrote docs.", "Added Kafka support."}}},
		Skills: []Skill{
			{Name: "Office", Keywords: []string{"Excel", "Word"}},
			{Name: "Backend", Keywords: []string{"Java", "Kafka", "Go"}},
		},
	}
	jd := "Requirements:\n- Go\n- Kafka\nPreferred:\n- PostgreSQL\n"
	got := TailorOffline(r, jd, "")

	tests := []struct {
		name      string
		got, want []string
	}{
		{"work highlights", got.Work[0].Highlights, []string{
			"Built Kafka consumers in Go.", // two must-haves
			"Tuned PostgreSQL queries.",    // a nice-to-have
			"Organised the office move.",   // ties keep their order
			"Ran the hiring fair.",
		}},
		{"project highlights", got.Projects[0].Highlights, []string{"Added Kafka support.", "Wrote docs."}},
		{"skills", []string{got.Skills[0].Name, got.Skills[1].Name}, []string{"Backend", "Office"}},
		{"skill keywords", got.Skills[0].Keywords, []string{"Kafka", "Go", "Java"}},
		{"unrelated keywords keep order", got.Skills[1].Keywords, []string{"Excel", "Word"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestTailorOfflineNeverAddsOrDrops(t *testing.T) {
	src := Sample()
	got := TailorOffline(src, SampleJobDescription, "Staff Rust Engineer")

	sameItems := func(t *testing.T, field string, got, want []string) {
		t.Helper()
		g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
		if !slices.Equal(g, w) {
			t.Errorf("%s: got %q, want the same items as %q", field, got, want)
		}
	}
	if len(got.Work) != len(src.Work) {
		t.Fatalf("got %d work entries, want %d", len(got.Work), len(src.Work))
	}
	for i := range src.Work {
		if got.Work[i].Name != src.Work[i].Name || got.Work[i].StartDate != src.Work[i].StartDate {
			t.Errorf("work[%d] = %s %s, want %s %s: chronology is kept",
				i, got.Work[i].Name, got.Work[i].StartDate, src.Work[i].Name, src.Work[i].StartDate)
		}
		sameItems(t, "work highlights", got.Work[i].Highlights, src.Work[i].Highlights)
	}
	var gotSkills, srcSkills []string
	for _, s := range got.Skills {
		gotSkills = append(gotSkills, s.Name+":"+s.Level+":"+strings.Join(slices.Sorted(slices.Values(s.Keywords)), ","))
	}
	for _, s := range src.Skills {
		srcSkills = append(srcSkills, s.Name+":"+s.Level+":"+strings.Join(slices.Sorted(slices.Values(s.Keywords)), ","))
	}
	sameItems(t, "skills", gotSkills, srcSkills)
	if !reflect.DeepEqual(got.Education, src.Education) || !reflect.DeepEqual(got.Certificates, src.Certificates) {
		t.Error("education or certificates changed")
	}
	if got.Basics.Label != src.Basics.Label {
		t.Errorf("label = %q, want %q: the job title is not the candidate's", got.Basics.Label, src.Basics.Label)
	}
	sameItems(t, "summary sentences", summarySentences(got.Basics.Summary), summarySentences(src.Basics.Summary))
}

func TestTailorOfflineSummary(t *testing.T) {
	withSummary := Sample()
	withSummary.Basics.Summary = "I enjoy gardening. I build Kafka pipelines in Go! Do you need PostgreSQL?"
	noSummary := Sample()
	noSummary.Basics.Summary = ""
	unlabelled := noSummary.Clone()
	unlabelled.Basics.Label = ""
	bare := Resume{Basics: Basics{Name: "A"}}

	tests := []struct {
		name string
		r    Resume
		jd   string
		want string
	}{
		{
			name: "relevant sentences first",
			r:    withSummary,
			jd:   "Requirements: Go, Kafka. Preferred: PostgreSQL.",
			want: "I build Kafka pipelines in Go! Do you need PostgreSQL? I enjoy gardening.",
		},
		{
			name: "already in order: left as written",
			r:    Resume{Basics: Basics{Name: "A", Summary: "Go developer.\n\nLikes hiking."}},
			jd:   "Requirements: Go",
			want: "Go developer.\n\nLikes hiking.",
		},
		{
			name: "composed from the profile's own words",
			r:    noSummary,
			jd:   "Requirements: golang, postgres, kafka.",
			want: "Senior Backend Engineer. Experience with Go, PostgreSQL and Kafka.",
		},
		{
			name: "at most five terms",
			r:    noSummary,
			jd:   SampleJobDescription,
			want: "Senior Backend Engineer. Experience with Go, Docker, Kubernetes, Terraform and Python.",
		},
		{
			name: "nothing relevant: the first skills",
			r:    unlabelled,
			jd:   "Requirements: COBOL",
			want: "Experience with Java, Spring Boot and JUnit.",
		},
		{
			name: "nothing to compose from",
			r:    bare,
			jd:   SampleJobDescription,
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TailorOffline(tt.r, tt.jd, "").Basics.Summary; got != tt.want {
				t.Errorf("summary = %q, want %q", got, tt.want)
			}
		})
	}
}

// A composed summary must be made of the profile's words: apart from the
// template's filler, every keyword must occur in the profile.
func TestTailorOfflineComposedSummaryUsesProfileWords(t *testing.T) {
	r := Sample()
	r.Basics.Summary = ""
	got := TailorOffline(r, SampleJobDescription+"\nRequirements: Rust, Haskell, Elixir", "Staff Engineer")
	profile := keySet(profileText(r))
	for _, w := range Keywords(got.Basics.Summary) {
		if !profile[termKey(w)] {
			t.Errorf("summary %q uses %q, which the profile does not", got.Basics.Summary, w)
		}
	}
	if _, report := Verify(r, got); !report.OK {
		t.Errorf("Verify: %s", report.Summary())
	}
}

func TestSummarySentences(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"One sentence", []string{"One sentence"}},
		{"Built Node.js APIs. Shipped v2.0 fast!  Why? Because.", []string{"Built Node.js APIs.", "Shipped v2.0 fast!", "Why?", "Because."}},
		{"Line one.\nLine two.", []string{"Line one.", "Line two."}},
		{"Languages, e.g. Go and Rust. Tools, i.e. Git.", []string{"Languages, e.g. Go and Rust.", "Tools, i.e. Git."}},
		{"Led teams; shipped code. Then more.", []string{"Led teams; shipped code.", "Then more."}}, // ";" is within a sentence
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := summarySentences(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func BenchmarkTailorOffline(b *testing.B) {
	r := Sample()
	for b.Loop() {
		TailorOffline(r, SampleJobDescription, "Senior Backend Engineer")
	}
}
