package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
)

// Issue 11: the job page and the admin's job page say in words which
// claims the fact check removed or restored, with the profile's text
// beside them; neither shows field paths or a raw JSON report.
func TestFactCheckShownInWords(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	e.user("root@example.com", db.RoleAdmin)
	c := e.client()
	c.signIn("ann@example.com")
	j := e.job(c, e.candidate(ann, resume.Sample()))

	src := resume.Sample()
	tailored := src.Clone()
	tailored.Work[0].Highlights[4] = "Built Terraform modules and GitHub Actions pipelines that cut deploy time from 45 to 8 minutes, deploying them with Pulumi on Azure."
	tailored.Basics.Summary = "Previously a staff engineer at Initrode. " + src.Basics.Summary
	checked, report := resume.Verify(src, tailored)
	body, _ := json.Marshal(report)
	profile, _ := json.Marshal(checked)
	if _, err := e.db.Jobs.Apply(context.Background(), j.ID, jobstate.Event{
		Kind: jobstate.EventSucceeded, Attempt: 1,
		Change: jobstate.Change{Stage: "done", Progress: 100, Verification: string(body)},
	}, &db.Result{PDF: []byte("%PDF-1.4 fake"), HTML: "<html></html>", Profile: profile}); err != nil {
		t.Fatal(err)
	}

	admin := e.client()
	admin.signIn("root@example.com")
	for name, page := range map[string]resp{"job page": c.get("/jobs/" + j.ID), "admin job page": admin.get("/admin/jobs/" + j.ID)} {
		t.Run(name, func(t *testing.T) {
			wantStatus(t, page, http.StatusOK)
			text := unescape(page.body)
			for _, want := range []string{
				"'Pulumi' is not in the profile for this job (Senior Backend Engineer at Northwind Payments)",
				"A highlight of Senior Backend Engineer at Northwind Payments",
				"deploying them with Pulumi on Azure.",                                                            // what the tailoring said
				"Built Terraform modules and GitHub Actions pipelines that cut deploy time from 45 to 8 minutes.", // the profile's text
				"'Initrode' is not in the profile",
				"The summary",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			for _, raw := range []string{"work[0].highlights[4]", `"violations":`, "basics.summary"} {
				if strings.Contains(text, raw) {
					t.Errorf("page shows %q, a path or raw JSON", raw)
				}
			}
		})
	}
}
