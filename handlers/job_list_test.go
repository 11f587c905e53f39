package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
)

// rowOf returns the My jobs row of job id in a page, or "".
func rowOf(body, id string) string {
	m := regexp.MustCompile(`(?s)<li class="job-row" id="row-` + regexp.QuoteMeta(id) + `".*?</li>`).FindString(body)
	return m
}

func TestMyJobsRowsCountsAndSearch(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	e.user("bob@example.com", db.RoleRecruiter)
	jose := resume.Sample()
	jose.Basics.Name = "José Álvarez"
	joseC := e.candidate(ann, jose)
	maya := e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")
	ctx := context.Background()

	// José's job from a saved opening, finished; two of Maya's: one failed, one running.
	o, _ := e.db.Openings.Create(ctx, db.Opening{OwnerID: ann.ID, Title: "Go Engineer", Company: "Initech", Description: resume.SampleJobDescription})
	wantStatus(t, c.post("/candidates/"+joseC.ID+"/generate", url.Values{"opening_id": {o.ID}}), http.StatusSeeOther)
	done, _ := e.db.Jobs.ByCandidate(ctx, db.AllOwners, joseC.ID, 1)
	e.succeed(done[0], resume.Sample())
	failed := e.job(c, maya)
	e.db.Jobs.Apply(ctx, failed.ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 4,
		Change: jobstate.Change{Stage: tasks.StageFailed, Error: "LLM rejected the API key (401): check OPENAI_API_KEY"}}, nil)
	running := e.job(c, maya)
	e.db.Jobs.Apply(ctx, running.ID, jobstate.Event{Kind: jobstate.EventProgress, Attempt: 1,
		Change: jobstate.Change{Stage: tasks.StageChecking, Progress: 60}}, nil)
	e.srv.Now = func() time.Time { return running.CreatedAt.Add(3*time.Minute + 10*time.Second) }

	r := c.get("/jobs")
	wantStatus(t, r, http.StatusOK)
	if n := strings.Count(r.body, `data-testid="job-row"`); n != 3 {
		t.Errorf("My jobs shows %d rows, want 3", n)
	}
	// Counts on the filters, from all of the user's jobs.
	for _, want := range []string{"All <span class=\"count\">3</span>", "Running <span class=\"count\">1</span>",
		"Ready <span class=\"count\">1</span>", "Failed <span class=\"count\">1</span>", "Canceled <span class=\"count\">0</span>"} {
		wantBody(t, r, want)
	}

	// A finished row: no progress bar; the candidate's name goes to the
	// candidate, the opening's title to the opening; Download and Details.
	row := rowOf(r.body, done[0].ID)
	for _, want := range []string{`href="/candidates/` + joseC.ID + `"`, `>José Álvarez</a>`,
		`href="/openings/` + o.ID + `/edit" data-testid="job-opening">Go Engineer at Initech</a>`,
		`data-testid="job-download"`, `href="/jobs/` + done[0].ID + `" data-testid="job-details"`, `<span class="skip" data-testid="job-status">Ready</span>`} {
		if !strings.Contains(row, want) {
			t.Errorf("finished row lacks %q:\n%s", want, row)
		}
	}
	if strings.Contains(row, "<progress") || strings.Contains(row, "hx-get") {
		t.Errorf("a finished row has a progress bar or polls:\n%s", row)
	}
	// The failed row: its reason and Retry; the running row: its stage,
	// a small progress bar, its own poll, Cancel, and when it was made.
	row = rowOf(r.body, failed.ID)
	for _, want := range []string{"Tailor cannot use the AI service: its settings need fixing (401)", `data-testid="job-retry"`} {
		if !strings.Contains(row, want) {
			t.Errorf("failed row lacks %q:\n%s", want, row)
		}
	}
	row = rowOf(r.body, running.ID)
	for _, want := range []string{"checking facts · 60%", `<progress max="100" value="60"`, `data-testid="job-cancel"`,
		"&amp;form=row", `hx-trigger="every 2s, refresh"`,
		`<time class="job-when" datetime="` + running.CreatedAt.UTC().Format(time.RFC3339) + `" title="` + running.CreatedAt.UTC().Format("2 Jan 2006 15:04 UTC") + `" data-testid="job-when">3 min ago</time>`} {
		if !strings.Contains(row, want) {
			t.Errorf("running row lacks %q:\n%s", want, row)
		}
	}

	// Search: case and accents do not matter; the counts follow it.
	for _, q := range []string{"alvarez", "ÁLVAREZ", "josé", "initech", "go eng"} {
		r := c.get("/jobs?q=" + url.QueryEscape(q))
		if n := strings.Count(r.body, `data-testid="job-row"`); n != 1 || rowOf(r.body, done[0].ID) == "" {
			t.Errorf("search %q shows %d rows, want José's only", q, n)
		}
		wantBody(t, r, "All <span class=\"count\">1</span>", "Failed <span class=\"count\">0</span>", `value="`+q+`"`)
	}
	r = c.get("/jobs?status=failed&q=okafor")
	if n := strings.Count(r.body, `data-testid="job-row"`); n != 1 || rowOf(r.body, failed.ID) == "" {
		t.Errorf("failed and okafor: %d rows, want the failed one", n)
	}
	wantBody(t, r, `href="/jobs?q=okafor"`, `href="/jobs?q=okafor&amp;status=succeeded"`, `name="status" value="failed"`)
	wantBody(t, c.get("/jobs?q=nobody"), `data-testid="jobs-empty"`, "No job matches “nobody”")
	// Hostile input is words, never an error.
	for _, q := range []string{`"`, "O'Brien", "C++", "AND", "*", `") OR 1=1 --`, "NEAR(", "<script>"} {
		r := c.get("/jobs?q=" + url.QueryEscape(q))
		wantStatus(t, r, http.StatusOK)
		if strings.Contains(r.body, "<script>") && strings.Contains(q, "<script>") {
			t.Errorf("the search %q is shown unescaped", q)
		}
	}
	r = c.get("/jobs?q=" + strings.Repeat("a", 201))
	wantStatus(t, r, http.StatusBadRequest)
	wantBody(t, r, "The search is too long")

	// htmx asks for the list alone as you type.
	r = c.do("GET", "/jobs?q=alvarez", nil, map[string]string{"HX-Request": "true", "HX-Target": "job-list"})
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(r.body, "<html") || !strings.HasPrefix(strings.TrimSpace(r.body), `<div id="job-list"`) {
		t.Errorf("the htmx search answers more than the list:\n%s", snippet(r.body))
	}

	// Bob sees none of it, search or not.
	bob := e.client()
	bob.signIn("bob@example.com")
	r = bob.get("/jobs?q=alvarez")
	if strings.Contains(r.body, done[0].ID) || !strings.Contains(r.body, "All <span class=\"count\">0</span>") {
		t.Errorf("bob's search shows ann's jobs:\n%s", snippet(r.body))
	}
}

