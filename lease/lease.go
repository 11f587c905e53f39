// Package lease enforces one writer per database: the web process that
// writes SQLite (and whose volume Litestream replicates) holds a lease in
// Redis, named after the database's identity, and renews it while it runs.
// A second process with the same database (a clone of the Machine, a second
// Machine restored from the replica, `fly scale count 2`) cannot take it and
// refuses to start; a process that loses it stops writing and exits, so two
// volumes never both overwrite the replica (issue 16).
//
// Fencing: every grant takes the next token from a counter in Redis that
// never expires, and the writer records its token in SQLite, where it
// replicates with the data. A copy of the database whose recorded token is
// older than Redis's last grant to another host or file is behind the
// replica (another writer has written since) and may not write.
package lease

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/db"
)

// DefaultTTL is how long a lease outlives its last renewal (WRITER_LEASE_TTL).
const DefaultTTL = 30 * time.Second

// ErrHeld means another live process holds the lease.
var ErrHeld = errors.New("another process is the writer of this database")

// ErrStale means another writer has written to the replica since this copy
// of the database last wrote.
var ErrStale = errors.New("this copy of the database is behind the replica")

// ErrLost means the lease was lost while running.
var ErrLost = errors.New("writer lease lost")

// Store is where the fence is recorded: the database itself (db.Settings).
type Store interface {
	WriterFence(ctx context.Context) (db.Fence, error)
	RecordWriterFence(ctx context.Context, f db.Fence) error
}

// Lease is a held writer lease.
type Lease struct {
	rdb      redis.UniversalClient
	store    Store
	key      string
	value    string // what the key holds while we hold it
	ttl      time.Duration
	logger   *slog.Logger
	Token    int64
	Holder   string
	renewed  time.Time
	Interval time.Duration // between renewals (default ttl/3)
}

// Options say who asks and for how long.
type Options struct {
	DatabaseID string
	Path       string        // the database file, part of the holder's name
	TTL        time.Duration // default DefaultTTL
	// Wait is how long a held lease is waited for before ErrHeld: a
	// writer that crashed leaves its lease until the TTL runs out.
	// Default TTL plus a second; negative: do not wait.
	Wait   time.Duration
	Logger *slog.Logger
}

// Keys in Redis: the lease, and the fence counter with its last grant.
func keys(id string) (lease, fence string) {
	return "tailor:writer:" + id, "tailor:writer:" + id + ":fence"
}

// acquireScript grants the lease if nobody holds it and this copy of the
// database is not behind: its recorded token (ARGV[3]) is at least the
// last one granted, or that grant went to the same host and file (this
// file's writer crashed before recording it). It returns {"ok", token},
// {"held", holder} or {"stale", last token, host, path}.
var acquireScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then return {'held', cur} end
local last = tonumber(redis.call('HGET', KEYS[2], 'token') or '0')
local mine = tonumber(ARGV[3])
if last > mine then
  local h = redis.call('HGET', KEYS[2], 'host') or ''
  local p = redis.call('HGET', KEYS[2], 'path') or ''
  if h ~= ARGV[4] or p ~= ARGV[5] then return {'stale', tostring(last), h, p} end
end
local token = math.max(last, mine) + 1
redis.call('HSET', KEYS[2], 'token', token, 'host', ARGV[4], 'path', ARGV[5], 'at', ARGV[6])
redis.call('SET', KEYS[1], ARGV[1] .. ' fence=' .. token, 'PX', ARGV[2])
return {'ok', tostring(token)}`)

// renewScript extends the lease only if we still hold it.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`)

