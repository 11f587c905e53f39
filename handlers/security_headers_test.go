package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobs"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/mail"
	"github.com/tailor-app/tailor/resume"
)

// The exact policies, written out: a change to them must change this test.
const (
	wantPageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
		"base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
	wantFragmentCSP = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
	wantPreviewCSP  = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; " +
		"form-action 'none'; frame-ancestors 'self'"
)

// notPages are the GET routes that answer no Tailor page or page fragment,
// with what they answer and, for those with headers of note, the test.
var notPages = map[string]string{
	"/healthz":                "text",
	"/readyz":                 "text",
	"/static/*":               "assets (TestStaticAssetsAreHashedAndImmutable)",
	"/api/*":                  "the JSON API",
	"/api/openapi.json":       "JSON",
	"/candidates/{id}/export": "JSON Resume download",
	"/jobs/{id}/download":     "PDF (TestSecurityHeadersOfPreviewAndFiles)",
	"/batches/{id}/zip":       "ZIP (TestAPIBatchZip, TestWebBatch)",
	"/batches/{id}/progress":  "a fragment of /batches/{id}, polled with a signed link (TestWebBatch)",
	"/jobs/{id}/preview":      "its own policy (TestSecurityHeadersOfPreviewAndFiles)",
	"/embed/*":                "fragments: their own policy (TestEmbedFragmentsHaveTheirOwnPolicy)",
	"/embed/embed.css":        "CSS",
	"/embed/htmx.min.js":      "JavaScript",
	"/events":                 "text/event-stream (TestEventsStreamHeaders)",
	"/embed/example.js":       "JavaScript (TestEmbedExampleUsesItsOwnOriginOnly)",
	"/embed/example.css":      "CSS",
}

