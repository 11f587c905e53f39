// Package notify tells people and systems that a job ended: e-mail to the
// recruiter who started it, webhooks to the token owner's endpoints. Job ends
// come from the outbox that the job's final transaction writes
// (db.JobEnds); the Dispatcher hands each end to every Channel, and the
// channels queue their deliveries as asynq tasks on the notify queue, which
// the Worker runs in the process that holds the SQLite file. So a slow or
// down mail server or endpoint never delays job state, and no end is lost.
package notify

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tailor-app/tailor/db"
)

// Queue is the asynq queue of deliveries. Only web processes (which hold
// SQLite) serve it; `tailor worker` never does.
const Queue = "notify"

// Channel is one way of telling that a job ended. Dispatch queues the
// channel's deliveries for one end, or decides there are none (the owner
// did not opt in). It may be called more than once for the same end (a
// crash between dispatch and its record), so it must be idempotent: a
// sent-marker or a unique task id makes the second call a no-op.
type Channel interface {
	Name() string
	Dispatch(ctx context.Context, end db.JobEnd) error
}

// DefaultInterval is how often the dispatcher looks for ends it was not
// poked about (a cancel, an end recorded before a restart).
const DefaultInterval = time.Second

// Dispatcher reads undispatched job ends and hands each to every channel.
// An end is marked dispatched only after every channel took it; a channel
// error leaves it for the next round.
type Dispatcher struct {
	Ends     *db.JobEnds
	Channels []Channel
	Logger   *slog.Logger
	Interval time.Duration // 0: DefaultInterval

	poke chan struct{}
}

// NewDispatcher returns a dispatcher over the outbox ends.
func NewDispatcher(ends *db.JobEnds, logger *slog.Logger, channels ...Channel) *Dispatcher {
	return &Dispatcher{Ends: ends, Channels: channels, Logger: logger, poke: make(chan struct{}, 1)}
}

// Poke makes the dispatcher look now (the events consumer calls it when a
// job ends), instead of at its next interval.
func (d *Dispatcher) Poke() {
	select {
	case d.poke <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx is done.
func (d *Dispatcher) Run(ctx context.Context) error {
	interval := d.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := d.DispatchPending(ctx); err != nil && ctx.Err() == nil {
			d.Logger.Warn("notify: dispatch job ends", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-d.poke:
		}
	}
}

// DispatchPending dispatches every pending end, oldest first, and reports
// how many it marked dispatched.
func (d *Dispatcher) DispatchPending(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		ends, err := d.Ends.Pending(ctx, 100)
		if err != nil || len(ends) == 0 {
			return n, err
		}
		progressed := false
		var errs []error
		for _, end := range ends {
			if err := d.dispatch(ctx, end); err != nil {
				errs = append(errs, err)
				continue
			}
			if err := d.Ends.MarkDispatched(ctx, end.JobID); err != nil {
				return n, err
			}
			n++
			progressed = true
		}
		if !progressed {
			// Every end of this page failed: wait for the next round.
			return n, errors.Join(errs...)
		}
	}
	return n, nil
}

func (d *Dispatcher) dispatch(ctx context.Context, end db.JobEnd) error {
	var errs []error
	for _, c := range d.Channels {
		if err := c.Dispatch(ctx, end); err != nil {
			errs = append(errs, err)
			d.Logger.Warn("notify: channel could not take a job end", "channel", c.Name(), "job_id", end.JobID, "err", err)
		}
	}
	return errors.Join(errs...)
}
