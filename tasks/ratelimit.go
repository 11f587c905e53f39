package tasks

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter is one global LLM rate limit shared by every worker on every
// machine: GCRA (generic cell rate algorithm) in a Redis Lua script, timed
// by the Redis server's clock so machines with skewed clocks agree.
type Limiter struct {
	rdb      redis.UniversalClient
	key      string
	interval time.Duration // one call per interval, no burst
}

// NewLimiter allows rate calls per period. A 5% margin keeps measured
// windows under the limit despite network jitter.
func NewLimiter(rdb redis.UniversalClient, rate int, period time.Duration) *Limiter {
	interval := period / time.Duration(rate)
	return &Limiter{rdb: rdb, key: "tailor:ratelimit:llm", interval: interval + interval/20}
}

// gcra returns 0 when the call may go ahead now (and records it), else the
// milliseconds to wait (recording nothing). ARGV[1]: interval ms.
var gcra = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if tat > now then return tat - now end
redis.call('SET', KEYS[1], tat + interval, 'PX', interval + 1000)
return 0
`)

// pushBack moves the next allowed time to at least now + d: a provider's
// 429 Retry-After then holds every worker, not only the one that saw it.
var pushBack = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local want = now + tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < want then redis.call('SET', KEYS[1], want, 'PX', tonumber(ARGV[1]) + 1000) end
return 0
`)

// Take asks for one call. It returns 0 when the call may go ahead now, or
// how long to wait before asking again.
func (l *Limiter) Take(ctx context.Context) (time.Duration, error) {
	ms, err := gcra.Run(ctx, l.rdb, []string{l.key}, l.interval.Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("LLM rate limiter: %w", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Hold makes every worker wait at least d before the next call.
func (l *Limiter) Hold(ctx context.Context, d time.Duration) error {
	if err := pushBack.Run(ctx, l.rdb, []string{l.key}, d.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("LLM rate limiter: %w", err)
	}
	return nil
}
