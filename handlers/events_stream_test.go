package handlers

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobs"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// liveEnv is a web env with live updates on a real Redis, and the real
// events consumer applying what a worker would publish.
type liveEnv struct {
	*webEnv
	rdb    *redis.Client
	pub    *tasks.Publisher
	stop   context.CancelFunc // ends Live.Run (a shutdown)
	closed chan struct{}
}

func newLiveEnv(t *testing.T, configure ...func(*Live)) *liveEnv {
	t.Helper()
	rdb := taskstest.StartRedis(t).Client(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	live := &Live{Updates: jobs.NewUpdates(rdb, logger), Logger: logger}
	for _, c := range configure {
		c(live)
	}
	e := newWebEnv(t, func(s *Server) {
		s.Live = live
		s.EmbedOrigins = []string{hostOrigin}
	})
	ctx, stop := context.WithCancel(context.Background())
	consumer := jobs.NewConsumer(rdb, e.db.Jobs, logger)
	consumer.Updates = live.Updates
	closed := make(chan struct{})
	go func() { live.Run(ctx); close(closed) }()
	consumed := make(chan struct{})
	go func() { consumer.Run(ctx); close(consumed) }()
	t.Cleanup(func() { stop(); <-closed; <-consumed })
	// The hub reads the stream from its end: wait until it has started.
	waitFor(t, "the hub tails the update stream", func() bool {
		return rdb.Exists(context.Background(), jobs.UpdateStream).Val() == 1 || live.tailing()
	})
	return &liveEnv{webEnv: e, rdb: rdb, pub: tasks.NewPublisher(rdb), stop: stop, closed: closed}
}

// report publishes a worker event for j, as the worker does.
func (e *liveEnv) report(j db.Job, kind, stage string, progress int) {
	e.t.Helper()
	ev := tasks.Event{JobID: j.ID, Event: jobstate.Event{Kind: kind, Attempt: 1, At: time.Now(),
		Change: jobstate.Change{Stage: stage, Progress: progress}}}
	if err := e.pub.Publish(context.Background(), ev, nil); err != nil {
		e.t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sse is a connected event stream read by a goroutine.
type sse struct {
	res    *http.Response
	frames chan sseEvent
}

type sseEvent struct {
	id, event, data string
	comment         bool
	retry           string
}

// stream opens path with c's cookies; hdr is name, value pairs.
func (c *client) stream(path string, hdr ...string) (*sse, resp) {
	c.e.t.Helper()
	req, _ := http.NewRequest("GET", c.e.ts.URL+path, nil)
	for k, v := range c.hdr {
		req.Header[k] = v
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	r := resp{status: res.StatusCode, header: res.Header}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		r.body = string(b)
		return nil, r
	}
	s := &sse{res: res, frames: make(chan sseEvent, 100)}
	c.e.t.Cleanup(s.close)
	go s.read()
	return s, r
}

func (s *sse) close() { s.res.Body.Close() }

func (s *sse) read() {
	defer close(s.frames)
	br := bufio.NewReader(s.res.Body)
	var ev sseEvent
	var data []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			ev.data = strings.Join(data, "\n")
			s.frames <- ev
			ev, data = sseEvent{}, nil
		case strings.HasPrefix(line, ":"):
			ev.comment = true
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = append(data, line[6:])
		case strings.HasPrefix(line, "retry: "):
			ev.retry = line[7:]
		}
	}
}

// next returns the next frame that matches, failing after timeout; ok is
// false if the stream ended first.
func (s *sse) next(t *testing.T, timeout time.Duration, match func(sseEvent) bool) (sseEvent, bool) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, open := <-s.frames:
			if !open {
				return sseEvent{}, false
			}
			if match(ev) {
				return ev, true
			}
		case <-deadline:
			t.Fatalf("no matching event within %s", timeout)
		}
	}
}

func jobEvent(j db.Job, want string) func(sseEvent) bool {
	return func(ev sseEvent) bool {
		return ev.event == "job" && strings.Contains(ev.data, `id="job-`+j.ID+`"`) && strings.Contains(ev.data, want)
	}
}