// takeoverScript deletes a lease only if it still holds what we read (a
// dead holder's), so a live writer that renewed since is never evicted.
var takeoverScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// releaseScript deletes the lease only if we still hold it.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// Acquire takes the writer lease of the database, waiting up to o.Wait for
// a holder that stopped renewing, and records the granted token in store.
// The error says who holds it, or why this copy may not write.
func Acquire(ctx context.Context, rdb redis.UniversalClient, store Store, o Options) (*Lease, error) {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Wait == 0 {
		o.Wait = o.TTL + time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	host, _ := os.Hostname()
	path, err := filepath.Abs(o.Path)
	if err != nil {
		path = o.Path
	}
	holder := fmt.Sprintf("host=%s pid=%d path=%s", host, os.Getpid(), path)
	leaseKey, fenceKey := keys(o.DatabaseID)
	deadline := time.Now().Add(o.Wait)
	waited := false
	for {
		mine, err := store.WriterFence(ctx)
		if err != nil {
			return nil, err
		}
		res, err := acquireScript.Run(ctx, rdb, []string{leaseKey, fenceKey},
			holder, o.TTL.Milliseconds(), mine.Token, host, path, time.Now().UTC().Format(time.RFC3339)).StringSlice()
		if err != nil {
			return nil, fmt.Errorf("writer lease: %w", err)
		}
		switch res[0] {
		case "ok":
			token, _ := strconv.ParseInt(res[1], 10, 64)
			l := &Lease{rdb: rdb, store: store, key: leaseKey, value: holder + " fence=" + res[1], ttl: o.TTL,
				logger: o.Logger, Token: token, Holder: holder, renewed: time.Now()}
			if err := store.RecordWriterFence(ctx, db.Fence{Token: token, Holder: holder}); err != nil {
				l.Release(context.WithoutCancel(ctx))
				return nil, fmt.Errorf("record writer fence: %w", err)
			}
			return l, nil
		case "stale":
			return nil, fmt.Errorf("%w: it last recorded writer fence %d, but Redis granted fence %s since, to %s for %s. "+
				"Restore this volume from the replica (delete the database file and start again) instead of writing over newer data",
				ErrStale, mine.Token, res[1], res[2], res[3])
		}
		if crashedHere(res[1], host, path) {
			// This machine's previous writer of this file died (kill -9, OOM,
			// a VM restart): nobody renews its lease, so take it now instead
			// of keeping the app down for a TTL.
			if n, err := takeoverScript.Run(ctx, rdb, []string{leaseKey}, res[1]).Int(); err == nil && n == 1 {
				o.Logger.Warn("writer lease: took over from a writer of this file on this host that is no longer running",
					"previous", res[1])
				continue
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: the writer lease %s is held by %s (only one process may write a database, "+
				"or Litestream replicas overwrite each other; run workers as `tailor worker`, and set WRITER_LEASE=off only "+
				"for processes that share one file on one machine)", ErrHeld, leaseKey, res[1])
		}
		if !waited {
			o.Logger.Warn("writer lease held by another process: waiting for it to renew or expire",
				"holder", res[1], "wait", o.Wait.String())
			waited = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(time.Second, o.TTL/4)):
		}
	}
}

// crashedHere reports whether a lease value names a writer of this file on
// this host that is not running: its process is gone, or its pid is ours
// (a restarted container numbers its processes the same way, and we do
// not hold the lease yet).
func crashedHere(value, host, path string) bool {
	var h, p string
	var pid int
	if _, err := fmt.Sscanf(value, "host=%s pid=%d path=%s", &h, &pid, &p); err != nil {
		return false
	}
	if h != host || p != path {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

// Run renews the lease until ctx is done, then releases it. It returns
// ErrLost when the lease is gone (Redis lost it, or another holder has
// it), when this database records a newer writer's fence, or when no
// renewal succeeded for a whole TTL (another process may hold it by now).
// onLost runs first, to stop writes before anything else happens.
func (l *Lease) Run(ctx context.Context, onLost func()) error {
	interval := l.Interval
	if interval <= 0 {
		interval = l.ttl / 3
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			l.Release(rctx)
			return nil
		case <-t.C:
		}
		err := l.renew(ctx)
		if err == nil || ctx.Err() != nil {
			continue
		}
		if errors.Is(err, ErrLost) || time.Since(l.renewed) >= l.ttl {
			if onLost != nil {
				onLost()
			}
			l.logger.Error("writer lease lost: this process stopped writing and exits; "+
				"the platform restarts it, and it writes again once it holds the lease",
				"err", err, "fence", l.Token)
			return fmt.Errorf("%w: %v", ErrLost, err)
		}
		l.logger.Warn("renew writer lease", "err", err, "since_renewed", time.Since(l.renewed).Round(time.Millisecond).String())
	}
}

func (l *Lease) renew(ctx context.Context) error {
	f, err := l.store.WriterFence(ctx)
	if err != nil {
		return err
	}
	if f.Token != l.Token {
		return fmt.Errorf("%w: the database records fence %d of %s, this process holds fence %d", ErrLost, f.Token, f.Holder, l.Token)
	}
	ok, err := renewScript.Run(ctx, l.rdb, []string{l.key}, l.value, l.ttl.Milliseconds()).Int()
	if err != nil {
		return err
	}
	if ok == 0 {
		holder, _ := l.rdb.Get(ctx, l.key).Result()
		if holder == "" {
			holder = "nobody (Redis lost it)"
		}
		return fmt.Errorf("%w: %s holds %s now", ErrLost, holder, l.key)
	}
	l.renewed = time.Now()
	return nil
}

// Release gives the lease up if we still hold it, so the next writer (a
// new deploy) need not wait for it to expire.
func (l *Lease) Release(ctx context.Context) {
	if err := releaseScript.Run(ctx, l.rdb, []string{l.key}, l.value).Err(); err != nil {
		l.logger.Warn("release writer lease", "err", err)
	}
}
