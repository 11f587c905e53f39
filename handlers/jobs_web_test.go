package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
)

func TestGenerateFromTheCandidatePage(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")

	// s.submit commits the row before it enqueues.
	e.queue.onEnqueue = func(p tasks.GeneratePayload) error {
		if _, err := e.db.Jobs.Get(context.Background(), db.AllOwners, p.JobID); err != nil {
			t.Errorf("enqueued before the row was committed: %v", err)
		}
		return nil
	}

	// Nothing chosen: the form comes back with the message by the field.
	r := c.post("/candidates/"+cand.ID+"/generate", url.Values{"theme": {"classic"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, `id="source-error"`, "Choose an opening or paste a job description")
	r = c.post("/candidates/"+cand.ID+"/generate", url.Values{"job_description": {"Go"}, "job_title": {"Go dev"}, "theme": {"neon"}},
		"HX-Request", "true")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if r.header.Get("HX-Retarget") != "#generate-form" || strings.Contains(r.body, "<html") {
		t.Errorf("htmx error: retarget %q, body:\n%s", r.header.Get("HX-Retarget"), snippet(r.body))
	}
	wantBody(t, r, `value="Go dev"`, "theme must be one of")
	if e.queue.count() != 0 {
		t.Fatal("an invalid request was enqueued")
	}

	// From a saved opening, with htmx: the new card at once.
	o, _ := e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: "Go Engineer", Company: "Globex", Description: resume.SampleJobDescription})
	r = c.post("/candidates/"+cand.ID+"/generate", url.Values{"opening_id": {o.ID}, "theme": {"classic"}, "paper": {"letter"}}, "HX-Request", "true")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `data-testid="job-card"`, `hx-trigger="every 2s, refresh"`, "/card?o="+ann.ID, "waiting in queue", `aria-live="polite"`, "Cancel")
	if e.queue.count() != 1 {
		t.Fatalf("enqueued %d", e.queue.count())
	}
	j, _ := e.db.Jobs.ByCandidate(context.Background(), db.AllOwners, cand.ID, 1)
	if j[0].Company != "Globex" || j[0].Paper != "letter" || j[0].CandidateVersion != 1 {
		t.Errorf("job %+v", j[0])
	}

	// Without JavaScript: a redirect to the new job's page (issue 15, item 8).
	r = c.post("/candidates/"+cand.ID+"/generate", url.Values{"job_description": {"Pasted: Go and Redis"}})
	wantStatus(t, r, http.StatusSeeOther)
	loc := r.header.Get("Location")
	if got, err := e.db.Jobs.Get(context.Background(), db.AllOwners, strings.TrimPrefix(loc, "/jobs/")); err != nil ||
		!strings.HasPrefix(loc, "/jobs/") || got.JobDescription != "Pasted: Go and Redis" {
		t.Errorf("after Generate without JavaScript, to %q (%v), want the new job's page", loc, err)
	}
}

func TestJobCardPolling(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")
	j := e.job(c, cand)
	poll := e.srv.pollURL(j.ID, db.OwnedBy(ann.ID))

	// A running job: 200, still polling, the stage in words. The poll
	// neither needs nor touches the session.
	e.db.Jobs.Apply(context.Background(), j.ID, jobstate.Event{Kind: jobstate.EventProgress, Attempt: 1, Change: jobstate.Change{Stage: tasks.StageChecking, Progress: 60}}, nil)
	anon := e.client()
	r := anon.get(poll)
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `hx-trigger="every 2s, refresh"`, "60% · checking facts", `value="60"`)
	r = c.get(poll)
	if sc := r.header.Get("Set-Cookie"); sc != "" {
		t.Errorf("poll wrote a cookie: %q", sc)
	}

	// Done: 286 stops polling; the final card downloads by itself.
	e.succeed(j, resume.Sample())
	r = anon.get(poll)
	wantStatus(t, r, statusStopPolling)
	if strings.Contains(r.body, "hx-trigger") {
		t.Error("final card still polls")
	}
	wantBody(t, r, "data-autodownload", "Download PDF", "Preview", "Details", `data-status="succeeded"`)

	// A tampered link or another user's scope is refused.
	wantStatus(t, anon.get(strings.Replace(poll, "o="+ann.ID, "o=", 1)), http.StatusForbidden)
	wantStatus(t, anon.get("/jobs/"+j.ID+"/card?o=&e=9999999999&s=AAAA"), http.StatusForbidden)

	// An expired link stops polling without failing.
	e.srv.Now = func() time.Time { return time.Now().Add(-48 * time.Hour) }
	old := e.srv.pollURL(j.ID, db.OwnedBy(ann.ID))
	e.srv.Now = nil
	wantStatus(t, anon.get(old), statusStopPolling)
}

