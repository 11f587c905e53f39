package lease

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// store is one copy of the database's recorded fence.
type store struct{ fence db.Fence }

func (s *store) WriterFence(context.Context) (db.Fence, error)         { return s.fence, nil }
func (s *store) RecordWriterFence(_ context.Context, f db.Fence) error { s.fence = f; return nil }

func TestLeaseFencing(t *testing.T) {
	ctx := context.Background()
	rdb := taskstest.StartRedis(t).Client(t)
	opts := func(path string) Options {
		return Options{DatabaseID: "db1", Path: path, TTL: time.Second, Wait: -1}
	}

	volume1 := &store{}
	l1, err := Acquire(ctx, rdb, volume1, opts("/data/tailor.db"))
	if err != nil {
		t.Fatal(err)
	}
	if l1.Token != 1 || volume1.fence.Token != 1 {
		t.Fatalf("first grant: token %d, recorded %+v", l1.Token, volume1.fence)
	}
	// A copy restored from the replica while volume1 writes: refused, held.
	volume2 := &store{fence: volume1.fence}
	if _, err := Acquire(ctx, rdb, volume2, opts("/other/tailor.db")); !errors.Is(err, ErrHeld) {
		t.Fatalf("second writer: %v, want ErrHeld", err)
	}
	// volume1 stops; volume2 (another file) takes over and writes fence 2.
	l1.Release(ctx)
	l2, err := Acquire(ctx, rdb, volume2, opts("/other/tailor.db"))
	if err != nil || l2.Token != 2 {
		t.Fatalf("takeover: %v token %v", err, l2)
	}
	l2.Release(ctx)
	// volume1 comes back, stale: it recorded fence 1, Redis granted 2 to another file.
	_, err = Acquire(ctx, rdb, volume1, opts("/data/tailor.db"))
	if !errors.Is(err, ErrStale) {
		t.Fatalf("stale volume: %v, want ErrStale", err)
	}
	t.Logf("stale volume refused: %v", err)
	// volume2's writer crashed after the grant, before recording it: its
	// own file may still take the lease.
	rdb.HSet(ctx, "tailor:writer:db1:fence", "token", 3)
	l3, err := Acquire(ctx, rdb, volume2, opts("/other/tailor.db"))
	if err != nil || l3.Token != 4 {
		t.Fatalf("same file after an unrecorded grant: %v %v", err, l3)
	}
	// Redis lost everything: the database's own fence keeps tokens rising.
	rdb.FlushAll(ctx)
	l3.Release(ctx)
	l4, err := Acquire(ctx, rdb, volume2, opts("/other/tailor.db"))
	if err != nil || l4.Token != 5 {
		t.Fatalf("after a flush: %v %v", err, l4)
	}
}

// Run reports a lost lease once, after stopping writes first.
func TestLeaseLost(t *testing.T) {
	ctx := context.Background()
	rdb := taskstest.StartRedis(t).Client(t)
	for _, tt := range []struct {
		name string
		lose func(l *Lease, s *store)
	}{
		{"redis flushed", func(*Lease, *store) { rdb.FlushAll(ctx) }},
		{"another holder", func(l *Lease, _ *store) { rdb.Set(ctx, l.key, "host=elsewhere fence=9", time.Minute) }},
		{"newer fence in the database", func(_ *Lease, s *store) { s.fence = db.Fence{Token: 9, Holder: "host=elsewhere"} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rdb.FlushAll(ctx)
			s := &store{}
			l, err := Acquire(ctx, rdb, s, Options{DatabaseID: "db1", Path: "/data/tailor.db", TTL: 600 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			var stopped atomic.Int32
			done := make(chan error, 1)
			go func() { done <- l.Run(ctx, func() { stopped.Add(1) }) }()
			time.Sleep(300 * time.Millisecond) // renewals keep it
			if n := rdb.Exists(ctx, l.key).Val(); n != 1 {
				t.Fatalf("lease gone while renewed")
			}
			tt.lose(l, s)
			select {
			case err := <-done:
				if !errors.Is(err, ErrLost) || stopped.Load() != 1 {
					t.Fatalf("Run: %v, writes stopped %d times", err, stopped.Load())
				}
			case <-time.After(3 * time.Second):
				t.Fatal("Run did not notice the lost lease")
			}
		})
	}
}

// A writer of this file on this host that was killed (its process is gone)
// leaves a lease nobody renews: the next start takes it at once, while a
// live holder of the same file still makes it wait and refuse.
func TestLeaseTakenFromADeadWriterOfThisFile(t *testing.T) {
	ctx := context.Background()
	rdb := taskstest.StartRedis(t).Client(t)
	host, _ := os.Hostname()
	path, _ := filepath.Abs("/data/tailor.db")
	volume := &store{fence: db.Fence{Token: 7}}
	rdb.HSet(ctx, "tailor:writer:db1:fence", "token", 7, "host", host, "path", path)

	// A process that has exited: its pid is free.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	held := fmt.Sprintf("host=%s pid=%d path=%s fence=7", host, dead.Process.Pid, path)
	rdb.Set(ctx, "tailor:writer:db1", held, time.Minute)
	start := time.Now()
	l, err := Acquire(ctx, rdb, volume, Options{DatabaseID: "db1", Path: "/data/tailor.db", TTL: time.Minute})
	if err != nil {
		t.Fatalf("after a crash of this file's writer: %v", err)
	}
	if waited := time.Since(start); waited > 5*time.Second || l.Token != 8 {
		t.Fatalf("took %v with token %d; want at once, token 8", waited, l.Token)
	}
	l.Release(ctx)

	// A live process (this test's parent) holding the same file: refused.
	live := fmt.Sprintf("host=%s pid=%d path=%s fence=8", host, os.Getppid(), path)
	rdb.Set(ctx, "tailor:writer:db1", live, time.Minute)
	if _, err := Acquire(ctx, rdb, volume, Options{DatabaseID: "db1", Path: "/data/tailor.db", TTL: time.Minute, Wait: -1}); !errors.Is(err, ErrHeld) {
		t.Fatalf("a live writer of the same file: %v, want ErrHeld", err)
	}
	// Another host's writer: refused too.
	other := fmt.Sprintf("host=%s pid=%d path=%s fence=8", host+"-other", dead.Process.Pid, path)
	rdb.Set(ctx, "tailor:writer:db1", other, time.Minute)
	if _, err := Acquire(ctx, rdb, volume, Options{DatabaseID: "db1", Path: "/data/tailor.db", TTL: time.Minute, Wait: -1}); !errors.Is(err, ErrHeld) {
		t.Fatalf("another host's writer: %v, want ErrHeld", err)
	}
}
