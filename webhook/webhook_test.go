package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/db/dbtest"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// fakeQueue records the tasks a Service queues, refusing a task id it has
// seen as Redis does.
type fakeQueue struct {
	mu    sync.Mutex
	tasks []*asynq.Task
	ids   map[string]bool
}

func (q *fakeQueue) EnqueueContext(_ context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ids == nil {
		q.ids = map[string]bool{}
	}
	for _, o := range opts {
		if o.Type() == asynq.TaskIDOpt {
			id := o.Value().(string)
			if q.ids[id] {
				return nil, asynq.ErrTaskIDConflict
			}
			q.ids[id] = true
		}
	}
	q.tasks = append(q.tasks, t)
	return &asynq.TaskInfo{}, nil
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type env struct {
	t   *testing.T
	db  *db.DB
	q   *fakeQueue
	svc *Service
	ann db.User
}

func newEnv(t *testing.T, allow ...netip.Prefix) *env {
	d := dbtest.MustOpen(t)
	q := &fakeQueue{}
	return &env{t: t, db: d, q: q, ann: dbtest.MustUser(t, d, "ann@example.com", db.RoleRecruiter),
		svc: &Service{DB: d, Queue: q, Policy: Policy{Allow: allow}, Logger: quiet(), BaseURL: "https://tailor.example.com"}}
}

// hook stores an endpoint without the registration check (the refusal
// tests need endpoints registration would refuse, as if DNS changed).
func (e *env) hook(url string, events ...string) db.Webhook {
	e.t.Helper()
	if len(events) == 0 {
		events = JobEventTypes
	}
	h, err := e.db.Webhooks.Create(context.Background(), db.Webhook{OwnerID: e.ann.ID, URL: url, Secret: NewSecret(), Events: events})
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// endJob makes a job of ann's that ended with status.
func (e *env) endJob(kind string) db.JobEnd {
	e.t.Helper()
	ctx := context.Background()
	j := dbtest.MustJob(e.t, e.db, e.ann.ID)
	if _, err := e.db.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: kind, Attempt: 1, Change: jobstate.Change{Error: "boom"}}, nil); err != nil {
		e.t.Fatal(err)
	}
	ends, err := e.db.JobEnds.Pending(ctx, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, end := range ends {
		if end.JobID == j.ID {
			return end
		}
	}
	e.t.Fatal("no job end")
	return db.JobEnd{}
}

// runAll processes every queued task once, as the notify worker would.
func (e *env) runAll() []error {
	e.q.mu.Lock()
	tasks := e.q.tasks
	e.q.tasks = nil
	e.q.mu.Unlock()
	var errs []error
	for _, t := range tasks {
		errs = append(errs, e.svc.ProcessTask(context.Background(), t))
	}
	return errs
}

func (e *env) deliveries(h db.Webhook) []db.WebhookDelivery {
	e.t.Helper()
	list, err := e.db.Webhooks.Deliveries(context.Background(), h.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// received is what a test endpoint got.
type received struct {
	header http.Header
	body   []byte
}

type endpoint struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	next func(n int, w http.ResponseWriter) // answers request n (from 0); nil: 204
}

func newEndpoint(t *testing.T, next func(n int, w http.ResponseWriter)) *endpoint {
	ep := &endpoint{next: next}
	ep.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ep.mu.Lock()
		n := len(ep.got)
		ep.got = append(ep.got, received{header: r.Header.Clone(), body: body})
		ep.mu.Unlock()
		if ep.next != nil {
			ep.next(n, w)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(ep.Close)
	return ep
}

func (ep *endpoint) requests() []received {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return append([]received(nil), ep.got...)
}

// verify checks a request's signature as a receiver would, written from
// the Standard Webhooks spec and not with Sign: base64-decode the secret
// after whsec_, HMAC-SHA256 "id.timestamp.body", compare with each v1
// signature of the header.
func verify(t *testing.T, secret string, r received) {
	t.Helper()
	id, ts, sigs := r.header.Get("webhook-id"), r.header.Get("webhook-timestamp"), r.header.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		t.Fatalf("missing Standard Webhooks headers: %v", r.header)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		t.Errorf("webhook-timestamp %q is not now in Unix seconds", ts)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q is not whsec_<base64>", secret)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(r.body)))
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, b64, _ := strings.Cut(s, ",")
		got, _ := base64.StdEncoding.DecodeString(b64)
		if v == "v1" && hmac.Equal(got, want) {
			return
		}
	}
	t.Errorf("no valid v1 signature in %q", sigs)
}

func TestDeliveryIsSignedAsStandardWebhooks(t *testing.T) {
	e := newEnv(t, loopback...)
	reg := prometheus.NewRegistry()
	e.svc.Metrics = NewMetrics(reg)
	ep := newEndpoint(t, nil)
	h := e.hook(ep.URL + "/hooks/tailor")
	end := e.endJob(jobstate.EventSucceeded)
	if err := e.svc.Dispatch(context.Background(), end); err != nil {
		t.Fatal(err)
	}
	if errs := e.runAll(); len(errs) != 1 || errs[0] != nil {
		t.Fatalf("process: %v", errs)
	}
	got := ep.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	verify(t, h.Secret, got[0])
	if ct, ua := got[0].header.Get("Content-Type"), got[0].header.Get("User-Agent"); ct != "application/json" || ua != UserAgent {
		t.Errorf("Content-Type %q, User-Agent %q", ct, ua)
	}
	var ev struct {
		Type      string
		Timestamp time.Time
		Data      map[string]string
	}
	if err := json.Unmarshal(got[0].body, &ev); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"job_id": end.JobID, "status": "succeeded", "candidate_name": "Jane Doe",
		"status_url":   "https://tailor.example.com/api/resume-async/job-status/" + end.JobID,
		"download_url": "https://tailor.example.com/api/resume-async/download/" + end.JobID}
	for k, v := range want {
		if ev.Data[k] != v {
			t.Errorf("data.%s = %q, want %q", k, ev.Data[k], v)
		}
	}
	if ev.Type != JobSucceeded || ev.Timestamp.IsZero() {
		t.Errorf("type %q timestamp %v", ev.Type, ev.Timestamp)
	}
	log := e.deliveries(h)
	if len(log) != 1 || log[0].StatusCode != 204 || log[0].Error != "" || log[0].Attempt != 1 || log[0].JobID != end.JobID {
		t.Errorf("log = %+v", log)
	}
	m := taskstest.Scrape(t, reg)
	if m[`tailor_webhook_deliveries_total{result=delivered}`] != 1 || m[`tailor_webhook_deliveries_total{result=failed}`] != 0 ||
		m[`tailor_webhook_delivery_seconds{}`] != 1 {
		t.Errorf("metrics: %v", m)
	}
}

// A second dispatch of the same end (a crash before it was marked) queues
// nothing more; endpoints not subscribed, disabled or another user's get
// nothing.
func TestDispatchIsIdempotentAndScoped(t *testing.T) {
	e := newEnv(t, loopback...)
	ctx := context.Background()
	e.hook("http://127.0.0.1:1/a")
	e.hook("http://127.0.0.1:1/only-failures", JobFailed)
	off := e.hook("http://127.0.0.1:1/off")
	e.db.Webhooks.Disable(ctx, off.ID, "test")
	bob := dbtest.MustUser(t, e.db, "bob@example.com", db.RoleRecruiter)
	if _, err := e.db.Webhooks.Create(ctx, db.Webhook{OwnerID: bob.ID, URL: "http://127.0.0.1:1/bob", Secret: NewSecret(), Events: JobEventTypes}); err != nil {
		t.Fatal(err)
	}
	end := e.endJob(jobstate.EventSucceeded)
	for range 2 {
		if err := e.svc.Dispatch(ctx, end); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.q.tasks); n != 1 {
		t.Fatalf("%d tasks queued, want 1", n)
	}
	var d delivery
	json.Unmarshal(e.q.tasks[0].Payload(), &d)
	if !strings.HasSuffix(string(d.Body), "}") || d.EventType != JobSucceeded {
		t.Errorf("payload %+v", d)
	}
}

// Every attempt, whatever the answer, is logged; the log keeps the last 50.
func TestDeliveryLogKeepsTheLast50(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h := e.hook("http://127.0.0.1:1/x")
	for i := range 60 {
		if err := e.db.Webhooks.LogDelivery(ctx, db.WebhookDelivery{WebhookID: h.ID, EventID: "msg_" + strconv.Itoa(i),
			EventType: Ping, Attempt: 1, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	log := e.deliveries(h)
	if len(log) != 50 || log[0].EventID != "msg_59" || log[49].EventID != "msg_10" {
		t.Fatalf("%d kept, newest %q, oldest %q", len(log), log[0].EventID, log[len(log)-1].EventID)
	}
}

// The default policy refuses, at delivery, every address that is not
// public, after resolution: nothing reaches the listening server.
func TestDeliveryRefusesPrivateAddresses(t *testing.T) {
	ep := newEndpoint(t, nil)
	port := ep.URL[strings.LastIndex(ep.URL, ":")+1:]
	allowed := newEnv(t, netip.MustParsePrefix("127.0.0.1/32"))
	redirect := newEndpoint(t, func(_ int, w http.ResponseWriter) {
		w.Header().Set("Location", "http://10.0.0.1/")
		w.WriteHeader(http.StatusFound)
	})
	for _, c := range []struct {
		name, url string
		env       *env
		want      string
	}{
		{"loopback literal", "http://127.0.0.1:" + port + "/", nil, "loopback"},
		{"a name resolving to loopback", "http://localhost:" + port + "/", nil, "loopback"},
		{"private 10/8", "http://10.0.0.1:" + port + "/", nil, "private"},
		{"private 192.168/16", "http://192.168.1.1/", nil, "private"},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", nil, "link-local"},
		{"IPv6 loopback", "http://[::1]:" + port + "/", nil, "loopback"},
		{"IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + port + "/", nil, "loopback"},
		{"AWS IPv6 metadata", "http://[fd00:ec2::254]/", nil, "private"},
		{"carrier-grade NAT", "http://100.64.0.1/", nil, "carrier-grade NAT"},
		{"unspecified", "http://0.0.0.0:" + port + "/", nil, "unspecified"},
		{"redirect to a private address", redirect.URL + "/", allowed, "redirects are not followed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := c.env
			if e == nil {
				e = newEnv(t)
			}
			e.svc.Timeout = 2 * time.Second
			h := e.hook(c.url)
			if err := e.svc.SendTest(context.Background(), db.OwnedBy(e.ann.ID), h.ID); err != nil {
				t.Fatal(err)
			}
			errs := e.runAll()
			if len(errs) != 1 || errs[0] == nil || !strings.Contains(errs[0].Error(), c.want) {
				t.Fatalf("delivery error %v, want one that says %q", errs, c.want)
			}
			log := e.deliveries(h)
			if len(log) != 1 || !strings.Contains(log[0].Error, c.want) {
				t.Errorf("log %+v", log)
			}
		})
	}
	if n := len(ep.requests()); n != 0 {
		t.Errorf("the private server got %d requests", n)
	}
	if n := len(redirect.requests()); n != 1 {
		t.Errorf("the redirecting server got %d requests, want 1", n)
	}
}

// Registration refuses the same addresses with a message for the user, and
// takes a public one (resolution faked: tests have no DNS).
func TestCreateRefusesPrivateURLs(t *testing.T) {
	e := newEnv(t)
	e.svc.Resolver = fakeResolver{"ats.example.com": {netip.MustParseAddr("93.184.216.34")},
		"sneaky.example.com": {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.1.2.3")}}
	ctx := context.Background()
	for _, u := range []string{
		"http://127.0.0.1/", "http://localhost:8080/", "http://10.0.0.1/", "http://169.254.169.254/", "http://[::1]/",
		"http://[::ffff:127.0.0.1]/", "http://[fe80::1%25eth0]/", "http://sneaky.example.com/", "http://nowhere.invalid/",
		"ftp://ats.example.com/", "ats.example.com/hook", "http://user:pw@ats.example.com/", "/relative", "",
		"http://ats.example.com/" + strings.Repeat("a", MaxURL),
	} {
		_, err := e.svc.Create(ctx, e.ann.ID, Registration{URL: u})
		var ue *URLError
		if !errors.As(err, &ue) {
			t.Errorf("%.60s: err %v, want a *URLError", u, err)
		}
	}
	h, err := e.svc.Create(ctx, e.ann.ID, Registration{URL: "https://ats.example.com/hooks?x=1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h.Secret, "whsec_") || len(h.Events) != 3 {
		t.Errorf("created %+v", h)
	}
	if _, err := e.svc.Create(ctx, e.ann.ID, Registration{URL: "https://ats.example.com/", Events: []string{"job.exploded"}}); !errors.As(err, new(*EventsError)) {
		t.Errorf("unknown event: %v", err)
	}
	for range db.MaxWebhooksPerUser - 1 {
		if _, err := e.svc.Create(ctx, e.ann.ID, Registration{URL: "https://ats.example.com/"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Create(ctx, e.ann.ID, Registration{URL: "https://ats.example.com/"}); !errors.Is(err, db.ErrWebhookLimit) {
		t.Errorf("past the cap: %v", err)
	}
}

type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return a, nil
	}
	if host == "localhost" {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	return nil, errors.New("no such host")
}

func TestPolicyCheck(t *testing.T) {
	var p Policy
	for _, a := range []string{"127.0.0.1", "127.9.9.9", "10.1.1.1", "172.31.0.1", "192.168.0.1", "169.254.169.254", "100.100.100.200",
		"0.0.0.0", "255.255.255.255", "224.0.0.1", "::", "::1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "fe80::1", "fd00:ec2::254",
		"fc00::1", "ff02::1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "::127.0.0.1"} {
		if err := p.Check(netip.MustParseAddr(a)); err == nil {
			t.Errorf("%s allowed", a)
		}
	}
	for _, a := range []string{"93.184.216.34", "8.8.8.8", "2606:4700::1111", "64:ff9b::808:808"} {
		if err := p.Check(netip.MustParseAddr(a)); err != nil {
			t.Errorf("%s refused: %v", a, err)
		}
	}
	allow, err := ParseNets("10.20.0.0/16, 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p.Allow = allow
	if p.Check(netip.MustParseAddr("10.20.3.4")) != nil || p.Check(netip.MustParseAddr("::ffff:127.0.0.1")) != nil {
		t.Error("allowed nets refused")
	}
	if p.Check(netip.MustParseAddr("10.21.0.1")) == nil {
		t.Error("a net outside the allow list allowed")
	}
	if _, err := ParseNets("10.0.0.0/8,intranet"); err == nil {
		t.Error("ParseNets took a word")
	}
}

// An answer is read up to MaxAnswer and no further; an endpoint that does
// not answer in time is a failed attempt.
func TestDeliveryBoundsTheAnswerAndTheTime(t *testing.T) {
	e := newEnv(t, loopback...)
	ctx := context.Background()
	huge := newEndpoint(t, func(_ int, w http.ResponseWriter) {
		w.WriteHeader(http.StatusOK)
		chunk := []byte(strings.Repeat("x", 32<<10))
		for range 32 * 1024 { // 1 GB, if anyone read it
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	h := e.hook(huge.URL)
	e.svc.SendTest(ctx, db.OwnedBy(e.ann.ID), h.ID)
	start := time.Now()
	if errs := e.runAll(); errs[0] != nil {
		t.Fatalf("a 200 with a huge body: %v", errs[0])
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s: the answer was not capped", d)
	}

	release := make(chan struct{})
	slow := newEndpoint(t, func(_ int, w http.ResponseWriter) { <-release })
	defer close(release)
	e.svc.Timeout = 300 * time.Millisecond
	e.svc.clientOnce = sync.Once{}
	h = e.hook(slow.URL)
	e.svc.SendTest(ctx, db.OwnedBy(e.ann.ID), h.ID)
	start = time.Now()
	errs := e.runAll()
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "no answer in time") {
		t.Errorf("slow endpoint: %v", errs[0])
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s with a 300 ms timeout", d)
	}
}

// 410 Gone disables the endpoint; a disabled or deleted endpoint's queued
// deliveries end quietly, sending nothing.
func TestGoneDisablesAndRemovedEndsQuietly(t *testing.T) {
	e := newEnv(t, loopback...)
	ctx := context.Background()
	gone := newEndpoint(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusGone) })
	h := e.hook(gone.URL)
	e.svc.SendTest(ctx, db.OwnedBy(e.ann.ID), h.ID)
	e.svc.SendTest(ctx, db.OwnedBy(e.ann.ID), h.ID)
	if errs := e.runAll(); errs[0] != nil || errs[1] != nil {
		t.Fatalf("410: %v", errs)
	}
	if got, _ := e.db.Webhooks.Get(ctx, db.AllOwners, h.ID); got.Enabled || got.DisabledReason == "" {
		t.Errorf("after 410: %+v", got)
	}
	if n := len(gone.requests()); n != 1 {
		t.Errorf("%d requests, want 1 (the second found the endpoint disabled)", n)
	}
	ok := newEndpoint(t, nil)
	h = e.hook(ok.URL)
	e.svc.SendTest(ctx, db.OwnedBy(e.ann.ID), h.ID)
	e.db.Webhooks.Delete(ctx, db.OwnedBy(e.ann.ID), h.ID)
	if errs := e.runAll(); errs[0] != nil || len(ok.requests()) != 0 {
		t.Errorf("deleted endpoint: %v, %d requests", errs, len(ok.requests()))
	}
}

// Emit queues a non-job event to the subscribed endpoints, once per event id.
func TestEmit(t *testing.T) {
	e := newEnv(t, loopback...)
	e.svc.EventTypes = append(append([]string(nil), JobEventTypes...), "alert.fired")
	ctx := context.Background()
	ep := newEndpoint(t, nil)
	h := e.hook(ep.URL, "alert.fired")
	e.hook(ep.URL) // job events only
	if err := e.svc.Emit(ctx, e.ann.ID, "alert.unknown", "a1", nil); err == nil {
		t.Error("an unknown type was emitted")
	}
	for range 2 {
		if err := e.svc.Emit(ctx, e.ann.ID, "alert.fired", "alert_1_fired", map[string]string{"rule": "queue too long"}); err != nil {
			t.Fatal(err)
		}
	}
	e.runAll()
	got := ep.requests()
	if len(got) != 1 || got[0].header.Get("webhook-id") != "alert_1_fired" || !strings.Contains(string(got[0].body), `"type":"alert.fired"`) {
		t.Fatalf("got %d requests: %+v", len(got), got)
	}
	verify(t, h.Secret, got[0])
}

// The last job of a batch to end emits batch.completed, once.
func TestBatchCompleted(t *testing.T) {
	e := newEnv(t, loopback...)
	e.svc.EventTypes = append(append([]string(nil), JobEventTypes...), BatchCompleted)
	ctx := context.Background()
	ep := newEndpoint(t, nil)
	h := e.hook(ep.URL, BatchCompleted)
	var jobs []db.BatchJob
	for range 2 {
		c, err := e.db.Candidates.Create(ctx, e.ann.ID, "Jane", []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, db.BatchJob{Job: db.Job{CandidateID: c.ID, CandidateName: "Jane", JobDescription: "Go",
			Theme: "classic", Paper: "a4", Queue: "batch"}, Profile: []byte(`{}`)})
	}
	b, js, err := e.db.Batches.Create(ctx, db.Batch{OwnerID: e.ann.ID, Theme: "classic", Paper: "a4"}, jobs)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range js {
		if _, err := e.db.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1}, nil); err != nil {
			t.Fatal(err)
		}
		ends, _ := e.db.JobEnds.Pending(ctx, 10)
		for _, end := range ends {
			if err := e.svc.Dispatch(ctx, end); err != nil {
				t.Fatal(err)
			}
			e.q.mu.Lock()
			queued := len(e.q.tasks)
			e.q.mu.Unlock()
			if i == 0 && queued != 0 {
				t.Fatal("batch.completed before the batch's last job ended")
			}
		}
	}
	e.runAll()
	got := ep.requests()
	if len(got) != 1 || got[0].header.Get("webhook-id") != "msg_batch_"+b.ID ||
		!strings.Contains(string(got[0].body), `"type":"batch.completed"`) || !strings.Contains(string(got[0].body), `"succeeded":2`) {
		t.Fatalf("got %d requests: %+v", len(got), got)
	}
	verify(t, h.Secret, got[0])
}
