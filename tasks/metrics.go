package tasks

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/pdf"
)

// Metrics are the Prometheus metrics of the job pipeline. A nil *Metrics
// records nothing, so tests and tools can leave it out.
type Metrics struct {
	jobsFinished  *prometheus.CounterVec
	stageDuration *prometheus.HistogramVec
	cacheRequests *prometheus.CounterVec
	llmCalls      *prometheus.CounterVec
	llmTokens     *prometheus.CounterVec
	rateWaits     prometheus.Counter
	rateWaitSecs  prometheus.Counter
	eventsApplied *prometheus.CounterVec
	jobsRecreated prometheus.Counter

	// This process's worker counters, published to Redis by StatsReporter.
	llmCallCount atomic.Int64
	rateWaitMS   atomic.Int64
}

// LLM call outcomes, as labelled in tailor_llm_calls_total.
const (
	llmOK          = "ok"
	llmRetryable   = "retryable"
	llmPermanent   = "permanent"
	llmRateLimited = "rate_limited"
	llmCanceled    = "canceled"
)

// Stages timed in tailor_job_stage_duration_seconds.
var timedStages = []string{"wait", "llm", "verify", "render", "total"}

// NewMetrics registers the pipeline metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		jobsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tailor_jobs_finished_total", Help: "Jobs that reached a final status.",
		}, []string{"status"}),
		stageDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tailor_job_stage_duration_seconds",
			Help: "Time finished jobs spent per stage (wait: in the queue; llm: the LLM call; verify: the fact check; render: HTML and PDF; total: submission to final status).",
			// From a cached job (tens of ms) to one that waited for retries.
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 900},
		}, []string{"stage"}),
		cacheRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tailor_cache_requests_total", Help: "Cache look-ups by level (tailoring, print) and outcome (hit, miss).",
		}, []string{"level", "outcome"}),
		llmCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tailor_llm_calls_total", Help: "LLM calls by outcome (ok, retryable, permanent, rate_limited, canceled).",
		}, []string{"outcome"}),
		llmTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tailor_llm_tokens_total", Help: "LLM tokens by direction (in: prompt, out: completion).",
		}, []string{"direction"}),
		rateWaits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tailor_rate_limit_waits_total", Help: "Times a task had to wait for the global LLM rate limit.",
		}),
		rateWaitSecs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tailor_rate_limit_wait_seconds_total", Help: "Time tasks waited for the global LLM rate limit.",
		}),
		eventsApplied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tailor_events_applied_total", Help: "Worker events applied to SQLite by the events consumer, by kind.",
		}, []string{"kind"}),
		jobsRecreated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tailor_jobs_recreated_total",
			Help: "Job rows the events consumer recreated from their task: SQLite was restored without them.",
		}),
	}
	reg.MustRegister(m.jobsFinished, m.stageDuration, m.cacheRequests, m.llmCalls, m.llmTokens,
		m.rateWaits, m.rateWaitSecs, m.eventsApplied, m.jobsRecreated)
	// Every known series from the start, so dashboards and alerts see zeros
	// rather than no data.
	for _, s := range []string{jobstate.StatusSucceeded, jobstate.StatusFailed, jobstate.StatusCanceled} {
		m.jobsFinished.WithLabelValues(s)
	}
	for _, s := range timedStages {
		m.stageDuration.WithLabelValues(s)
	}
	for _, l := range []string{LevelTailoring, LevelPrint} {
		m.cacheRequests.WithLabelValues(l, "hit")
		m.cacheRequests.WithLabelValues(l, "miss")
	}
	for _, o := range []string{llmOK, llmRetryable, llmPermanent, llmRateLimited, llmCanceled} {
		m.llmCalls.WithLabelValues(o)
	}
	m.llmTokens.WithLabelValues("in")
	m.llmTokens.WithLabelValues("out")
	for _, k := range jobstate.EventKinds() {
		m.eventsApplied.WithLabelValues(k)
	}
	return m
}

func (m *Metrics) cacheRequest(level, outcome string) {
	if m == nil {
		return
	}
	m.cacheRequests.WithLabelValues(level, outcome).Inc()
}

// llmCall counts one LLM call; err is its error, nil on success.
func (m *Metrics) llmCall(err error, tokensIn, tokensOut int) {
	if m == nil {
		return
	}
	m.llmCallCount.Add(1)
	outcome := llmOK
	if err != nil {
		switch llm.ClassOf(err) {
		case llm.ClassPermanent:
			outcome = llmPermanent
		case llm.ClassRateLimited:
			outcome = llmRateLimited
		case llm.ClassCanceled:
			outcome = llmCanceled
		default:
			outcome = llmRetryable
		}
	}
	m.llmCalls.WithLabelValues(outcome).Inc()
	if tokensIn > 0 {
		m.llmTokens.WithLabelValues("in").Add(float64(tokensIn))
	}
	if tokensOut > 0 {
		m.llmTokens.WithLabelValues("out").Add(float64(tokensOut))
	}
}

func (m *Metrics) rateLimitWait(d time.Duration) {
	if m == nil {
		return
	}
	m.rateWaits.Inc()
	m.rateWaitSecs.Add(d.Seconds())
	m.rateWaitMS.Add(d.Milliseconds())
}

func (m *Metrics) EventApplied(kind string) {
	if m == nil {
		return
	}
	m.eventsApplied.WithLabelValues(kind).Inc()
}