func TestEventsStreamHeaders(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn(ann.Email)
	s, r := c.stream("/events", "Accept-Encoding", "gzip")
	if s == nil {
		t.Fatalf("not a stream: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	for k, want := range map[string]string{
		"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no",
		"Content-Encoding": "", "Content-Length": "",
	} {
		if got := s.res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if s.res.Header.Get("X-Request-Id") == "" {
		t.Error("the middleware's headers are lost: no X-Request-Id")
	}
	ev, ok := s.next(t, 5*time.Second, func(sseEvent) bool { return true })
	if !ok || ev.retry == "" {
		t.Errorf("first frame %+v, want a retry hint", ev)
	}
}

func TestEventsHeartbeat(t *testing.T) {
	e := newLiveEnv(t, func(l *Live) { l.Heartbeat = 300 * time.Millisecond })
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn(ann.Email)
	s, r := c.stream("/events")
	if s == nil {
		t.Fatalf("not a stream: %d %s", r.status, r.body)
	}
	start := time.Now()
	if _, ok := s.next(t, 5*time.Second, func(ev sseEvent) bool { return ev.comment }); !ok {
		t.Fatal("stream ended before a heartbeat")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("heartbeat after %s, want about 300 ms", d)
	}
}

func TestEventsUpdateArrivesAsFragment(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn(ann.Email)
	j := e.job(c, e.candidate(ann, resume.Sample()))
	s, r := c.stream("/events")
	if s == nil {
		t.Fatalf("not a stream: %d %s", r.status, r.body)
	}
	e.report(j, jobstate.EventStarted, tasks.StageChecking, 60)
	ev, _ := s.next(t, 5*time.Second, jobEvent(j, "checking facts"))
	for _, want := range []string{`hx-swap-oob="true"`, `data-live`, `data-status="running"`, "60%", `data-version="2"`} {
		if !strings.Contains(ev.data, want) {
			t.Errorf("fragment lacks %q:\n%s", want, ev.data)
		}
	}
	if !jobs.ValidID(ev.id) {
		t.Errorf("event id %q is not a stream id", ev.id)
	}
	e.succeed(j, resume.Sample())
	e.srv.Live.Updates.Publish(context.Background(), j)
	ev, _ = s.next(t, 5*time.Second, jobEvent(j, `data-status="succeeded"`))
	for _, want := range []string{"100%", "data-autodownload"} {
		if !strings.Contains(ev.data, want) {
			t.Errorf("final fragment lacks %q:\n%s", want, ev.data)
		}
	}
	if strings.Contains(ev.data, "data-live") {
		t.Error("a final card is still live")
	}
}

func TestEventsCancelReachesTheStream(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn(ann.Email)
	j := e.job(c, e.candidate(ann, resume.Sample()))
	s, _ := c.stream("/events")
	c.post("/jobs/"+j.ID+"/cancel", nil)
	s.next(t, 5*time.Second, jobEvent(j, `data-status="canceled"`))
}

func TestEventsResumeAfterReconnect(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn(ann.Email)
	cand := e.candidate(ann, resume.Sample())
	j, other := e.job(c, cand), e.job(c, cand)
	s, _ := c.stream("/events")
	e.report(j, jobstate.EventStarted, tasks.StageTailoring, 20)
	first, _ := s.next(t, 5*time.Second, jobEvent(j, "tailoring"))
	s.close()

	// Missed while disconnected: j moves on, other starts.
	e.report(j, jobstate.EventProgress, tasks.StagePrinting, 80)
	e.report(other, jobstate.EventStarted, tasks.StageTailoring, 20)
	waitFor(t, "both changes are applied", func() bool {
		a, _ := e.db.Jobs.Get(context.Background(), db.AllOwners, j.ID)
		b, _ := e.db.Jobs.Get(context.Background(), db.AllOwners, other.ID)
		return a.Progress == 80 && b.Progress == 20
	})
	for _, how := range []struct{ path, hdr string }{
		{"/events", first.id},            // the browser's own reconnection
		{"/events?last=" + first.id, ""}, // a new EventSource after an error (app.js)
	} {
		var s2 *sse
		if how.hdr != "" {
			s2, _ = c.stream(how.path, "Last-Event-ID", how.hdr)
		} else {
			s2, _ = c.stream(how.path)
		}
		s2.next(t, 5*time.Second, jobEvent(j, "printing PDF"))
		s2.next(t, 5*time.Second, jobEvent(other, "tailoring"))
		s2.close()
	}

	// Too old to replay (the stream no longer holds it): resync.
	s3, _ := c.stream("/events", "Last-Event-ID", "1-0")
	s3.next(t, 5*time.Second, func(ev sseEvent) bool { return ev.event == "resync" })
}

func TestEventsOnlyTheOwnersJobs(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	bob := e.user("bob@example.com", db.RoleRecruiter)
	ca, cb := e.client(), e.client()
	ca.signIn(ann.Email)
	cb.signIn(bob.Email)
	annJob := e.job(ca, e.candidate(ann, resume.Sample()))
	bobJob := e.job(cb, e.candidate(bob, resume.Sample()))
	s, _ := cb.stream("/events")
	e.report(annJob, jobstate.EventStarted, tasks.StageTailoring, 20)
	e.report(bobJob, jobstate.EventStarted, tasks.StageTailoring, 20)
	ev, _ := s.next(t, 5*time.Second, func(ev sseEvent) bool { return ev.event == "job" })
	if !strings.Contains(ev.data, bobJob.ID) || strings.Contains(ev.data, annJob.ID) {
		t.Fatalf("bob's stream got another user's job:\n%s", ev.data)
	}
	// A replay for bob from before both changes holds bob's job only.
	s2, _ := cb.stream("/events", "Last-Event-ID", "0-1")
	for {
		ev, ok := s2.next(t, 5*time.Second, func(ev sseEvent) bool { return ev.event != "" })
		if !ok {
			t.Fatal("stream ended")
		}
		if strings.Contains(ev.data, annJob.ID) {
			t.Fatalf("bob's replay holds ann's job:\n%s", ev.data)
		}
		if ev.event == "resync" || strings.Contains(ev.data, bobJob.ID) {
			break
		}
	}
}

func TestEventsAuth(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	tok := e.token(ann)
	anon := e.client()
	if s, r := anon.stream("/events"); s != nil || r.status < 300 {
		t.Errorf("no session: status %d, a stream: %v", r.status, s != nil)
	}
	c := e.client()
	c.signIn(ann.Email)
	j := e.job(c, e.candidate(ann, resume.Sample()))
	for _, path := range []string{"/embed/events", "/embed/events?o=" + ann.ID + "&e=9999999999&s=forged"} {
		if s, r := anon.stream(path); s != nil || r.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, a stream: %v, want 401", path, r.status, s != nil)
		}
	}
	if s, r := anon.stream("/embed/events", "Authorization", "Bearer tlr_wrong"); s != nil || r.status != http.StatusUnauthorized {
		t.Errorf("bad token: status %d, want 401", r.status)
	}
	// The embedded card carries a signed URL that opens the owner's stream.
	card := anon.do("GET", "/embed/jobs/"+j.ID+"/card", nil, map[string]string{"Authorization": "Bearer " + tok})
	m := strings.SplitN(card.body, `data-tailor-events="`, 2)
	if len(m) != 2 {
		t.Fatalf("embedded card has no events URL:\n%s", card.body)
	}
	ticket := unescape(m[1][:strings.IndexByte(m[1], '"')])
	ticket = ticket[strings.Index(ticket, "/embed/events"):]
	s, r := anon.stream(ticket, "Origin", hostOrigin)
	if s == nil {
		t.Fatalf("signed URL refused: %d %s", r.status, r.body)
	}
	if got := s.res.Header.Get("Access-Control-Allow-Origin"); got != hostOrigin {
		t.Errorf("Access-Control-Allow-Origin %q, want %q", got, hostOrigin)
	}
	e.report(j, jobstate.EventStarted, tasks.StageTailoring, 20)
	ev, _ := s.next(t, 5*time.Second, func(ev sseEvent) bool { return ev.event == "job" })
	if !strings.Contains(ev.data, `id="tailor-job-`+j.ID+`"`) || !strings.Contains(ev.data, `hx-swap-oob="true"`) {
		t.Errorf("embed stream sent no embedded card:\n%s", ev.data)
	}
	if s2, r := anon.stream("/embed/events", "Authorization", "Bearer "+tok); s2 == nil {
		t.Errorf("token refused: %d %s", r.status, r.body)
	}
}

func TestEventsCaps(t *testing.T) {
	e := newLiveEnv(t, func(l *Live) { l.MaxPerUser, l.MaxStreams = 2, 3 })
	ann := e.user("ann@example.com", db.RoleRecruiter)
	bob := e.user("bob@example.com", db.RoleRecruiter)
	ca, cb := e.client(), e.client()
	ca.signIn(ann.Email)
	cb.signIn(bob.Email)
	first, _ := ca.stream("/events")
	if s, _ := ca.stream("/events"); s == nil {
		t.Fatal("second stream refused")
	}
	s, r := ca.stream("/events")
	if s != nil || r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "polling") {
		t.Fatalf("third stream of a user: %d %q %q, want 429 with Retry-After and a text", r.status, r.header.Get("Retry-After"), r.body)
	}
	// A tab closed: its stream is found gone and its place freed.
	first.close()
	waitFor(t, "a closed stream's place is reused", func() bool {
		s, _ := ca.stream("/events")
		return s != nil
	})
	if s, _ := cb.stream("/events"); s == nil {
		t.Fatal("bob's first stream refused")
	}
	s, r = cb.stream("/events")
	if s != nil || r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("stream past the process cap: %d, want 503 with Retry-After", r.status)
	}
}

