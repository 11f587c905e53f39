package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Worker runs the notify queue's tasks (e-mails, webhook deliveries) in a
// web process. Each task type brings its own retry schedule: a mail gives up
// after hours, a webhook keeps trying for a day.
type Worker struct {
	mux    *asynq.ServeMux
	delays map[string]func(n int) time.Duration
}

// NewWorker returns a worker with no task types yet.
func NewWorker() *Worker {
	return &Worker{mux: asynq.NewServeMux(), delays: map[string]func(int) time.Duration{}}
}

// Handle registers the handler of a task type and the wait before its
// n-th retry (n from 0); nil delay means asynq's default.
func (w *Worker) Handle(taskType string, h asynq.Handler, delay func(n int) time.Duration) {
	w.mux.Handle(taskType, h)
	if delay != nil {
		w.delays[taskType] = delay
	}
}

// retryDelay picks the task type's schedule.
func (w *Worker) retryDelay(n int, err error, t *asynq.Task) time.Duration {
	if d, ok := w.delays[t.Type()]; ok {
		return d(n)
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}

// ShutdownTimeout is how long a delivery in flight may finish at shutdown;
// then it goes back to the queue (deliveries are idempotent).
const ShutdownTimeout = 5 * time.Second

// Run serves the notify queue until ctx is done.
func (w *Worker) Run(ctx context.Context, rdb redis.UniversalClient, concurrency int, logger asynq.Logger) error {
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:              concurrency,
		Queues:                   map[string]int{Queue: 1},
		RetryDelayFunc:           w.retryDelay,
		ShutdownTimeout:          ShutdownTimeout,
		TaskCheckInterval:        100 * time.Millisecond,
		DelayedTaskCheckInterval: time.Second,
		Logger:                   logger,
		LogLevel:                 asynq.WarnLevel,
	})
	if err := srv.Start(w.mux); err != nil {
		return fmt.Errorf("start notify worker: %w", err)
	}
	<-ctx.Done()
	srv.Shutdown()
	return nil
}

// Backoff returns a retry schedule that doubles from first up to most.
func Backoff(first, most time.Duration) func(n int) time.Duration {
	return func(n int) time.Duration {
		d := first << min(n, 20)
		if d <= 0 || d > most {
			return most
		}
		return d
	}
}
