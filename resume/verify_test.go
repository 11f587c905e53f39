package resume

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestVerify(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Resume) // applied to a tailored copy of Sample
		// wantViolations lists field and reason substring of each violation.
		wantViolations [][2]string
		check          func(t *testing.T, got Resume)
	}{
		{
			name:   "offline tailoring passes",
			mutate: func(*Resume) {},
		},
		{
			name: "invented employer removed",
			mutate: func(r *Resume) {
				r.Work = append(r.Work, Work{Name: "Acme Corp", Position: "CTO", StartDate: "2012-01"})
			},
			wantViolations: [][2]string{{"work[3]", `employer "Acme Corp" not in profile`}},
			check: func(t *testing.T, got Resume) {
				if len(got.Work) != 3 {
					t.Errorf("got %d work entries, want 3", len(got.Work))
				}
			},
		},
		{
			name: "invented position at a real employer removed",
			mutate: func(r *Resume) {
				r.Work = append(r.Work, Work{Name: "Quillsoft", Position: "Architect", StartDate: "2016-01"})
			},
			wantViolations: [][2]string{{"work[3]", `position "Architect" at "Quillsoft" not in profile`}},
		},
		{
			name:           "duplicated job removed",
			mutate:         func(r *Resume) { r.Work = append(r.Work, r.Work[2]) },
			wantViolations: [][2]string{{"work[3]", "duplicate of work entry"}},
		},
		{
			name:           "retitled job keeps its entry and gets its title back",
			mutate:         func(r *Resume) { r.Work[1].Position = "Lead Platform Engineer" },
			wantViolations: [][2]string{{"work[1].position", `The AI changed the job title at Brightline Logistics to Lead Platform Engineer; Tailor put back`}},
			check: func(t *testing.T, got Resume) {
				if got.Work[1].Position != "Backend Engineer" {
					t.Errorf("position = %q, want %q", got.Work[1].Position, "Backend Engineer")
				}
			},
		},
		{
			name: "employer matched ignoring case and spacing",
			mutate: func(r *Resume) {
				r.Work[0].Name = "  northwind   PAYMENTS "
				r.Work[0].Position = "senior backend engineer"
			},
			check: func(t *testing.T, got Resume) {
				if got.Work[0].Name != "Northwind Payments" || got.Work[0].Position != "Senior Backend Engineer" {
					t.Errorf("got %q / %q, want the profile's spelling", got.Work[0].Name, got.Work[0].Position)
				}
			},
		},
		{
			name: "changed dates restored",
			mutate: func(r *Resume) {
				r.Work[1].StartDate = "2015-01"
				r.Work[1].EndDate = "" // would claim a current job
			},
			wantViolations: [][2]string{
				{"work[1].startDate", `The AI changed the start date of Backend Engineer at Brightline Logistics to`},
				{"work[1].endDate", `the end date of Backend Engineer at Brightline Logistics`},
			},
			check: func(t *testing.T, got Resume) {
				if got.Work[1].StartDate != "2017-06" || got.Work[1].EndDate != "2021-02" {
					t.Errorf("dates = %s to %s, want 2017-06 to 2021-02", got.Work[1].StartDate, got.Work[1].EndDate)
				}
			},
		},
		{
			name:           "highlight with a new number removed",
			mutate:         func(r *Resume) { r.Work[0].Highlights[0] = "Cut cloud costs by 47% across 12 services." },
			wantViolations: [][2]string{{"work[0].highlights[0]", `"47%" is not in the profile for this job (Senior Backend Engineer at Northwind Payments)`}},
			check: func(t *testing.T, got Resume) {
				if len(got.Work[0].Highlights) != 4 {
					t.Errorf("got %d highlights, want 4", len(got.Work[0].Highlights))
				}
			},
		},
		{
			name: "reworded highlight with the profile's numbers kept",
			mutate: func(r *Resume) {
				r.Work[0].Highlights[0] = "Moved the ledger to 12 Go microservices; p99 latency fell 40%."
				r.Work[1].Highlights[0] = "Served 1200 requests per second and $2 million a year." // "2" alone is not 2 million
			},
			wantViolations: [][2]string{{"work[1].highlights[0]", `"$2 million" is not in the profile for this job`}},
		},
		{
			name:           "invented skill removed",
			mutate:         func(r *Resume) { r.Skills = append(r.Skills, Skill{Name: "Rust", Keywords: []string{"Tokio"}}) },
			wantViolations: [][2]string{{"skills[8]", `skill "Rust" not in profile`}},
			check: func(t *testing.T, got Resume) {
				if len(got.Skills) != 8 {
					t.Errorf("got %d skills, want 8", len(got.Skills))
				}
			},
		},
		{
			name:           "invented keyword removed",
			mutate:         func(r *Resume) { r.Skills[0].Keywords = append(r.Skills[0].Keywords, "Rust") },
			wantViolations: [][2]string{{"skills[0].keywords[3]", `skill keyword "Rust" not in profile`}},
			check: func(t *testing.T, got Resume) {
				if slices.Contains(got.Skills[0].Keywords, "Rust") {
					t.Errorf("keywords = %q, want Rust removed", got.Skills[0].Keywords)
				}
			},
		},
		{
			name: "skills regrouped under a profile keyword",
			mutate: func(r *Resume) {
				r.Skills = append(r.Skills, Skill{Name: "kafka", Keywords: []string{"rabbitmq"}})
			},
			check: func(t *testing.T, got Resume) {
				want := Skill{Name: "Kafka", Keywords: []string{"RabbitMQ"}}
				if last := got.Skills[len(got.Skills)-1]; !reflect.DeepEqual(last, want) {
					t.Errorf("got %+v, want %+v in the profile's spelling", last, want)
				}
			},
		},
		{
			name: "inflated skill level restored",
			mutate: func(r *Resume) {
				i := slices.IndexFunc(r.Skills, func(s Skill) bool { return s.Name == "Java" })
				r.Skills[i].Level = "Expert"
			},
			wantViolations: [][2]string{{".level", `The AI changed the level of Skills › Java to`}},
		},
		{
			name:           "name change restored",
			mutate:         func(r *Resume) { r.Basics.Name = "Dr. Maya Okafor" },
			wantViolations: [][2]string{{"basics.name", "The AI changed the candidate's name to"}},
			check: func(t *testing.T, got Resume) {
				if got.Basics.Name != "Maya Okafor" {
					t.Errorf("name = %q, want %q", got.Basics.Name, "Maya Okafor")
				}
			},
		},
		{
			name: "contact details restored",
			mutate: func(r *Resume) {
				r.Basics.Email = "someone@example.org"
				r.Basics.Location = &Location{City: "London"}
				r.Basics.Profiles = nil
			},
			wantViolations: [][2]string{
				{"basics.email", "The AI changed the email address to"},
				{"basics.location", "The AI changed the location"},
				{"basics.profiles", "The AI changed the online profiles"},
			},
			check: func(t *testing.T, got Resume) {
				src := Sample()
				if !reflect.DeepEqual(got.Basics.Location, src.Basics.Location) || len(got.Basics.Profiles) != 2 {
					t.Errorf("got %+v, want the profile's contact details", got.Basics)
				}
			},
		},
		{
			name:           "summary with a new number restored",
			mutate:         func(r *Resume) { r.Basics.Summary = "Backend engineer with 15 years of Go." },
			wantViolations: [][2]string{{"basics.summary", `"15" is not in the profile`}},
			check: func(t *testing.T, got Resume) {
				// The sentence is restored to the profile's closest one.
				if want := "Backend engineer with 10 years of experience building reliable distributed systems."; got.Basics.Summary != want {
					t.Errorf("summary = %q, want %q", got.Basics.Summary, want)
				}
			},
		},
		{
			name: "invented degree removed",
			mutate: func(r *Resume) {
				r.Education[0].StudyType = "Master of Science"
				r.Education = append(r.Education, Education{Institution: "MIT", StudyType: "PhD"})
			},
			wantViolations: [][2]string{
				{"education[0]", `education "Master of Science in Computer Science, University of Manchester" not in profile`},
				{"education[1]", `education "PhD, MIT" not in profile`},
			},
		},
		{
			name: "changed grade restored",
			mutate: func(r *Resume) {
				r.Education[0].Score = "Distinction"
			},
			wantViolations: [][2]string{{"education[0].score", "The AI changed the grade of"}},
		},
		{
			name: "invented certificate and project removed",
			mutate: func(r *Resume) {
				r.Certificates = append(r.Certificates, Certificate{Name: "CKA", Issuer: "CNCF"})
				r.Projects = append(r.Projects, Project{Name: "kube-magic"})
			},
			wantViolations: [][2]string{
				{"certificates[1]", `certificate "CKA" not in profile`},
				{"projects[1]", `project "kube-magic" not in profile`},
			},
		},
		{
			name:           "untouchable sections restored",
			mutate:         func(r *Resume) { r.Languages = append(r.Languages, Language{Language: "French", Fluency: "Fluent"}) },
			wantViolations: [][2]string{{"languages[2]", "which the profile does not have; Tailor put back the profile's Languages"}},
			check: func(t *testing.T, got Resume) {
				if len(got.Languages) != 2 {
					t.Errorf("got %d languages, want 2", len(got.Languages))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := Sample()
			tailored := TailorOffline(src, SampleJobDescription, "Senior Backend Engineer")
			tt.mutate(&tailored)
			got, report := Verify(src, tailored)

			if report.OK != (len(tt.wantViolations) == 0) {
				t.Errorf("OK = %v with violations %+v", report.OK, report.Violations)
			}
			if len(report.Violations) != len(tt.wantViolations) {
				t.Fatalf("got %d violations %+v, want %d", len(report.Violations), report.Violations, len(tt.wantViolations))
			}
			for i, want := range tt.wantViolations {
				v := report.Violations[i]
				if !strings.Contains(v.Field, want[0]) || !strings.Contains(v.Reason, want[1]) {
					t.Errorf("violation %d = %q %q, want %q %q", i, v.Field, v.Reason, want[0], want[1])
				}
			}
			if tt.check != nil {
				tt.check(t, got)
			}
			// Whatever went in, what comes out passes a second check.
			if _, again := Verify(src, got); !again.OK {
				t.Errorf("cleaned resume fails Verify: %s", again.Summary())
			}
		})
	}
}

