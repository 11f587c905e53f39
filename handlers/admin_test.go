package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/notify"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// adminRoutes lists every /admin route of the router, with a sample path.
func adminRoutes(t *testing.T, h http.Handler) [][2]string {
	t.Helper()
	var out [][2]string
	err := chi.Walk(h.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/admin") {
			path := strings.NewReplacer("{id}", "someid", "{token}", "tok", "{queue}", "interactive").Replace(route)
			out = append(out, [2]string{method, path})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 15 {
		t.Fatalf("found %d admin routes; the walk missed some", len(out))
	}
	return out
}

func TestEveryAdminRouteNeedsTheAdminRole(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	e.user("root@example.com", db.RoleAdmin)
	recruiter, admin, anon := e.client(), e.client(), e.client()
	recruiter.signIn("ann@example.com")
	admin.signIn("root@example.com")
	for _, rt := range adminRoutes(t, e.srv.Routes()) {
		method, path := rt[0], rt[1]
		t.Run(method+" "+path, func(t *testing.T) {
			if r := recruiter.do(method, path, nil, nil); r.status != http.StatusForbidden {
				t.Errorf("recruiter: %d, want 403", r.status)
			}
			if r := anon.do(method, path, nil, nil); r.status != http.StatusSeeOther && r.status != http.StatusForbidden {
				t.Errorf("signed out: %d, want a redirect to sign in", r.status)
			}
			if r := admin.do(method, path, nil, nil); r.status == http.StatusForbidden || r.status >= 500 {
				t.Errorf("admin: %d", r.status)
			}
		})
	}
}

// seedJobs creates jobs with known statuses, times and usage; now is the
// test's clock.
func seedJobs(t *testing.T, e *webEnv, owner db.User, now time.Time) {
	t.Helper()
	ctx := context.Background()
	cand := e.candidate(owner, resume.Sample())
	type seed struct {
		age    time.Duration
		status string
		took   time.Duration
		tokens int
	}
	seeds := []seed{
		{10 * time.Minute, jobstate.StatusSucceeded, 1 * time.Second, 1000},
		{20 * time.Minute, jobstate.StatusSucceeded, 3 * time.Second, 1000},
		{30 * time.Minute, jobstate.StatusFailed, 2 * time.Second, 0},
		{2 * time.Hour, jobstate.StatusSucceeded, 5 * time.Second, 2000},
		{3 * time.Hour, jobstate.StatusCanceled, time.Second, 0},
		{50 * time.Hour, jobstate.StatusSucceeded, 7 * time.Second, 0},
		{10 * 24 * time.Hour, jobstate.StatusSucceeded, 9 * time.Second, 0}, // outside every window
		{5 * time.Minute, jobstate.StatusQueued, 0, 0},
	}
	for i, sd := range seeds {
		created := now.Add(-sd.age)
		e.db.Now = func() time.Time { return created }
		j, err := e.db.Jobs.Create(ctx, db.Job{
			OwnerID: owner.ID, CandidateID: cand.ID, CandidateVersion: 1, CandidateName: cand.Name,
			JobDescription: fmt.Sprintf("job %d", i), Theme: "classic", Paper: "a4",
			Queue: "interactive", InputsHash: "h",
		}, cand.Profile)
		if err != nil {
			t.Fatal(err)
		}
		ev := jobstate.Event{Attempt: 1, At: created.Add(sd.took), Change: jobstate.Change{
			TailorMS: sd.took.Milliseconds() / 2, LLMCalls: 1, TokensIn: sd.tokens, TokensOut: sd.tokens / 2}}
		var result *db.Result
		switch sd.status {
		case jobstate.StatusSucceeded:
			ev.Kind, ev.Stage = jobstate.EventSucceeded, "done"
			result = &db.Result{PDF: []byte("%PDF"), HTML: "<p>x</p>", Profile: []byte("{}")}
		case jobstate.StatusFailed:
			ev.Kind, ev.Stage, ev.Error = jobstate.EventFailed, "failed", "LLM rejected the API key (401): check OPENAI_API_KEY"
		case jobstate.StatusCanceled:
			if _, err := e.db.Jobs.Cancel(ctx, db.AllOwners, j.ID); err != nil {
				t.Fatal(err)
			}
			continue
		default:
			continue
		}
		if _, err := e.db.Jobs.Apply(ctx, j.ID, ev, result); err != nil {
			t.Fatal(err)
		}
	}
	e.db.Now = func() time.Time { return now }
}

func TestDashboardFiguresMatchTheSeededJobs(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	r := taskstest.StartRedis(t)
	rdb := r.Client(t)
	e := newWebEnv(t, func(s *Server) {
		s.Now = func() time.Time { return now }
		s.Admin = AdminDeps{Redis: rdb, Inspector: asynq.NewInspectorFromRedisClient(rdb), PriceIn: 1, PriceOut: 2}
	})
	admin := e.user("root@example.com", db.RoleAdmin)
	seedJobs(t, e, admin, now)
	c := e.client()
	c.signIn("root@example.com")

	d, err := e.srv.dashboard(context.Background(), true, true)
	if err != nil {
		t.Fatal(err)
	}
	// Hand-computed from seedJobs.
	wantWindows := []string{
		"Last hour: all 4, succeeded 2, failed 1, queued 1, rate 66.7%",
		"Last 24 hours: all 6, succeeded 3, failed 1, queued 1, rate 75.0%",
		"Last 7 days: all 7, succeeded 4, failed 1, queued 1, rate 80.0%",
	}
	for i, w := range d.Windows {
		c := w.Counts
		got := fmt.Sprintf("%s: all %d, succeeded %d, failed %d, queued %d, rate %.1f%%",
			w.Label, c.Total(), c[jobstate.StatusSucceeded], c[jobstate.StatusFailed], c[jobstate.StatusQueued], c.SuccessRate())
		if got != wantWindows[i] {
			t.Errorf("window %d:\n got %s\nwant %s", i, got, wantWindows[i])
		}
	}
	// Succeeded in the last 24 hours took 1 s, 3 s and 5 s.
	if got := d.Timings.Total; got.N != 3 || got.P50 != 3000 || got.P95 != 5000 {
		t.Errorf("job time = %+v, want 3 jobs, p50 3000 ms, p95 5000 ms", got)
	}
	var tokensIn int64
	for _, u := range d.UsageDays {
		tokensIn += u.TokensIn
	}
	if tokensIn != 4000 {
		t.Errorf("tokens in over 7 days = %d, want 4000", tokensIn)
	}
	if len(d.UsageUsers) != 1 || d.Cost(d.UsageUsers[0]) != "$0.01" {
		t.Errorf("usage per recruiter %+v, cost %s; want one recruiter costing $0.01 (4000 in at $1, 2000 out at $2 per million)",
			d.UsageUsers, d.Cost(d.UsageUsers[0]))
	}
	if d.RedisErr != "" || len(d.Queues) != 3 {
		t.Errorf("live figures: err %q, %d queues (want interactive, batch, notify)", d.RedisErr, len(d.Queues))
	}
	if len(d.Hourly) != 7*24+1 {
		t.Errorf("hourly entries = %d, want %d", len(d.Hourly), 7*24+1)
	}

	page := c.get("/admin")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "66.7%", "75.0%", "80.0%", "<svg", "interactive", "batch", "Database size", "No worker is running")
}

