package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/static"
	"github.com/tailor-app/tailor/tasks"
)

// decoded returns a response body without its Content-Encoding.
func decoded(t *testing.T, r resp) string {
	t.Helper()
	var rd io.Reader
	switch r.header.Get("Content-Encoding") {
	case "":
		return r.body
	case "gzip":
		zr, err := gzip.NewReader(strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		rd = zr
	case "br":
		rd = brotli.NewReader(strings.NewReader(r.body))
	default:
		t.Fatalf("unknown Content-Encoding %q", r.header.Get("Content-Encoding"))
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("decode %s: %v", r.header.Get("Content-Encoding"), err)
	}
	return string(b)
}

// wantHeaders checks headers by name: "" means absent.
func wantHeaders(t *testing.T, r resp, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := strings.Join(r.header.Values(k), ", "); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

// cacheEnv is one recruiter with a succeeded job and a running one.
type cacheEnv struct {
	*webEnv
	ann           db.User
	token         string
	browser       *client // signed in
	done, running db.Job
}

func newCacheEnv(t *testing.T, configure ...func(*Server)) *cacheEnv {
	e := newWebEnv(t, configure...)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	cand := e.candidate(ann, resume.Sample())
	done := e.job(c, cand)
	e.succeed(done, resume.Sample())
	done, _ = e.db.Jobs.Get(context.Background(), db.AllOwners, done.ID)
	running := e.job(c, cand)
	e.db.Jobs.Apply(context.Background(), running.ID, jobstate.Event{Kind: jobstate.EventProgress, Attempt: 1, Change: jobstate.Change{Stage: tasks.StageTailoring, Progress: 30}}, nil)
	running, _ = e.db.Jobs.Get(context.Background(), db.AllOwners, running.ID)
	return &cacheEnv{webEnv: e, ann: ann, token: e.token(ann), browser: c, done: done, running: running}
}

func TestCacheHeadersStaticAssets(t *testing.T) {
	e := newWebEnv(t)
	css := static.Path(static.CSS)
	original := e.client().do("GET", css, nil, map[string]string{"Accept-Encoding": "identity"}).body
	tests := []struct {
		name, path, acceptEncoding string
		wantStatus                 int
		want                       map[string]string
	}{
		{"hashed, brotli", css, "gzip, deflate, br", 200, map[string]string{
			"Cache-Control": "public, max-age=31536000, immutable", "Content-Encoding": "br", "Vary": "Accept-Encoding"}},
		{"hashed, gzip", css, "gzip", 200, map[string]string{
			"Cache-Control": "public, max-age=31536000, immutable", "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}},
		{"hashed, identity", css, "identity", 200, map[string]string{
			"Cache-Control": "public, max-age=31536000, immutable", "Content-Encoding": "", "Content-Length": strconv.Itoa(len(original))}},
		{"gzip refused with q=0", css, "gzip;q=0", 200, map[string]string{"Content-Encoding": ""}},
		{"host-page alias", "/embed/embed.css", "gzip", 200, map[string]string{
			"Cache-Control": "public, max-age=3600", "Content-Encoding": "gzip", "Content-Type": "text/css; charset=utf-8"}},
		{"unhashed name", "/static/app.css", "gzip", 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.client().do("GET", tt.path, nil, map[string]string{"Accept-Encoding": tt.acceptEncoding})
			wantStatus(t, r, tt.wantStatus)
			wantHeaders(t, r, tt.want)
			if r.header.Get("Set-Cookie") != "" {
				t.Error("a static file set a cookie")
			}
			if tt.path == css && decoded(t, r) != original {
				t.Error("the decoded body differs from the asset")
			}
		})
	}
	// The alias revalidates: 304 with its ETag.
	first := e.client().get("/embed/htmx.min.js")
	r := e.client().do("GET", "/embed/htmx.min.js", nil, map[string]string{"If-None-Match": first.header.Get("ETag")})
	wantStatus(t, r, http.StatusNotModified)
}

func TestCacheHeadersJobPDF(t *testing.T) {
	e := newCacheEnv(t)
	etag := `"` + e.done.ID + `.pdf"`
	tests := []struct {
		name, path string
		c          *client
		hdr        map[string]string
		wantStatus int
		want       map[string]string
	}{
		{"page download", "/jobs/" + e.done.ID + "/download", e.browser, nil, 200,
			map[string]string{"Cache-Control": "private, max-age=31536000, immutable", "ETag": etag, "Content-Type": "application/pdf"}},
		{"page download revalidated", "/jobs/" + e.done.ID + "/download", e.browser, map[string]string{"If-None-Match": etag}, 304,
			map[string]string{"Cache-Control": "private, max-age=31536000, immutable", "ETag": etag, "Content-Type": ""}},
		{"API download", "/api/resume-async/download/" + e.done.ID, e.client(), map[string]string{"Authorization": "Bearer " + e.token}, 200,
			map[string]string{"Cache-Control": "private, max-age=31536000, immutable", "ETag": etag, "Content-Encoding": ""}},
		{"API download revalidated", "/api/resume-async/download/" + e.done.ID, e.client(),
			map[string]string{"Authorization": "Bearer " + e.token, "If-None-Match": `W/` + etag}, 304, map[string]string{"ETag": etag}},
		{"not ready yet", "/api/resume-async/download/" + e.running.ID, e.client(), map[string]string{"Authorization": "Bearer " + e.token}, 409,
			map[string]string{"Cache-Control": "no-store", "ETag": ""}},
		{"not ready yet, page", "/jobs/" + e.running.ID + "/download", e.browser, nil, 409,
			map[string]string{"Cache-Control": `no-store, no-cache="Set-Cookie"`, "ETag": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{"Accept-Encoding": "gzip"}
			for k, v := range tt.hdr {
				hdr[k] = v
			}
			r := tt.c.do("GET", tt.path, nil, hdr)
			wantStatus(t, r, tt.wantStatus)
			wantHeaders(t, r, tt.want)
			if tt.wantStatus == 304 && r.body != "" {
				t.Errorf("304 with a body: %q", r.body)
			}
		})
	}
}

func TestCacheHeadersSharePDF(t *testing.T) {
	now := time.Now()
	e := newCacheEnv(t, func(s *Server) { s.Now = func() time.Time { return now } })
	link, expires := e.srv.shareURL(httptest.NewRequest("GET", "/", nil), e.done.ID)
	e.srv.Now = func() time.Time { return now.Add(-8 * 24 * time.Hour) }
	expired, _ := e.srv.shareURL(httptest.NewRequest("GET", "/", nil), e.done.ID)
	e.srv.Now = func() time.Time { return now }
	maxAge := int64(time.Unix(expires.Unix(), 0).Sub(now) / time.Second) // the link carries whole seconds
	tests := []struct {
		name       string
		path       string
		hdr        map[string]string
		wantStatus int
		want       map[string]string
	}{
		{"valid link", link, nil, 200, map[string]string{"Cache-Control": "public, max-age=" + strconv.FormatInt(maxAge, 10),
			"ETag": `"` + e.done.ID + `.pdf"`, "Content-Type": "application/pdf", "X-Robots-Tag": "noindex"}},
		{"revalidated", link, map[string]string{"If-None-Match": `"` + e.done.ID + `.pdf"`}, 304, nil},
		{"expired", expired, nil, 410, map[string]string{"Cache-Control": "no-store", "ETag": ""}},
		{"wrong signature", strings.Replace(link, "&s=", "&s=x", 1), nil, 404, map[string]string{"Cache-Control": "no-store"}},
		{"another job's signature", strings.Replace(link, e.done.ID, e.running.ID, 1), nil, 404, map[string]string{"Cache-Control": "no-store"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.client().do("GET", tt.path, nil, tt.hdr)
			wantStatus(t, r, tt.wantStatus)
			wantHeaders(t, r, tt.want)
			if r.header.Get("Set-Cookie") != "" {
				t.Error("a share link set a cookie")
			}
			if tt.wantStatus >= 400 && (strings.Contains(r.body, e.done.CandidateName) || strings.Contains(r.body, "%PDF")) {
				t.Error("a refused share link reveals the job")
			}
		})
	}
}

func TestCacheHeadersStatusRevalidates(t *testing.T) {
	e := newCacheEnv(t)
	auth := map[string]string{"Authorization": "Bearer " + e.token}
	tests := []struct {
		name string
		path string
		hdr  map[string]string
		weak bool
	}{
		{"status JSON", "/api/resume-async/job-status/" + e.running.ID, auth, false},
		{"app card poll", e.srv.pollURL(e.running.ID, db.OwnedBy(e.ann.ID)), nil, true},
		{"embedded card", "/embed/jobs/" + e.running.ID + "/card", auth, true},
	}
	version := e.running.Version
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			get := func(extra ...string) resp {
				h := map[string]string{"Accept-Encoding": "identity"}
				for k, v := range tt.hdr {
					h[k] = v
				}
				for i := 0; i+1 < len(extra); i += 2 {
					h[extra[i]] = extra[i+1]
				}
				return e.client().do("GET", tt.path, nil, h)
			}
			first := get()
			wantStatus(t, first, http.StatusOK)
			etag := first.header.Get("ETag")
			wantHeaders(t, first, map[string]string{"Cache-Control": "private, no-cache"})
			if !strings.Contains(etag, e.running.ID+"."+strconv.Itoa(version)) || strings.HasPrefix(etag, "W/") != tt.weak {
				t.Errorf("ETag %q: want the job's version %d", etag, version)
			}
			// Unchanged: 304, no body. Changed: 200 with a new ETag.
			again := get("If-None-Match", etag)
			wantStatus(t, again, http.StatusNotModified)
			if again.body != "" || again.header.Get("ETag") != etag {
				t.Errorf("304 body %q, ETag %q", again.body, again.header.Get("ETag"))
			}
			e.db.Jobs.Apply(context.Background(), e.running.ID, jobstate.Event{Kind: jobstate.EventProgress, Attempt: 1, Change: jobstate.Change{Stage: tasks.StageChecking, Progress: 60 + version}}, nil)
			version++
			moved := get("If-None-Match", etag)
			wantStatus(t, moved, http.StatusOK)
			if moved.header.Get("ETag") == etag || !strings.Contains(moved.body, "checking facts") {
				t.Errorf("after an event: ETag %q, body %s", moved.header.Get("ETag"), snippet(moved.body))
			}
		})
	}
	// The lists of jobs revalidate too (the ETag of the body).
	r := e.api("GET", "/api/resume-async/my-jobs", e.token, nil)
	wantStatus(t, r, http.StatusOK)
	wantStatus(t, e.api("GET", "/api/resume-async/my-jobs", e.token, nil, "If-None-Match", r.header.Get("ETag")), http.StatusNotModified)
	// Writes and errors are never stored.
	wantHeaders(t, e.api("POST", "/api/resume-async/cancel/"+e.done.ID, e.token, nil), map[string]string{"Cache-Control": "no-store"})
	wantHeaders(t, e.api("GET", "/api/resume-async/job-status/nope", e.token, nil), map[string]string{"Cache-Control": "no-store", "ETag": ""})
}