func TestVerifyLeavesInputsAlone(t *testing.T) {
	src, tailored := Sample(), Sample()
	tailored.Work[0].Highlights[0] = "Invented 99 things."
	tailored.Skills[0].Keywords = append(tailored.Skills[0].Keywords, "Rust")
	before := tailored.Clone()
	Verify(src, tailored)
	if !reflect.DeepEqual(src, Sample()) || !reflect.DeepEqual(tailored, before) {
		t.Error("Verify modified its inputs")
	}
}

func TestVerifyChanges(t *testing.T) {
	src := Sample()
	tailored := src.Clone()
	tailored.Basics.Summary = "Go and PostgreSQL engineer."
	tailored.Work = tailored.Work[:2] // an older job left out
	tailored.Work[0].Highlights[0], tailored.Work[0].Highlights[2] = tailored.Work[0].Highlights[2], tailored.Work[0].Highlights[0]
	tailored.Work[1].Highlights[3] = "Rewrote ETL jobs in Go with Redis, cutting nightly batch runtime by 65%."
	tailored.Work[1].Highlights = append(tailored.Work[1].Highlights, "Wrote runbooks.")
	tailored.Skills = tailored.Skills[1:] // Java left out

	_, report := Verify(src, tailored)
	if !report.OK {
		t.Fatalf("violations: %+v", report.Violations)
	}
	want := []Change{
		{Field: "basics.summary", Kind: ChangeRewritten, Before: src.Basics.Summary, After: "Go and PostgreSQL engineer.", Text: "Shortened the summary"},
		{Field: "work[2]", Kind: ChangeRemoved, Before: "Software Engineer at Quillsoft", Text: "Left out Software Engineer at Quillsoft from Experience"},
		{Field: "work[0].highlights", Kind: ChangeReordered,
			Before: strings.Join(src.Work[0].Highlights, "\n"),
			After:  strings.Join(tailored.Work[0].Highlights, "\n"),
			Text:   "Reordered the highlights of Senior Backend Engineer at Northwind Payments"},
		{Field: "work[1].highlights[3]", Kind: ChangeRewritten,
			Before: src.Work[1].Highlights[3], After: tailored.Work[1].Highlights[3],
			Text: "Reworded a highlight of Backend Engineer at Brightline Logistics"},
		{Field: "work[1].highlights[4]", Kind: ChangeAdded, After: "Wrote runbooks.", Text: "Added a highlight to Backend Engineer at Brightline Logistics"},
		{Field: "skills[0]", Kind: ChangeRemoved, Before: "Java", Text: "Left out Java from Skills"},
	}
	if !reflect.DeepEqual(report.Changes, want) {
		t.Errorf("got changes\n%+v\nwant\n%+v", report.Changes, want)
	}
}

