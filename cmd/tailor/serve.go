package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/drill"
	"github.com/tailor-app/tailor/handlers"
	"github.com/tailor-app/tailor/jobs"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/lease"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/tasks"
)

// Shutdown budget, spent one after the other. Fly's kill_timeout (fly.toml)
// must stay above the sum.
const (
	httpShutdownTimeout   = 10 * time.Second // requests in flight finish
	workerShutdownTimeout = 20 * time.Second // tasks in flight finish, or go back to the queue
	abandonedTaskTimeout  = 2 * time.Second  // handed-back tasks notice their canceled context
	drainTimeout          = 5 * time.Second  // the last events are applied to SQLite (after a read of up to 1 s ends)
)

// serve runs the parts of Tailor that mode (serve, web or worker) names
// until ctx is done, then shuts them down in order: stop accepting
// requests, finish or hand back in-flight tasks, apply the last events,
// close Chrome, the database and Redis.
func serve(ctx context.Context, mode string, cfg Config, logger *slog.Logger, out io.Writer) error {
	runWeb, runWorker := mode != "worker", mode != "web"
	if !runWeb && cfg.RedisURL == "" {
		return errors.New("tailor worker needs REDIS_URL: an embedded Redis cannot be shared between processes")
	}
	rdb, closeRedis, err := connectRedis(ctx, cfg.RedisURL, logger)
	if err != nil {
		return err
	}
	defer closeRedis()
	// One registry per process, served on METRICS_ADDR; each part adds its own.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	p := &process{mode: mode, cfg: cfg, logger: logger, out: out, rdb: rdb, reg: reg,
		metrics: tasks.NewMetrics(reg), tailorer: newTailorer(cfg), updates: jobs.NewUpdates(rdb, logger)}

	// The stages start together and stop in reverse order of this list:
	// the HTTP server stops accepting, the worker finishes or hands back its
	// tasks, the consumer applies the last events. The resources they use
	// (Chrome, the database, Redis) close after every stage has returned.
	var stages []stage
	if s, ok := metricsServer(cfg.MetricsAddr, reg, logger); ok {
		stages = append(stages, s)
	}
	var database *db.DB
	if runWeb {
		var writerLease *lease.Lease
		if database, writerLease, _, err = p.openWriter(ctx); err != nil {
			return err
		}
		defer database.Close()
		if writerLease != nil {
			stages = append(stages, p.leaseStage(writerLease, database)) // stops after the consumer's last write
		}
		p.notifier = p.newNotifier(database)
		p.feeder = &jobs.Feeder{Batches: database.Batches, Jobs: database.Jobs, Logger: logger,
			PerBatch: cfg.BatchPerBatch}
		p.feeder.Init()
		stages = append(stages, p.eventsConsumer(database))
	}
	var pool *pdf.Pool
	if runWorker {
		pool = pdf.New(pdf.Options{ChromePath: cfg.ChromePath, Tabs: cfg.WorkerConcurrency, Logger: logger})
		defer pool.Close()
		stages = append(stages, p.worker(pool)...)
	}
	if runWeb {
		web, err := p.web(ctx, database, pool)
		if err != nil {
			return err
		}
		stages = append(stages, web...)
	}
	return runStages(ctx, logger, stages)
}

// process is what the parts of one tailor process share.
type process struct {
	mode     string
	cfg      Config
	logger   *slog.Logger
	out      io.Writer // the operator's terminal: addresses and the setup code
	rdb      redis.UniversalClient
	reg      *prometheus.Registry
	metrics  *tasks.Metrics
	tailorer llm.Tailorer
	notifier *notifier     // web processes only
	feeder   *jobs.Feeder  // web processes only: releases held batch jobs to the queue
	updates  *jobs.Updates // committed job changes, for every web process's live streams
}

func openDatabase(ctx context.Context, path string, opts db.Options, logger *slog.Logger) (*db.DB, error) {
	database, err := db.OpenWith(path, opts)
	if err != nil {
		return nil, err
	}
	applied, err := database.Migrate(ctx)
	if err != nil {
		database.Close()
		return nil, err
	}
	if len(applied) > 0 {
		logger.Info("database migrated", "path", path, "applied", applied)
	}
	return database, nil
}

// eventsConsumer applies the workers' events to SQLite; when stopped it
// applies what is left in the stream, so no reported progress waits for the
// next start.
func (p *process) eventsConsumer(database *db.DB) stage {
	consumer := jobs.NewConsumer(p.rdb, database.Jobs, p.logger)
	consumer.Metrics = p.metrics
	consumer.Tasks = &tasks.Tasks{Redis: p.rdb, Inspector: asynq.NewInspectorFromRedisClient(p.rdb)}
	consumer.Applied = func(ev tasks.Event) {
		if ev.Kind == jobstate.EventSucceeded || ev.Kind == jobstate.EventFailed {
			p.notifier.dispatcher.Poke() // mails and webhooks go out now, not at the next round
			p.feeder.Kick()              // a batch has room for its next job
		}
	}
	consumer.Updates = p.updates
	return stage{"events consumer", func(ctx context.Context) error {
		if err := consumer.Run(ctx); err != nil {
			return err
		}
		drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
		defer cancel()
		if err := consumer.Drain(drainCtx); err != nil {
			p.logger.Warn("drain events at shutdown", "err", err)
		}
		return nil
	}}
}

