package db

import (
	"context"
	"errors"
	"runtime"
	"time"

	"golang.org/x/crypto/argon2"
)

// ErrBusy is returned when a password cannot be hashed now: as many
// hashes as the machine has cores are running and the queue behind them is
// full, or the wait for a slot ran out. Try again in a moment.
var ErrBusy = errors.New("too many passwords being checked at once")

// ArgonLimits bound argon2 work. Zero fields take the defaults.
type ArgonLimits struct {
	Slots   int           // hashes at once (default runtime.GOMAXPROCS)
	Queue   int           // callers that may wait for a slot (default 8 per slot, negative none); more get ErrBusy
	MaxWait time.Duration // longest a caller waits for a slot (default 2 s)

	// IDKey derives the key; nil is argon2.IDKey. Tests wrap it to count.
	IDKey func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
}

// Argon runs argon2id a bounded number at a time. Each hash holds
// argonMemory (19 MiB) and anyone can ask for one by posting the sign-in
// form, so unbounded they take the process to hundreds of MB (issue 10).
type Argon struct {
	slots   chan struct{} // held while a hash runs
	tickets chan struct{} // held while waiting or running: slots + queue
	maxWait time.Duration
	idKey   func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
}

// NewArgon returns an Argon with limits l.
func NewArgon(l ArgonLimits) *Argon {
	if l.Slots < 1 {
		l.Slots = runtime.GOMAXPROCS(0)
	}
	if l.Queue < 0 {
		l.Queue = 0
	} else if l.Queue == 0 {
		l.Queue = 8 * l.Slots
	}
	if l.MaxWait <= 0 {
		l.MaxWait = 2 * time.Second
	}
	if l.IDKey == nil {
		l.IDKey = argon2.IDKey
	}
	return &Argon{
		slots:   make(chan struct{}, l.Slots),
		tickets: make(chan struct{}, l.Slots+l.Queue),
		maxWait: l.MaxWait,
		idKey:   l.IDKey,
	}
}

// key derives an argon2id key once a slot is free. A bounded caller (a
// request anyone can make) gets ErrBusy past the queue, after MaxWait, or
// when ctx ends; an unbounded one (an admin, the command line) waits its turn.
func (a *Argon) key(ctx context.Context, bounded bool, password, salt []byte, t, m uint32, p uint8, keyLen uint32) ([]byte, error) {
	if bounded {
		select {
		case a.tickets <- struct{}{}:
		default:
			return nil, ErrBusy
		}
		defer func() { <-a.tickets }()
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.maxWait)
		defer cancel()
	}
	select {
	case a.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ErrBusy
	}
	defer func() { <-a.slots }()
	return a.idKey(password, salt, t, m, p, keyLen), nil
}
