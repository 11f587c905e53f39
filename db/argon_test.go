package db

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// countingKey wraps argon2.IDKey, counting how many run at once and
// recording each run's cost parameters.
type countingKey struct {
	running, peak, calls atomic.Int32
	hold                 chan struct{} // non-nil: each run waits for it to close

	mu     sync.Mutex
	params []string // "m=..,t=..,p=..,len=.." per run
}

func (c *countingKey) idKey(password, salt []byte, t, m uint32, p uint8, keyLen uint32) []byte {
	n := c.running.Add(1)
	defer c.running.Add(-1)
	c.calls.Add(1)
	for {
		if old := c.peak.Load(); n <= old || c.peak.CompareAndSwap(old, n) {
			break
		}
	}
	c.mu.Lock()
	c.params = append(c.params, fmt.Sprintf("m=%d,t=%d,p=%d,len=%d", m, t, p, keyLen))
	c.mu.Unlock()
	if c.hold != nil {
		<-c.hold
	}
	return argon2.IDKey(password, salt, t, m, p, keyLen)
}

// N concurrent sign-ins (known and unknown emails, right and wrong
// passwords) never run more argon2 at once than the bound (issue 10,
// finding 6), and an unknown email costs the same as a known one.
func TestArgonConcurrencyBounded(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	if _, err := d.Users.Create(ctx, "ann@example.com", RoleRecruiter, "a-long-password"); err != nil {
		t.Fatal(err)
	}
	const slots = 2
	key := &countingKey{}
	d.Argon = NewArgon(ArgonLimits{Slots: slots, Queue: 100, MaxWait: time.Minute, IDKey: key.idKey})

	var wg sync.WaitGroup
	var mu sync.Mutex
	results := map[string]int{}
	for i := range 16 {
		wg.Go(func() {
			email, password := "ann@example.com", "a-long-password"
			switch i % 4 {
			case 1:
				password = "wrong-password"
			case 2:
				email = fmt.Sprintf("nobody%d@example.com", i)
			}
			_, err := d.Users.Authenticate(ctx, email, password)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				results["ok"]++
			case errors.Is(err, ErrBadCredentials):
				results["bad"]++
			default:
				results[err.Error()]++
			}
		})
	}
	wg.Wait()
	if results["ok"] != 8 || results["bad"] != 8 {
		t.Errorf("results %v, want 8 ok and 8 bad", results)
	}
	if got := key.calls.Load(); got != 16 {
		t.Errorf("%d argon2 runs, want 16: every attempt pays", got)
	}
	if got := key.peak.Load(); got > slots {
		t.Errorf("%d argon2 runs at once, bound %d", got, slots)
	} else if got < slots {
		t.Logf("only %d at once: the runs did not overlap", got)
	}
	for _, p := range key.params {
		if p != key.params[0] {
			t.Errorf("argon2 parameters differ between runs: %q and %q (an unknown email must cost the same)", p, key.params[0])
		}
	}
	if key.params[0] != fmt.Sprintf("m=%d,t=%d,p=%d,len=%d", argonMemory, argonTime, argonThreads, argonKeyLen) {
		t.Errorf("parameters %s", key.params[0])
	}
}

// Beyond the running hashes and the queue, a caller is refused at once;
// one in the queue is refused after MaxWait.
func TestArgonBusyBeyondQueue(t *testing.T) {
	ctx := context.Background()
	key := &countingKey{hold: make(chan struct{})}
	a := NewArgon(ArgonLimits{Slots: 1, Queue: 2, MaxWait: time.Minute, IDKey: key.idKey})

	const callers = 10
	errs := make(chan error, callers)
	for range callers {
		go func() {
			_, err := a.check(ctx, dummyHash, "guess")
			errs <- err
		}()
	}
	// 1 runs, 2 wait, 7 are refused without waiting for anyone.
	for range callers - 3 {
		if err := <-errs; !errors.Is(err, ErrBusy) {
			t.Fatalf("err %v, want ErrBusy", err)
		}
	}
	close(key.hold)
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("queued caller: %v", err)
		}
	}
	if got := key.peak.Load(); got != 1 {
		t.Errorf("%d at once, bound 1", got)
	}

	// A queued caller gives up after MaxWait; an unbounded one (an admin) waits.
	key = &countingKey{hold: make(chan struct{})}
	a = NewArgon(ArgonLimits{Slots: 1, Queue: 1, MaxWait: 50 * time.Millisecond, IDKey: key.idKey})
	go a.check(ctx, dummyHash, "holds the slot")
	for key.running.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	if _, err := a.check(ctx, dummyHash, "waits"); !errors.Is(err, ErrBusy) {
		t.Errorf("after MaxWait: err %v, want ErrBusy", err)
	}
	done := make(chan error, 1)
	go func() { _, err := a.hash(ctx, false, "admin's"); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("unbounded caller did not wait for the slot: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(key.hold)
	if err := <-done; err != nil {
		t.Errorf("unbounded caller: %v", err)
	}
}

// Every argon2 run of a database goes through its Argon, an admin setting a
// password or creating the first admin included (they skip the queue).
func TestArgonUsedByEveryHash(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	key := &countingKey{}
	d.Argon = NewArgon(ArgonLimits{Slots: 1, Queue: -1, IDKey: key.idKey})

	u, err := d.Users.CreateFirstAdmin(ctx, "ann@example.com", "a-long-password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Users.SetPassword(ctx, u.ID, "a-new-password", false); err != nil {
		t.Fatal(err)
	}
	if got, want := key.calls.Load(), int32(2); got != want {
		t.Errorf("argon2 runs through d.Argon = %d, want %d", got, want)
	}
}
