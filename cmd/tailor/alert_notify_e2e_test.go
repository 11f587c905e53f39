package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailor-app/tailor/alert"
	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/mail/mailtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestAlertNotifiesAdminsByMailAndWebhook proves the alert wiring of the
// real binary: with a real redis-server, a real SMTP server and a loopback
// webhook receiver, failing jobs fire the success-rate rule and succeeding
// ones resolve it. The admin who chose alert e-mails gets one mail per
// change; the admin's webhook subscribed to alert.fired and alert.resolved
// gets one signed event per change; the other admin (no alert e-mails) and
// the recruiter (whose webhook subscribed to the alert types too) get none.
func TestAlertNotifiesAdminsByMailAndWebhook(t *testing.T) {
	t.Parallel() // a browser test: mostly waiting on pages and jobs
	start := time.Now()
	redisSrv := taskstest.StartRedis(t)
	smtpSrv := mailtest.Start(t)
	var healthy atomic.Bool
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		if healthy.Load() {
			return llmtest.Echo("")(req)
		}
		return llmtest.Reply{Status: http.StatusUnauthorized} // permanent: the job fails at once
	})
	hooks := newWebhookReceiver(t)

	const baseURL = "https://tailor.example.com"
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test", "OPENAI_MODEL=fake",
		"SMTP_URL="+smtpSrv.URL, "MAIL_FROM=Tailor <tailor@tailor.test>", "WEBHOOK_ALLOW_NETS=127.0.0.1/32",
		"BASE_URL="+baseURL, "ALERT_INTERVAL=300ms")
	a.tailor("a-long-password\n", "user", "add", "--email", "root@example.com", "--role", "admin")
	a.tailor("a-long-password\n", "user", "add", "--email", "quiet-admin@example.com", "--role", "admin")
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	rootToken := a.tailor("", "token", "create", "--email", "root@example.com")
	annToken := a.tailor("", "token", "create", "--email", "ann@example.com")
	func() {
		d, err := db.Open(filepath.Join(a.tmp, "data", "tailor.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ctx := context.Background()
		// root ticks "Alert e-mails"; the quiet admin saved the form with
		// other mails only; ann (recruiter) never saved it.
		for email, prefs := range map[string]db.MailPrefs{
			"root@example.com":        {AlertMail: true},
			"quiet-admin@example.com": {JobReady: true, JobFailed: true},
		} {
			u, err := d.Users.ByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Mail().SetPrefs(ctx, u.ID, prefs); err != nil {
				t.Fatal(err)
			}
		}
		// Fire below 50% once two jobs ended, as an admin would on /admin.
		if err := d.Alerts.SetRule(ctx, db.AlertRule{Kind: alert.KindSuccessRate, Enabled: true, Threshold: 50,
			Window: 15 * time.Minute, MinJobs: 2, UpdatedBy: "root@example.com"}); err != nil {
			t.Fatal(err)
		}
	}()
	a.start()

	alertEvents := []string{alert.EventFired, alert.EventResolved}
	for _, reg := range []struct{ token, path string }{{rootToken, "/root"}, {annToken, "/ann"}} {
		res := a.do("POST", "/api/webhooks", reg.token, mustJSON(map[string]any{
			"url": hooks.srv.URL + reg.path, "events": alertEvents}))
		if res.status != http.StatusCreated {
			t.Fatalf("register %s: %d %s", reg.path, res.status, res.body)
		}
		hooks.setSecret(reg.path, res.json(t)["secret"].(string))
	}

	cand := a.do("POST", "/api/candidates", annToken, mustJSON(resume.Sample())).json(t)["id"].(string)
	// Each job has its own description: the same inputs again within 10 s
	// would give the job already started (duplicate), not a new one.
	jobs := 0
	generate := func(want string) {
		t.Helper()
		jobs++
		res := a.do("POST", "/api/resume-async/generate-async", annToken, mustJSON(map[string]any{
			"candidate_id": cand, "job_description": resume.SampleJobDescription + " " + want + " " + strconv.Itoa(jobs)}))
		if res.status != http.StatusAccepted {
			t.Fatalf("generate: %d %s", res.status, res.body)
		}
		body := res.json(t)
		if body["duplicate"] == true {
			t.Fatalf("generate: job %v is a duplicate of an earlier one: %s", body["job_id"], res.body)
		}
		jobID := body["job_id"].(string)
		if final := a.waitStatus(annToken, jobID, "succeeded", "failed"); final["status"] != want {
			t.Fatalf("job %s: %v, want %s", jobID, final["status"], want)
		}
	}
	// quiet waits a few evaluations, then checks that nothing more arrived.
	quiet := func(when string, mails, events int) {
		t.Helper()
		time.Sleep(2 * time.Second)
		if got := smtpSrv.Mails(); len(got) != mails {
			t.Errorf("%s: %d mails, want %d: %v", when, len(got), mails, subjects(got))
		}
		if got := hooks.all(); len(got) != events {
			t.Errorf("%s: %d webhook requests, want %d: %v", when, len(got), events, got)
		}
	}

	generate("failed")
	quiet("one failed job, fewer than the rule's minimum", 0, 0)
	generate("failed")
	fired := smtpSrv.Wait(t, 1, 20*time.Second)[0]
	firedHook := hooks.wait(t, 1, 20*time.Second)[0]
	quiet("after the alert fired", 1, 1)
	t.Logf("fired and told %s after the start", time.Since(start).Round(100*time.Millisecond))

	checkMail(t, fired, "[Tailor alert] Alert: Success rate low", "Success rate low fired at",
		"0% of jobs succeeded in the last 15 min (0 of 2; 2 failed).", "success rate below 50%", baseURL+"/admin")
	checkHook(t, firedHook, "/root", alert.EventFired, "firing")
	alertID, _ := firedHook.event.Data["alert_id"].(string)
	if firedHook.header.Get("webhook-id") != "alert:"+alertID+":fired" {
		t.Errorf("webhook-id %q for alert %q", firedHook.header.Get("webhook-id"), alertID)
	}

	healthy.Store(true)
	generate("succeeded")
	generate("succeeded") // 2 of 4: 50%, no longer below the threshold
	resolved := smtpSrv.Wait(t, 2, 20*time.Second)[1]
	resolvedHook := hooks.wait(t, 2, 20*time.Second)[1]
	quiet("after the alert resolved", 2, 2)

	checkMail(t, resolved, "[Tailor alert] Resolved: Success rate low", "Success rate low resolved by itself at",
		"It had fired at", baseURL+"/admin")
	if resolved.Header.Get("Message-ID") == fired.Header.Get("Message-ID") {
		t.Errorf("the fired and resolved mails share the Message-ID %s", fired.Header.Get("Message-ID"))
	}
	checkHook(t, resolvedHook, "/root", alert.EventResolved, "resolved")
	if resolvedHook.event.Data["alert_id"] != alertID || resolvedHook.header.Get("webhook-id") != "alert:"+alertID+":resolved" {
		t.Errorf("resolved event: webhook-id %q, alert_id %v; want alert %s", resolvedHook.header.Get("webhook-id"),
			resolvedHook.event.Data["alert_id"], alertID)
	}
	if resolvedHook.event.Data["resolved_at"] == nil {
		t.Errorf("resolved event without resolved_at: %s", resolvedHook.body)
	}

	res := a.do("GET", "/api/webhooks", rootToken, nil)
	id := res.json(t)["webhooks"].([]any)[0].(map[string]any)["id"].(string)
	res = a.do("GET", "/api/webhooks/"+id+"/deliveries", rootToken, nil)
	if n := strings.Count(string(res.body), `"status_code":204`); n != 2 {
		t.Errorf("root's delivery log has %d deliveries answered 204, want 2: %s", n, res.body)
	}
	t.Logf("run time %s", time.Since(start).Round(100*time.Millisecond))
}

// webhookReceiver is a loopback endpoint that checks each request's
// Standard Webhooks signature with the secret registered for its path.
type webhookReceiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	secrets map[string]string // path -> whsec_...
	hits    []webhookHit
	arrived chan struct{}
}

