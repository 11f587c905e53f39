package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/tasks"
)

// Consumer applies events to SQLite. It is the only writer of job state.
// Each event is applied in one transaction and acknowledged after commit,
// so a crash re-applies it, which Jobs.Apply tolerates.
type Consumer struct {
	rdb    redis.UniversalClient
	jobs   *db.Jobs
	name   string
	logger *slog.Logger

	// ClaimIdle is how long another consumer's unacknowledged event waits
	// before this one takes it over (that consumer probably died).
	ClaimIdle time.Duration
	// Applied, if set, is called after each event is committed.
	Applied func(tasks.Event)
	// Metrics, if set, counts applied events and finished jobs.
	Metrics *tasks.Metrics
	// Tasks, if set, finds the task of a job SQLite does not have, so its
	// row is recreated instead of its events dropped (see recreate).
	Tasks TaskFinder
	// Updates, if set, announces each applied event to the live streams.
	Updates *Updates
}

// TaskFinder returns the payload of a job's task (tasks.Tasks).
type TaskFinder interface {
	Payload(ctx context.Context, jobID string) (tasks.GeneratePayload, error)
}

// NewConsumer returns a consumer named after the host and process.
func NewConsumer(rdb redis.UniversalClient, jobs *db.Jobs, logger *slog.Logger) *Consumer {
	return &Consumer{
		rdb: rdb, jobs: jobs, logger: logger,
		name:      tasks.ProcessName(),
		ClaimIdle: 30 * time.Second,
	}
}

// Run consumes until ctx is done. Redis errors are logged and retried, so a
// Redis restart pauses progress reports but loses none.
func (c *Consumer) Run(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	lastClaim := time.Time{}
	for ctx.Err() == nil {
		if err := c.ensureGroup(ctx); err != nil {
			c.sleepAfterError(ctx, "create event group", err, &backoff)
			continue
		}
		if time.Since(lastClaim) > c.ClaimIdle/2 {
			if err := c.claimAbandoned(ctx); err != nil && ctx.Err() == nil {
				c.logger.Warn("claim abandoned events", "err", err)
			}
			lastClaim = time.Now()
		}
		// Our own pending events first (after a restart), then new ones.
		n, err := c.readOnce(ctx, "0", 0)
		if err == nil && n == 0 {
			_, err = c.readOnce(ctx, ">", time.Second)
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			c.sleepAfterError(ctx, "read events", err, &backoff)
			continue
		}
		backoff = 100 * time.Millisecond
	}
	return nil
}

// Drain applies every event already in the stream, then returns; used at
// shutdown so no reported progress waits for the next start.
func (c *Consumer) Drain(ctx context.Context) error {
	if err := c.ensureGroup(ctx); err != nil {
		return err
	}
	for {
		n, err := c.readOnce(ctx, "0", 0)
		if err != nil {
			return err
		}
		if n == 0 {
			n, err = c.readOnce(ctx, ">", -1)
			if err != nil || n == 0 {
				return err
			}
		}
	}
}

func (c *Consumer) sleepAfterError(ctx context.Context, what string, err error, backoff *time.Duration) {
	c.logger.Warn("events consumer: "+what, "err", err, "retry_in", backoff.String())
	select {
	case <-ctx.Done():
	case <-time.After(*backoff):
	}
	*backoff = min(*backoff*2, 5*time.Second)
}

func (c *Consumer) ensureGroup(ctx context.Context) error {
	err := c.rdb.XGroupCreateMkStream(ctx, tasks.EventStream, tasks.EventGroup, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return err
	}
	return nil
}