func TestJobRowPollCancelAndRetry(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")
	j := e.job(c, cand)
	poll := e.srv.pollURL(j.ID, db.OwnedBy(ann.ID)) + "&form=row"

	// A row's poll answers a row, polling while the job runs.
	r := e.client().get(poll)
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `<li class="job-row" id="row-`+j.ID+`"`, `hx-get="`+strings.ReplaceAll(poll, "&", "&amp;")+`"`, "waiting in queue")
	if strings.Contains(r.body, `data-testid="job-card"`) {
		t.Error("a row's poll answered a card")
	}

	// Cancel from a row: the row comes back, ended.
	r = c.post("/jobs/"+j.ID+"/cancel", url.Values{"form": {"row"}}, "HX-Request", "true")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `data-testid="job-row"`, `data-status="canceled"`, `data-testid="job-retry"`)
	r = e.client().get(poll)
	wantStatus(t, r, statusStopPolling)
	wantBody(t, r, `data-testid="job-row"`, `data-status="canceled"`)
	if strings.Contains(r.body, "hx-get") {
		t.Error("an ended row still polls")
	}

	// Retry from a row: the new job's row.
	r = c.post("/jobs/"+j.ID+"/retry", url.Values{"form": {"row"}}, "HX-Request", "true")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `data-testid="job-row"`, `data-status="queued"`)
	if strings.Contains(r.body, `id="row-`+j.ID+`"`) {
		t.Error("retry answered the old job's row")
	}
}

