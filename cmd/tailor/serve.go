package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/handlers"
	"github.com/tailor-app/tailor/jobs"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/tasks"
)

// Shutdown budget. Fly's kill_timeout (fly.toml) must stay above the sum.
const (
	httpShutdownTimeout   = 10 * time.Second
	workerShutdownTimeout = 20 * time.Second
	drainTimeout          = 5 * time.Second
)

// serve runs the parts of Tailor that mode names until ctx is done, then
// shuts them down in order: stop accepting requests, hand back in-flight
// tasks, apply the last events, close Chrome and the database.
func serve(ctx context.Context, mode string, cfg Config, logger *slog.Logger, out io.Writer) error {
	runWeb := mode == "serve" || mode == "web"
	runWorker := mode == "serve" || mode == "worker"
	if mode == "worker" && cfg.RedisURL == "" {
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
	metrics := tasks.NewMetrics(reg)
	defer startMetrics(cfg.MetricsAddr, reg, logger)()

	tailorer := newTailorer(cfg)
	var wg sync.WaitGroup
	errc := make(chan error, 4)

	var database *db.DB
	if runWeb {
		database, err = db.Open(cfg.DatabasePath)
		if err != nil {
			return err
		}
		defer database.Close()
		applied, err := database.Migrate(ctx)
		if err != nil {
			return err
		}
		if len(applied) > 0 {
			logger.Info("database migrated", "path", cfg.DatabasePath, "applied", applied)
		}
	}

	var pool *pdf.Pool
	var worker *asynq.Server
	if runWorker {
		pool = pdf.New(pdf.Options{ChromePath: cfg.ChromePath, Tabs: cfg.WorkerConcurrency, Logger: logger})
		defer pool.Close()
		cache := tasks.NewCache(rdb, cfg.CacheTTL)
		cache.Metrics = metrics
		gen := &tasks.Generator{
			Tailorer: tailorer, Renderer: pool, Events: tasks.NewPublisher(rdb), Redis: rdb, Logger: logger,
			Cache:   cache,
			Limiter: tasks.NewLimiter(rdb, cfg.LLMRatePerMinute, cfg.LLMRatePeriod),
			Metrics: metrics,
		}
		reg.MustRegister(tasks.NewChromeCollector(pool.Stats))
		// Worker counters for the admin dashboard, wherever this worker runs.
		reporter := &tasks.StatsReporter{Redis: rdb, Chrome: pool.Stats, Metrics: metrics, Logger: logger}
		go reporter.Run(ctx)
		mux := asynq.NewServeMux()
		mux.Handle(tasks.TypeGenerate, gen)
		worker = asynq.NewServerFromRedisClient(rdb, asynq.Config{
			Concurrency:     cfg.WorkerConcurrency,
			Queues:          tasks.QueuePriorities(),
			StrictPriority:  true, // interactive jobs always go ahead of batch jobs
			RetryDelayFunc:  tasks.RetryDelay,
			IsFailure:       tasks.IsFailure,
			ShutdownTimeout: workerShutdownTimeout,
			// Poll often when idle: pickup latency is most of an instant job's time.
			TaskCheckInterval:        20 * time.Millisecond,
			DelayedTaskCheckInterval: time.Second,
			Logger:                   asynqLogger{logger},
			LogLevel:                 asynq.WarnLevel,
		})
		if err := worker.Start(mux); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		logger.Info("worker started", "concurrency", cfg.WorkerConcurrency, "tailorer", tailorer.Model())
		if mode == "worker" {
			fmt.Fprintf(out, "Tailor worker started (concurrency %d)\n", cfg.WorkerConcurrency)
		}
		// Warm Chrome now so the first job does not pay for the start.
		go func() {
			if err := pool.Check(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("Chrome is not available: PDF jobs will fail until it is (set CHROME_PATH)", "err", err)
			}
		}()
	}

	var httpSrv *http.Server
	var consumer *jobs.Consumer
	if runWeb {
		client := asynq.NewClientFromRedisClient(rdb)
		defer client.Close()
		inspector := asynq.NewInspectorFromRedisClient(rdb)
		enqueuer := tasks.NewEnqueuer(client)
		checks := []handlers.Check{
			{Name: "sqlite", Fn: database.Ping},
			{Name: "redis", Fn: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }},
		}
		if pool != nil {
			checks = append(checks, handlers.Check{Name: "chrome", Fn: pool.Check})
		}
		signingKey, err := database.Settings.SigningKey(ctx)
		if err != nil {
			return err
		}
		// While no user exists, /setup creates the first admin with this
		// one-time code, printed below, so nobody else can claim the app.
		var setupCode string
		if n, err := database.Users.Count(ctx); err == nil && n == 0 {
			setupCode = handlers.NewSetupCode()
		}
		srv := &handlers.Server{
			DB: database, Enqueuer: enqueuer, Canceler: &tasks.Canceler{Redis: rdb, Inspector: inspector, Metrics: metrics},
			Checks: checks, Logger: logger, Model: tailorer.Model(), Metrics: handlers.NewHTTPMetrics(reg),
			SigningKey: signingKey, BaseURL: cfg.BaseURL, AllowSignup: cfg.AllowSignup, SetupCode: setupCode,
			EmbedOrigins: cfg.EmbedOrigins, APIRatePerMinute: cfg.APIRatePerMinute, TrustedProxy: cfg.TrustedProxy,
			Admin: handlers.AdminDeps{Redis: rdb, Inspector: inspector, PriceIn: cfg.LLMPriceIn, PriceOut: cfg.LLMPriceOut},
		}
		httpSrv = &http.Server{
			Handler:           srv.Routes(),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		}
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return fmt.Errorf("listen on ADDR %s: %w", cfg.Addr, err)
		}
		wg.Go(func() {
			if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("http server: %w", err)
			}
		})

		reg.MustRegister(tasks.NewQueueCollector(inspector, tasks.QueueNames()), tasks.NewEventsLagCollector(rdb))

		consumer = jobs.NewConsumer(rdb, database.Jobs, logger)
		consumer.Metrics = metrics
		consumerCtx, stopConsumer := context.WithCancel(context.WithoutCancel(ctx))
		defer stopConsumer()
		wg.Go(func() { consumer.Run(consumerCtx) })

		reconciler := &jobs.Reconciler{Jobs: database.Jobs, Inspector: inspector, Enqueuer: enqueuer, Logger: logger,
			Interval: cfg.ReconcileInterval, Metrics: metrics, Redis: rdb}
		wg.Go(func() { reconciler.Run(ctx) })

		purger := &jobs.Purger{Jobs: database.Jobs, Sessions: database.Sessions, Keep: cfg.JobRetention, Logger: logger}
		wg.Go(func() { purger.Run(ctx) })

		logger.Info("tailor is ready", "addr", ln.Addr().String(), "mode", mode, "database", cfg.DatabasePath,
			"trusted_proxy", cfg.TrustedProxy.String())
		fmt.Fprintf(out, "Tailor is listening on http://%s\n", displayAddr(ln.Addr().String()))
		if setupCode != "" {
			setupURL := "http://" + displayAddr(ln.Addr().String()) + "/setup"
			if cfg.BaseURL != "" {
				setupURL = cfg.BaseURL + "/setup"
			}
			logger.Info("no user exists yet: open the setup page and enter the setup code", "url", setupURL, "setup_code", setupCode)
			fmt.Fprintf(out, "No user exists yet. Open %s and enter the one-time setup code: %s\n"+
				"(or create the first admin from a terminal: echo 'a-long-password' | go run ./cmd/tailor user add --email you@example.com --role admin)\n",
				setupURL, setupCode)
		}

		// Stop the consumer only after the worker has handed back its tasks
		// and the last events are applied (see below).
		defer func() {
			drainCtx, cancel := context.WithTimeout(context.Background(), drainTimeout)
			defer cancel()
			stopConsumer()
			if err := consumer.Drain(drainCtx); err != nil {
				logger.Warn("drain events at shutdown", "err", err)
			}
		}()
	}

	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case runErr = <-errc:
		logger.Error("stopping after error", "err", runErr)
	}
	if httpSrv != nil {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
		if err := httpSrv.Shutdown(shutdownCtx); err != nil {
			logger.Warn("http shutdown", "err", err)
		}
		cancel()
	}
	if worker != nil {
		worker.Shutdown() // waits for in-flight tasks, hands back the rest
	}
	return runErr
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

// newLogger logs at level (debug, info, warn or error; LOG_LEVEL), as text
// on a terminal and JSON otherwise.
func newLogger(w io.Writer, level string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err == nil {
		opts.Level = l
	}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, opts))
		}
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// asynqLogger routes asynq's logs to slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...any) {
	a.l.Error(fmt.Sprint(args...), "component", "asynq")
	os.Exit(1)
}