// TestEveryPageHasTheStrictCSP requests every page route, as nobody, as a
// recruiter and as an admin, with data present so that each page renders
// whole (cards running, finished and failed, an opening, a token), plus
// fragments, form errors and error pages: each HTML answer carries exactly
// the page policy, and its markup has nothing the policy would refuse (an
// inline script or handler, a style attribute or element, a javascript:
// URL, hx-on or anything that needs htmx's eval). Issue 10, finding 2.
func TestEveryPageHasTheStrictCSP(t *testing.T) {
	checked := map[string]bool{} // route patterns requested
	check := func(name string, r resp, wantStatusCode int) {
		t.Helper()
		if r.status != wantStatusCode {
			t.Errorf("%s: status %d, want %d", name, r.status, wantStatusCode)
		}
		if !isHTML(r.header.Get("Content-Type")) {
			t.Errorf("%s: Content-Type %q, want HTML", name, r.header.Get("Content-Type"))
			return
		}
		wantPageHeaders(t, name, r)
		for _, bad := range policyBreaches(r.body) {
			t.Errorf("%s: %s", name, bad)
		}
	}

	var clock time.Time // zero: the real time
	e := newWebEnv(t, func(s *Server) {
		s.AllowSignup, s.SetupCode = true, "ABCD-EFGH"
		s.Now = func() time.Time {
			if clock.IsZero() {
				return time.Now()
			}
			return clock
		}
	})
	check("first run", e.client().get("/setup"), http.StatusOK) // before any user exists
	ann := e.user("ann@example.com", db.RoleRecruiter)
	e.user("root@example.com", db.RoleAdmin)
	rec, adm, anon := e.signedIn("ann@example.com"), e.signedIn("root@example.com"), e.client()

	cand := e.candidate(ann, sampleWith(func(r *resume.Resume) { r.Basics.Name = `Maya <b onclick="x()">Okafor</b>` }))
	done := e.job(rec, cand)
	e.succeed(done, resume.Sample())
	failed := e.job(rec, cand)
	if _, err := e.db.Jobs.Apply(context.Background(), failed.ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 1,
		Change: jobstate.Change{Stage: "failed", Error: `LLM said <script>alert(1)</script>`}}, nil); err != nil {
		t.Fatal(err)
	}
	running := e.job(rec, cand) // queued: its card polls
	wantStatus(t, rec.post("/openings/new", url.Values{"title": {"Go Engineer"}, "company": {"Globex"}, "description": {"Go and Redis"}}), http.StatusSeeOther)
	m := regexp.MustCompile(`/openings/([^/"]+)/edit`).FindStringSubmatch(rec.get("/openings").body)
	if m == nil {
		t.Fatal("no opening listed")
	}
	openingID := m[1]

	page := func(route, path string, who ...*client) {
		t.Helper()
		checked[route] = true
		if len(who) > 3 {
			t.Fatal("at most three clients")
		}
		for i, c := range who {
			want := http.StatusOK
			if c == rec && strings.HasPrefix(route, "/admin") {
				want = http.StatusForbidden // the 403 page
			}
			check([]string{"as the first", "as the second", "as the third"}[i]+" client: GET "+path, c.get(path), want)
		}
	}

	// Pages for everyone.
	page("/login", "/login", anon)
	page("/signup", "/signup", anon)
	checked["/setup"] = true // above, before any user
	page("/docs/api", "/docs/api", anon, rec)
	page("/embed/example", "/embed/example", anon, rec)

	// Every page of a signed-in user, as a recruiter and as an admin.
	both := []*client{rec, adm}
	page("/candidates", "/candidates", both...)
	page("/candidates", "/candidates?q=Maya", both...)
	page("/candidates/new", "/candidates/new", both...)
	page("/candidates/import", "/candidates/import", both...)
	page("/candidates/{id}", "/candidates/"+cand.ID, both...)
	page("/candidates/{id}/edit", "/candidates/"+cand.ID+"/edit", both...)
	page("/candidates/{id}/delete", "/candidates/"+cand.ID+"/delete", both...)
	page("/openings", "/openings", both...)
	page("/openings/new", "/openings/new", both...)
	page("/openings/{id}", "/openings/"+openingID, both...)
	page("/candidates/{id}/generate/choice", "/candidates/"+cand.ID+"/generate/choice?source=opening&opening_id="+openingID, both...)
	page("/openings/{id}/edit", "/openings/"+openingID+"/edit", both...)
	page("/openings/{id}/delete", "/openings/"+openingID+"/delete", both...)
	page("/jobs", "/jobs", both...)
	page("/jobs", "/jobs?status=failed", both...)
	for _, j := range []db.Job{done, failed, running} {
		page("/jobs/{id}", "/jobs/"+j.ID, both...)
	}
	batch, err := jobs.CreateBatch(context.Background(), e.db, ann.ID, "m", jobs.BatchRequest{OpeningID: openingID, CandidateIDs: []string{cand.ID}})
	if err != nil {
		t.Fatal(err)
	}
	page("/openings/{id}/batch", "/openings/"+openingID+"/batch", both...)
	page("/openings/{id}/batch", "/openings/"+openingID+"/batch?q=Maya", both...)
	page("/candidates/{id}/batch", "/candidates/"+cand.ID+"/batch", both...)
	page("/batches", "/batches", both...)
	page("/batches/{id}", "/batches/"+batch.ID, both...)
	check("batch form with errors", rec.post("/openings/"+openingID+"/batch", url.Values{"theme": {"classic"}}), http.StatusUnprocessableEntity)
	page("/settings/tokens", "/settings/tokens", both...)
	hook, hookErr := e.db.Webhooks.Create(context.Background(), db.Webhook{OwnerID: ann.ID, URL: `https://ats.example.com/h?a="><script>x()</script>`,
		Secret: "whsec_AAAA", Events: []string{"job.failed"}})
	if hookErr != nil {
		t.Fatal(hookErr)
	}
	e.db.Webhooks.Disable(context.Background(), hook.ID, `said <b style="x">gone</b>`)
	for _, status := range []int{200, 500, 0} {
		e.db.Webhooks.LogDelivery(context.Background(), db.WebhookDelivery{WebhookID: hook.ID, EventID: "msg_1", EventType: "job.failed",
			JobID: failed.ID, Attempt: 1, StatusCode: status, Error: `answered <img src=x onerror="y()">`, At: time.Now()})
	}
	page("/settings/webhooks", "/settings/webhooks", rec)
	page("/settings/webhooks/{id}", "/settings/webhooks/"+hook.ID, rec)
	page("/settings/notifications", "/settings/notifications", both...)
	unsub := mail.UnsubscribePath + "?" + mail.UnsubscribeQuery(e.srv.SigningKey, ann.ID, db.MailReady)
	page(mail.UnsubscribePath, unsub, anon, rec)
	check("unsubscribed", anon.post(unsub, url.Values{"List-Unsubscribe": {"One-Click"}}), http.StatusOK)
	check("a forged unsubscribe link", anon.get(mail.UnsubscribePath+"?u="+ann.ID+"&k=ready&s=forged"), http.StatusNotFound)
	// A firing alert and a resolved one, so /admin shows its banner, note and history.
	for _, rule := range []string{"success_rate", "no_worker"} {
		if _, _, err := e.db.Alerts.Fire(context.Background(), db.AlertEvent{Rule: rule, FiredAt: time.Now(), Value: 40, Threshold: 95,
			Message: `<script>alert(1)</script> failed`}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.db.Alerts.Resolve(context.Background(), "no_worker", time.Now()); err != nil {
		t.Fatal(err)
	}
	page("/admin", "/admin", rec, adm)
	page("/admin/users", "/admin/users", rec, adm)
	page("/admin/users/{id}/tokens", "/admin/users/"+ann.ID+"/tokens", rec, adm)
	page("/admin/users/{id}/reset", "/admin/users/"+ann.ID+"/reset", rec, adm)
	page("/admin/users/{id}/disable", "/admin/users/"+ann.ID+"/disable", rec, adm)
	page("/admin/jobs", "/admin/jobs", rec, adm)
	page("/admin/jobs", "/admin/jobs?status=failed", rec, adm)
	page("/admin/jobs/{id}", "/admin/jobs/"+failed.ID, rec, adm)
	page("/admin/jobs/{id}/delete", "/admin/jobs/"+done.ID+"/delete", rec, adm)
	page("/admin/queues", "/admin/queues", rec, adm)
	// Two versions of the candidate compared, one with markup in its summary.
	second := e.job(rec, cand)
	e.succeed(second, sampleWith(func(r *resume.Resume) { r.Basics.Summary = `Tailored <b onclick="x()">summary</b>` }))
	page("/candidates/{id}/compare", "/candidates/"+cand.ID+"/compare?a="+done.ID+"&b="+second.ID, both...)
	check("compare, one version chosen", rec.get("/candidates/"+cand.ID+"/compare?a="+done.ID), http.StatusBadRequest)
	checked["/"] = true
	check("GET / signed in (a redirect)", rec.get("/"), http.StatusSeeOther)

	// Fragments htmx swaps in: the same policy, the same markup rules.
	checked["/admin/fragments/live"], checked["/admin/fragments/jobs"], checked["/jobs/{id}/card"] = true, true, true
	hx := map[string]string{"HX-Request": "true"}
	check("candidate search fragment", rec.do("GET", "/candidates?q=Maya", nil,
		map[string]string{"HX-Request": "true", "HX-Target": "candidate-list"}), http.StatusOK)
	check("admin live fragment", adm.do("GET", "/admin/fragments/live", nil, hx), http.StatusOK)
	check("admin jobs fragment", adm.do("GET", "/admin/fragments/jobs", nil, hx), http.StatusOK)
	jobPage := rec.get("/jobs/" + running.ID).body
	poll := regexp.MustCompile(`hx-get="(/jobs/[^"]+/card\?[^"]+)"`).FindStringSubmatch(jobPage)
	if poll == nil {
		t.Fatalf("the running job's page has no poll link:\n%s", snippet(jobPage))
	}
	check("job card poll", anon.do("GET", unescape(poll[1]), nil, hx), http.StatusOK)

	// Forms answered with their errors, and the page that shows a new token.
	check("candidate form with errors", rec.post("/candidates/new", url.Values{"op": {"save"}}), http.StatusUnprocessableEntity)
	check("alert rules form with errors", adm.post("/admin/alerts/success_rate", url.Values{"threshold": {"x"}}), http.StatusUnprocessableEntity)
	check("opening form with errors", rec.post("/openings/new", url.Values{"title": {"x"}}), http.StatusUnprocessableEntity)
	check("generate form with errors", rec.post("/candidates/"+cand.ID+"/generate", url.Values{}), http.StatusUnprocessableEntity)
	check("new API token", rec.post("/settings/tokens", url.Values{"name": {"intranet"}}), http.StatusOK)
	check("new webhook", rec.post("/settings/webhooks", url.Values{"url": {"http://127.0.0.1:9/hook"}}), http.StatusOK)
	check("webhook form with errors", rec.post("/settings/webhooks", url.Values{"url": {"http://10.0.0.1/"}}), http.StatusUnprocessableEntity)
	check("wrong password", anon.post("/login", url.Values{"email": {"ann@example.com"}, "password": {"nope"}}), http.StatusUnauthorized)

	// Error pages.
	checked["/share/{id}"] = true // a PDF, or one of these pages
	check("unknown page", rec.get("/nowhere"), http.StatusNotFound)
	check("unknown page, signed out", anon.get("/nowhere"), http.StatusNotFound)
	check("wrong method", rec.do("DELETE", "/candidates", nil, nil), http.StatusMethodNotAllowed)
	check("a missing candidate", adm.get("/candidates/nope"), http.StatusNotFound)
	check("a forged share link", anon.get("/share/"+done.ID+"?e=9999999999&s=forged"), http.StatusNotFound)
	share := regexp.MustCompile(`"https?://[^"]*(/share/[^"]+)"`).FindStringSubmatch(rec.get("/jobs/" + done.ID).body)
	if share == nil {
		t.Fatal("no share link on the finished job's page")
	}
	clock = time.Now().Add(365 * 24 * time.Hour)
	check("an expired share link", anon.get(unescape(share[1])), http.StatusGone)
	clock = time.Time{}
	check("a running job's PDF", rec.get("/jobs/"+running.ID+"/download"), http.StatusConflict)
	check("cross-site post", rec.post("/candidates/new", url.Values{}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)

	// Every GET route of the router is a page checked above or named in
	// notPages: a new page cannot go unchecked.
	var unchecked []string
	err = chi.Walk(e.srv.Routes().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method != http.MethodGet {
			return nil
		}
		if _, ok := notPages[route]; ok || checked[route] || strings.HasPrefix(route, "/api/") || strings.HasPrefix(route, "/embed/") && route != "/embed/example" {
			return nil
		}
		unchecked = append(unchecked, route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(unchecked)
	if len(unchecked) > 0 {
		t.Errorf("GET routes this test does not request (add them, or to notPages with the reason):\n%s", strings.Join(unchecked, "\n"))
	}
}

func wantPageHeaders(t *testing.T, name string, r resp) {
	t.Helper()
	for _, h := range [][2]string{
		{"Content-Security-Policy", wantPageCSP},
		{"Referrer-Policy", "same-origin"},
		{"X-Content-Type-Options", "nosniff"},
	} {
		if got := r.header.Values(h[0]); len(got) != 1 || got[0] != h[1] {
			t.Errorf("%s: %s = %q, want exactly %q", name, h[0], got, h[1])
		}
	}
}

// policyBreaches lists what in a page or fragment the page policy would
// refuse, or what would let htmx run code or reach another origin.
func policyBreaches(body string) []string {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return []string{"unparsable HTML: " + err.Error()}
	}
	var bad []string
	full := strings.HasPrefix(strings.ToLower(strings.TrimSpace(body)), "<!doctype")
	sawConfig := false
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			bad = append(bad, elementBreaches(n)...)
			if n.DataAtom == atom.Meta && attr(n, "name") == "htmx-config" {
				sawConfig = true
				bad = append(bad, htmxConfigBreaches(attr(n, "content"))...)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if full && !sawConfig {
		bad = append(bad, `no <meta name="htmx-config">`)
	}
	return bad
}

func elementBreaches(n *html.Node) []string {
	var bad []string
	tag := "<" + n.Data + ">"
	switch n.DataAtom {
	case atom.Style:
		bad = append(bad, "a <style> element")
	case atom.Script:
		src := attr(n, "src")
		switch {
		case src == "":
			bad = append(bad, "an inline <script>")
		case !strings.HasPrefix(src, "/") || strings.HasPrefix(src, "//"):
			bad = append(bad, "a script from elsewhere: "+src)
		}
	}
	for _, a := range n.Attr {
		name := strings.TrimPrefix(strings.ToLower(a.Key), "data-")
		val := urlish(a.Val)
		switch {
		case strings.HasPrefix(name, "on"):
			bad = append(bad, tag+" has a handler attribute "+a.Key)
		case name == "style":
			bad = append(bad, tag+` has a style attribute "`+a.Val+`"`)
		case strings.HasPrefix(name, "hx-on"):
			bad = append(bad, tag+" has "+a.Key+" (needs htmx's eval)")
		case name == "hx-vars":
			bad = append(bad, tag+" has hx-vars (needs htmx's eval)")
		case strings.HasPrefix(val, "javascript:") || strings.HasPrefix(val, "vbscript:"):
			bad = append(bad, tag+" has a script URL in "+a.Key)
		case (name == "hx-vals" || name == "hx-headers") && strings.HasPrefix(val, "js:"):
			bad = append(bad, tag+" has "+a.Key+" with js: (needs htmx's eval)")
		case name == "hx-trigger" && strings.Contains(a.Val, "["):
			bad = append(bad, tag+" has an hx-trigger filter (needs htmx's eval)")
		case strings.HasPrefix(name, "hx-") && (strings.HasPrefix(val, "http:") || strings.HasPrefix(val, "https:") || strings.HasPrefix(val, "//")):
			bad = append(bad, tag+" requests another origin: "+a.Key+"="+a.Val)
		}
	}
	return bad
}

// urlish is an attribute value as a browser reads a URL: without the
// whitespace and control characters it ignores, lower case.
func urlish(s string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r <= ' ' {
			return -1
		}
		return r
	}, s))
}

func htmxConfigBreaches(content string) []string {
	var cfg map[string]any
	if err := json.Unmarshal([]byte(content), &cfg); err != nil {
		return []string{"htmx-config is not JSON: " + err.Error()}
	}
	var bad []string
	for k, want := range map[string]bool{"selfRequestsOnly": true, "allowScriptTags": false, "allowEval": false, "includeIndicatorStyles": false} {
		if got, ok := cfg[k].(bool); !ok || got != want {
			bad = append(bad, "htmx-config "+k+" is "+jsonString(cfg[k])+", want "+jsonString(want))
		}
	}
	return bad
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestPolicyBreachesFindsEachKind keeps the checker honest: each thing the
// page policy refuses is reported.
func TestPolicyBreachesFindsEachKind(t *testing.T) {
	cfg := `<!DOCTYPE html><meta name="htmx-config" content='{"selfRequestsOnly":true,"allowScriptTags":false,"allowEval":false,"includeIndicatorStyles":false}'>`
	if bad := policyBreaches(cfg + `<script src="/static/app.js"></script><a href="/x" hx-get="/y" hx-trigger="every 2s">x</a>`); len(bad) != 0 {
		t.Errorf("a clean page: %q", bad)
	}
	for _, tt := range []string{
		`<script>alert(1)</script>`,
		`<script src="https://cdn.example/x.js"></script>`,
		`<script src="//cdn.example/x.js"></script>`,
		`<style>p{}</style>`,
		`<p style="color:red">`,
		`<img src=x onerror="alert(1)">`,
		`<a href=" java&#x09;script:alert(1)">`,
		`<form action="JavaScript:alert(1)">`,
		`<button hx-on:click="alert(1)">`,
		`<button data-hx-on--click="alert(1)">`,
		`<div hx-vals="js:{a: 1}">`,
		`<div hx-vars="a:1">`,
		`<input hx-trigger="keyup[key=='Enter']">`,
		`<div hx-get="https://attacker.example/x">`,
		`<svg><script>alert(1)</script></svg>`,
	} {
		if bad := policyBreaches(cfg + tt); len(bad) == 0 {
			t.Errorf("%s: not reported", tt)
		}
	}
	if bad := policyBreaches(`<!DOCTYPE html><title>x</title>`); len(bad) == 0 {
		t.Error("a page without htmx-config: not reported")
	}
	if bad := policyBreaches(`<!DOCTYPE html><meta name="htmx-config" content='{"selfRequestsOnly":false}'>`); len(bad) == 0 {
		t.Error("htmx-config allowing other origins: not reported")
	}
}

// TestEmbedFragmentsHaveTheirOwnPolicy: a fragment lives on another site's
// page, where its headers do not apply; opened by itself, it loads nothing.
func TestEmbedFragmentsHaveTheirOwnPolicy(t *testing.T) {
	e, ann, token := newEmbedEnv(t)
	cand := e.candidate(ann, resume.Sample())
	for _, tt := range []struct {
		name, path, token string
		status            int
	}{
		{"job list", "/embed/candidates/" + cand.ID + "/jobs", token, http.StatusOK},
		{"generate form", "/embed/candidates/" + cand.ID + "/generate", token, http.StatusOK},
		{"no token", "/embed/candidates/" + cand.ID + "/jobs", "", http.StatusUnauthorized},
		{"another's candidate", "/embed/candidates/nope/jobs", token, http.StatusNotFound},
		{"unknown fragment", "/embed/nope", token, http.StatusNotFound},
	} {
		r := e.api("GET", tt.path, tt.token, nil)
		if r.status != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, r.status, tt.status)
		}
		if got := r.header.Get("Content-Security-Policy"); got != wantFragmentCSP {
			t.Errorf("%s: CSP %q, want %q", tt.name, got, wantFragmentCSP)
		}
		if got := r.header.Values("X-Content-Type-Options"); len(got) != 1 || got[0] != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want exactly nosniff", tt.name, got)
		}
		for _, bad := range policyBreaches(r.body) {
			if !strings.Contains(bad, "requests another origin") { // fragments use absolute URLs on purpose
				t.Errorf("%s: %s", tt.name, bad)
			}
		}
	}
}