// TestJobRowPollKeepsTheOpening: a running row's poll link carries the
// opening it came from, so each poll (every 2 s) answers the row with its
// opening link without looking the opening up again; a forged value is
// dropped, and a link to another's opening is only a link (its page checks
// the owner).
func TestJobRowPollKeepsTheOpening(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")
	ctx := context.Background()
	o, _ := e.db.Openings.Create(ctx, db.Opening{OwnerID: ann.ID, Title: "Go Engineer", Company: "Initech", Description: resume.SampleJobDescription})
	wantStatus(t, c.post("/candidates/"+cand.ID+"/generate", url.Values{"opening_id": {o.ID}}), http.StatusSeeOther)
	jobs, _ := e.db.Jobs.ByCandidate(ctx, db.AllOwners, cand.ID, 1)
	j := jobs[0]

	row := rowOf(c.get("/jobs").body, j.ID)
	m := regexp.MustCompile(`hx-get="([^"]+)"`).FindStringSubmatch(row)
	if m == nil {
		t.Fatalf("the running row does not poll:\n%s", row)
	}
	poll := strings.ReplaceAll(m[1], "&amp;", "&")
	u, _ := url.Parse(poll)
	if q := u.Query(); q.Get("form") != "row" || q.Get("opening") != o.ID {
		t.Fatalf("row poll %s: want form=row and opening=%s", poll, o.ID)
	}
	link := `href="/openings/` + o.ID + `/edit" data-testid="job-opening"`
	r := e.client().get(poll)
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `id="row-`+j.ID+`"`, link, `hx-get="`+strings.ReplaceAll(poll, "&", "&amp;")+`"`)

	// The opening is not signed: a forged value that is no id is dropped.
	q := u.Query()
	q.Set("opening", `x"><script>`)
	u.RawQuery = q.Encode()
	r = e.client().get(u.String())
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(r.body, `href="/openings/`) || strings.Contains(r.body, "<script>") {
		t.Errorf("a forged opening is shown:\n%s", snippet(r.body))
	}
}

func TestJobPageRefreshesWithoutJavaScript(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")
	j := e.job(c, cand)

	// Running: the page reloads itself when scripts are off, and says so.
	r := c.get("/jobs/" + j.ID)
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `<noscript><meta http-equiv="refresh" content="2"></noscript>`, `href="/jobs/`+j.ID+`" data-testid="job-refresh">Refresh</a>`)
	if strings.Contains(r.body, `data-testid="job-page-download"`) {
		t.Error("a running job's page offers a download")
	}

	// Ended: no more reloads, a Download button.
	e.succeed(j, resume.Sample())
	r = c.get("/jobs/" + j.ID)
	if strings.Contains(r.body, `http-equiv="refresh"`) || strings.Contains(r.body, `data-testid="job-refresh"`) {
		t.Error("a finished job's page still reloads itself")
	}
	wantBody(t, r, `href="/jobs/`+j.ID+`/download" download data-testid="job-page-download">Download PDF</a>`)
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "just now"}, // a clock a little ahead
		{59 * time.Second, "just now"},
		{3*time.Minute + 59*time.Second, "3 min ago"},
		{5 * time.Hour, "5 h ago"},
		{30 * time.Hour, "yesterday"},
		{4 * 24 * time.Hour, "4 days ago"},
		{60 * 24 * time.Hour, "2 Oct"},
		{400 * 24 * time.Hour, "27 Oct 2025"},
	}
	for _, tt := range tests {
		if got := ago(now.Add(-tt.d), now); got != tt.want {
			t.Errorf("ago(now - %v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestAPIMyJobsSearch(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	jose := resume.Sample()
	jose.Basics.Name = "José Álvarez"
	joseC, maya := e.candidate(ann, jose), e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")
	j := e.job(c, joseC)
	e.job(c, maya)
	tok := e.token(ann)

	r := e.api("GET", "/api/resume-async/my-jobs?q="+url.QueryEscape("ALVAREZ glob"), tok, nil)
	wantStatus(t, r, http.StatusOK)
	if n := strings.Count(r.body, `"job_id"`); n != 1 || !strings.Contains(r.body, j.ID) {
		t.Errorf("q=ALVAREZ glob: %d jobs, want José's:\n%s", n, r.body)
	}
	r = e.api("GET", "/api/resume-async/my-jobs?q="+url.QueryEscape(`"*`), tok, nil)
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `"jobs":[]`)
	r = e.api("GET", "/api/resume-async/my-jobs?q="+strings.Repeat("a", 201), tok, nil)
	wantStatus(t, r, http.StatusBadRequest)
	wantBody(t, r, `"error":"q is too long`)
}
