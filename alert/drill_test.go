package alert_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/alert"
	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/db/dbtest"
)

// A failed restore drill fires the restore-drill alert at once; a drill that
// passes resolves it; no drill for longer than the threshold fires it too,
// but only where drills are meant to run.
func TestRestoreDrillRule(t *testing.T) {
	d := dbtest.MustOpen(t)
	c := newClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	rec := &recorder{}
	only(t, d, alert.KindRestoreDrill)
	e := &alert.Evaluator{Alerts: d.Alerts, Jobs: d.Jobs, Logger: discard(), Now: at(c),
		Notifiers: []alert.Notifier{rec}, Drills: d.Settings.LastDrill, DrillInterval: 24 * time.Hour}

	mustEvaluate(t, e) // no drill yet, the process just started
	if o := open(t, d); len(o) != 0 {
		t.Fatalf("fired before any drill was due: %+v", o)
	}
	if _, err := d.Settings.RecordDrill(ctxb(), db.Drill{At: c.now(), OK: false, Message: "integrity_check: Page 1285 is never used"}); err != nil {
		t.Fatal(err)
	}
	mustEvaluate(t, e)
	o := open(t, d)
	if len(o) != 1 || o[0].Rule != alert.KindRestoreDrill || !strings.Contains(o[0].Message, "Page 1285") {
		t.Fatalf("after a failed drill: open alerts %+v, want the restore-drill alert naming the failure", o)
	}
	c.add(time.Hour)
	if _, err := d.Settings.RecordDrill(ctxb(), db.Drill{At: c.now(), OK: true, Lag: 900 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	mustEvaluate(t, e)
	if o := open(t, d); len(o) != 0 {
		t.Fatalf("after a passing drill: still open %+v", o)
	}
	c.add(49 * time.Hour) // the default threshold is 48 h: the drills stopped
	mustEvaluate(t, e)
	if o := open(t, d); len(o) != 1 || !strings.Contains(o[0].Message, "49 h") {
		t.Fatalf("49 h after the last passing drill: open %+v, want one saying 49 h", o)
	}
	if got := len(rec.keys()); got != 3 {
		t.Errorf("notifications = %v, want fired, resolved, fired", rec.keys())
	}

	// Where drills are off and none ever ran, the rule stays quiet.
	d2 := dbtest.MustOpen(t)
	only(t, d2, alert.KindRestoreDrill)
	quiet := &alert.Evaluator{Alerts: d2.Alerts, Jobs: d2.Jobs, Logger: discard(), Now: at(c), Drills: d2.Settings.LastDrill}
	mustEvaluate(t, quiet)
	c.add(100 * time.Hour)
	mustEvaluate(t, quiet)
	if o := open(t, d2); len(o) != 0 {
		t.Fatalf("drills off, none run: fired %+v", o)
	}
}