// TestSecurityHeadersOfPreviewAndFiles: the preview keeps its sandbox (and
// may be framed by its job's page only); a PDF gets no page policy, which
// would break the browser's PDF viewer.
func TestSecurityHeadersOfPreviewAndFiles(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.signedIn("ann@example.com")
	j := e.job(c, e.candidate(ann, resume.Sample()))
	e.succeed(j, resume.Sample())

	r := c.get("/jobs/" + j.ID + "/preview")
	wantStatus(t, r, http.StatusOK)
	if got := r.header.Get("Content-Security-Policy"); got != wantPreviewCSP {
		t.Errorf("preview CSP %q, want %q", got, wantPreviewCSP)
	}
	if got := r.header.Get("X-Frame-Options"); got != "SAMEORIGIN" {
		t.Errorf("preview X-Frame-Options %q", got)
	}
	if got := r.header.Values("X-Content-Type-Options"); len(got) != 1 || got[0] != "nosniff" {
		t.Errorf("preview X-Content-Type-Options %q, want exactly nosniff", got)
	}
	if !strings.Contains(c.get("/jobs/"+j.ID).body, `sandbox=""`) {
		t.Error("the preview's iframe is not sandboxed")
	}
	for _, path := range []string{"/jobs/" + j.ID + "/download", "/candidates/" + j.CandidateID + "/export"} {
		r := c.get(path)
		wantStatus(t, r, http.StatusOK)
		if got := r.header.Get("Content-Security-Policy"); got != "" {
			t.Errorf("%s (%s): CSP %q, want none", path, r.header.Get("Content-Type"), got)
		}
	}
}

