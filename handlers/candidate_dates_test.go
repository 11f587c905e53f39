package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

// TestCandidateFormReadsDatesAsTyped: the candidate form takes a date as a
// recruiter writes it and stores the JSON Resume form (issue 15).
func TestCandidateFormReadsDatesAsTyped(t *testing.T) {
	e := newWebEnv(t)
	owner := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	for _, tc := range []struct{ typed, want string }{
		{"2020-03", "2020-03"},
		{"2020-03-15", "2020-03-15"},
		{"2020", "2020"},
		{"March 2020", "2020-03"},
		{"Mar 2020", "2020-03"},
		{"  march   2020 ", "2020-03"},
		{"Sept 2019", "2019-09"},
		{"03/2020", "2020-03"},
		{"15 March 2020", "2020-03-15"},
	} {
		t.Run(tc.typed, func(t *testing.T) {
			form := url.Values{
				"basics.name": {"Jane"}, "work[0].position": {"Engineer"}, "work[0].name": {"Acme"},
				"work[0].startDate": {tc.typed}, "education[0].institution": {"Uni"}, "education[0].endDate": {tc.typed},
				"op": {"save"},
			}
			r := c.post("/candidates/new", form)
			wantStatus(t, r, http.StatusSeeOther)
			saved, err := e.db.Candidates.Get(context.Background(), db.OwnedBy(owner.ID), strings.TrimPrefix(r.header.Get("Location"), "/candidates/"))
			if err != nil {
				t.Fatalf("not saved: %v", err)
			}
			var p resume.Resume
			json.Unmarshal(saved.Profile, &p)
			if p.Work[0].StartDate != tc.want || p.Education[0].EndDate != tc.want {
				t.Errorf("%q stored as %q and %q, want %q", tc.typed, p.Work[0].StartDate, p.Education[0].EndDate, tc.want)
			}
		})
	}
}

// TestFormErrorsOpenWithASummary: a form that comes back with errors starts
// with a focused summary whose items link to their fields (issue 15).
func TestFormErrorsOpenWithASummary(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleAdmin)
	c := e.client()
	c.signIn("ann@example.com")

	r := c.post("/candidates/new", url.Values{
		"basics.name": {"Jane"}, "basics.email": {"nope"}, "work[0].position": {"Engineer"},
		"work[0].startDate": {"Spring 2020"}, "op": {"save"},
	})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, `data-error-summary`, `role="alert"`, `tabindex="-1"`,
		`href="#basics.email"`, `Email: Must be an email address`,
		`href="#work[0].startDate"`, `Job 1, start: Must be a date such as 2020-03, March 2020 or 2020`,
		`type="email" id="basics.email"`)
	if strings.Index(r.body, `href="#basics.email"`) > strings.Index(r.body, `href="#work[0].startDate"`) {
		t.Error("the summary does not list the fields in the form's order")
	}

	for _, tc := range []struct {
		name, path string
		form       url.Values
		wants      []string
	}{
		{"opening", "/openings/new", url.Values{"title": {""}, "description": {""}}, []string{`href="#description"`}},
		{"user", "/admin/users", url.Values{"email": {"x"}, "password": {"short"}}, []string{`href="#email"`, `href="#password"`}},
		{"token", "/settings/tokens", url.Values{"name": {strings.Repeat("n", 200)}}, []string{`href="#name"`}},
		{"password", "/settings/password", url.Values{"current_password": {"wrong-password"}, "new_password": {"x"}}, []string{`href="#new_password"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.post(tc.path, tc.form)
			wantBody(t, r, append([]string{`data-error-summary`, `tabindex="-1"`}, tc.wants...)...)
		})
	}
}