func TestFailedJobShowsReasonAndRetries(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")
	j := e.job(c, cand)
	e.db.Jobs.Apply(context.Background(), j.ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 4,
		Change: jobstate.Change{Stage: tasks.StageFailed, Error: "LLM server error (500): upstream exploded"}}, nil)
	r := c.get("/jobs")
	wantBody(t, r, `data-testid="job-error"`, "The AI service had an error (500). Tailor tried 4 times; try again in a few minutes", `data-testid="job-retry"`)
	if strings.Contains(r.body, "LLM server error") || strings.Contains(r.body, "upstream exploded") {
		t.Error("the recruiter's card shows the technical error; it belongs on the admin page")
	}
	wantBody(t, c.get("/jobs?status=failed"), `data-job-id="`+j.ID+`"`)
	if strings.Contains(c.get("/jobs?status=succeeded").body, `data-job-id="`+j.ID+`"`) {
		t.Error("the succeeded filter shows a failed job")
	}

	r = c.post("/jobs/"+j.ID+"/retry", nil, "HX-Request", "true")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `data-testid="job-card"`, "waiting in queue")
	jobs, _ := e.db.Jobs.ByCandidate(context.Background(), db.AllOwners, cand.ID, 10)
	if len(jobs) != 2 || jobs[0].JobDescription != j.JobDescription || jobs[0].Company != "Globex" || jobs[0].Status != jobstate.StatusQueued {
		t.Errorf("retry made %+v", jobs)
	}
	if e.queue.count() != 2 {
		t.Errorf("enqueued %d, want 2", e.queue.count())
	}
}

func TestCancelFromTheCard(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")
	j := e.job(c, cand)

	r := c.post("/jobs/"+j.ID+"/cancel", nil, "HX-Request", "true")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `data-status="canceled"`, "Retry")
	if len(e.queue.canceled) != 1 || e.queue.canceled[0] != j.ID {
		t.Errorf("canceler got %v", e.queue.canceled)
	}
	// Again, without JavaScript: the job already ended; back to the page.
	r = c.post("/jobs/"+j.ID+"/cancel", nil, "Referer", e.ts.URL+"/candidates/"+cand.ID)
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/candidates/"+cand.ID {
		t.Errorf("back to %q", loc)
	}
}

func TestJobDetailsDownloadPreviewShare(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")
	j := e.job(c, cand)

	wantStatus(t, c.get("/jobs/"+j.ID+"/download"), http.StatusConflict) // not ready yet
	tailored := resume.TailorOffline(resume.Sample(), resume.SampleJobDescription, "")
	e.succeed(j, tailored)

	r := c.get("/jobs/" + j.ID)
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `data-testid="match-before">40%`, `data-testid="match-after">70%`, `data-testid="compare"`,
		`sandbox=""`, `src="/jobs/`+j.ID+`/preview"`, `data-testid="share-url"`)

	r = c.get("/jobs/" + j.ID + "/download")
	wantStatus(t, r, http.StatusOK)
	if r.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download headers %v", r.header)
	}
	r = c.get("/jobs/" + j.ID + "/preview")
	wantStatus(t, r, http.StatusOK)
	if csp := r.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox;") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("preview CSP %q", csp)
	}

	// The share link: no session needed; tampered 404; expired 410.
	share, _ := e.srv.shareURL(httptest.NewRequest("GET", "/", nil), j.ID)
	anon := e.client()
	r = anon.get(share)
	wantStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(r.header.Get("Content-Disposition"), "inline") || r.body != "%PDF-1.4 fake" {
		t.Errorf("shared PDF: %v %q", r.header, r.body)
	}
	wantStatus(t, anon.get(strings.Replace(share, "e=", "e=1", 1)), http.StatusNotFound)
	exp := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	expired := "/share/" + j.ID + "?e=" + exp + "&s=" + e.srv.mac("share", j.ID, exp)
	wantStatus(t, anon.get(expired), http.StatusGone)
}

