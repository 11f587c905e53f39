package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// A job that ends in the real binary, on a real redis-server, reaches the
// owner's webhook exactly once, signed as Standard Webhooks.
func TestWebhookEndToEnd(t *testing.T) {
	redisSrv := taskstest.StartRedis(t)
	type hit struct {
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	var hits []hit
	ats := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hits = append(hits, hit{r.Header.Clone(), b})
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer ats.Close()
	got := func() []hit { mu.Lock(); defer mu.Unlock(); return append([]hit(nil), hits...) }

	a := startApp(t, "REDIS_URL="+redisSrv.URL, "WEBHOOK_ALLOW_NETS=127.0.0.1/32", "BASE_URL=https://tailor.example.com")
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	token := a.tailor("", "token", "create", "--email", "ann@example.com")
	a.start()

	// Without the allow list this address would be refused: see the test below.
	res := a.do("POST", "/api/webhooks", token, mustJSON(map[string]any{"url": ats.URL + "/tailor"}))
	if res.status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.status, res.body)
	}
	hook := res.json(t)
	secret := hook["secret"].(string)

	res = a.do("POST", "/api/candidates", token, mustJSON(resume.Sample()))
	candidateID := res.json(t)["id"].(string)
	res = a.do("POST", "/api/resume-async/generate-async", token, mustJSON(map[string]any{
		"candidate_id": candidateID, "job_description": resume.SampleJobDescription}))
	if res.status != http.StatusAccepted {
		t.Fatalf("generate: %d %s", res.status, res.body)
	}
	jobID := res.json(t)["job_id"].(string)
	status := a.waitStatus(token, jobID, "succeeded", "failed")["status"].(string)

	deadline := time.Now().Add(15 * time.Second)
	for len(got()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // a second delivery, if any, arrives meanwhile
	h := got()
	if len(h) != 1 {
		t.Fatalf("the endpoint got %d requests, want exactly 1", len(h))
	}
	// The receiver's check, from the spec: HMAC-SHA256 of id.timestamp.body
	// keyed with the base64 after whsec_.
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h[0].header.Get("webhook-id") + "." + h[0].header.Get("webhook-timestamp") + "." + string(h[0].body)))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); h[0].header.Get("webhook-signature") != want {
		t.Errorf("webhook-signature %q, want %q", h[0].header.Get("webhook-signature"), want)
	}
	var ev struct {
		Type string
		Data map[string]any
	}
	if err := json.Unmarshal(h[0].body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "job."+status || ev.Data["job_id"] != jobID ||
		ev.Data["status_url"] != "https://tailor.example.com/api/resume-async/job-status/"+jobID {
		t.Errorf("event %s", h[0].body)
	}

	res = a.do("GET", "/api/webhooks/"+hook["id"].(string)+"/deliveries", token, nil)
	if !strings.Contains(string(res.body), `"status_code":204`) || strings.Count(string(res.body), `"attempt"`) != 1 {
		t.Errorf("deliveries: %s", res.body)
	}
}

// With the default policy, the same loopback endpoint is refused at
// registration, and WEBHOOK_ALLOW_NETS must be CIDRs.
func TestWebhookDefaultPolicyRefusesLoopback(t *testing.T) {
	a := startApp(t)
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	token := a.tailor("", "token", "create", "--email", "ann@example.com")
	a.start()
	for _, u := range []string{"http://127.0.0.1:9/", "http://localhost:9/", "http://169.254.169.254/", "http://[::ffff:127.0.0.1]/"} {
		res := a.do("POST", "/api/webhooks", token, mustJSON(map[string]any{"url": u}))
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", u, res.status, res.body)
		}
	}
	if _, err := loadConfig(func(k string) string {
		if k == "WEBHOOK_ALLOW_NETS" {
			return "10.0.0.0/8,intranet"
		}
		return ""
	}); err == nil || !strings.Contains(err.Error(), "WEBHOOK_ALLOW_NETS") {
		t.Errorf("a bad WEBHOOK_ALLOW_NETS: %v", err)
	}
}

// The settings page in real Chrome (no CSP violation, no JavaScript
// needed): add a webhook, see its secret once, send a test event and find
// the attempt in the delivery log.
func TestWebhookSettingsInChrome(t *testing.T) {
	redisSrv := taskstest.StartRedis(t)
	var mu sync.Mutex
	var ids []string
	ats := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get("webhook-id"))
		mu.Unlock()
	}))
	defer ats.Close()
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "WEBHOOK_ALLOW_NETS=127.0.0.1/32")
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	a.start()
	b := newBrowser(t, a.baseURL)
	b.do(
		chromedp.Navigate(a.baseURL+"/login"),
		chromedp.SetValue(chromedp.ID("email"), "ann@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=candidates-empty]`)),
		chromedp.Navigate(a.baseURL+"/settings/tokens"),
		chromedp.Click(chromedp.CSS(`[data-testid=webhooks-link]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=webhooks-empty]`)),
		chromedp.SetValue(chromedp.ID("url"), ats.URL+"/hook"),
		chromedp.Click(chromedp.CSS(`[data-testid=webhook-create]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=new-webhook-secret]`)),
	)
	secret := eval[string](b, `document.querySelector('[data-testid=new-webhook-secret]').value`)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret shown: %q", secret)
	}
	b.shot("webhooks-added")
	b.do(
		chromedp.Click(chromedp.CSS(`[data-testid=webhook-test]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=deliveries-empty], [data-testid=deliveries]`)),
	)
	deadline := time.Now().Add(15 * time.Second)
	for {
		b.do(chromedp.Navigate(a.baseURL+b.location()), chromedp.WaitVisible(chromedp.CSS(`[data-testid=webhook-test]`)))
		rows := eval[int](b, `document.querySelectorAll('[data-testid=delivery-row]').length`)
		if rows == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery in the log after 15 s (%d rows)", rows)
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.shot("webhook-deliveries")
	if row := b.text(`[data-testid=delivery-row]`); !strings.Contains(row, "ping") || !strings.Contains(row, "200") {
		t.Errorf("delivery row: %q", row)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 1 {
		t.Errorf("the endpoint got %d requests, want 1", len(ids))
	}
}