func TestCacheHeadersPages(t *testing.T) {
	e := newCacheEnv(t)
	cand, _ := e.db.Candidates.List(context.Background(), db.CandidateFilter{Owner: db.AllOwners, Limit: 1})
	tests := []struct {
		name     string
		path     string
		wantVary string
	}{
		{"candidates: page or list region", "/candidates", "HX-Request, Cookie, HX-Target, Accept-Encoding"},
		{"candidate: page or versions region", "/candidates/" + cand[0].ID, "HX-Request, Cookie, HX-Target, Accept-Encoding"},
		{"my jobs", "/jobs", "HX-Request, Cookie, Accept-Encoding"},
		{"job details", "/jobs/" + e.done.ID, "HX-Request, Cookie, Accept-Encoding"},
		{"openings", "/openings", "HX-Request, Cookie, Accept-Encoding"},
		{"API tokens", "/settings/tokens", "HX-Request, Cookie, Accept-Encoding"},
		{"login (signed out)", "/login", "HX-Request, Cookie, Accept-Encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.browser
			if strings.Contains(tt.name, "signed out") {
				c = e.client()
			}
			r := c.do("GET", tt.path, nil, map[string]string{"Accept-Encoding": "identity"})
			wantStatus(t, r, http.StatusOK)
			// Authenticated HTML is personal: never public, never stored.
			// Vary is a set: its order means nothing.
			if got := varySet(r.header); got != varySet(http.Header{"Vary": {tt.wantVary}}) {
				t.Errorf("Vary %q, want %q", got, tt.wantVary)
			}
			if cc := r.header.Get("Cache-Control"); !strings.HasPrefix(cc, "no-store") || strings.Contains(cc, "public") {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}
	// The htmx fragment of the list really differs from the page.
	page := e.browser.get("/candidates")
	region := e.browser.do("GET", "/candidates", nil, map[string]string{"HX-Request": "true", "HX-Target": "candidate-list"})
	if page.body == region.body || strings.Contains(region.body, "<html") {
		t.Error("/candidates answers the same to htmx")
	}
	// Fragments for other sites are private too, and vary by Origin.
	r := e.api("GET", "/embed/candidates/"+cand[0].ID+"/jobs", e.token, nil)
	wantStatus(t, r, http.StatusOK)
	if cc := r.header.Get("Cache-Control"); cc != "private, no-cache" || !strings.Contains(r.header.Get("Vary"), "Origin") {
		t.Errorf("embedded list: Cache-Control %q, Vary %q", cc, r.header.Get("Vary"))
	}
	// The API page is the same for everyone: public, outside the session.
	r = e.client().get("/docs/api")
	wantStatus(t, r, http.StatusOK)
	if r.header.Get("Cache-Control") != "public, max-age=300" || r.header.Get("Set-Cookie") != "" {
		t.Errorf("/docs/api: Cache-Control %q, Set-Cookie %q", r.header.Get("Cache-Control"), r.header.Get("Set-Cookie"))
	}
}

func TestCompression(t *testing.T) {
	e := newCacheEnv(t)
	// Enough jobs that My jobs is over 1.4 KB of JSON.
	for range 3 {
		e.job(e.browser, e.candidateOf(e.done))
	}
	auth := "Bearer " + e.token
	tests := []struct {
		name, path     string
		c              *client
		hdr            map[string]string
		wantStatus     int
		wantEncoding   string
		wantLength     bool   // Content-Length is sent (net/http also adds one to a short body)
		wantWeakETag   bool   // a gzipped body's ETag is weak
		wantBodyPrefix string // of the decoded body
	}{
		{"HTML page", "/jobs", e.browser, map[string]string{"Accept-Encoding": "gzip, deflate, br"}, 200, "gzip", false, false, "<!doctype html>"},
		{"HTML page, client without gzip", "/jobs", e.browser, map[string]string{"Accept-Encoding": "identity"}, 200, "", false, false, "<!doctype html>"},
		{"big JSON", "/api/resume-async/my-jobs", e.client(), map[string]string{"Accept-Encoding": "gzip", "Authorization": auth}, 200, "gzip", false, true, `{"jobs":[`},
		{"small JSON", "/api/resume-async/job-status/" + e.done.ID, e.client(), map[string]string{"Accept-Encoding": "gzip", "Authorization": auth}, 200, "", true, false, `{"job_id":`},
		{"PDF is compressed already", "/jobs/" + e.done.ID + "/download", e.browser, map[string]string{"Accept-Encoding": "gzip"}, 200, "", true, false, "%PDF"},
		{"card poll fits a packet: as is", e.srv.pollURL(e.running.ID, db.OwnedBy(e.ann.ID)), e.client(), map[string]string{"Accept-Encoding": "gzip"}, 200, "", true, true, `<article class="job-card"`},
		{"final card (286)", e.srv.pollURL(e.done.ID, db.OwnedBy(e.ann.ID)), e.client(), map[string]string{"Accept-Encoding": "gzip"}, statusStopPolling, "", true, true, `<article class="job-card"`},
		{"OpenAPI document", "/api/openapi.json", e.client(), map[string]string{"Accept-Encoding": "gzip"}, 200, "gzip", false, true, "{"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.do("GET", tt.path, nil, tt.hdr)
			wantStatus(t, r, tt.wantStatus)
			if got := r.header.Get("Content-Encoding"); got != tt.wantEncoding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.wantEncoding)
			}
			if tt.wantLength && r.header.Get("Content-Length") == "" {
				t.Errorf("Content-Length %q", r.header.Get("Content-Length"))
			}
			if et := r.header.Get("ETag"); et != "" && strings.HasPrefix(et, "W/") != tt.wantWeakETag {
				t.Errorf("ETag %q", et)
			}
			if tt.wantEncoding != "" && !strings.Contains(r.header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("Vary %q", r.header.Get("Vary"))
			}
			if body := decoded(t, r); !strings.HasPrefix(strings.ToLower(strings.TrimSpace(body)), strings.ToLower(tt.wantBodyPrefix)) {
				t.Errorf("decoded body starts %q", snippet(body[:min(len(body), 80)]))
			}
		})
	}
	// A weakened ETag still revalidates.
	r := e.client().do("GET", "/api/resume-async/my-jobs", nil, map[string]string{"Accept-Encoding": "gzip", "Authorization": auth})
	again := e.client().do("GET", "/api/resume-async/my-jobs", nil, map[string]string{"Accept-Encoding": "gzip", "Authorization": auth,
		"If-None-Match": r.header.Get("ETag")})
	wantStatus(t, again, http.StatusNotModified)
}

