package jobs

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
)

// TestFabricationsNeverReachPDF runs one job per class of fabrication
// (issue 11) through the real pipeline: an OpenAI-compatible fake model
// that invents one claim, the go-openai client, the fact check, Chrome.
// The PDF must not carry the claim, and the job's report must say why.
func TestFabricationsNeverReachPDF(t *testing.T) {
	type fabrication struct {
		class  string
		invent func(r *resume.Resume)
		absent string // text the PDF must not contain (spaces normalised)
		reason string // part of the report's reason
	}
	sources := func(r *resume.Resume) {
		for i := range r.Work {
			r.Work[i].HighlightSources = nil
			for k := range r.Work[i].Highlights {
				r.Work[i].HighlightSources = append(r.Work[i].HighlightSources, k)
			}
		}
	}
	cases := []fabrication{
		{"organisation", func(r *resume.Resume) {
			r.Work[0].Highlights[2] = strings.TrimSuffix(r.Work[0].Highlights[2], ".") + " for Globotron Bank."
		}, "Globotron", "'Globotron' is not in the profile"},
		{"technology", func(r *resume.Resume) {
			r.Work[0].Highlights[4] = strings.TrimSuffix(r.Work[0].Highlights[4], ".") + ", deploying them with Pulumi on Azure."
		}, "Pulumi", "'Pulumi' is not in the profile"},
		{"role in the summary", func(r *resume.Resume) {
			r.Basics.Summary = "Previously a principal engineer at Initrode. " + r.Basics.Summary
		}, "Initrode", "not in the profile"},
		{"moved achievement", func(r *resume.Resume) {
			r.Work[0].Highlights[0] = r.Work[1].Highlights[3] // Brightline's batch rewrite, under Northwind
		}, "", "this is from the job Backend Engineer at Brightline Logistics"},
		{"number", func(r *resume.Resume) {
			r.Work[1].Highlights[0] = strings.Replace(r.Work[1].Highlights[0], "1,200", "4,800", 1)
		}, "4,800", `"4,800" is not in the profile for this job`},
		{"subtle leadership", func(r *resume.Resume) {
			r.Work[2].Highlights[3] = "Led 2 major releases per year."
		}, "Led 2 major", "'Led' claims more than the profile"},
		{"dropped team size", func(r *resume.Resume) {
			r.Work[2].Highlights[3] = "Shipped 2 major releases per year with the whole team."
		}, "the whole team", "drops the size"},
		{"title", func(r *resume.Resume) { r.Work[1].Position = "Lead Backend Engineer" }, "Lead Backend", "The AI changed the job title at"},
		{"date", func(r *resume.Resume) { r.Work[1].StartDate = "2015-06" }, "2015", "start date"},
		{"degree", func(r *resume.Resume) { r.Education[0].StudyType = "Master of Science" }, "Master of Science", "not in profile"},
	}
	byMarker := map[string]fabrication{}
	for _, c := range cases {
		byMarker["Marker: "+c.class] = c
	}
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		out := req.Profile
		sources(&out)
		for marker, c := range byMarker {
			if strings.Contains(req.JobDescription, marker) {
				c.invent(&out)
			}
		}
		return llmtest.Reply{Profile: &out}
	})
	p := startPipeline(t, pipelineOptions{tailorer: llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: fake.URL, Model: "fake-model"})})
	jobs := map[string]db.Job{}
	for _, c := range cases {
		jobs[c.class] = p.submit(t, resume.Sample(), resume.SampleJobDescription+"\nMarker: "+c.class)
	}
	space := regexp.MustCompile(`\s+`)
	for _, c := range cases {
		t.Run(c.class, func(t *testing.T) {
			got := p.waitFinal(t, jobs[c.class].ID, 60*time.Second)
			if got.Status != jobstate.StatusSucceeded {
				t.Fatalf("job = %s (%s)", got.Status, got.Error)
			}
			res, err := p.db.Jobs.Result(context.Background(), db.AllOwners, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			text := space.ReplaceAllString(pdfText(t, res.PDF), " ")
			if c.absent != "" && strings.Contains(text, c.absent) {
				t.Errorf("the PDF carries %q:\n%s", c.absent, text)
			}
			if c.class == "moved achievement" {
				// Brightline's highlight stays under Brightline, once.
				if n := strings.Count(text, "nightly batch runtime"); n != 1 {
					t.Errorf("the moved highlight appears %d times in the PDF, want once (under its own job)", n)
				}
			}
			var report resume.Report
			if err := json.Unmarshal([]byte(got.Verification), &report); err != nil {
				t.Fatalf("report %q: %v", got.Verification, err)
			}
			if !slices.ContainsFunc(report.Violations, func(v resume.Violation) bool { return strings.Contains(v.Reason, c.reason) }) {
				t.Errorf("report lacks %q: %+v", c.reason, report.Violations)
			}
		})
	}
}