// TestEmbedExampleUsesItsOwnOriginOnly: the example host page Tailor
// serves is a page like the others (the page policy, no inline script), and
// its script never takes an origin from the address: a link such as
// /embed/example#tailor=https://attacker.example ran the attacker's script
// on Tailor's origin. Issue 10, finding 1 (the browser proof is
// TestEmbedExampleIgnoresAForeignOrigin in cmd/tailor).
func TestEmbedExampleUsesItsOwnOriginOnly(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	for _, c := range []*client{e.client(), e.signedIn("ann@example.com")} {
		r := c.get("/embed/example")
		wantStatus(t, r, http.StatusOK)
		wantPageHeaders(t, "/embed/example", r)
		for _, bad := range policyBreaches(r.body) {
			t.Errorf("/embed/example: %s", bad)
		}
		wantBody(t, r, `<script src="/embed/htmx.min.js" defer></script>`, `<script src="/embed/example.js" defer></script>`)
		if strings.Contains(r.body, `name="tailor"`) {
			t.Error("/embed/example still asks for Tailor's URL")
		}
	}
	r := e.client().get("/embed/example.js")
	wantStatus(t, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("example.js: %q", ct)
	}
	js := regexp.MustCompile(`(?m)^\s*//.*$`).ReplaceAllString(r.body, "") // comments may name what it avoids
	for _, banned := range []string{`"tailor"`, "createElement(\"script\")", "createElement(\"link\")", "location.origin",
		"location.host", "http:", "https:", "eval(", "innerHTML"} {
		if strings.Contains(js, banned) {
			t.Errorf("example.js contains %s: it must request this origin's paths only", banned)
		}
	}
	for _, m := range regexp.MustCompile(`setAttribute\("hx-get", ([^)]*)\)`).FindAllStringSubmatch(js, -1) {
		if m[1] != "path" {
			t.Errorf("example.js sets hx-get from %s", m[1])
		}
	}
	for _, m := range regexp.MustCompile(`fragment\("[^"]+", ([^;]*)\);`).FindAllStringSubmatch(js, -1) {
		if !strings.HasPrefix(m[1], `"/embed/`) {
			t.Errorf("example.js loads a fragment from %s, want a path under /embed/", m[1])
		}
	}
	if r := e.client().get("/embed/example.css"); r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("example.css: %d %q", r.status, r.header.Get("Content-Type"))
	}
}

