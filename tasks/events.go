package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis names used by events. The stream has no TTL (it is queue data); the
// result keys do, so they may live in a volatile-lru Redis.
const (
	EventStream   = "tailor:events"
	EventGroup    = "tailor-db"
	resultKeyBase = "tailor:result:"
	resultTTL     = 24 * time.Hour
	streamMaxLen  = 100_000
)

// Event is a worker's report on a job, applied to SQLite by the Consumer.
type Event struct {
	JobID    string    `json:"job_id"`
	Kind     string    `json:"kind"` // jobstate.EventStarted, ...
	Attempt  int       `json:"attempt"`
	Stage    string    `json:"stage"`
	Progress int       `json:"progress"`
	Error    string    `json:"error,omitempty"`
	At       time.Time `json:"at"`

	Cached        bool   `json:"cached,omitempty"`
	Model         string `json:"model,omitempty"`
	PromptVersion string `json:"prompt_version,omitempty"`
	MatchBefore   *int   `json:"match_before,omitempty"`
	MatchAfter    *int   `json:"match_after,omitempty"`
	Verification  string `json:"verification,omitempty"`
	Changes       string `json:"changes,omitempty"`
	WaitMS        int64  `json:"wait_ms,omitempty"`
	TailorMS      int64  `json:"tailor_ms,omitempty"`
	VerifyMS      int64  `json:"verify_ms,omitempty"`
	RenderMS      int64  `json:"render_ms,omitempty"`
	LLMCalls      int    `json:"llm_calls,omitempty"`
	TokensIn      int    `json:"tokens_in,omitempty"`
	TokensOut     int    `json:"tokens_out,omitempty"`
	RateWaitMS    int64  `json:"rate_wait_ms,omitempty"`

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
