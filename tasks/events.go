package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/jobstate"
)

// Redis names used by events. The stream has no TTL (it is queue data); the
// result keys do, so they may live in a volatile-lru Redis.
const (
	EventStream   = "tailor:events"
	EventGroup    = "tailor-db"
	resultKeyBase = "tailor:result:"
	resultTTL     = jobMemory
	streamMaxLen  = 100_000
)

// Event is a worker's report on a job, applied to SQLite by the events
// consumer (package jobs). Its JSON, flat, is the stream's wire format.
type Event struct {
	JobID string `json:"job_id"`
	jobstate.Event

	// ResultKey names the Redis key holding the (large) result, if any.
	ResultKey string `json:"result_key,omitempty"`
}

// ResultData is what a result key holds.
type ResultData struct {
	PDF     []byte          `json:"pdf,omitempty"`
	HTML    string          `json:"html"`
	Profile json.RawMessage `json:"profile"`
}

// Publisher writes events to the Redis stream.
type Publisher struct {
	rdb redis.UniversalClient
}

// NewPublisher returns a Publisher on rdb.
func NewPublisher(rdb redis.UniversalClient) *Publisher { return &Publisher{rdb: rdb} }

// Publish appends an event; with a result, the result is stored first under
// a key with a TTL that the event names.
func (p *Publisher) Publish(ctx context.Context, ev Event, result *ResultData) error {
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	if result != nil {
		body, err := json.Marshal(result)
		if err != nil {
			return fmt.Errorf("encode result: %w", err)
		}
		ev.ResultKey = fmt.Sprintf("%s%s:%d", resultKeyBase, ev.JobID, ev.Attempt)
		if err := p.rdb.Set(ctx, ev.ResultKey, body, resultTTL).Err(); err != nil {
			return fmt.Errorf("store result: %w", err)
		}
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	err = p.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: EventStream,
		MaxLen: streamMaxLen,
		Approx: true,
		Values: []string{"e", string(body)},
	}).Err()
	if err != nil {
		return fmt.Errorf("publish %s event: %w", ev.Kind, err)
	}
	return nil
}