// worker runs generate tasks from Redis, reports its counters for the
// admin dashboard, and warms Chrome so the first job does not pay for the
// start.
func (p *process) worker(pool *pdf.Pool) []stage {
	cache := tasks.NewCache(p.rdb, p.cfg.CacheTTL)
	cache.Metrics = p.metrics
	gen := &tasks.Generator{
		Tailorer: p.tailorer, Renderer: pool, Events: tasks.NewPublisher(p.rdb), Redis: p.rdb, Logger: p.logger,
		Cache:   cache,
		Limiter: tasks.NewLimiter(p.rdb, p.cfg.LLMRatePerMinute, p.cfg.LLMRatePeriod),
		Metrics: p.metrics,
	}
	p.reg.MustRegister(tasks.NewChromeCollector(pool.Stats))
	reporter := &tasks.StatsReporter{Redis: p.rdb, Chrome: pool.Stats, Metrics: p.metrics, Logger: p.logger}
	return []stage{
		{"worker stats", reporter.Run},
		{"worker", p.runWorker(gen)},
		{"chrome warm-up", func(ctx context.Context) error {
			if err := pool.Check(ctx); err != nil && ctx.Err() == nil {
				p.logger.Warn("Chrome is not available: PDF jobs will fail until it is (set CHROME_PATH)", "err", err)
			}
			return nil
		}},
	}
}

func (p *process) runWorker(gen asynq.Handler) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		// asynq returns from Shutdown when it has handed a task back, before
		// that task's handler has seen its canceled context: wait for it, so
		// it does not find Redis or Chrome closed.
		var running sync.WaitGroup
		mux := asynq.NewServeMux()
		mux.Handle(tasks.TypeGenerate, asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			running.Add(1)
			defer running.Done()
			return gen.ProcessTask(ctx, t)
		}))
		worker := asynq.NewServerFromRedisClient(p.rdb, asynq.Config{
			Concurrency:     p.cfg.WorkerConcurrency,
			Queues:          tasks.QueuePriorities(),
			StrictPriority:  true, // interactive jobs always go ahead of batch jobs
			RetryDelayFunc:  tasks.RetryDelay,
			IsFailure:       tasks.IsFailure,
			ShutdownTimeout: workerShutdownTimeout,
			// Poll often when idle: pickup latency is most of an instant job's time.
			TaskCheckInterval:        20 * time.Millisecond,
			DelayedTaskCheckInterval: time.Second,
			Logger:                   asynqLogger{p.logger},
			LogLevel:                 asynq.WarnLevel,
		})
		if err := worker.Start(mux); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		p.logger.Info("worker started", "concurrency", p.cfg.WorkerConcurrency, "tailorer", p.tailorer.Model())
		if p.mode == "worker" {
			fmt.Fprintf(p.out, "Tailor worker started (concurrency %d)\n", p.cfg.WorkerConcurrency)
		}
		<-ctx.Done()
		worker.Shutdown() // waits for in-flight tasks, hands back the rest
		done := make(chan struct{})
		go func() { running.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(abandonedTaskTimeout):
			p.logger.Warn("a handed-back task is still running at shutdown")
		}
		return nil
	}
}

