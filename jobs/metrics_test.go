package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// waitMetric polls until ok(value) holds: the consumer counts an event just
// after SQLite shows it.
func waitMetric(t *testing.T, reg *prometheus.Registry, key string, ok func(float64) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, found := taskstest.Scrape(t, reg)[key]
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
	m := tasks.NewMetrics(reg)
	fake := llmtest.NewServer(t, llmtest.Echo("Zephyrine"))
	p := startPipeline(t, pipelineOptions{
		tailorer: llm.NewOpenAI(llm.Config{APIKey: "test", BaseURL: fake.URL, Model: "fake-model"}),
		metrics:  m,
	})
	reg.MustRegister(tasks.NewChromeCollector(chrome.Stats), tasks.NewQueueCollector(p.insp, tasks.QueueNames()), tasks.NewEventsLagCollector(p.rdb))

	// The second job has the same inputs: both cache levels hit.
	for range 2 {
		j := p.submit(t, resume.Sample(), resume.SampleJobDescription)
		if got := p.waitFinal(t, j.ID, 30*time.Second); got.Status != jobstate.StatusSucceeded {
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
	// The worker's own counters, as it publishes them for the dashboard.
	reporter := &tasks.StatsReporter{Redis: p.rdb, Name: "w1", Metrics: m}
	if err := reporter.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if stats, err := tasks.WorkerStats(context.Background(), p.rdb); err != nil || len(stats) != 1 || stats[0].LLMCalls != 1 {
		t.Errorf("worker stats = %+v, %v; want one worker with 1 LLM call", stats, err)
	}
}