// readOnce reads one batch starting at id ("0": our pending, ">": new) and
// applies it. block <= 0 means do not block.
func (c *Consumer) readOnce(ctx context.Context, id string, block time.Duration) (int, error) {
	args := &redis.XReadGroupArgs{
		Group: tasks.EventGroup, Consumer: c.name,
		Streams: []string{tasks.EventStream, id}, Count: 100, Block: block,
	}
	if id == "0" || block <= 0 {
		// In go-redis a zero Block means "block forever"; -1 omits BLOCK.
		args.Block = -1
	}
	streams, err := c.rdb.XReadGroup(ctx, args).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		if strings.Contains(err.Error(), "NOGROUP") {
			// Redis lost the group (FLUSHALL, restart): recreate it next round.
			return 0, c.ensureGroup(ctx)
		}
		return 0, err
	}
	n := 0
	for _, s := range streams {
		evs := decodeEvents(s.Messages) // once: both passes below read them
		later := supersededProgress(evs)
		for i, m := range s.Messages {
			n++
			if later[i] {
				// A later event of the same attempt in this read replaces
				// it: behind (a drain), the consumer writes each job's
				// row once or twice instead of four times.
				if err := c.ack(ctx, m.ID); err != nil {
					return n, err
				}
				continue
			}
			if err := c.apply(ctx, m, evs[i]); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// decodedEvent is a stream message's event, or why it could not be decoded.
type decodedEvent struct {
	ev  tasks.Event
	err error
}

func decodeEvents(msgs []redis.XMessage) []decodedEvent {
	out := make([]decodedEvent, len(msgs))
	for i, m := range msgs {
		raw, _ := m.Values["e"].(string)
		out[i].err = json.Unmarshal([]byte(raw), &out[i].ev)
	}
	return out
}

// supersededProgress marks the progress events that a later event of the
// same job and attempt in msgs makes moot: a progress event only moves the
// stage and percentage, which every later event sets again. Only a plain
// progress event is skipped (no error, usage or timings on it).
func supersededProgress(evs []decodedEvent) []bool {
	out := make([]bool, len(evs))
	if len(evs) < 2 {
		return out
	}
	type key struct {
		job     string
		attempt int
	}
	seen := map[key]bool{} // a later event was seen, walking backwards
	for i := len(evs) - 1; i >= 0; i-- {
		ev := evs[i].ev
		if evs[i].err != nil || ev.JobID == "" {
			continue
		}
		k := key{ev.JobID, ev.Attempt}
		plain := ev.Change == jobstate.Change{Stage: ev.Stage, Progress: ev.Progress}
		if ev.Kind == jobstate.EventProgress && plain && ev.ResultKey == "" && seen[k] {
			out[i] = true
		}
		seen[k] = true
	}
	return out
}

func (c *Consumer) claimAbandoned(ctx context.Context) error {
	msgs, _, err := c.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: tasks.EventStream, Group: tasks.EventGroup, Consumer: c.name,
		MinIdle: c.ClaimIdle, Start: "0", Count: 100,
	}).Result()
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if err := c.handle(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// handle applies one message and acknowledges it after commit. A message
// that cannot be decoded, or whose job is gone, is acknowledged and logged:
// retrying it can never succeed.
func (c *Consumer) handle(ctx context.Context, m redis.XMessage) error {
	return c.apply(ctx, m, decodeEvents([]redis.XMessage{m})[0])
}

// apply is handle with m's event already decoded.
func (c *Consumer) apply(ctx context.Context, m redis.XMessage, d decodedEvent) error {
	ev := d.ev
	if d.err != nil {
		c.logger.Error("events consumer: undecodable event dropped", "id", m.ID, "err", d.err)
		return c.ack(ctx, m.ID)
	}
	var result *db.Result
	if ev.ResultKey != "" {
		body, err := c.rdb.Get(ctx, ev.ResultKey).Bytes()
		switch {
		case errors.Is(err, redis.Nil):
			// The result expired or Redis lost it: the job must run again.
			c.logger.Warn("events consumer: result missing, job will be re-run by the reconciler",
				"job_id", ev.JobID, "key", ev.ResultKey)
			return c.ack(ctx, m.ID)
		case err != nil:
			return fmt.Errorf("read result %s: %w", ev.ResultKey, err)
		}
		var rd tasks.ResultData
		if err := json.Unmarshal(body, &rd); err != nil {
			c.logger.Error("events consumer: undecodable result dropped", "job_id", ev.JobID, "err", err)
			return c.ack(ctx, m.ID)
		}
		result = &db.Result{PDF: rd.PDF, HTML: rd.HTML, Profile: rd.Profile}
	}
	applied, err := c.jobs.Apply(ctx, ev.JobID, ev.Event, result)
	if errors.Is(err, db.ErrNotFound) {
		recreated, rerr := c.recreate(ctx, ev.JobID)
		if rerr != nil {
			return rerr
		}
		if recreated {
			applied, err = c.jobs.Apply(ctx, ev.JobID, ev.Event, result)
		}
	}
	if errors.Is(err, db.ErrNotFound) {
		c.logger.Warn("events consumer: event for unknown job dropped", "job_id", ev.JobID, "kind", ev.Kind)
		return c.ack(ctx, m.ID)
	}
	if err != nil {
		return fmt.Errorf("apply event for job %s: %w", ev.JobID, err)
	}
	if err := c.ack(ctx, m.ID, ev.ResultKey); err != nil {
		return err
	}
	if !applied {
		return nil
	}
	// One read of the changed row serves the metrics and the live cards.
	j, err := c.jobs.Get(ctx, db.AllOwners, ev.JobID)
	if err != nil {
		c.logger.Warn("events consumer: read the job just changed", "job_id", ev.JobID, "err", err)
	} else {
		c.Updates.Publish(ctx, j)
	}
	c.observe(ev, j.CreatedAt)
	if c.Applied != nil {
		c.Applied(ev)
	}
	return nil
}

// recreate stores the row of a job that SQLite does not have but Redis
// still runs: SQLite was restored from its replica without its last
// writes (Litestream's asynchronous window, about a second), so the job
// was acknowledged to the recruiter and is then lost (issue 16). Its task
// payload carries the row's fields. It reports whether the row exists now;
// a job without a task, canceled, enqueued before payloads carried the
// row, or whose owner is gone too stays unknown (logged).
func (c *Consumer) recreate(ctx context.Context, jobID string) (bool, error) {
	if c.Tasks == nil {
		return false, nil
	}
	p, err := c.Tasks.Payload(ctx, jobID)
	if errors.Is(err, tasks.ErrNoTask) || errors.Is(err, tasks.ErrCanceled) {
		c.logger.Warn("events consumer: job unknown to SQLite cannot be recreated", "job_id", jobID, "reason", err.Error())
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("recreate job %s: %w", jobID, err)
	}
	stored, err := c.jobs.Restore(ctx, RowFor(p), p.Profile)
	if errors.Is(err, db.ErrOwnerGone) {
		// Users are rare writes: one created in the same lost second is
		// not recreated from a job (no password, no e-mail to sign in with).
		c.logger.Error("events consumer: job unknown to SQLite, and so is its owner: dropped", "job_id", jobID, "owner_id", p.Row.OwnerID)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if stored {
		c.logger.Warn("events consumer: job missing from SQLite (restored without its last writes) recreated from its task",
			"job_id", jobID, "owner_id", p.Row.OwnerID, "created_at", p.Row.CreatedAt)
		if c.Metrics != nil {
			c.Metrics.JobRecreated()
		}
	}
	return true, nil
}

// observe records an applied event in the metrics; created is the job's
// submission (zero if unknown).
func (c *Consumer) observe(ev tasks.Event, created time.Time) {
	if c.Metrics == nil {
		return
	}
	c.Metrics.EventApplied(ev.Kind)
	if ev.Kind != jobstate.EventSucceeded && ev.Kind != jobstate.EventFailed {
		return
	}
	c.Metrics.JobFinished(ev.Kind, finalStages(ev, created))
}

// ack acknowledges and deletes an event, and the result it carried (read
// and committed by now), in one round trip.
func (c *Consumer) ack(ctx context.Context, id string, resultKey ...string) error {
	pipe := c.rdb.Pipeline()
	pipe.XAck(ctx, tasks.EventStream, tasks.EventGroup, id)
	pipe.XDel(ctx, tasks.EventStream, id)
	for _, k := range resultKey {
		if k != "" {
			pipe.Del(ctx, k)
		}
	}
	_, err := pipe.Exec(ctx)
	if err != nil {
		return fmt.Errorf("ack event %s: %w", id, err)
	}
	return nil
}

// finalStages are the stage durations of a job's final event; total is
// from the job's submission to the event.
func finalStages(ev tasks.Event, createdAt time.Time) map[string]time.Duration {
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	stages := map[string]time.Duration{}
	if ev.Kind == jobstate.EventSucceeded {
		stages["wait"] = ms(ev.WaitMS)
		stages["render"] = ms(ev.RenderMS)
		if !ev.Cached {
			stages["llm"] = ms(ev.TailorMS)
			stages["verify"] = ms(ev.VerifyMS)
		}
	}
	if !createdAt.IsZero() && !ev.At.IsZero() && ev.At.After(createdAt) {
		stages["total"] = ev.At.Sub(createdAt)
	}
	return stages
}
