package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tailor-app/tailor/alert"
	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/db/dbtest"
	"github.com/tailor-app/tailor/jobstate"
)

// alertRecorder records the alert changes the evaluator tells.
type alertRecorder struct {
	mu      sync.Mutex
	changes []alert.Change
}

func (r *alertRecorder) AlertChanged(_ context.Context, c alert.Change) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, c)
	return nil
}

func (r *alertRecorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.changes {
		out = append(out, c.Type)
	}
	return out
}

// endJobs makes n jobs end with kind at when.
func endJobs(t *testing.T, d *db.DB, owner string, n int, kind string, when time.Time) {
	t.Helper()
	for range n {
		j := dbtest.MustJob(t, d, owner)
		if _, err := d.Jobs.Apply(context.Background(), j.ID, jobstate.Event{Kind: kind, Attempt: 1, At: when}, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// Jobs fail: the alert fires, a red banner is on /admin and in the live
// fragment with the value, threshold, since when and a link to the failed
// jobs, and one notification is recorded. Successes later: it resolves,
// one more notification, the banner is gone and a note says it resolved.
func TestAlertBannerFiresAndResolves(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	e := newWebEnv(t, func(s *Server) { s.Now = func() time.Time { return now } })
	ann := e.user("ann@example.com", db.RoleRecruiter)
	e.user("root@example.com", db.RoleAdmin)
	adm := e.signedIn("root@example.com")
	rec := &alertRecorder{}
	ev := &alert.Evaluator{Alerts: e.db.Alerts, Jobs: e.db.Jobs, Logger: e.srv.Logger, Notifiers: []alert.Notifier{rec},
		Now: func() time.Time { return now }}
	evaluate := func() {
		t.Helper()
		if err := ev.Evaluate(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	page := adm.get("/admin")
	wantStatus(t, page, http.StatusOK)
	if strings.Contains(page.body, `data-testid="alert-banner"`) {
		t.Fatal("a banner before any alert")
	}

	endJobs(t, e.db, ann.ID, 3, jobstate.EventSucceeded, now.Add(-time.Minute))
	endJobs(t, e.db, ann.ID, 9, jobstate.EventFailed, now.Add(-time.Minute))
	evaluate()
	for name, r := range map[string]resp{
		"page":          adm.get("/admin"),
		"live fragment": adm.do("GET", "/admin/fragments/live", nil, map[string]string{"HX-Request": "true"}),
	} {
		wantStatus(t, r, http.StatusOK)
		banner := between(r.body, `data-testid="alert-banner"`, "</div>")
		for _, want := range []string{"Success rate low", "25%", "success rate below 95%", "3 of 12", "Since " + now.Format("2 Jan 2006 15:04 UTC"),
			`href="/admin/jobs?status=failed"`} {
			if !strings.Contains(banner, want) {
				t.Errorf("%s: the banner has no %q:\n%s", name, want, snippet(r.body))
			}
		}
	}
	if got := rec.types(); len(got) != 1 || got[0] != alert.EventFired {
		t.Fatalf("notifications = %v, want one alert.fired", got)
	}

	now = now.Add(16 * time.Minute)
	endJobs(t, e.db, ann.ID, 10, jobstate.EventSucceeded, now.Add(-time.Minute))
	evaluate()
	if got := rec.types(); len(got) != 2 || got[1] != alert.EventResolved {
		t.Fatalf("notifications = %v, want alert.fired then alert.resolved", got)
	}
	live := adm.do("GET", "/admin/fragments/live", nil, map[string]string{"HX-Request": "true"})
	if strings.Contains(live.body, `data-testid="alert-banner"`) {
		t.Errorf("the banner stays after resolving:\n%s", snippet(live.body))
	}
	if !strings.Contains(live.body, `data-testid="alert-resolved"`) || !strings.Contains(live.body, "resolved by itself at "+now.Format("2 Jan 2006 15:04 UTC")) {
		t.Errorf("no resolved note:\n%s", snippet(live.body))
	}
	page = adm.get("/admin")
	if n := strings.Count(page.body, `data-testid="alert-history-row"`); n != 1 {
		t.Errorf("history rows = %d, want 1", n)
	}

	// An hour later the note is gone; the history keeps it.
	now = now.Add(time.Hour)
	page = adm.get("/admin")
	if strings.Contains(page.body, `data-testid="alert-resolved"`) || !strings.Contains(page.body, `data-testid="alert-history-row"`) {
		t.Errorf("an hour later: want no note and the history row:\n%s", snippet(page.body))
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

// The rules form: an admin sets a rule; a bad value is a 422 that says
// why, keeps what was typed and changes nothing; an unknown rule is 404; a
// recruiter gets 403 and a cross-site post 403, with nothing changed.
func TestAlertRulesForm(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	e.user("root@example.com", db.RoleAdmin)
	adm, rec := e.signedIn("root@example.com"), e.signedIn("ann@example.com")
	ctx := context.Background()
	ruleOf := func(kind string) db.AlertRule {
		t.Helper()
		rules, err := e.db.Alerts.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules {
			if r.Kind == kind {
				return r
			}
		}
		t.Fatalf("no rule %s", kind)
		return db.AlertRule{}
	}

	page := adm.get("/admin")
	for _, k := range alert.Kinds() {
		if !strings.Contains(page.body, `data-testid="alert-rule-`+k+`"`) {
			t.Errorf("no form for %s", k)
		}
	}
	if !strings.Contains(page.body, `name="threshold" value="95"`) || !strings.Contains(page.body, `name="window_minutes" value="15"`) ||
		!strings.Contains(page.body, `name="min_jobs" value="10"`) {
		t.Errorf("the defaults are not shown:\n%s", snippet(between(page.body, `id="alert-rules"`, "</section>")))
	}

	r := adm.post("/admin/alerts/success_rate", url.Values{"enabled": {"on"}, "threshold": {"90"}, "window_minutes": {"30"}, "min_jobs": {"20"}})
	wantStatus(t, r, http.StatusSeeOther)
	got := ruleOf(alert.KindSuccessRate)
	if !got.Enabled || got.Threshold != 90 || got.Window != 30*time.Minute || got.MinJobs != 20 || got.UpdatedBy != "root@example.com" {
		t.Errorf("stored rule = %+v", got)
	}
	wantStatus(t, adm.post("/admin/alerts/no_worker", url.Values{"threshold": {"120"}}), http.StatusSeeOther)
	if nw := ruleOf(alert.KindNoWorker); nw.Enabled || nw.Threshold != 120 {
		t.Errorf("no_worker = %+v, want disabled at 120 s", nw)
	}

	for _, tc := range []struct {
		kind string
		form url.Values
		want string
	}{
		{"success_rate", url.Values{"threshold": {"150"}, "window_minutes": {"15"}, "min_jobs": {"10"}}, "Enter a success rate in percent from 1 to 100."},
		{"success_rate", url.Values{"threshold": {"ninety"}, "window_minutes": {"15"}, "min_jobs": {"10"}}, "as a number"},
		{"success_rate", url.Values{"threshold": {"95"}, "window_minutes": {"1.5"}, "min_jobs": {"10"}}, "Enter a window in minutes as a whole number."},
		{"success_rate", url.Values{"threshold": {"95"}, "window_minutes": {"15"}, "min_jobs": {""}}, "Enter a number of jobs."},
		{"queue_latency", url.Values{"threshold": {"-5"}}, "Enter a wait in seconds from 1 to 86400."},
		{"no_worker", url.Values{"threshold": {"5"}}, "Enter a silence in seconds from 20 to 86400."},
		{"no_worker", url.Values{"threshold": {"NaN"}}, "as a number"},
	} {
		before := ruleOf(tc.kind)
		r := adm.post("/admin/alerts/"+tc.kind, tc.form)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s %v: %d, want 422 with %q:\n%s", tc.kind, tc.form, r.status, tc.want, snippet(between(r.body, `id="alert-rules"`, "</section>")))
		}
		if tc.form.Get("threshold") != "" && !strings.Contains(r.body, `value="`+tc.form.Get("threshold")+`"`) {
			t.Errorf("%s: what was typed is not kept", tc.kind)
		}
		if after := ruleOf(tc.kind); after != before {
			t.Errorf("%s: a refused form changed the rule: %+v -> %+v", tc.kind, before, after)
		}
	}

	before := ruleOf(alert.KindQueueLatency)
	wantStatus(t, adm.post("/admin/alerts/nope", url.Values{"threshold": {"10"}}), http.StatusNotFound)
	wantStatus(t, rec.post("/admin/alerts/queue_latency", url.Values{"threshold": {"10"}}), http.StatusForbidden)
	wantStatus(t, adm.post("/admin/alerts/queue_latency", url.Values{"threshold": {"10"}}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	if r := e.client().post("/admin/alerts/queue_latency", url.Values{"threshold": {"10"}}); r.status < 300 || r.status >= 400 {
		t.Errorf("signed out: %d, want a redirect to sign in", r.status)
	}
	if after := ruleOf(alert.KindQueueLatency); after != before {
		t.Errorf("refused posts changed the rule: %+v -> %+v", before, after)
	}
}