func TestDashboardSurvivesARedisOutage(t *testing.T) {
	dead := redis.NewClient(&redis.Options{Addr: taskstest.FreeAddr(t), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { dead.Close() })
	e := newWebEnv(t, func(s *Server) {
		s.Admin = AdminDeps{Redis: dead, Inspector: asynq.NewInspectorFromRedisClient(dead)}
	})
	admin := e.user("root@example.com", db.RoleAdmin)
	seedJobs(t, e, admin, time.Now())
	c := e.client()
	c.signIn("root@example.com")
	for _, path := range []string{"/admin", "/admin/fragments/live", "/admin/queues"} {
		r := c.get(path)
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "Redis is unreachable")
	}
	wantBody(t, c.get("/admin"), "Last 24 hours", "66.7%") // SQLite figures still shown
}

func TestAdminFindsAndActsOnJobs(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	e.user("root@example.com", db.RoleAdmin)
	now := time.Now()
	seedJobs(t, e, ann, now)
	c := e.client()
	c.signIn("root@example.com")

	// Why did it fail? Search by the error text, open the job.
	list := c.get("/admin/jobs?q=" + url.QueryEscape("API key"))
	wantStatus(t, list, http.StatusOK)
	if n := strings.Count(list.body, `data-testid="admin-job-row"`); n != 1 {
		t.Fatalf("search by error text found %d jobs, want 1", n)
	}
	failed, err := e.db.Jobs.AdminList(context.Background(), db.AdminFilter{Status: jobstate.StatusFailed})
	if err != nil || len(failed) != 1 {
		t.Fatalf("failed jobs: %d %v", len(failed), err)
	}
	detail := c.get("/admin/jobs/" + failed[0].ID)
	wantBody(t, detail, "OPENAI_API_KEY", "Inputs hash", failed[0].InputsHash, "ann@example.com")

	// Filters: by status, by recruiter, slowest first.
	wantBody(t, c.get("/admin/jobs?status=canceled"), "Canceled")
	wantStatus(t, c.get("/admin/jobs?slow=1"), http.StatusOK)
	slowest, _ := e.db.Jobs.AdminList(context.Background(), db.AdminFilter{Slowest: true, Limit: 1})
	if len(slowest) != 1 || slowest[0].FinishedAt.Sub(slowest[0].CreatedAt) != 9*time.Second {
		t.Errorf("slowest job took %s, want 9s", slowest[0].FinishedAt.Sub(slowest[0].CreatedAt))
	}

	// Retry: a new job for the same recruiter, enqueued.
	r := c.post("/admin/jobs/"+failed[0].ID+"/retry", nil)
	wantStatus(t, r, http.StatusSeeOther)
	if e.queue.count() != 1 {
		t.Fatalf("retry enqueued %d tasks, want 1", e.queue.count())
	}
	newID := strings.TrimPrefix(r.header.Get("Location"), "/admin/jobs/")
	retried, err := e.db.Jobs.Get(context.Background(), db.OwnedBy(ann.ID), newID)
	if err != nil || retried.Status != jobstate.StatusQueued {
		t.Fatalf("retried job: %+v %v; want a queued job owned by the recruiter", retried.Status, err)
	}
	// Cancel it, then delete it after confirming.
	wantStatus(t, c.post("/admin/jobs/"+newID+"/cancel", nil), http.StatusSeeOther)
	if j, _ := e.db.Jobs.Get(context.Background(), db.AllOwners, newID); j.Status != jobstate.StatusCanceled {
		t.Errorf("after cancel: %s", j.Status)
	}
	wantBody(t, c.get("/admin/jobs/"+newID+"/delete"), "Delete this job?")
	wantStatus(t, c.post("/admin/jobs/"+newID+"/delete", nil), http.StatusSeeOther)
	if _, err := e.db.Jobs.Get(context.Background(), db.AllOwners, newID); err != db.ErrNotFound {
		t.Errorf("deleted job still there: %v", err)
	}
}

