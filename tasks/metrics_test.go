package tasks

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// scrape gathers reg into "name{label=value,...}" -> value: a counter's or
// gauge's value, a histogram's sample count.
func scrape(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			key := f.GetName() + "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

// waitMetric polls until ok(value) holds: the consumer counts an event just
// after SQLite shows it.
func waitMetric(t *testing.T, reg *prometheus.Registry, key string, ok func(float64) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, found := scrape(t, reg)[key]
		if found && ok(got) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s = %v (present %v)", key, got, found)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func equals(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
func positive(v float64) bool                { return v > 0 }

func TestMetricsFollowJobsThroughThePipeline(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	fake := llmtest.NewServer(t, llmtest.Echo("Zephyrine"))
	p := startPipeline(t, pipelineOptions{
		tailorer: llm.NewOpenAI(llm.Config{APIKey: "test", BaseURL: fake.URL, Model: "fake-model"}),
		metrics:  m,
	})
	reg.MustRegister(NewChromeCollector(chrome.Stats), NewQueueCollector(p.insp, QueueNames()), NewEventsLagCollector(p.rdb))

	// The second job has the same inputs: both cache levels hit.
	for range 2 {
		j := p.submit(t, resume.Sample(), resume.SampleJobDescription)
		if got := p.waitFinal(t, j.ID, 30*time.Second); got.Status != db.StatusSucceeded {
			t.Fatalf("job %s: %s", got.Status, got.Error)
		}
	}
	present := func(float64) bool { return true }
	for key, ok := range map[string]func(float64) bool{
		`tailor_jobs_finished_total{status=succeeded}`:              equals(2),
		`tailor_jobs_finished_total{status=failed}`:                 equals(0),
		`tailor_jobs_finished_total{status=canceled}`:               equals(0),
		`tailor_events_applied_total{kind=started}`:                 equals(2),
		`tailor_events_applied_total{kind=progress}`:                positive,
		`tailor_events_applied_total{kind=succeeded}`:               equals(2),
		`tailor_events_applied_total{kind=retry}`:                   equals(0),
		`tailor_job_stage_duration_seconds{stage=total}`:            equals(2),
		`tailor_job_stage_duration_seconds{stage=wait}`:             equals(2),
		`tailor_job_stage_duration_seconds{stage=render}`:           equals(2),
		`tailor_job_stage_duration_seconds{stage=llm}`:              equals(1), // the cached job made no call
		`tailor_job_stage_duration_seconds{stage=verify}`:           equals(1),
		`tailor_llm_calls_total{outcome=ok}`:                        equals(1),
		`tailor_llm_calls_total{outcome=retryable}`:                 equals(0),
		`tailor_llm_calls_total{outcome=permanent}`:                 equals(0),
		`tailor_llm_calls_total{outcome=rate_limited}`:              equals(0),
		`tailor_llm_calls_total{outcome=canceled}`:                  equals(0),
		`tailor_llm_tokens_total{direction=in}`:                     positive,
		`tailor_llm_tokens_total{direction=out}`:                    positive,
		`tailor_cache_requests_total{level=tailoring,outcome=miss}`: equals(1),
		`tailor_cache_requests_total{level=tailoring,outcome=hit}`:  equals(1),
		`tailor_cache_requests_total{level=print,outcome=hit}`:      equals(1),
		`tailor_cache_requests_total{level=print,outcome=miss}`:     equals(0), // a new tailoring needs no look-up
		`tailor_rate_limit_waits_total{}`:                           equals(0),
		`tailor_rate_limit_wait_seconds_total{}`:                    equals(0),
		`tailor_chrome_renders_total{}`:                             positive,
		`tailor_chrome_restarts_total{}`:                            present,
		`tailor_chrome_render_failures_total{}`:                     present,
		`tailor_queue_size{queue=interactive,state=pending}`:        equals(0),
		`tailor_queue_size{queue=interactive,state=active}`:         equals(0),
		`tailor_queue_size{queue=interactive,state=completed}`:      present,
		`tailor_queue_size{queue=batch,state=pending}`:              equals(0),
		`tailor_events_consumer_lag{}`:                              equals(0),
		`tailor_events_consumer_pending{}`:                          equals(0),
	} {
		waitMetric(t, reg, key, ok)
	}
	if calls, _ := m.workerCounters(); calls != 1 {
		t.Errorf("worker LLM calls = %d, want 1", calls)
	}
}

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
	got := scrape(t, reg)
	for outcome, want := range map[string]float64{"ok": 1, "retryable": 2, "permanent": 1, "rate_limited": 1, "canceled": 1} {
		if n := got["tailor_llm_calls_total{outcome="+outcome+"}"]; n != want {
			t.Errorf("%s calls = %v, want %v", outcome, n, want)
		}
	}
	var nilMetrics *Metrics // optional everywhere
	nilMetrics.llmCall(nil, 1, 1)
	nilMetrics.jobFinished(db.StatusSucceeded, nil)
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
	got := scrape(t, reg)
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
