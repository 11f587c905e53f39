package alert_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailor-app/tailor/alert"
	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/db/dbtest"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// recorder is a Notifier that records the changes it is told; fail makes
// it refuse them.
type recorder struct {
	mu      sync.Mutex
	changes []alert.Change
	fail    bool
}

func (r *recorder) AlertChanged(_ context.Context, c alert.Change) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return fmt.Errorf("mail server down")
	}
	r.changes = append(r.changes, c)
	return nil
}

func (r *recorder) keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var keys []string
	for _, c := range r.changes {
		keys = append(keys, c.Key)
	}
	return keys
}

// clock is a settable time for the evaluator.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }
func newClock(t time.Time) *clock    { return &clock{t: t} }
func discard() *slog.Logger          { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func at(c *clock) func() time.Time   { return c.now }
func ctxb() context.Context          { return context.Background() }
func rule(d *db.DB, kind string) db.AlertRule {
	rules, _ := d.Alerts.Rules(ctxb())
	for _, r := range rules {
		if r.Kind == kind {
			return r
		}
	}
	panic("no rule " + kind)
}

// only leaves kind enabled, so a test sees one rule at a time.
func only(t *testing.T, d *db.DB, kind string) {
	t.Helper()
	for _, k := range alert.Kinds() {
		r := rule(d, k)
		r.Enabled = k == kind
		if err := d.Alerts.SetRule(ctxb(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// endJobs makes n jobs of owner end with kind (succeeded or failed) at when.
func endJobs(t *testing.T, d *db.DB, owner string, n int, kind string, when time.Time) {
	t.Helper()
	for range n {
		j := dbtest.MustJob(t, d, owner)
		if _, err := d.Jobs.Apply(ctxb(), j.ID, jobstate.Event{Kind: kind, Attempt: 1, At: when}, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func mustEvaluate(t *testing.T, e *alert.Evaluator) {
	t.Helper()
	if err := e.Evaluate(ctxb()); err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T, d *db.DB) []db.AlertEvent {
	t.Helper()
	o, err := d.Alerts.Open(ctxb())
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestSuccessRateMeasure(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name             string
		ok, failed, old  int // old: failed jobs before the window
		canceled         int
		holds            bool
		value            float64
		messageHasTooFew bool
	}{
		{name: "no job ended", holds: false, value: 100},
		{name: "all good", ok: 20, holds: false, value: 100},
		{name: "9 failures are too few to judge", failed: 9, holds: false, value: 0, messageHasTooFew: true},
		{name: "10 jobs, 1 failure", ok: 9, failed: 1, holds: true, value: 90},
		{name: "exactly the threshold does not fire", ok: 19, failed: 1, holds: false, value: 95},
		{name: "failures before the window do not count", ok: 10, old: 30, holds: false, value: 100},
		{name: "canceled jobs do not count", ok: 10, canceled: 10, holds: false, value: 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := dbtest.MustOpen(t)
			u := dbtest.MustUser(t, d, "ann@example.com", db.RoleRecruiter)
			endJobs(t, d, u.ID, tc.ok, jobstate.EventSucceeded, now.Add(-time.Minute))
			endJobs(t, d, u.ID, tc.failed, jobstate.EventFailed, now.Add(-14*time.Minute))
			endJobs(t, d, u.ID, tc.old, jobstate.EventFailed, now.Add(-16*time.Minute))
			for range tc.canceled {
				j := dbtest.MustJob(t, d, u.ID)
				if _, err := d.Jobs.Cancel(ctxb(), db.AllOwners, j.ID); err != nil {
					t.Fatal(err)
				}
			}
			e := &alert.Evaluator{Alerts: d.Alerts, Jobs: d.Jobs, Logger: discard()}
			s, err := e.Measure(ctxb(), rule(d, alert.KindSuccessRate), now)
			if err != nil {
				t.Fatal(err)
			}
			if s.Holds != tc.holds || s.Value != tc.value {
				t.Errorf("holds %v value %v (%s); want %v and %v", s.Holds, s.Value, s.Message, tc.holds, tc.value)
			}
			if got := strings.Contains(s.Message, "Too few"); got != tc.messageHasTooFew {
				t.Errorf("message %q: says too few = %v, want %v", s.Message, got, tc.messageHasTooFew)
			}
		})
	}
}

// Jobs fail: the success-rate rule fires once, is told once, and shows in
// tailor_alerts_firing; later successes resolve it, told once, with the
// same firing id; the next failures open a new firing.
func TestSuccessRateFiresAndResolves(t *testing.T) {
	d := dbtest.MustOpen(t)
	u := dbtest.MustUser(t, d, "ann@example.com", db.RoleRecruiter)
	c := newClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	rec := &recorder{}
	reg := prometheus.NewRegistry()
	e := &alert.Evaluator{Alerts: d.Alerts, Jobs: d.Jobs, Logger: discard(), Now: at(c),
		Notifiers: []alert.Notifier{rec}, Metrics: alert.NewMetrics(reg)}
	firing := func() float64 { return taskstest.Scrape(t, reg)["tailor_alerts_firing{rule=success_rate}"] }

	endJobs(t, d, u.ID, 4, jobstate.EventSucceeded, c.now().Add(-time.Minute))
	endJobs(t, d, u.ID, 6, jobstate.EventFailed, c.now().Add(-time.Minute))
	mustEvaluate(t, e)
	o := open(t, d)
	if len(o) != 1 || o[0].Rule != alert.KindSuccessRate || o[0].Value != 40 || o[0].Threshold != 95 {
		t.Fatalf("open alerts = %+v, want success_rate at 40%% against 95%%", o)
	}
	fired := o[0]
	if got, want := rec.keys(), []string{"alert:" + fired.ID + ":fired"}; !slices.Equal(got, want) {
		t.Fatalf("notifications = %v, want %v", got, want)
	}
	if rec.changes[0].Type != alert.EventFired || rec.changes[0].Alert.Message == "" {
		t.Errorf("change = %+v", rec.changes[0])
	}
	if firing() != 1 {
		t.Errorf("tailor_alerts_firing{rule=success_rate} = %v, want 1", firing())
	}

	c.add(time.Minute)
	mustEvaluate(t, e) // still failing: no second notification
	if n := len(rec.keys()); n != 1 {
		t.Fatalf("notifications after a second evaluation = %v", rec.keys())
	}

	// Healthy again: the failures leave the window, successes fill it.
	c.add(15 * time.Minute)
	endJobs(t, d, u.ID, 10, jobstate.EventSucceeded, c.now().Add(-time.Minute))
	mustEvaluate(t, e)
	if o := open(t, d); len(o) != 0 {
		t.Fatalf("still open after successes: %+v", o)
	}
	want := []string{"alert:" + fired.ID + ":fired", "alert:" + fired.ID + ":resolved"}
	if got := rec.keys(); !slices.Equal(got, want) {
		t.Fatalf("notifications = %v, want %v", got, want)
	}
	res := rec.changes[1]
	if !res.Resolved || res.Type != alert.EventResolved || !res.Alert.ResolvedAt.Equal(c.now()) {
		t.Errorf("resolved change = %+v", res)
	}
	if firing() != 0 {
		t.Errorf("tailor_alerts_firing{rule=success_rate} = %v after resolving, want 0", firing())
	}
	mustEvaluate(t, e)
	if n := len(rec.keys()); n != 2 {
		t.Fatalf("notifications after resolving = %v", rec.keys())
	}

	// Failing again is a new firing.
	endJobs(t, d, u.ID, 10, jobstate.EventFailed, c.now())
	mustEvaluate(t, e)
	o = open(t, d)
	if len(o) != 1 || o[0].ID == fired.ID {
		t.Fatalf("open = %+v, want a new firing", o)
	}
	hist, err := d.Alerts.Recent(ctxb(), 20)
	if err != nil || len(hist) != 2 {
		t.Fatalf("history = %+v, %v; want 2 firings", hist, err)
	}
}

// A notifier that fails leaves the notification due: the next evaluation
// tells it again, under the same key, and then never again.
func TestNotificationRetriedAfterAFailure(t *testing.T) {
	d := dbtest.MustOpen(t)
	u := dbtest.MustUser(t, d, "ann@example.com", db.RoleRecruiter)
	c := newClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	rec := &recorder{fail: true}
	e := &alert.Evaluator{Alerts: d.Alerts, Jobs: d.Jobs, Logger: discard(), Now: at(c), Notifiers: []alert.Notifier{rec}}
	endJobs(t, d, u.ID, 10, jobstate.EventFailed, c.now())
	if err := e.Evaluate(ctxb()); err == nil {
		t.Fatal("a failing notifier was not reported")
	}
	if len(open(t, d)) != 1 {
		t.Fatal("the alert did not fire")
	}
	rec.fail = false
	mustEvaluate(t, e)
	mustEvaluate(t, e)
	if got := rec.keys(); len(got) != 1 {
		t.Fatalf("notifications = %v, want the firing once", got)
	}
}

// Two web processes evaluate at the same time, on the same file: one
// firing, one notification of it, one of its resolution.
func TestTwoEvaluatorsNotifyOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tailor.db")
	var dbs []*db.DB
	for range 2 {
		d, err := db.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if _, err := d.Migrate(ctxb()); err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, d)
	}
	u := dbtest.MustUser(t, dbs[0], "ann@example.com", db.RoleRecruiter)
	c := newClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	rec := &recorder{}
	var evs []*alert.Evaluator
	for _, d := range dbs {
		evs = append(evs, &alert.Evaluator{Alerts: d.Alerts, Jobs: d.Jobs, Logger: discard(), Now: at(c),
			Notifiers: []alert.Notifier{rec}})
	}
	race := func() {
		var wg sync.WaitGroup
		for _, e := range evs {
			for range 5 {
				wg.Go(func() {
					if err := e.Evaluate(ctxb()); err != nil {
						t.Error(err)
					}
				})
			}
		}
		wg.Wait()
	}
	endJobs(t, dbs[0], u.ID, 10, jobstate.EventFailed, c.now())
	race()
	o := open(t, dbs[1])
	if len(o) != 1 {
		t.Fatalf("open = %+v, want one firing", o)
	}
	c.add(16 * time.Minute)
	race()
	want := []string{"alert:" + o[0].ID + ":fired", "alert:" + o[0].ID + ":resolved"}
	if got := rec.keys(); !slices.Equal(got, want) {
		t.Fatalf("notifications = %v, want %v", got, want)
	}
}

// A disabled rule resolves its open firing and does not fire.
func TestDisabledRuleResolves(t *testing.T) {
	d := dbtest.MustOpen(t)
	u := dbtest.MustUser(t, d, "ann@example.com", db.RoleRecruiter)
	rec := &recorder{}
	e := &alert.Evaluator{Alerts: d.Alerts, Jobs: d.Jobs, Logger: discard(), Notifiers: []alert.Notifier{rec}}
	endJobs(t, d, u.ID, 10, jobstate.EventFailed, time.Now())
	mustEvaluate(t, e)
	r := rule(d, alert.KindSuccessRate)
	r.Enabled = false
	if err := d.Alerts.SetRule(ctxb(), r); err != nil {
		t.Fatal(err)
	}
	mustEvaluate(t, e)
	if o := open(t, d); len(o) != 0 {
		t.Fatalf("open = %+v after disabling", o)
	}
	if n := len(rec.keys()); n != 2 {
		t.Fatalf("notifications = %v, want fired and resolved", rec.keys())
	}
}

// The adapters for the e-mail and webhook parts: the key is the change's,
// the webhook goes to every enabled admin with the event type.
func TestMailAndWebhookAdapters(t *testing.T) {
	d := dbtest.MustOpen(t)
	root := dbtest.MustUser(t, d, "root@example.com", db.RoleAdmin)
	dbtest.MustUser(t, d, "ann@example.com", db.RoleRecruiter)
	off := dbtest.MustUser(t, d, "off@example.com", db.RoleAdmin)
	if err := d.Users.SetDisabled(ctxb(), off.ID, true); err != nil {
		t.Fatal(err)
	}
	ev := db.AlertEvent{ID: "abc", Rule: alert.KindSuccessRate, FiredAt: time.Unix(1000, 0), Value: 40, Threshold: 95,
		Message: "40% of jobs succeeded in the last 15 min (4 of 10; 6 failed)."}
	var mails []string
	mail := alert.Mail(func(_ context.Context, key, subject, text string) error {
		mails = append(mails, key+"|"+subject+"|"+text)
		return nil
	}, "https://tailor.example.com/admin")
	type emitted struct{ owner, typ, id string }
	var hooks []emitted
	hook := alert.Webhooks(alert.AdminIDs(d.Users), func(_ context.Context, owner, typ, id string, data any) error {
		if m := data.(map[string]any); m["rule"] != alert.KindSuccessRate || m["alert_id"] != "abc" {
			t.Errorf("webhook data = %v", m)
		}
		hooks = append(hooks, emitted{owner, typ, id})
		return nil
	})
	for _, n := range []alert.Notifier{mail, hook} {
		if err := n.AlertChanged(ctxb(), alert.NewChange(ev, false)); err != nil {
			t.Fatal(err)
		}
	}
	if len(mails) != 1 || !strings.HasPrefix(mails[0], "alert:abc:fired|Alert: Success rate low|") ||
		!strings.Contains(mails[0], "https://tailor.example.com/admin") || !strings.Contains(mails[0], "below 95%") {
		t.Errorf("mails = %q", mails)
	}
	if want := []emitted{{root.ID, alert.EventFired, "alert:abc:fired"}}; !slices.Equal(hooks, want) {
		t.Errorf("webhooks = %v, want %v", hooks, want)
	}
}
