package tasks

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

func TestMetricsClassifyLLMCalls(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	for _, err := range []error{
		nil,
		&llm.Error{Class: llm.ClassRetryable, StatusCode: 502},
		&llm.Error{Class: llm.ClassPermanent, StatusCode: 401},
		&llm.Error{Class: llm.ClassRateLimited, StatusCode: 429, RetryAfter: time.Second},
		fmt.Errorf("tailor: %w", context.Canceled),
		errors.New("connection refused"),
	} {
		m.llmCall(err, 0, 0)
	}
	got := taskstest.Scrape(t, reg)
	for outcome, want := range map[string]float64{"ok": 1, "retryable": 2, "permanent": 1, "rate_limited": 1, "canceled": 1} {
		if n := got["tailor_llm_calls_total{outcome="+outcome+"}"]; n != want {
			t.Errorf("%s calls = %v, want %v", outcome, n, want)
		}
	}
	var nilMetrics *Metrics // optional everywhere
	nilMetrics.llmCall(nil, 1, 1)
	nilMetrics.JobFinished(jobstate.StatusSucceeded, nil)
}

func TestMetricsCountRateLimitWaits(t *testing.T) {
	rdb := taskstest.StartRedis(t).Client(t)
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	g := &Generator{Limiter: NewLimiter(rdb, 60, time.Minute), Events: NewPublisher(rdb), Redis: rdb, Metrics: m}
	ctx := context.Background()
	for range 2 { // the second call waits about a second for the first's slot
		if err := g.waitForLLM(ctx, "job1", 1, "fake-model"); err != nil {
			t.Fatal(err)
		}
	}
	got := taskstest.Scrape(t, reg)
	if n := got["tailor_rate_limit_waits_total{}"]; n != 1 {
		t.Errorf("waits = %v, want 1", n)
	}
	if s := got["tailor_rate_limit_wait_seconds_total{}"]; s < 0.5 || s > 1.5 {
		t.Errorf("wait seconds = %v, want about 1", s)
	}
	if _, ms := m.workerCounters(); ms < 500 {
		t.Errorf("worker rate wait = %d ms, want about 1000", ms)
	}
}

func TestWorkerStatsRoundTrip(t *testing.T) {
	rdb := taskstest.StartRedis(t).Client(t)
	ctx := context.Background()
	m := NewMetrics(prometheus.NewRegistry())
	m.llmCall(nil, 10, 5)
	m.llmCall(nil, 10, 5)
	m.rateLimitWait(1500 * time.Millisecond)
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	w2 := &StatsReporter{Redis: rdb, Name: "host-b-2", Metrics: m, Now: func() time.Time { return at },
		Chrome: func() pdf.Stats { return pdf.Stats{Renders: 7, Restarts: 1, Failures: 2} }}
	w1 := &StatsReporter{Redis: rdb, Name: "host-a-1", Now: func() time.Time { return at }} // no Chrome, no metrics
	for _, r := range []*StatsReporter{w2, w1} {
		if err := r.Once(ctx); err != nil {
			t.Fatal(err)
		}
	}
	rdb.Set(ctx, "tailor:stats:cache:tailoring", "x", 0) // another stats key: not a worker

	got, err := WorkerStats(ctx, rdb)
	if err != nil {
		t.Fatal(err)
	}
	want := []WorkerStat{
		{Name: "host-a-1", UpdatedAt: at},
		{Name: "host-b-2", ChromeRenders: 7, ChromeRestarts: 1, ChromeFailures: 2, LLMCalls: 2, RateWaitMS: 1500, UpdatedAt: at},
	}
	if len(got) != len(want) {
		t.Fatalf("WorkerStats = %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].UpdatedAt.Equal(want[i].UpdatedAt) {
			t.Errorf("worker %d UpdatedAt = %v, want %v", i, got[i].UpdatedAt, want[i].UpdatedAt)
		}
		got[i].UpdatedAt = want[i].UpdatedAt
		if got[i] != want[i] {
			t.Errorf("worker %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if ttl := rdb.TTL(ctx, "tailor:stats:worker:host-b-2").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL = %v, want up to a minute: a dead worker drops off", ttl)
	}

	// A running worker publishes at once; one that stops removes itself at
	// once. Its hash is deleted first, so Run's own publish is seen.
	key := "tailor:stats:worker:host-a-1"
	if err := rdb.Del(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w1.Run(runCtx); close(done) }()
	for deadline := time.Now().Add(5 * time.Second); rdb.Exists(ctx, key).Val() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Run did not publish host-a-1 within 5 s")
		}
	}
	stop()
	<-done
	if got, _ := WorkerStats(ctx, rdb); len(got) != 1 || got[0].Name != "host-b-2" {
		t.Errorf("after host-a-1 stopped: %+v", got)
	}
	if empty, err := WorkerStats(ctx, taskstest.StartRedis(t).Client(t)); err != nil || len(empty) != 0 {
		t.Errorf("no workers: %v, %v", empty, err)
	}
}