func TestAdminRevokesAUsersToken(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	e.user("root@example.com", db.RoleAdmin)
	secret, tok, err := e.db.Tokens.Create(context.Background(), ann.ID, "ats")
	if err != nil {
		t.Fatal(err)
	}
	api := func() int {
		req, _ := http.NewRequest("GET", e.ts.URL+"/api/resume-async/my-jobs", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := api(); got != http.StatusOK {
		t.Fatalf("token before revoke: %d", got)
	}
	c := e.client()
	c.signIn("root@example.com")
	wantBody(t, c.get("/admin/users/"+ann.ID+"/tokens"), "ats", "active")
	wantStatus(t, c.post("/admin/users/"+ann.ID+"/tokens/"+tok.ID+"/revoke", nil), http.StatusSeeOther)
	if got := api(); got != http.StatusUnauthorized {
		t.Errorf("token after revoke: %d, want 401", got)
	}
}

// A web process's notify worker (mails, webhooks) is not a resume worker:
// the Workers panel leaves it out, while the notify queue is listed with
// the others so a delivery that gave up can be seen and retried.
func TestDashboardTellsNotifyFromResumeWorkers(t *testing.T) {
	rdb := taskstest.StartRedis(t).Client(t)
	e := newWebEnv(t, func(s *Server) {
		s.Admin = AdminDeps{Redis: rdb, Inspector: asynq.NewInspectorFromRedisClient(rdb)}
	})
	e.user("root@example.com", db.RoleAdmin)
	for _, queues := range []map[string]int{{notify.Queue: 1}, {tasks.QueueInteractive: 6, tasks.QueueBatch: 1}} {
		srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{Concurrency: 1, Queues: queues, LogLevel: asynq.FatalLevel})
		if err := srv.Start(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { return nil })); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Shutdown)
	}
	// asynq writes a server's info on its first heartbeat.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if servers, _ := e.srv.Admin.Inspector.Servers(); len(servers) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the two asynq servers never showed up")
		}
	}
	d, err := e.srv.dashboard(context.Background(), true, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Workers) != 1 || d.Workers[0].Concurrency != 1 {
		t.Fatalf("workers = %+v, want the one resume worker", d.Workers)
	}
	var names []string
	for _, q := range d.Queues {
		names = append(names, q.Name)
	}
	if want := []string{tasks.QueueInteractive, tasks.QueueBatch, notify.Queue}; !slices.Equal(names, want) {
		t.Errorf("queues = %v, want %v", names, want)
	}
	c := e.client()
	c.signIn("root@example.com")
	wantStatus(t, c.post("/admin/queues/"+notify.Queue+"/pause", nil), http.StatusSeeOther)
}