// web serves the web app and the API, and keeps SQLite and the queue in
// step: the reconciler enqueues again what Redis lost, the purger deletes
// what JOB_RETENTION no longer keeps. pool is nil when no worker runs here.
func (p *process) web(ctx context.Context, database *db.DB, pool *pdf.Pool) ([]stage, error) {
	inspector := asynq.NewInspectorFromRedisClient(p.rdb)
	enqueuer := tasks.NewEnqueuer(asynq.NewClientFromRedisClient(p.rdb))
	checks := []handlers.Check{
		{Name: "sqlite", Fn: database.Ping},
		{Name: "redis", Fn: func(ctx context.Context) error { return p.rdb.Ping(ctx).Err() }},
	}
	if pool != nil {
		checks = append(checks, handlers.Check{Name: "chrome", Fn: pool.Check})
	}
	signingKey, err := database.Settings.SigningKey(ctx)
	if err != nil {
		return nil, err
	}
	// While no user exists, /setup creates the first admin with this
	// one-time code, printed below, so nobody else can claim the app.
	var setupCode string
	if n, err := database.Users.Count(ctx); err == nil && n == 0 {
		setupCode = handlers.NewSetupCode()
	}
	cfg := p.cfg
	srv := &handlers.Server{
		DB: database, Enqueuer: enqueuer, Canceler: &tasks.Canceler{Redis: p.rdb, Inspector: inspector, Metrics: p.metrics},
		Checks: checks, Logger: p.logger, Model: p.tailorer.Model(), Metrics: handlers.NewHTTPMetrics(p.reg),
		SigningKey: signingKey, BaseURL: cfg.BaseURL, AllowSignup: cfg.AllowSignup, SetupCode: setupCode,
		EmbedOrigins: cfg.EmbedOrigins, APIRatePerMinute: cfg.APIRatePerMinute, TrustedProxy: cfg.TrustedProxy,
		Admin: handlers.AdminDeps{Redis: p.rdb, Inspector: inspector, PriceIn: cfg.LLMPriceIn, PriceOut: cfg.LLMPriceOut},
	}
	srv.Webhooks = p.notifier.webhooks
	p.feeder.Enqueue = enqueuer.Enqueue
	srv.Feeder = p.feeder
	srv.Live = &handlers.Live{Updates: p.updates, MaxStreams: cfg.SSEMaxStreams, MaxPerUser: cfg.SSEMaxUserStreams,
		Logger: p.logger, Metrics: handlers.NewLiveMetrics(p.reg)}
	httpSrv := &http.Server{
		Handler:           srv.Routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	p.reg.MustRegister(tasks.NewQueueCollector(inspector, tasks.QueueNames()), tasks.NewEventsLagCollector(p.rdb))
	reconciler := &jobs.Reconciler{Jobs: database.Jobs, Inspector: inspector, Enqueuer: enqueuer, Logger: p.logger,
		Interval: cfg.ReconcileInterval, Metrics: p.metrics, Redis: p.rdb,
		Tasks: &tasks.Tasks{Redis: p.rdb, Inspector: inspector}, Updates: p.updates}
	p.reg.MustRegister(drill.NewCollector(database.Settings))
	purger := &jobs.Purger{Jobs: database.Jobs, Sessions: database.Sessions, Keep: cfg.JobRetention, Logger: p.logger}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on ADDR %s: %w", cfg.Addr, err)
	}
	p.announce(ln.Addr().String(), setupCode)
	return []stage{
		{"http", func(ctx context.Context) error {
			if err := serveHTTP(ctx, httpSrv, ln, httpShutdownTimeout, p.logger); err != nil {
				return fmt.Errorf("http server: %w", err)
			}
			return nil
		}},
		// After the server: stopped first, so streams end before the drain.
		{"live updates", srv.Live.Run},
		{"reconciler", reconciler.Run},
		{"batch feeder", p.feeder.Run},
		{"purger", purger.Run},
		{"search indexer", (&jobs.SearchIndexer{Jobs: database.Jobs, Logger: p.logger}).Run},
		{"notify worker", func(ctx context.Context) error {
			return p.notifier.worker.Run(ctx, p.rdb, notifyConcurrency, asynqLogger{p.logger})
		}},
		{"notifier", p.notifier.dispatcher.Run},
		{"mail", p.notifier.mail.Run}, // the daily digest; mails Redis lost queued again
		p.alertEvaluator(database, inspector),
		p.drillSchedule(database),
	}, nil
}

// announce tells the operator where Tailor listens and, on a fresh
// database, how to create the first admin.
func (p *process) announce(addr, setupCode string) {
	p.logger.Info("tailor is ready", "addr", addr, "mode", p.mode, "database", p.cfg.DatabasePath,
		"trusted_proxy", p.cfg.TrustedProxy.String())
	fmt.Fprintf(p.out, "Tailor is listening on http://%s\n", displayAddr(addr))
	if setupCode == "" {
		return
	}
	setupURL := "http://" + displayAddr(addr) + "/setup"
	if p.cfg.BaseURL != "" {
		setupURL = p.cfg.BaseURL + "/setup"
	}
	p.logger.Info("no user exists yet: open the setup page and enter the setup code", "url", setupURL, "setup_code", setupCode)
	fmt.Fprintf(p.out, "No user exists yet. Open %s and enter the one-time setup code: %s\n"+
		"(or create the first admin from a terminal: echo 'a-long-password' | go run ./cmd/tailor user add --email you@example.com --role admin)\n",
		setupURL, setupCode)
}

func newTailorer(cfg Config) llm.Tailorer {
	if cfg.UsesLLM() {
		return llm.NewOpenAI(llm.Config{APIKey: cfg.OpenAIAPIKey, BaseURL: cfg.OpenAIBaseURL, Model: cfg.OpenAIModel,
			Timeout: cfg.OpenAITimeout})
	}
	return llm.NewOffline()
}

func displayAddr(addr string) string {
	if strings.HasPrefix(addr, "[::]:") {
		return "localhost:" + strings.TrimPrefix(addr, "[::]:")
	}
	if strings.HasPrefix(addr, "0.0.0.0:") {
		return "localhost:" + strings.TrimPrefix(addr, "0.0.0.0:")
	}
	return addr
}