func TestEventsEndAtShutdown(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn(ann.Email)
	s, _ := c.stream("/events")
	s.next(t, 5*time.Second, func(ev sseEvent) bool { return ev.retry != "" }) // the opening hint
	e.stop()
	select {
	case <-e.closed:
	case <-time.After(3 * time.Second):
		t.Fatal("Live.Run did not return within 3 s of its end")
	}
	ev, ok := s.next(t, 3*time.Second, func(sseEvent) bool { return true })
	if !ok || ev.retry == "" {
		t.Errorf("stream ended without a retry hint: %+v", ev)
	}
	if _, ok := s.next(t, 3*time.Second, func(sseEvent) bool { return true }); ok {
		t.Error("stream still open after shutdown")
	}
	if got := e.srv.Live.Streams(); got != 0 {
		t.Errorf("%d streams left", got)
	}
	if s, r := c.stream("/events"); s != nil || r.status != http.StatusServiceUnavailable {
		t.Errorf("stream during shutdown: %d, want 503", r.status)
	}
}

// TestEventsOverHTTP2 takes the Flusher path: an HTTP/2 connection cannot
// be hijacked, so the handler holds the response and flushes each event.
func TestEventsOverHTTP2(t *testing.T) {
	e := newLiveEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	tok := e.token(ann)
	c := e.client()
	c.signIn(ann.Email)
	j := e.job(c, e.candidate(ann, resume.Sample()))

	ts := httptest.NewUnstartedServer(e.srv.Routes())
	ts.EnableHTTP2 = true
	ts.StartTLS()
	t.Cleanup(ts.Close)
	req, _ := http.NewRequest("GET", ts.URL+"/embed/events", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.ProtoMajor != 2 || res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%s %d %q, want an HTTP/2 event stream", res.Proto, res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &sse{res: res, frames: make(chan sseEvent, 100)}
	t.Cleanup(s.close)
	go s.read()
	e.report(j, jobstate.EventStarted, tasks.StageTailoring, 20)
	s.next(t, 5*time.Second, func(ev sseEvent) bool {
		return ev.event == "job" && strings.Contains(ev.data, `id="tailor-job-`+j.ID+`"`)
	})
	e.stop()
	if _, ok := s.next(t, 5*time.Second, func(ev sseEvent) bool { return false }); ok {
		t.Error("stream still open after shutdown")
	}
}
