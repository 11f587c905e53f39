package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/db"
)

// loopbackNets lets the tests' webhooks reach httptest servers (what
// WEBHOOK_ALLOW_NETS does for an intranet ATS).
var loopbackNets = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// fakeHookQueue records queued webhook deliveries.
type fakeHookQueue struct {
	mu    sync.Mutex
	tasks []*asynq.Task
}

func (q *fakeHookQueue) EnqueueContext(_ context.Context, t *asynq.Task, _ ...asynq.Option) (*asynq.TaskInfo, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.tasks = append(q.tasks, t)
	return &asynq.TaskInfo{}, nil
}

func (q *fakeHookQueue) count() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.tasks)
}

// run delivers every queued task, as the notify worker would; failing
// says the deliveries are expected to fail.
func (q *fakeHookQueue) run(t *testing.T, e *webEnv, failing ...bool) {
	t.Helper()
	q.mu.Lock()
	tasks := q.tasks
	q.tasks = nil
	q.mu.Unlock()
	for _, task := range tasks {
		if err := e.srv.Webhooks.ProcessTask(context.Background(), task); err != nil && len(failing) == 0 {
			t.Errorf("delivery: %v", err)
		}
	}
}

func TestWebhookAPI(t *testing.T) {
	e := newWebEnv(t)
	ann, bob := e.user("ann@example.com", db.RoleRecruiter), e.user("bob@example.com", db.RoleRecruiter)
	bearer := func(u db.User) *client {
		c := e.client()
		c.hdr.Set("Authorization", "Bearer "+e.token(u))
		return c
	}
	annAPI, bobAPI := bearer(ann), bearer(bob)
	var got []string
	var mu sync.Mutex
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("webhook-id"))
		mu.Unlock()
	}))
	defer target.Close()

	r := annAPI.do("POST", "/api/webhooks", strings.NewReader(`{"url": "`+target.URL+`/hook"}`), map[string]string{"Content-Type": "application/json"})
	wantStatus(t, r, http.StatusCreated)
	var created struct {
		ID, URL, Secret string
		Events          []string
	}
	json.Unmarshal([]byte(r.body), &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || created.URL != target.URL+"/hook" || len(created.Events) != 3 {
		t.Fatalf("created %s", r.body)
	}

	for _, c := range []struct{ body, want string }{
		{`{"url": "http://169.254.169.254/latest/meta-data/"}`, "not allowed"},
		{`{"url": "http://10.0.0.1/"}`, "private"},
		{`{"url": "http://[::1]/"}`, "loopback"},
		{`{"url": "ftp://example.com/"}`, "http or https"},
		{`{"url": "` + target.URL + `", "events": ["job.exploded"]}`, "unknown event type"},
	} {
		r := annAPI.do("POST", "/api/webhooks", strings.NewReader(c.body), map[string]string{"Content-Type": "application/json"})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, c.want)
	}

	r = annAPI.get("/api/webhooks")
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(r.body, "whsec_") || !strings.Contains(r.body, created.ID) {
		t.Errorf("list: %s", r.body)
	}
	if r := bobAPI.get("/api/webhooks"); strings.Contains(r.body, created.ID) {
		t.Errorf("bob sees ann's webhook: %s", r.body)
	}
	// Another user's webhook is 404, whatever the verb.
	wantStatus(t, bobAPI.get("/api/webhooks/"+created.ID+"/deliveries"), http.StatusNotFound)
	wantStatus(t, bobAPI.do("POST", "/api/webhooks/"+created.ID+"/test", nil, nil), http.StatusNotFound)
	wantStatus(t, bobAPI.do("DELETE", "/api/webhooks/"+created.ID, nil, nil), http.StatusNotFound)

	wantStatus(t, annAPI.do("POST", "/api/webhooks/"+created.ID+"/test", nil, nil), http.StatusAccepted)
	e.hooks.run(t, e)
	r = annAPI.get("/api/webhooks/" + created.ID + "/deliveries")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `"event_type":"ping"`, `"status_code":200`, `"attempt":1`)
	if len(got) != 1 || !strings.HasPrefix(got[0], "msg_test_") {
		t.Errorf("target got %v", got)
	}

	e.db.Webhooks.Disable(context.Background(), created.ID, "the endpoint answered 410 Gone")
	r = annAPI.do("POST", "/api/webhooks/"+created.ID+"/test", nil, nil)
	wantStatus(t, r, http.StatusConflict)
	wantBody(t, r, "disabled")
	if e.hooks.count() != 0 {
		t.Error("a test event was queued for a disabled webhook")
	}
	wantStatus(t, annAPI.do("DELETE", "/api/webhooks/"+created.ID, nil, nil), http.StatusNoContent)
	wantStatus(t, annAPI.get("/api/webhooks/"+created.ID+"/deliveries"), http.StatusNotFound)

	for range db.MaxWebhooksPerUser {
		wantStatus(t, annAPI.do("POST", "/api/webhooks", strings.NewReader(`{"url": "`+target.URL+`"}`), nil), http.StatusCreated)
	}
	r = annAPI.do("POST", "/api/webhooks", strings.NewReader(`{"url": "`+target.URL+`"}`), nil)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, "delete one first")
}

func TestWebhookSettingsPage(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	e.user("bob@example.com", db.RoleRecruiter)
	ann, bob := e.signedIn("ann@example.com"), e.signedIn("bob@example.com")
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer target.Close()

	wantBody(t, ann.get("/settings/webhooks"), "No webhooks yet", `action="/settings/webhooks"`)
	r := ann.post("/settings/webhooks", url.Values{"url": {"http://192.168.0.10/hook"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, "private", `value="http://192.168.0.10/hook"`)

	r = ann.post("/settings/webhooks", url.Values{"url": {target.URL}, "events": {"job.failed"}})
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `data-testid="new-webhook-secret"`, "whsec_", "job.failed")
	hooks, _ := e.db.Webhooks.List(context.Background(), db.AllOwners)
	if len(hooks) != 1 || len(hooks[0].Events) != 1 {
		t.Fatalf("stored %+v", hooks)
	}
	id := hooks[0].ID
	secret := regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`).FindString(r.body)
	if secret == "" {
		t.Fatalf("no secret in the answer:\n%s", snippet(r.body))
	}
	list := ann.get("/settings/webhooks").body
	if strings.Contains(list, secret) {
		t.Error("the secret is shown again")
	}
	// How to check a delivery is on the page, not only in the README.
	wantBody(t, ann.get("/settings/webhooks"), `data-testid="webhook-help"`, "webhook-signature", "batch.completed")
	if strings.Contains(list, "README") {
		t.Error("the page sends the user to the README")
	}

	wantStatus(t, bob.get("/settings/webhooks/"+id), http.StatusNotFound)
	wantStatus(t, bob.post("/settings/webhooks/"+id+"/test", nil), http.StatusNotFound)
	wantStatus(t, bob.post("/settings/webhooks/"+id+"/delete", nil), http.StatusNotFound)

	wantBody(t, ann.get("/settings/webhooks/"+id), "No deliveries yet")
	r = ann.post("/settings/webhooks/"+id+"/test", nil)
	wantStatus(t, r, http.StatusSeeOther)
	e.hooks.run(t, e)
	wantBody(t, ann.get("/settings/webhooks/"+id), `data-testid="delivery-row"`, "ping", "200")

	wantStatus(t, ann.post("/settings/webhooks/"+id+"/delete", nil), http.StatusSeeOther)
	wantBody(t, ann.get("/settings/webhooks"), "No webhooks yet")
}
