package notify

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/db/dbtest"
	"github.com/tailor-app/tailor/jobstate"
)

// channelFunc is a Channel made of a function.
type channelFunc func(context.Context, db.JobEnd) error

func (channelFunc) Name() string                                      { return "test" }
func (f channelFunc) Dispatch(ctx context.Context, e db.JobEnd) error { return f(ctx, e) }

// An end stays pending while any channel refuses it, is handed to every
// channel again on the next round, and leaves the outbox once all took it.
func TestDispatcherRetriesUntilEveryChannelTookTheEnd(t *testing.T) {
	ctx := context.Background()
	d := dbtest.MustOpen(t)
	u := dbtest.MustUser(t, d, "ann@example.com", db.RoleRecruiter)
	j := dbtest.MustJob(t, d, u.ID)
	if _, err := d.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 1}, nil); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	calls := map[string]int{}
	down := true
	ok := channelFunc(func(_ context.Context, e db.JobEnd) error {
		mu.Lock()
		defer mu.Unlock()
		calls["ok"]++
		return nil
	})
	flaky := channelFunc(func(_ context.Context, e db.JobEnd) error {
		mu.Lock()
		defer mu.Unlock()
		calls["flaky"]++
		if e.Status != jobstate.StatusFailed || e.OwnerID != u.ID {
			t.Errorf("end = %+v", e)
		}
		if down {
			return errors.New("redis down")
		}
		return nil
	})
	disp := NewDispatcher(d.JobEnds, slog.New(slog.NewTextHandler(io.Discard, nil)), ok, flaky)

	if n, err := disp.DispatchPending(ctx); n != 0 || err == nil {
		t.Fatalf("with a channel down: dispatched %d, err %v; want 0 and the error", n, err)
	}
	down = false
	if n, err := disp.DispatchPending(ctx); n != 1 || err != nil {
		t.Fatalf("dispatched %d, err %v; want 1", n, err)
	}
	if n, _ := disp.DispatchPending(ctx); n != 0 {
		t.Errorf("a dispatched end came back: %d", n)
	}
	if calls["ok"] != 2 || calls["flaky"] != 2 {
		t.Errorf("calls = %v, want each channel called twice (idempotent channels)", calls)
	}
}