func TestOwnershipIs404AndAdminsSeeAll(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	e.user("bob@example.com", db.RoleRecruiter)
	e.user("root@example.com", db.RoleAdmin)
	cand := e.candidate(ann, resume.Sample())
	annC := e.client()
	annC.signIn("ann@example.com")
	j := e.job(annC, cand)
	e.succeed(j, resume.Sample())
	o, _ := e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: "Go", Description: "Go"})

	bob := e.client()
	bob.signIn("bob@example.com")
	gets := []string{
		"/candidates/" + cand.ID, "/candidates/" + cand.ID + "/edit", "/candidates/" + cand.ID + "/export",
		"/candidates/" + cand.ID + "/delete", "/jobs/" + j.ID, "/jobs/" + j.ID + "/download", "/jobs/" + j.ID + "/preview",
		"/openings/" + o.ID + "/edit", "/openings/" + o.ID + "/delete", "/jobs/nope", "/no/such/page",
	}
	for _, path := range gets {
		t.Run("GET "+path, func(t *testing.T) {
			r := bob.get(path)
			wantStatus(t, r, http.StatusNotFound)
			wantBody(t, r, `data-testid="error-page"`, "Page not found")
			// Signed in, the error page keeps the top bar: a way back.
			wantBody(t, r, `data-testid="signed-in-as"`)
		})
	}
	// Signed out, an unknown address has no signed-in menu; a wrong method
	// on a page keeps the top bar too.
	r := e.client().get("/no/such/page")
	wantStatus(t, r, http.StatusNotFound)
	if strings.Contains(r.body, `data-testid="signed-in-as"`) {
		t.Error("a signed-out 404 shows a signed-in menu")
	}
	r = bob.do("PUT", "/candidates", nil, nil)
	wantStatus(t, r, http.StatusMethodNotAllowed)
	wantBody(t, r, `data-testid="signed-in-as"`)
	posts := []string{
		"/candidates/" + cand.ID + "/edit", "/candidates/" + cand.ID + "/delete", "/candidates/" + cand.ID + "/generate",
		"/jobs/" + j.ID + "/cancel", "/jobs/" + j.ID + "/retry", "/openings/" + o.ID + "/edit", "/openings/" + o.ID + "/delete",
	}
	for _, path := range posts {
		t.Run("POST "+path, func(t *testing.T) {
			wantStatus(t, bob.post(path, url.Values{"basics.name": {"Mallory"}, "job_description": {"x"}, "title": {"x"}, "description": {"x"}}), http.StatusNotFound)
		})
	}
	if got, _ := e.db.Candidates.Get(context.Background(), db.AllOwners, cand.ID); got.Version != 1 || got.Name != "Maya Okafor" {
		t.Errorf("bob changed ann's candidate: %+v", got)
	}
	// Bob's lists do not show Ann's things; bob's card poll cannot read them.
	if strings.Contains(bob.get("/candidates").body, cand.ID) || strings.Contains(bob.get("/jobs").body, j.ID) {
		t.Error("bob's lists show ann's objects")
	}
	bobUser, _ := e.db.Users.ByEmail(context.Background(), "bob@example.com")
	wantStatus(t, bob.get(e.srv.pollURL(j.ID, db.OwnedBy(bobUser.ID))), statusStopPolling)

	// Admins see everything.
	admin := e.client()
	admin.signIn("root@example.com")
	for _, path := range gets[:8] {
		if r := admin.get(path); r.status != http.StatusOK {
			t.Errorf("admin GET %s: %d", path, r.status)
		}
	}
}

