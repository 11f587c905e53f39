package resume

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// pieces writes a word diff compactly: "kept [-removed-] {+added+}".
func pieces(ps []Piece) string {
	var parts []string
	for _, p := range ps {
		switch p.Edit {
		case Removed:
			parts = append(parts, "[-"+p.Text+"-]")
		case Added:
			parts = append(parts, "{+"+p.Text+"+}")
		default:
			parts = append(parts, p.Text)
		}
	}
	return strings.Join(parts, " ")
}

// items writes a list diff compactly, one entry per string.
func items(its []ItemDiff) []string {
	out := []string{}
	for _, it := range its {
		s := fmt.Sprintf("%s %d>%d %s", it.Edit, it.From, it.To, it.Text)
		if it.Moved {
			s += " (moved)"
		}
		if it.Words != nil {
			s += " | " + pieces(it.Words)
		}
		out = append(out, s)
	}
	return out
}

func TestWordDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"same", "Go engineer.", "Go  engineer.", "Go engineer."},
		{"both empty", "", "", ""},
		{"all new", "", "Go engineer.", "{+Go engineer.+}"},
		{"all gone", "Go engineer.", "", "[-Go engineer.-]"},
		{"one word replaced", "Backend engineer with Go.", "Backend engineer with Kafka.",
			"Backend engineer with [-Go.-] {+Kafka.+}"},
		{"sentences reordered", "Builds APIs. Mentors people.", "Mentors people. Builds APIs.",
			"{+Mentors people.+} Builds APIs. [-Mentors people.-]"},
		{"words inserted", "Led a team.", "Led a team of 4 engineers.", "Led a [-team.-] {+team of 4 engineers.+}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pieces(WordDiff(tt.a, tt.b)); got != tt.want {
				t.Errorf("WordDiff(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestTextDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"same", "Builds APIs. Mentors people.", "Builds APIs. Mentors people.", "Builds APIs. Mentors people."},
		// Word by word, the "and" of each sentence would be kept between
		// scattered struck and underlined words.
		{"sentences moved are moved whole", "Specialises in Go and payments. Backend engineer. Enjoys mentoring and on-call.",
			"Enjoys mentoring and on-call. Backend engineer. Specialises in Go and payments.",
			"{+Enjoys mentoring and on-call. Backend engineer.+} Specialises in Go and payments. [-Backend engineer. Enjoys mentoring and on-call.-]"},
		{"a sentence reworded is shown word by word", "Builds APIs in Go. Mentors people.", "Builds fast APIs in Go. Mentors people.",
			"Builds {+fast+} APIs in Go. Mentors people."},
		{"a sentence replaced", "Builds APIs. Mentors people.", "Builds APIs. Runs on-call for payments.",
			"Builds APIs. [-Mentors people.-] {+Runs on-call for payments.+}"},
		{"from nothing", "", "Builds APIs.", "{+Builds APIs.+}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pieces(TextDiff(tt.a, tt.b)); got != tt.want {
				t.Errorf("TextDiff(%q, %q)\n got %q\nwant %q", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestItemReordered(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"Databases: Redis, PostgreSQL, Elasticsearch", "Databases: PostgreSQL, Redis, Elasticsearch", true},
		{"Databases: Redis, PostgreSQL", "Databases: Redis, PostgreSQL, Elasticsearch", false},
		{"Cut deploy time from 45 to 8 minutes.", "Cut deploy time from 45 minutes to 8.", true},
		{"Led a team of 4.", "Led a team of 5.", false},
	}
	for _, tt := range tests {
		its := listDiff([]entry{{key: "k", text: tt.a}}, []entry{{key: "k", text: tt.b}})
		if len(its) != 1 || its[0].Edit != Rewritten {
			t.Fatalf("%q -> %q: %v, want one reworded entry", tt.a, tt.b, items(its))
		}
		if got := its[0].Reordered(); got != tt.want {
			t.Errorf("%q -> %q: Reordered() = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestWordDiffBoundsItsWork(t *testing.T) {
	long := strings.Repeat("word ", 1000)
	got := WordDiff(long, long+"more")
	if len(got) != 2 || got[0].Edit != Removed || got[1].Edit != Added {
		t.Fatalf("a diff past the bound should show the whole text removed and added, got %d pieces", len(got))
	}
}

func TestListDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
		want []string
	}{
		{"same", []string{"A.", "B."}, []string{"A.", "B."},
			[]string{"kept 1>1 A.", "kept 2>2 B."}},
		{"moved to the top", []string{"A.", "B.", "C."}, []string{"C.", "A.", "B."},
			[]string{"kept 3>1 C. (moved)", "kept 1>2 A.", "kept 2>3 B."}},
		{"added and removed in place", []string{"A.", "B.", "C."}, []string{"A.", "D.", "C."},
			[]string{"kept 1>1 A.", "added 0>2 D.", "removed 2>0 B.", "kept 3>3 C."}},
		{"removed at the end", []string{"A.", "B."}, []string{"A."},
			[]string{"kept 1>1 A.", "removed 2>0 B."}},
		{"reworded", []string{"Cut deploy time from 45 to 8 minutes."}, []string{"Cut deploy time from 45 minutes to 8."},
			[]string{"rewritten 1>1 Cut deploy time from 45 minutes to 8. | Cut deploy time from 45 {+minutes+} to [-8 minutes.-] {+8.+}"}},
		{"unrelated is not reworded", []string{"Mentored 4 engineers."}, []string{"Designed a Kafka pipeline."},
			[]string{"added 0>1 Designed a Kafka pipeline.", "removed 1>0 Mentored 4 engineers."}},
		{"from nothing", nil, []string{"A."}, []string{"added 0>1 A."}},
		{"outside the common order at the same place is not moved", []string{"A.", "B.", "C."}, []string{"C.", "B.", "A."},
			[]string{"kept 3>1 C. (moved)", "kept 2>2 B.", "kept 1>3 A."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := items(listDiff(textEntries(tt.a), textEntries(tt.b)))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestCompare(t *testing.T) {
	a := Resume{
		Basics: Basics{Label: "Backend Engineer", Summary: "Builds APIs in Go. Mentors people."},
		Work: []Work{
			{Name: "Acme", Position: "Engineer", StartDate: "2020", Highlights: []string{"Built the API.", "Ran on-call."}},
			{Name: "Initech", Position: "Intern", StartDate: "2018", Highlights: []string{"Wrote tests."}},
		},
		Skills:    []Skill{{Name: "Go", Keywords: []string{"gRPC", "Kafka"}}, {Name: "SQL"}, {Name: "Docker"}},
		Education: []Education{{StudyType: "BSc", Area: "Physics", Institution: "Leeds"}},
	}
	b := Resume{
		Basics: Basics{Label: "Backend Engineer", Summary: "Mentors people. Builds APIs in Go."},
		Work: []Work{
			{Name: "Acme", Position: "Engineer", StartDate: "2020", Highlights: []string{"Ran on-call.", "Built the API."}},
			{Name: "Globex", Position: "Contractor", StartDate: "2019", Highlights: []string{"Shipped billing."}},
		},
		Skills:    []Skill{{Name: "Docker"}, {Name: "Go", Keywords: []string{"Kafka", "gRPC"}}, {Name: "SQL"}},
		Education: []Education{{StudyType: "BSc", Area: "Physics", Institution: "Leeds"}},
	}
	type section struct {
		group, title, only string
		changed            bool
		counts, words      string
		items              []string
	}
	var got []section
	for _, d := range Compare(a, b) {
		got = append(got, section{d.Group, d.Title, d.Only, d.Changed(), d.Counts(), pieces(d.Words), items(d.Items)})
	}
	want := []section{
		{"", "Headline", "", false, "", "Backend Engineer", []string{}},
		{"", "Summary", "", true, "", "{+Mentors people.+} Builds APIs in Go. [-Mentors people.-]", []string{}},
		{"", "Skills", "", true, "1 reordered, 1 moved", "", []string{
			"kept 3>1 Docker (moved)",
			"rewritten 1>2 Go: Kafka, gRPC | Go: [-gRPC, Kafka-] {+Kafka, gRPC+}",
			"kept 2>3 SQL",
		}},
		{"Experience", "Engineer at Acme", "", true, "1 moved", "", []string{
			"kept 2>1 Ran on-call. (moved)", "kept 1>2 Built the API.",
		}},
		{"Experience", "Contractor at Globex", "b", true, "1 added", "", []string{"added 0>1 Shipped billing."}},
		{"Experience", "Intern at Initech", "a", true, "1 removed", "", []string{"removed 1>0 Wrote tests."}},
		{"", "Education", "", false, "", "", []string{"kept 1>1 BSc in Physics, Leeds"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Compare:\n got %+v\nwant %+v", got, want)
	}
}

// A profile with hundreds of skills or sentences (the API takes up to its
// body limit) is compared within bounds: skills by name alone, the summary
// removed and added whole.
func TestCompareBoundsItsWork(t *testing.T) {
	var a, b Resume
	var sa, sb []string
	for i := range 600 {
		a.Skills = append(a.Skills, Skill{Name: fmt.Sprintf("Skill %d", i)})
		b.Skills = append(b.Skills, Skill{Name: fmt.Sprintf("Skill %d", 599-i)})
		sa = append(sa, fmt.Sprintf("Sentence %d.", i))
		sb = append(sb, fmt.Sprintf("Sentence %d.", 599-i))
	}
	a.Basics.Summary, b.Basics.Summary = strings.Join(sa, " "), strings.Join(sb, " ")
	for _, d := range Compare(a, b) {
		switch d.Title {
		case "Summary":
			if got := len(d.Words); got != 2 || d.Words[0].Edit != Removed || d.Words[1].Edit != Added {
				t.Errorf("summary past the bound: %d pieces, want the whole text removed and added", got)
			}
		case "Skills":
			if len(d.Items) != 600 || d.Counts() != "" {
				t.Errorf("skills past the bound: %d entries, %q; want 600 kept by name, none moved", len(d.Items), d.Counts())
			}
		}
	}
}

func TestCompareIdenticalHasNoChange(t *testing.T) {
	s := Sample()
	for _, d := range Compare(s, Sample()) {
		if d.Changed() {
			t.Errorf("section %s %s changed comparing a resume with itself: %+v", d.Group, d.Title, d)
		}
	}
	if len(Compare(s, Sample())) < 4 {
		t.Errorf("the sample should give headline, summary, skills and roles")
	}
}