// varySet is the Vary names of h, sorted, on one line.
func varySet(h http.Header) string {
	var names []string
	for _, v := range h.Values("Vary") {
		for n := range strings.SplitSeq(v, ",") {
			names = append(names, strings.TrimSpace(n))
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// candidateOf is the candidate of a job.
func (e *cacheEnv) candidateOf(j db.Job) db.Candidate {
	c, err := e.db.Candidates.Get(context.Background(), db.AllOwners, j.CandidateID)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func TestCompressMiddlewareStreamsAndSkips(t *testing.T) {
	big := bytes.Repeat([]byte("tailor "), 400)
	tests := []struct {
		name         string
		handler      http.HandlerFunc
		wantStatus   int
		wantEncoding string
		wantLength   string
		wantBody     string // decoded; "" means big
	}{
		{"small body, no length set", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<p>hi</p>"))
		}, 200, "", "9", "<p>hi</p>"},
		{"big body in small writes", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			for i := 0; i < len(big); i += 100 {
				w.Write(big[i:min(i+100, len(big))])
			}
		}, 200, "gzip", "", ""},
		{"already encoded", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css")
			w.Header().Set("Content-Encoding", "br")
			w.Write(big)
		}, 200, "br", "", "-"},
		{"image", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write(big)
		}, 200, "", "", ""},
		{"event stream", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.Write(big)
		}, 200, "", "", ""},
		{"no content", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }, 204, "", "", "-"},
		{"htmx 286 with a big body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(statusStopPolling)
			w.Write(big)
		}, statusStopPolling, "gzip", "", ""},
		// A handler that flushes is streaming: its length is unknown, so
		// gzhttp compresses (and flushes the gzip stream).
		{"flushed stream", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("first "))
			http.NewResponseController(w).Flush()
			w.Write(big)
		}, 200, "gzip", "", "first " + string(big)},
		// After a panic the recoverer answers alone: nothing the handler
		// wrote or set as its status goes out.
		{"panic after a status and a few bytes", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte("<p>half"))
			panic("boom")
		}, 500, "", "", "recovered\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := compress(tt.handler)
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer func() {
					if recover() != nil {
						http.Error(w, "recovered", http.StatusInternalServerError)
					}
				}()
				h.ServeHTTP(w, r)
			}))
			defer ts.Close()
			req, _ := http.NewRequest("GET", ts.URL, nil)
			req.Header.Set("Accept-Encoding", "gzip") // set by hand: the client does not decode
			res, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			r := resp{status: res.StatusCode, header: res.Header, body: string(raw)}
			wantStatus(t, r, tt.wantStatus)
			if got := r.header.Get("Content-Encoding"); got != tt.wantEncoding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.wantEncoding)
			}
			if tt.wantLength != "" && r.header.Get("Content-Length") != tt.wantLength {
				t.Errorf("Content-Length %q, want %s", r.header.Get("Content-Length"), tt.wantLength)
			}
			want := tt.wantBody
			if want == "" {
				want = string(big)
			}
			if want == "-" {
				return
			}
			if got := decoded(t, r); got != want {
				t.Errorf("decoded body: %d bytes %q, want %d bytes", len(got), snippet(got[:min(len(got), 40)]), len(want))
			}
		})
	}
}
