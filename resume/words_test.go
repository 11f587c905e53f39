package resume

import (
	"slices"
	"strings"
	"testing"
)

// wordsProfile is a small profile with the labels the change list and the
// fact check should use.
func wordsProfile() Resume {
	return Resume{
		Basics: Basics{Name: "Maya Okafor", Summary: "Backend engineer with ten years of Go. Led the payments team at Northwind and mentored four engineers."},
		Work: []Work{
			{Name: "Northwind", Position: "Senior Backend Engineer", StartDate: "2021-04",
				Highlights: []string{"Cut payment latency by 40%.", "Moved billing to Go."}},
			{Name: "Northbeam", Position: "Data Engineer", StartDate: "2020-03", EndDate: "2021-03",
				Highlights: []string{"Built the Kafka ingestion pipeline.", "Ran the nightly Spark jobs."}},
		},
		Skills: []Skill{{Name: "Backend", Keywords: []string{"Python", "Java", "Go", "Kubernetes"}}},
	}
}

// TestChangesAndFactsSpeakWithTheProfilesLabels: every change and every
// fact-check item says what it is with the profile's own labels, never a
// field path, and a restored fact shows what was removed and put back.
func TestChangesAndFactsSpeakWithTheProfilesLabels(t *testing.T) {
	src := wordsProfile()
	tailored := src.Clone()
	tailored.Basics.Summary = "Backend engineer with ten years of Go."
	tailored.Work[1].Highlights = []string{"Ran the nightly Spark jobs.", "Built the Kafka ingestion pipeline."}
	tailored.Work[1].StartDate = "2019-01"
	tailored.Skills[0].Keywords = []string{"Kubernetes", "Go", "Python", "Java"}

	_, report := Verify(src, tailored)

	var got []string
	for _, c := range report.Changes {
		got = append(got, c.Text)
	}
	want := []string{
		"Shortened the summary",
		"Reordered the highlights of Data Engineer at Northbeam",
		"Moved Kubernetes and Go to the front of Skills › Backend",
	}
	if !slices.Equal(got, want) {
		t.Errorf("change texts:\n got %q\nwant %q", got, want)
	}
	if len(report.Violations) != 1 {
		t.Fatalf("violations = %+v, want the start date alone", report.Violations)
	}
	v := report.Violations[0]
	for _, tt := range []struct{ what, got, want string }{
		{"Item", v.Item, "the start date of Data Engineer at Northbeam"},
		{"Reason", v.Reason, "The AI changed the start date of Data Engineer at Northbeam to January 2019; Tailor put back March 2020."},
		{"Value (removed)", v.Value, "January 2019"},
		{"Profile (put back)", v.Profile, "March 2020"},
		{"Field (for programs)", v.Field, "work[1].startDate"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.what, tt.got, tt.want)
		}
	}
}

func TestItemWords(t *testing.T) {
	r := wordsProfile()
	r.Projects = []Project{{Name: "Atlas"}}
	r.Education = []Education{{Institution: "University of Lagos", StudyType: "BSc", Area: "Computer Science"}}
	tests := []struct{ path, want string }{
		{"work[1].startDate", "the start date of Data Engineer at Northbeam"},
		{"work[0].highlights[1]", "a highlight of Senior Backend Engineer at Northwind"},
		{"work[1]", "Data Engineer at Northbeam"},
		{"skills[0].keywords[3]", "a keyword of Skills › Backend"},
		{"skills[0]", "Skills › Backend"},
		{"projects[0].description", "the description of the project Atlas"},
		{"education[0].endDate", "the end date of BSc in Computer Science, University of Lagos"},
		{"basics.summary", "the summary"},
		{"basics.name", "the candidate's name"},
		{"awards[2]", "entry 3 of Awards"},
		{"something[odd", "something[odd"},
	}
	for _, tt := range tests {
		if got := ItemWords(tt.path, r); got != tt.want {
			t.Errorf("ItemWords(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestMoveText(t *testing.T) {
	abc := func(s string) []string { return strings.Split(s, "") }
	tests := []struct{ before, after, want string }{
		{"ABCD", "CDAB", "Moved C and D to the front of S"},
		{"ABCD", "DABC", "Moved D to the front of S"},
		{"ABCD", "ACBD", "Moved C up in S"},
		{"ABCDEF", "FEDCBA", "Reordered S"},
	}
	for _, tt := range tests {
		if got := moveText(abc(tt.before), abc(tt.after), "S", "front"); got != tt.want {
			t.Errorf("moveText(%s -> %s) = %q, want %q", tt.before, tt.after, got, tt.want)
		}
	}
}

func TestDateWords(t *testing.T) {
	for in, want := range map[string]string{"2020-03": "March 2020", "2020-03-15": "15 March 2020", "2020": "2020", "": "", "soon": "soon"} {
		if got := DateWords(in); got != want {
			t.Errorf("DateWords(%q) = %q, want %q", in, got, want)
		}
	}
}