func TestReportSummary(t *testing.T) {
	tests := []struct {
		name   string
		report Report
		want   string
	}{
		{name: "identical", report: Report{OK: true}, want: "verified: identical to the profile"},
		{
			name:   "only changes",
			report: Report{OK: true, Changes: []Change{{Kind: ChangeReordered}, {Kind: ChangeRewritten}}},
			want:   "verified: nothing invented, 2 changes",
		},
		{
			name: "removed and restored",
			report: Report{Violations: []Violation{
				{Reason: `employer "Acme" not in profile`, Action: ActionRemoved},
				{Reason: `"45%" is not in the profile`, Action: ActionRemoved},
				{Reason: "name differs from profile", Action: ActionRestored},
			}},
			want: `2 items removed, 1 restored: employer "Acme" not in profile; "45%" is not in the profile; name differs from profile`,
		},
		{
			name:   "one restored",
			report: Report{Violations: []Violation{{Reason: "name differs from profile", Action: ActionRestored}}},
			want:   "1 item restored: name differs from profile",
		},
		{
			name: "long lists are cut",
			report: Report{Violations: slices.Repeat([]Violation{
				{Reason: "x", Action: ActionRemoved},
			}, 7)},
			want: "7 items removed: x; x; x; x; x; and 2 more",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.report.Summary(); got != tt.want {
				t.Errorf("Summary() = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzVerify checks that Verify never panics and that its output always
// passes a second Verify: cleaning is complete in one pass.
func FuzzVerify(f *testing.F) {
	f.Add("Cut costs by $2.5M (40%) in 2019", "Go", "Northwind Payments", "2021-03")
	f.Add("1,200.5k req/s, v1.2 on k8s", "Rust", "Acme", "")
	f.Fuzz(func(t *testing.T, highlight, skill, employer, start string) {
		src := Sample()
		tailored := TailorOffline(src, highlight, skill)
		tailored.Work[0].Highlights = append(tailored.Work[0].Highlights, highlight)
		tailored.Work = append(tailored.Work, Work{Name: employer, Position: "Senior Backend Engineer", StartDate: start})
		tailored.Skills[0].Keywords = append(tailored.Skills[0].Keywords, skill)
		tailored.Basics.Summary += " " + highlight
		got, _ := Verify(src, tailored)
		if _, again := Verify(src, got); !again.OK {
			t.Fatalf("second Verify: %s", again.Summary())
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	src := Sample()
	tailored := TailorOffline(src, SampleJobDescription, "Senior Backend Engineer")
	for b.Loop() {
		Verify(src, tailored)
	}
}