// TestSecurityHeadersMiddleware: the page policy goes on HTML only,
// whichever way the handler writes it, and never over a handler's own.
func TestSecurityHeadersMiddleware(t *testing.T) {
	e := newWebEnv(t)
	for _, tt := range []struct {
		name    string
		handler http.HandlerFunc
		wantCSP string
	}{
		{"HTML with WriteHeader", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusTeapot)
		}, wantPageCSP},
		{"HTML sniffed on Write", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<!DOCTYPE html><p>hi"))
		}, wantPageCSP},
		{"HTML flushed", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			http.NewResponseController(w).Flush()
		}, wantPageCSP},
		{"a handler's own policy", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", "sandbox")
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<p>x"))
		}, "sandbox"},
		{"a PDF", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pdf")
			w.Write([]byte("%PDF-1.4"))
		}, ""},
		{"JSON", func(w http.ResponseWriter, r *http.Request) { writeJSONError(w, http.StatusNotFound, "no") }, ""},
		{"a panic's 500 page", func(w http.ResponseWriter, r *http.Request) { panic("boom") }, wantPageCSP},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			// The order of Routes: securityHeaders outside the recoverer.
			securityHeaders(e.srv.recoverer(tt.handler)).ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
			if got := rec.Header().Get("Content-Security-Policy"); got != tt.wantCSP {
				t.Errorf("CSP %q, want %q", got, tt.wantCSP)
			}
			if tt.wantCSP == wantPageCSP && rec.Header().Get("Referrer-Policy") != "same-origin" {
				t.Errorf("Referrer-Policy %q", rec.Header().Get("Referrer-Policy"))
			}
		})
	}
}
