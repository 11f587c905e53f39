package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/db"
)

// UpdateStream is the Redis stream of committed job changes: one entry per
// change (job id and owner), written after the SQLite commit by whoever made
// it (the events consumer, a cancel, the reconciler). Every web process reads
// all of it with plain XREAD (no consumer group), so a browser connected to
// any process hears of a change made by any other; the entry id is the SSE
// event id, and the stream's tail is what a reconnecting browser replays.
const UpdateStream = "tailor:job-updates"

// updateStreamLen bounds the stream: at 100 changes a second it keeps about
// 100 s for replay; a browser away longer re-fetches its cards (resync).
const updateStreamLen = 10_000

// Update is one committed job change.
type Update struct {
	ID      string // the stream entry id, e.g. "1733030000000-0"
	JobID   string
	OwnerID string
}

// Updates writes and reads UpdateStream.
type Updates struct {
	rdb    redis.UniversalClient
	logger *slog.Logger
}

// NewUpdates returns the job-update stream on rdb.
func NewUpdates(rdb redis.UniversalClient, logger *slog.Logger) *Updates {
	return &Updates{rdb: rdb, logger: logger}
}

// Publish announces a committed change of a job. A failure is logged, not
// returned: the change is in SQLite, and polling cards still see it.
func (u *Updates) Publish(ctx context.Context, j db.Job) {
	if u == nil {
		return
	}
	err := u.rdb.XAdd(context.WithoutCancel(ctx), &redis.XAddArgs{
		Stream: UpdateStream, MaxLen: updateStreamLen, Approx: true,
		Values: []string{"j", j.ID, "o", j.OwnerID},
	}).Err()
	if err != nil {
		u.logger.Warn("publish job update: live cards will catch up by polling", "job_id", j.ID, "err", err)
	}
}

// Last returns the id of the newest entry, "0-0" for an empty stream.
func (u *Updates) Last(ctx context.Context) (string, error) {
	msgs, err := u.rdb.XRevRangeN(ctx, UpdateStream, "+", "-", 1).Result()
	if err != nil {
		return "", fmt.Errorf("read last job update: %w", err)
	}
	if len(msgs) == 0 {
		return "0-0", nil
	}
	return msgs[0].ID, nil
}

// Since returns the entries after id, oldest first, at most limit. complete
// is false when the stream no longer holds every entry after id (trimmed,
// or Redis lost it): the reader must then re-fetch what it shows.
func (u *Updates) Since(ctx context.Context, id string, limit int64) (ups []Update, complete bool, err error) {
	first, err := u.rdb.XRangeN(ctx, UpdateStream, "-", "+", 1).Result()
	if err != nil {
		return nil, false, fmt.Errorf("read job updates: %w", err)
	}
	if len(first) == 0 {
		return nil, false, nil // empty: nothing to replay, and nothing to prove the gap is empty
	}
	if compareIDs(first[0].ID, id) > 0 {
		// The oldest entry is newer than id: whatever came between is gone.
		// (An entry equal to the next id would do, but it cannot be told apart.)
		complete = false
	} else {
		complete = true
	}
	msgs, err := u.rdb.XRangeN(ctx, UpdateStream, "("+id, "+", limit).Result()
	if err != nil {
		return nil, false, fmt.Errorf("read job updates after %s: %w", id, err)
	}
	if int64(len(msgs)) == limit {
		complete = false
	}
	return toUpdates(msgs), complete, nil
}

// Tail calls fn with every entry added after from, in order, until ctx is
// done. Redis errors are logged and retried with a backoff; entries added
// while Redis was unreachable are read on return if the stream kept them.
func (u *Updates) Tail(ctx context.Context, from string, fn func([]Update)) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		streams, err := u.rdb.XRead(ctx, &redis.XReadArgs{
			Streams: []string{UpdateStream, from}, Count: 500, Block: time.Second, // short: a shutdown waits for it
		}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			u.logger.Warn("read job updates", "err", err, "retry_in", backoff.String())
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		for _, s := range streams {
			if len(s.Messages) == 0 {
				continue
			}
			from = s.Messages[len(s.Messages)-1].ID
			fn(toUpdates(s.Messages))
		}
	}
}

func toUpdates(msgs []redis.XMessage) []Update {
	ups := make([]Update, 0, len(msgs))
	for _, m := range msgs {
		j, _ := m.Values["j"].(string)
		o, _ := m.Values["o"].(string)
		ups = append(ups, Update{ID: m.ID, JobID: j, OwnerID: o})
	}
	return ups
}

// ValidID reports whether s is a stream entry id ("ms-seq"), as a client's
// Last-Event-ID must be before it reaches Redis.
func ValidID(s string) bool {
	ms, seq, ok := strings.Cut(s, "-")
	return ok && len(s) <= 41 && digits(ms) && digits(seq)
}

func digits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// compareIDs orders two valid stream ids.
func compareIDs(a, b string) int {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	if c := compareNum(am, bm); c != 0 {
		return c
	}
	return compareNum(as, bs)
}

func compareNum(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
