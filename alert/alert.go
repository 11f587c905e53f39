// Package alert watches Tailor's health and says when it is bad (issue 13,
// section 4): the success rate of recent jobs, how long the oldest
// interactive task has waited, and whether any worker is alive. Admins set
// the rules on /admin (db.Alerts, migration 0009); the Evaluator, a stage of
// every web process, measures them every Interval, opens a firing when a
// rule's condition holds and resolves it when it no longer does, and tells
// the Notifiers once per firing and once per resolution.
//
// Several web processes may evaluate at once: a rule has at most one open
// firing (a unique index), so only one of them opens it, and notifications
// are sent under a lease in SQLite, so one firing never sends two mails.
package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/tasks"
)

// Rule kinds, as stored in alert_rules.kind and labelled in
// tailor_alerts_firing{rule}.
const (
	KindSuccessRate  = "success_rate"
	KindQueueLatency = "queue_latency"
	KindNoWorker     = "no_worker"
	KindRestoreDrill = "restore_drill"
)

// Kinds lists the rules in the order /admin shows them.
func Kinds() []string {
	return []string{KindSuccessRate, KindQueueLatency, KindNoWorker, KindRestoreDrill}
}

// Title names a rule kind for people.
func Title(kind string) string {
	switch kind {
	case KindSuccessRate:
		return "Success rate low"
	case KindQueueLatency:
		return "Queue latency high"
	case KindNoWorker:
		return "No worker alive"
	case KindRestoreDrill:
		return "Restore drill failing"
	}
	return kind
}

// DefaultInterval is the time between evaluations (ALERT_INTERVAL).
const DefaultInterval = 30 * time.Second

// notifyLease is how long an evaluator holds a firing's notifications
// before another may send them again.
const notifyLease = time.Minute

// Evaluator measures the rules and records their firings.
type Evaluator struct {
	Alerts    *db.Alerts
	Jobs      *db.Jobs
	Redis     redis.UniversalClient // worker heartbeats (tasks.WorkerStats)
	Inspector *asynq.Inspector      // queue latency and sizes, asynq servers
	Notifiers []Notifier
	Metrics   *Metrics // nil: none
	Logger    *slog.Logger
	Interval  time.Duration    // 0: DefaultInterval
	Now       func() time.Time // nil: time.Now
	// Drills reads the last restore drill (db.Settings.LastDrill);
	// DrillInterval is how often this process runs one (0: never, and the
	// restore-drill rule stays quiet until a drill has run somewhere).
	Drills        func(ctx context.Context) (db.Drill, error)
	DrillInterval time.Duration

	mu       sync.Mutex
	lastSeen time.Time // the newest worker heartbeat this evaluator saw
	started  time.Time // the first evaluation: a drill is not overdue before its interval has passed since
}

func (e *Evaluator) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Run evaluates at once, then every Interval, until ctx is done.
func (e *Evaluator) Run(ctx context.Context) error {
	interval := e.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := e.Evaluate(ctx); err != nil && ctx.Err() == nil {
			e.Logger.Warn("alerts: evaluate", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Sample is one measurement of a rule.
type Sample struct {
	Holds   bool    // the rule's condition holds: it should fire
	Value   float64 // percent (success rate) or seconds
	Message string  // what was measured, in words
}

// errUnknown marks a measurement that could not be made (Redis down): the
// rule keeps its state rather than resolving or firing on no data.
var errUnknown = errors.New("cannot measure")

// Evaluate measures every rule once, opens and resolves firings, sends the
// notifications due, and updates tailor_alerts_firing.
func (e *Evaluator) Evaluate(ctx context.Context) error {
	rules, err := e.Alerts.Rules(ctx)
	if err != nil {
		return err
	}
	now := e.now()
	var errs []error
	for _, r := range rules {
		if err := e.evaluate(ctx, r, now); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.Kind, err))
		}
	}
	if err := e.deliver(ctx); err != nil {
		errs = append(errs, err)
	}
	if open, err := e.Alerts.Open(ctx); err == nil {
		e.Metrics.set(open)
	}
	return errors.Join(errs...)
}