type webhookHit struct {
	path   string
	header http.Header
	body   []byte
	valid  bool // the signature matched
	event  struct {
		Type      string         `json:"type"`
		Timestamp time.Time      `json:"timestamp"`
		Data      map[string]any `json:"data"`
	}
}

func (h webhookHit) String() string { return h.path + " " + string(h.body) }

func newWebhookReceiver(t *testing.T) *webhookReceiver {
	r := &webhookReceiver{secrets: map[string]string{}, arrived: make(chan struct{}, 1)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		hit := webhookHit{path: req.URL.Path, header: req.Header.Clone(), body: b}
		json.Unmarshal(b, &hit.event)
		r.mu.Lock()
		hit.valid = validSignature(r.secrets[hit.path], req.Header, b)
		r.hits = append(r.hits, hit)
		r.mu.Unlock()
		select {
		case r.arrived <- struct{}{}:
		default:
		}
		if !hit.valid {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *webhookReceiver) setSecret(path, secret string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets[path] = secret
}

func (r *webhookReceiver) all() []webhookHit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhookHit(nil), r.hits...)
}

// wait waits until at least n requests arrived and returns them all.
func (r *webhookReceiver) wait(t *testing.T, n int, timeout time.Duration) []webhookHit {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if got := r.all(); len(got) >= n {
			return got
		}
		select {
		case <-r.arrived:
		case <-deadline:
			t.Fatalf("%d webhook requests arrived in %s, want %d", len(r.all()), timeout, n)
		}
	}
}

