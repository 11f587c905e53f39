package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
	"github.com/tailor-app/tailor/webhook"
)

// fakeQueue records enqueues and cancels; a fake is a struct with function
// fields and a log of calls.
type fakeQueue struct {
	mu        sync.Mutex
	enqueued  []tasks.GeneratePayload
	canceled  []string
	onEnqueue func(p tasks.GeneratePayload) error
}

func (f *fakeQueue) Enqueue(ctx context.Context, p tasks.GeneratePayload, queue string) error {
	f.mu.Lock()
	f.enqueued = append(f.enqueued, p)
	f.mu.Unlock()
	if f.onEnqueue != nil {
		return f.onEnqueue(p)
	}
	return nil
}

func (f *fakeQueue) Cancel(ctx context.Context, jobID, queue string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canceled = append(f.canceled, jobID)
	return nil
}

func (f *fakeQueue) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.enqueued)
}

type webEnv struct {
	t     testing.TB
	db    *db.DB
	srv   *Server
	ts    *httptest.Server
	queue *fakeQueue
	hooks *fakeHookQueue // webhook deliveries queued
}

const testPassword = "correct horse battery"

func newWebEnv(t testing.TB, configure ...func(*Server)) *webEnv {
	t.Helper()
	d, err := db.Open(filepath.Join(t.TempDir(), "tailor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	key, err := d.Settings.SigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	q, hooks := &fakeQueue{}, &fakeHookQueue{}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &Server{
		DB: d, Enqueuer: q, Canceler: q, Model: "offline",
		Logger:     logger,
		SigningKey: key,
		Webhooks:   &webhook.Service{DB: d, Queue: hooks, Logger: logger, Policy: webhook.Policy{Allow: loopbackNets}},
	}
	for _, c := range configure {
		c(s)
	}
	ts := httptest.NewServer(s.Routes())
	t.Cleanup(ts.Close)
	return &webEnv{t: t, db: d, srv: s, ts: ts, queue: q, hooks: hooks}
}

func (e *webEnv) user(email, role string) db.User {
	e.t.Helper()
	u, err := e.db.Users.Create(context.Background(), email, role, testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// client is a browser-like client: a cookie jar, no automatic redirects.
type client struct {
	e    *webEnv
	http *http.Client
	hdr  http.Header // sent with every request
}

func (e *webEnv) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hdr: http.Header{}, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type resp struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(method, path string, body io.Reader, hdr map[string]string) resp {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.ts.URL+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	for k, v := range c.hdr {
		req.Header[k] = v
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string) resp { return c.do("GET", path, nil, nil) }

func (c *client) post(path string, form url.Values, hdr ...string) resp {
	c.e.t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	return c.do("POST", path, strings.NewReader(form.Encode()), h)
}

// signIn logs the client in through the login form.
func (c *client) signIn(email string) {
	c.e.t.Helper()
	r := c.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	if r.status != http.StatusSeeOther {
		c.e.t.Fatalf("login %s: %d %s", email, r.status, r.body)
	}
}

func (c *client) cookie(name string) *http.Cookie {
	u, _ := url.Parse(c.e.ts.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

func (e *webEnv) candidate(owner db.User, r resume.Resume) db.Candidate {
	e.t.Helper()
	body, _ := json.Marshal(r)
	c, err := e.db.Candidates.Create(context.Background(), owner.ID, r.Basics.Name, body)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// job submits a job for the candidate through the page, returning it.
func (e *webEnv) job(c *client, cand db.Candidate) db.Job {
	e.t.Helper()
	// The new job is the one that was not there before: two jobs made in
	// the same millisecond sort by id, not by age.
	before, _ := e.db.Jobs.ByCandidate(context.Background(), db.AllOwners, cand.ID, 500)
	// A posting number of its own: the same inputs seconds apart are one job.
	jd := fmt.Sprintf("%s\n\nPosting %d.", resume.SampleJobDescription, len(before)+1)
	r := c.post("/candidates/"+cand.ID+"/generate", url.Values{"job_description": {jd}, "company": {"Globex"}})
	if r.status != http.StatusSeeOther {
		e.t.Fatalf("generate: %d %s", r.status, r.body)
	}
	jobs, err := e.db.Jobs.ByCandidate(context.Background(), db.AllOwners, cand.ID, 500)
	for _, j := range jobs {
		if !slices.ContainsFunc(before, func(b db.Job) bool { return b.ID == j.ID }) {
			return j
		}
	}
	e.t.Fatalf("no new job: %v", err)
	return db.Job{}
}

// succeed finishes a job with a PDF, as the events consumer would.
func (e *webEnv) succeed(j db.Job, tailored resume.Resume) {
	e.t.Helper()
	profile, _ := json.Marshal(tailored)
	_, tailoredReport := resume.Verify(tailored, tailored)
	report, _ := json.Marshal(tailoredReport)
	before, after := 40, 70
	if _, err := e.db.Jobs.Apply(context.Background(), j.ID, jobstate.Event{
		Kind: jobstate.EventSucceeded, Attempt: 1, Change: jobstate.Change{Stage: "done", Progress: 100,
			MatchBefore: &before, MatchAfter: &after, Verification: string(report)},
	}, &db.Result{PDF: []byte("%PDF-1.4 fake"), HTML: "<html><body><h1>Resume</h1></body></html>", Profile: profile}); err != nil {
		e.t.Fatal(err)
	}
}

func wantStatus(t *testing.T, r resp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body:\n%s", r.status, want, snippet(r.body))
	}
}

func wantBody(t *testing.T, r resp, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(r.body, w) {
			t.Errorf("body lacks %q:\n%s", w, snippet(r.body))
		}
	}
}

func snippet(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

var (
	inputRe    = regexp.MustCompile(`<input type="(?:text|hidden)"(?: id="[^"]*")? name="([^"]+)" value="([^"]*)"`)
	textareaRe = regexp.MustCompile(`(?s)<textarea id="[^"]*" name="([^"]+)"[^>]*>(.*?)</textarea>`)
)

func unescape(s string) string { return html.UnescapeString(s) }

var assetRe = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