// A dead delivery on the notify queue runs again as itself: it is not a
// job's inputs to start a new job with.
func TestDeadNotifyTaskRunsAgain(t *testing.T) {
	rdb := taskstest.StartRedis(t).Client(t)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	e := newWebEnv(t, func(s *Server) { s.Admin = AdminDeps{Redis: rdb, Inspector: insp} })
	e.user("root@example.com", db.RoleAdmin)
	client := asynq.NewClientFromRedisClient(rdb)
	if _, err := client.Enqueue(asynq.NewTask("mail:job_end", []byte(`{}`)), asynq.Queue(notify.Queue), asynq.TaskID("mail:job:x:ready")); err != nil {
		t.Fatal(err)
	}
	if err := insp.ArchiveTask(notify.Queue, "mail:job:x:ready"); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.signIn("root@example.com")
	wantBody(t, c.get("/admin/queues"), "mail:job:x:ready")
	wantStatus(t, c.post("/admin/queues/"+notify.Queue+"/dead/mail:job:x:ready/retry", nil), http.StatusSeeOther)
	info, err := insp.GetTaskInfo(notify.Queue, "mail:job:x:ready")
	if err != nil || info.State != asynq.TaskStatePending {
		t.Fatalf("task after retry: %+v, %v; want pending", info, err)
	}
	if counts, _ := e.db.Jobs.CountByStatus(context.Background(), time.Time{}); counts[jobstate.StatusQueued] != 0 {
		t.Errorf("a retry of a mail created jobs: %v", counts)
	}
}