func (e *Evaluator) evaluate(ctx context.Context, r db.AlertRule, now time.Time) error {
	if !r.Enabled {
		_, err := e.resolve(ctx, r.Kind, now)
		return err
	}
	s, err := e.Measure(ctx, r, now)
	if errors.Is(err, errUnknown) {
		e.Logger.Warn("alerts: rule not evaluated", "rule", r.Kind, "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	if !s.Holds {
		_, err := e.resolve(ctx, r.Kind, now)
		return err
	}
	ev, fired, err := e.Alerts.Fire(ctx, db.AlertEvent{Rule: r.Kind, FiredAt: now, Value: s.Value,
		Threshold: r.Threshold, Message: s.Message})
	if err != nil {
		return err
	}
	if fired {
		e.Logger.Warn("alert fired", "rule", r.Kind, "alert_id", ev.ID, "value", s.Value, "threshold", r.Threshold, "message", s.Message)
	}
	return nil
}

func (e *Evaluator) resolve(ctx context.Context, kind string, now time.Time) (bool, error) {
	resolved, err := e.Alerts.Resolve(ctx, kind, now)
	if resolved {
		e.Logger.Info("alert resolved", "rule", kind)
	}
	return resolved, err
}

// Measure takes one sample of rule r at now.
func (e *Evaluator) Measure(ctx context.Context, r db.AlertRule, now time.Time) (Sample, error) {
	switch r.Kind {
	case KindSuccessRate:
		return e.successRate(ctx, r, now)
	case KindQueueLatency:
		return e.queueLatency(r)
	case KindNoWorker:
		return e.noWorker(ctx, r, now)
	case KindRestoreDrill:
		return e.restoreDrill(ctx, r, now)
	}
	return Sample{}, fmt.Errorf("unknown rule kind %q", r.Kind)
}

// successRate: of the jobs that ended (succeeded or failed) in the window,
// the share that succeeded, below the threshold, once at least MinJobs ended.
func (e *Evaluator) successRate(ctx context.Context, r db.AlertRule, now time.Time) (Sample, error) {
	ok, failed, err := e.Jobs.EndedSince(ctx, now.Add(-r.Window))
	if err != nil {
		return Sample{}, err
	}
	n := ok + failed
	if n == 0 {
		return Sample{Value: 100, Message: fmt.Sprintf("No job ended in the last %s.", Minutes(r.Window))}, nil
	}
	rate := float64(ok) * 100 / float64(n)
	s := Sample{Value: rate, Holds: rate < r.Threshold && n >= r.MinJobs,
		Message: fmt.Sprintf("%s of jobs succeeded in the last %s (%d of %d; %d failed).",
			Percent(rate), Minutes(r.Window), ok, n, failed)}
	if n < r.MinJobs {
		s.Message += fmt.Sprintf(" Too few to judge: the rule needs %d.", r.MinJobs)
	}
	return s, nil
}

// queueLatency: how long the oldest pending interactive task has waited.
func (e *Evaluator) queueLatency(r db.AlertRule) (Sample, error) {
	if e.Inspector == nil {
		return Sample{}, fmt.Errorf("%w: no Redis", errUnknown)
	}
	known, err := e.Inspector.Queues()
	if err != nil {
		return Sample{}, fmt.Errorf("%w: %v", errUnknown, err)
	}
	var latency time.Duration
	if slices.Contains(known, tasks.QueueInteractive) {
		info, err := e.Inspector.GetQueueInfo(tasks.QueueInteractive)
		if err != nil {
			return Sample{}, fmt.Errorf("%w: %v", errUnknown, err)
		}
		latency = info.Latency
	}
	v := latency.Seconds()
	return Sample{Value: v, Holds: v > r.Threshold,
		Message: fmt.Sprintf("The oldest waiting interactive job has waited %s.", Seconds(v))}, nil
}

// noWorker: jobs wait in the queues while no worker has sent a heartbeat
// (its counters, every 10 s; or asynq's own, every 5 s) for the threshold.
func (e *Evaluator) noWorker(ctx context.Context, r db.AlertRule, now time.Time) (Sample, error) {
	if e.Inspector == nil || e.Redis == nil {
		return Sample{}, fmt.Errorf("%w: no Redis", errUnknown)
	}
	seen, err := e.lastHeartbeat(ctx, now)
	if err != nil {
		return Sample{}, fmt.Errorf("%w: %v", errUnknown, err)
	}
	waiting, err := e.waiting()
	if err != nil {
		return Sample{}, fmt.Errorf("%w: %v", errUnknown, err)
	}
	silent := max(0, now.Sub(seen).Seconds())
	s := Sample{Value: silent, Holds: waiting > 0 && silent >= r.Threshold}
	switch {
	case silent < 1:
		s.Message = "A worker is alive."
	default:
		s.Message = fmt.Sprintf("No worker heartbeat for %s while %d jobs are in the queues.", Seconds(silent), waiting)
	}
	return s, nil
}

// restoreDrill: the last restore drill failed, or none has passed for the
// threshold (hours), e.g. the schedule stopped or the replica is gone. The
// value is the hours since the last drill that passed.
func (e *Evaluator) restoreDrill(ctx context.Context, r db.AlertRule, now time.Time) (Sample, error) {
	e.mu.Lock()
	if e.started.IsZero() {
		e.started = now
	}
	started := e.started
	e.mu.Unlock()
	if e.Drills == nil {
		return Sample{Message: "Restore drills are not checked by this process."}, nil
	}
	d, err := e.Drills(ctx)
	if errors.Is(err, db.ErrNotFound) {
		if e.DrillInterval <= 0 {
			return Sample{Message: "No restore drill has run: drills are off here (DRILL_INTERVAL), run `tailor drill` to try one."}, nil
		}
		waited := now.Sub(started).Hours()
		return Sample{Value: waited, Holds: waited > r.Threshold,
			Message: fmt.Sprintf("No restore drill has run in the %s since this process started.", Hours(waited))}, nil
	}
	if err != nil {
		return Sample{}, fmt.Errorf("%w: %v", errUnknown, err)
	}
	since := now.Sub(d.LastSuccess).Hours()
	if d.LastSuccess.IsZero() {
		since = now.Sub(d.At).Hours()
	}
	if !d.OK {
		return Sample{Value: since, Holds: true,
			Message: fmt.Sprintf("The restore drill of %s failed: %s", d.At.UTC().Format("2006-01-02 15:04 UTC"), d.Message)}, nil
	}
	return Sample{Value: since, Holds: since > r.Threshold,
		Message: fmt.Sprintf("The last restore drill passed %s ago (replica %s behind).", Hours(since), d.Lag.Round(time.Millisecond))}, nil
}

// lastHeartbeat is when a worker was last known alive: now if asynq lists
// a server of the generate queues (its heartbeat expires 10 s after it
// stops), else the newest published counters, else the newest this
// evaluator saw, counted from its first evaluation.
func (e *Evaluator) lastHeartbeat(ctx context.Context, now time.Time) (time.Time, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lastSeen.IsZero() {
		e.lastSeen = now // give workers a threshold's time to show up
	}
	servers, err := e.Inspector.Servers()
	if err != nil {
		return time.Time{}, err
	}
	for _, s := range servers {
		if tasks.ServesGenerate(s) {
			e.lastSeen = now
			return now, nil
		}
	}
	stats, err := tasks.WorkerStats(ctx, e.Redis)
	if err != nil {
		return time.Time{}, err
	}
	for _, w := range stats {
		if at := w.UpdatedAt; at.After(e.lastSeen) {
			if at.After(now) {
				at = now
			}
			e.lastSeen = at
		}
	}
	return e.lastSeen, nil
}

// waiting counts the generate tasks not yet done: pending, running,
// scheduled and waiting to retry.
func (e *Evaluator) waiting() (int, error) {
	known, err := e.Inspector.Queues()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, q := range tasks.QueueNames() {
		if !slices.Contains(known, q) {
			continue
		}
		info, err := e.Inspector.GetQueueInfo(q)
		if err != nil {
			return 0, err
		}
		n += info.Pending + info.Active + info.Scheduled + info.Retry
	}
	return n, nil
}

// deliver sends the notifications due: for each firing not yet told, that
// it fired, then (once that went out) that it resolved.
func (e *Evaluator) deliver(ctx context.Context) error {
	events, err := e.Alerts.ClaimUnsent(ctx, e.now(), notifyLease, 50)
	if err != nil {
		return err
	}
	var errs []error
	for _, ev := range events {
		if err := e.deliverOne(ctx, ev); err != nil {
			errs = append(errs, err)
		}
		if err := e.Alerts.Release(ctx, ev.ID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (e *Evaluator) deliverOne(ctx context.Context, ev db.AlertEvent) error {
	if ev.FiredSentAt.IsZero() {
		if err := e.notify(ctx, NewChange(ev, false)); err != nil {
			return err
		}
		if err := e.Alerts.MarkSent(ctx, ev.ID, false, e.now()); err != nil {
			return err
		}
	}
	if !ev.Firing() && ev.ResolvedSentAt.IsZero() {
		if err := e.notify(ctx, NewChange(ev, true)); err != nil {
			return err
		}
		return e.Alerts.MarkSent(ctx, ev.ID, true, e.now())
	}
	return nil
}

// notify hands a change to every notifier; a failure leaves it due, and
// the next evaluation tells every notifier again (each is idempotent by
// the change's key).
func (e *Evaluator) notify(ctx context.Context, c Change) error {
	var errs []error
	for _, n := range e.Notifiers {
		if err := n.AlertChanged(ctx, c); err != nil {
			e.Logger.Warn("alerts: notifier failed; will try again", "key", c.Key, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Percent writes a rate such as 93.3%.
func Percent(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f%%", v)
	}
	return fmt.Sprintf("%.1f%%", v)
}

// Seconds writes a duration in seconds for people: 45 s, 3.5 min.
func Seconds(v float64) string {
	if v < 120 {
		return fmt.Sprintf("%.0f s", v)
	}
	return fmt.Sprintf("%.1f min", v/60)
}

// Minutes writes a window: 15 min, 2 h.
func Minutes(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return fmt.Sprintf("%d h", d/time.Hour)
	}
	if d < time.Minute {
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return fmt.Sprintf("%.0f min", d.Minutes())
}

// Hours writes a time in hours for people: 40 min, 26 h.
func Hours(h float64) string {
	if h < 1 {
		return fmt.Sprintf("%.0f min", h*60)
	}
	return fmt.Sprintf("%.0f h", h)
}