// JobRecreated counts a job row recreated from its task.
func (m *Metrics) JobRecreated() {
	if m == nil {
		return
	}
	m.jobsRecreated.Inc()
}

// JobFinished counts a job that reached status; stages maps the timed
// stages it went through to their durations.
func (m *Metrics) JobFinished(status string, stages map[string]time.Duration) {
	if m == nil {
		return
	}
	m.jobsFinished.WithLabelValues(status).Inc()
	for stage, d := range stages {
		m.stageDuration.WithLabelValues(stage).Observe(d.Seconds())
	}
}

func (m *Metrics) workerCounters() (llmCalls, rateWaitMS int64) {
	if m == nil {
		return 0, 0
	}
	return m.llmCallCount.Load(), m.rateWaitMS.Load()
}

// QueueCollector reports asynq queue sizes at scrape time as
// tailor_queue_size{queue,state}, and how long each queue's oldest pending
// task has waited as tailor_queue_latency_seconds{queue}. Redis errors
// leave the queue out.
type QueueCollector struct {
	inspector *asynq.Inspector
	queues    []string
	desc      *prometheus.Desc
	latency   *prometheus.Desc
}

// NewQueueCollector reports the given queues and any other asynq knows.
func NewQueueCollector(inspector *asynq.Inspector, queues []string) *QueueCollector {
	return &QueueCollector{
		inspector: inspector, queues: queues,
		desc: prometheus.NewDesc("tailor_queue_size",
			"Tasks in each asynq queue by state (pending, active, scheduled, retry, archived, completed).",
			[]string{"queue", "state"}, nil),
		latency: prometheus.NewDesc("tailor_queue_latency_seconds",
			"How long the oldest pending task of each asynq queue has waited (0 when none waits).",
			[]string{"queue"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	ch <- c.latency
}

// Collect implements prometheus.Collector.
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	known, err := c.inspector.Queues()
	if err != nil {
		return // Redis is down: no data rather than wrong zeros
	}
	names := append([]string(nil), c.queues...)
	for _, q := range known {
		if !slices.Contains(names, q) {
			names = append(names, q)
		}
	}
	for _, q := range names {
		var info asynq.QueueInfo
		if slices.Contains(known, q) {
			got, err := c.inspector.GetQueueInfo(q)
			if err != nil {
				continue
			}
			info = *got
		} // else no task ever entered it: all zeros
		for state, n := range map[string]int{
			"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled,
			"retry": info.Retry, "archived": info.Archived, "completed": info.Completed,
		} {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), q, state)
		}
		ch <- prometheus.MustNewConstMetric(c.latency, prometheus.GaugeValue, info.Latency.Seconds(), q)
	}
}

// ChromeCollector reports a Chrome pool's counters at scrape time.
type ChromeCollector struct {
	stats                       func() pdf.Stats
	renders, restarts, failures *prometheus.Desc
}

// NewChromeCollector reads stats, usually (*pdf.Pool).Stats, at each scrape.
func NewChromeCollector(stats func() pdf.Stats) *ChromeCollector {
	return &ChromeCollector{
		stats:    stats,
		renders:  prometheus.NewDesc("tailor_chrome_renders_total", "PDFs printed by Chrome in this process.", nil, nil),
		restarts: prometheus.NewDesc("tailor_chrome_restarts_total", "Chrome browsers replaced after a crash or recycling.", nil, nil),
		failures: prometheus.NewDesc("tailor_chrome_render_failures_total", "Chrome renders that returned an error.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *ChromeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.renders
	ch <- c.restarts
	ch <- c.failures
}

// Collect implements prometheus.Collector.
func (c *ChromeCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(c.renders, prometheus.CounterValue, float64(s.Renders))
	ch <- prometheus.MustNewConstMetric(c.restarts, prometheus.CounterValue, float64(s.Restarts))
	ch <- prometheus.MustNewConstMetric(c.failures, prometheus.CounterValue, float64(s.Failures))
}

// EventsLagCollector reports at scrape time how far the events consumer is
// behind: the consumer deletes each event once applied, so the stream's
// length is what is left to apply; pending is the part of it already read
// but not yet committed.
type EventsLagCollector struct {
	rdb          redis.UniversalClient
	lag, pending *prometheus.Desc
}

// NewEventsLagCollector reads the event stream on rdb.
func NewEventsLagCollector(rdb redis.UniversalClient) *EventsLagCollector {
	return &EventsLagCollector{
		rdb: rdb,
		lag: prometheus.NewDesc("tailor_events_consumer_lag",
			"Worker events in the stream not yet applied to SQLite.", nil, nil),
		pending: prometheus.NewDesc("tailor_events_consumer_pending",
			"Worker events read by a consumer but not yet acknowledged.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *EventsLagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lag
	ch <- c.pending
}

// Collect implements prometheus.Collector.
func (c *EventsLagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if n, err := c.rdb.XLen(ctx, EventStream).Result(); err == nil {
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(n))
	}
	p, err := c.rdb.XPending(ctx, EventStream, EventGroup).Result()
	switch {
	case err == nil:
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(p.Count))
	case errors.Is(err, redis.Nil), isNoGroup(err):
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, 0)
	}
}

func isNoGroup(err error) bool { return err != nil && strings.Contains(err.Error(), "NOGROUP") }