// TestAdminUserActions: Disable asks first on a page of its own (no
// JavaScript needed), and a new password is set on its own page, not in a
// form unfolding inside the users table's row (issue 15, item 9).
func TestAdminUserActions(t *testing.T) {
	e := newWebEnv(t)
	e.user("root@example.com", db.RoleAdmin)
	carol := e.user("carol@example.com", db.RoleRecruiter)
	admin := e.client()
	admin.signIn("root@example.com")

	list := admin.get("/admin/users")
	wantStatus(t, list, http.StatusOK)
	wantBody(t, list, `href="/admin/users/`+carol.ID+`/disable"`, `href="/admin/users/`+carol.ID+`/reset"`)
	if strings.Contains(list.body, "<details") || strings.Contains(list.body, `name="disabled" value="true"`) {
		t.Error("the users table still disables at one click or unfolds a form in a row")
	}

	// Disable: a confirmation page whose button posts the disable.
	ask := admin.get("/admin/users/" + carol.ID + "/disable")
	wantStatus(t, ask, http.StatusOK)
	wantBody(t, ask, "Disable carol@example.com?", `action="/admin/users/`+carol.ID+`/disable"`, `data-testid="confirm"`)
	if u, _ := e.db.Users.Get(context.Background(), carol.ID); u.Disabled {
		t.Fatal("asking disabled the user")
	}
	wantStatus(t, admin.post("/admin/users/"+carol.ID+"/disable", nil), http.StatusSeeOther)
	if u, _ := e.db.Users.Get(context.Background(), carol.ID); !u.Disabled {
		t.Error("the confirmation's button did not disable the user")
	}

	// Reset: its own page; a short password comes back with its message.
	page := admin.get("/admin/users/" + carol.ID + "/reset")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "Reset the password of carol@example.com", `action="/admin/users/`+carol.ID+`/reset"`)
	bad := admin.post("/admin/users/"+carol.ID+"/reset", url.Values{"password": {"short"}, "revoke_tokens": {"true"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	wantBody(t, bad, "at least 8 characters", `aria-invalid="true"`, `value="true" checked`)
	wantStatus(t, admin.post("/admin/users/"+carol.ID+"/reset", url.Values{"password": {"another-long-one"}}), http.StatusSeeOther)
	wantStatus(t, admin.post("/admin/users/"+carol.ID+"/disable", url.Values{"disabled": {"false"}}), http.StatusSeeOther)
	if _, err := e.db.Users.Authenticate(context.Background(), "carol@example.com", "another-long-one"); err != nil {
		t.Errorf("the new password does not sign in: %v", err)
	}
}

// TestDashboardChartsShowAxesAndValues: each chart has its scale, times
// along the bottom and its figures in words, without hovering (issue 15,
// item 13).
func TestDashboardChartsShowAxesAndValues(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	e := newWebEnv(t, func(s *Server) { s.Now = func() time.Time { return now } })
	admin := e.user("root@example.com", db.RoleAdmin)
	seedJobs(t, e, admin, now)
	c := e.client()
	c.signIn("root@example.com")
	page := c.get("/admin")
	wantStatus(t, page, http.StatusOK)
	if n := strings.Count(page.body, `data-testid="chart"`); n != 2 {
		t.Errorf("%d charts, want 2", n)
	}
	// Seeded: 4 jobs created between 11:00 and 12:00, the slowest
	// succeeded one in the last 24 hours took 5 s (at 10:00).
	wantBody(t, page,
		`<span data-testid="chart-max">4 jobs</span><span>0</span>`,
		"<span>21 Nov 12:00</span>", "<span>28 Nov 12:00</span>",
		"This hour (since 12:00 UTC): none. Highest: 4 jobs, Sat 28 Nov 11:00 UTC.",
		"Highest: 7.0 s, Thu 26 Nov 10:00 UTC.", // the p95 chart: the 7 s job, 50 hours before
	)
}