// validSignature is the receiver's check, from the Standard Webhooks spec:
// one of the space-separated "v1,<base64>" signatures is the HMAC-SHA256 of
// id.timestamp.body keyed with the base64 after whsec_, and the timestamp
// is recent.
func validSignature(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || secret == "" {
		return false
	}
	sec, err := strconv.ParseInt(h.Get("webhook-timestamp"), 10, 64)
	if d := time.Since(time.Unix(sec, 0)); err != nil || d > 5*time.Minute || d < -5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}

// checkMail checks an alert mail to root: its To, Subject and what its
// text says.
func checkMail(t *testing.T, m mailtest.Mail, subject string, inText ...string) {
	t.Helper()
	to, err := netmail.ParseAddress(m.Header.Get("To"))
	if len(m.To) != 1 || m.To[0] != "root@example.com" || err != nil || to.Address != "root@example.com" {
		t.Errorf("%q: to %v (To: %q), want root@example.com only", subject, m.To, m.Header.Get("To"))
	}
	if got := m.Header.Get("Subject"); got != subject {
		t.Errorf("Subject %q, want %q", got, subject)
	}
	for _, s := range inText {
		if !strings.Contains(m.Text, s) {
			t.Errorf("%q: the text lacks %q:\n%s", subject, s, m.Text)
		}
	}
	if n := strings.Count(m.Text, "/admin"); n != 1 {
		t.Errorf("%q: the text links the admin console %d times, want once:\n%s", subject, n, m.Text)
	}
}

// checkHook checks a signed alert event delivered to path.
func checkHook(t *testing.T, h webhookHit, path, eventType, status string) {
	t.Helper()
	if h.path != path || !h.valid {
		t.Errorf("%s: delivered to %s, signature valid %v", eventType, h.path, h.valid)
	}
	if h.event.Type != eventType || h.event.Data["rule"] != alert.KindSuccessRate || h.event.Data["status"] != status ||
		h.event.Data["title"] != "Success rate low" || h.event.Data["threshold"] != float64(50) {
		t.Errorf("%s: event %s", eventType, h.body)
	}
}

func subjects(mails []mailtest.Mail) []string {
	var out []string
	for _, m := range mails {
		out = append(out, m.To[0]+": "+m.Header.Get("Subject"))
	}
	return out
}