func TestAdminUsers(t *testing.T) {
	e := newWebEnv(t)
	e.user("root@example.com", db.RoleAdmin)
	e.user("ann@example.com", db.RoleRecruiter)
	ann := e.client()
	ann.signIn("ann@example.com")
	wantStatus(t, ann.get("/admin/users"), http.StatusForbidden)
	wantStatus(t, ann.post("/admin/users", url.Values{"email": {"x@example.com"}, "password": {"a-long-password"}}), http.StatusForbidden)

	admin := e.client()
	admin.signIn("root@example.com")
	r := admin.post("/admin/users", url.Values{"email": {"carol@example.com"}, "password": {"short"}, "role": {"recruiter"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, `value="carol@example.com"`, "at least 8 characters")
	wantStatus(t, admin.post("/admin/users", url.Values{"email": {"carol@example.com"}, "password": {"a-long-password"}, "role": {"recruiter"}}), http.StatusSeeOther)
	wantBody(t, admin.get("/admin/users"), "carol@example.com", "Added carol@example.com")

	// Disable: her session and sign-in stop working.
	carol := e.client()
	r = carol.post("/login", url.Values{"email": {"carol@example.com"}, "password": {"a-long-password"}})
	wantStatus(t, r, http.StatusSeeOther)
	u, _ := e.db.Users.ByEmail(context.Background(), "carol@example.com")
	wantStatus(t, admin.post("/admin/users/"+u.ID+"/disable", url.Values{"disabled": {"true"}}), http.StatusSeeOther)
	wantStatus(t, carol.get("/candidates"), http.StatusSeeOther)
	r = carol.post("/login", url.Values{"email": {"carol@example.com"}, "password": {"a-long-password"}})
	wantStatus(t, r, http.StatusUnauthorized)
	wantBody(t, r, badLogin)

	// Enable and reset the password.
	wantStatus(t, admin.post("/admin/users/"+u.ID+"/disable", url.Values{"disabled": {"false"}}), http.StatusSeeOther)
	wantStatus(t, admin.post("/admin/users/"+u.ID+"/reset", url.Values{"password": {"another-long-one"}}), http.StatusSeeOther)
	wantStatus(t, carol.post("/login", url.Values{"email": {"carol@example.com"}, "password": {"another-long-one"}}), http.StatusSeeOther)

	// An admin cannot lock themselves out.
	me, _ := e.db.Users.ByEmail(context.Background(), "root@example.com")
	wantStatus(t, admin.post("/admin/users/"+me.ID+"/disable", url.Values{"disabled": {"true"}}), http.StatusConflict)
}

func TestOpenings(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	wantBody(t, c.get("/openings"), `data-testid="openings-empty"`)
	r := c.post("/openings/new", url.Values{"title": {"Go Engineer"}, "company": {"Globex"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, `value="Go Engineer"`, `id="description-error"`)
	wantStatus(t, c.post("/openings/new", url.Values{"title": {"Go Engineer"}, "company": {"Globex"}, "description": {"Go and Redis"}}), http.StatusSeeOther)
	list, _ := e.db.Openings.List(context.Background(), db.AllOwners, 10, 0)
	if len(list) != 1 {
		t.Fatalf("%d openings", len(list))
	}
	wantStatus(t, c.post("/openings/"+list[0].ID+"/edit", url.Values{"title": {"Go Lead"}, "description": {"Go"}}), http.StatusSeeOther)
	wantBody(t, c.get("/openings"), "Go Lead")
	wantBody(t, c.get("/openings/"+list[0].ID+"/delete"), "Delete the opening Go Lead?")
	wantStatus(t, c.post("/openings/"+list[0].ID+"/delete", nil), http.StatusSeeOther)
	wantBody(t, c.get("/openings"), `data-testid="openings-empty"`)
}

func TestStaticAssetsAreHashedAndImmutable(t *testing.T) {
	e := newWebEnv(t)
	c := e.client()
	page := c.get("/login").body
	for _, m := range assetRe.FindAllStringSubmatch(page, -1) {
		r := c.get(m[1])
		wantStatus(t, r, http.StatusOK)
		if cc := r.header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s Cache-Control %q", m[1], cc)
		}
		if r.header.Get("Set-Cookie") != "" {
			t.Errorf("%s set a cookie", m[1])
		}
	}
	if n := len(assetRe.FindAllString(page, -1)); n != 3 {
		t.Errorf("%d assets on the login page, want CSS, htmx and app.js", n)
	}
	wantStatus(t, c.get("/static/app.css"), http.StatusNotFound)
}
