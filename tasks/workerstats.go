package tasks

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/pdf"
)

// workerStatsPrefix names the hash each worker process refreshes, so that
// the web process can show worker counters from any machine.
const workerStatsPrefix = "tailor:stats:worker:"

// WorkerStat is one worker process's counters (since it started), as it
// last published them.
type WorkerStat struct {
	Name           string // host-pid
	ChromeRenders  int64
	ChromeRestarts int64
	ChromeFailures int64
	LLMCalls       int64
	RateWaitMS     int64
	UpdatedAt      time.Time
}

// WorkerStats reads the counters of every worker process that published in
// the last minute, sorted by name.
func WorkerStats(ctx context.Context, rdb redis.UniversalClient) ([]WorkerStat, error) {
	var keys []string
	iter := rdb.Scan(ctx, 0, workerStatsPrefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("scan worker stats: %w", err)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	pipe := rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.HGetAll(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("read worker stats: %w", err)
	}
	stats := make([]WorkerStat, 0, len(keys))
	for i, k := range keys {
		h := cmds[i].Val()
		if len(h) == 0 {
			continue // expired between SCAN and HGETALL
		}
		num := func(f string) int64 { n, _ := strconv.ParseInt(h[f], 10, 64); return n }
		s := WorkerStat{
			Name:           strings.TrimPrefix(k, workerStatsPrefix),
			ChromeRenders:  num("chrome_renders"),
			ChromeRestarts: num("chrome_restarts"),
			ChromeFailures: num("chrome_failures"),
			LLMCalls:       num("llm_calls"),
			RateWaitMS:     num("rate_wait_ms"),
		}
		if ms := num("updated_at"); ms > 0 {
			s.UpdatedAt = time.UnixMilli(ms)
		}
		stats = append(stats, s)
	}
	sort.Slice(stats, func(i, j int) bool { return stats[i].Name < stats[j].Name })
	return stats, nil
}

// StatsReporter publishes this worker process's counters to Redis every
// Interval, with a TTL, so that a dead worker drops off the dashboard.
type StatsReporter struct {
	Redis    redis.UniversalClient
	Name     string           // "": host-pid
	Chrome   func() pdf.Stats // nil: no Chrome in this process
	Metrics  *Metrics         // LLM calls and rate-limit waits; nil: zeros
	Interval time.Duration    // 0: 10 s
	TTL      time.Duration    // 0: 60 s
	Logger   *slog.Logger
	Now      func() time.Time
}

// ProcessName is host-pid, unique per process across machines: it names
// this process's worker counters and its events consumer.
func ProcessName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return host + "-" + strconv.Itoa(os.Getpid())
}

// Run publishes until ctx ends, then removes the hash.
func (r *StatsReporter) Run(ctx context.Context) error {
	interval := r.Interval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := r.Once(ctx); err != nil && ctx.Err() == nil && r.Logger != nil {
			r.Logger.Warn("publish worker stats", "err", err)
		}
		select {
		case <-ctx.Done():
			// Gone from the dashboard at once rather than after the TTL.
			cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			r.Redis.Del(cleanup, r.key())
			cancel()
			return nil
		case <-t.C:
		}
	}
}

// Once publishes the counters one time.
func (r *StatsReporter) Once(ctx context.Context) error {
	var chrome pdf.Stats
	if r.Chrome != nil {
		chrome = r.Chrome()
	}
	llmCalls, rateWaitMS := r.Metrics.workerCounters()
	ttl := r.TTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	key := r.key()
	pipe := r.Redis.TxPipeline()
	pipe.HSet(ctx, key,
		"chrome_renders", chrome.Renders,
		"chrome_restarts", chrome.Restarts,
		"chrome_failures", chrome.Failures,
		"rate_wait_ms", rateWaitMS,
		"llm_calls", llmCalls,
		"updated_at", now.UnixMilli(),
	)
	pipe.Expire(ctx, key, ttl)
	_, err := pipe.Exec(ctx)
	return err
}

func (r *StatsReporter) key() string {
	name := r.Name
	if name == "" {
		name = ProcessName()
	}
	return workerStatsPrefix + name
}
