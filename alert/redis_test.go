package alert_test

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/alert"
	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/db/dbtest"
	"github.com/tailor-app/tailor/tasks"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// redisEvaluator is an evaluator on a real redis-server with kind as its
// only rule, set to threshold.
func redisEvaluator(t *testing.T, kind string, threshold float64, c *clock) (*alert.Evaluator, *db.DB, *tasks.Enqueuer, *recorder) {
	t.Helper()
	r := taskstest.StartRedis(t)
	rdb := r.Client(t)
	d := dbtest.MustOpen(t)
	only(t, d, kind)
	ru := rule(d, kind)
	ru.Threshold = threshold
	if err := d.Alerts.SetRule(ctxb(), ru); err != nil {
		t.Fatal(err)
	}
	insp := asynq.NewInspectorFromRedisClient(rdb)
	client := asynq.NewClientFromRedisClient(rdb)
	t.Cleanup(func() { client.Close() })
	rec := &recorder{}
	e := &alert.Evaluator{Alerts: d.Alerts, Jobs: d.Jobs, Redis: rdb, Inspector: insp, Logger: discard(),
		Notifiers: []alert.Notifier{rec}}
	if c != nil {
		e.Now = c.now
	}
	return e, d, tasks.NewEnqueuer(client), rec
}

func enqueue(t *testing.T, q *tasks.Enqueuer, id string) {
	t.Helper()
	if err := q.Enqueue(context.Background(), tasks.GeneratePayload{JobID: id, JobDescription: "Go", Theme: "classic",
		Paper: "a4", EnqueuedAt: time.Now()}, tasks.QueueInteractive); err != nil {
		t.Fatal(err)
	}
}

// The oldest interactive task waits past the threshold: the rule fires
// with the wait; once the queue is empty it resolves.
func TestQueueLatencyFiresAndResolves(t *testing.T) {
	e, d, q, rec := redisEvaluator(t, alert.KindQueueLatency, 1, nil)
	enqueue(t, q, "job-1")
	mustEvaluate(t, e)
	if o := open(t, d); len(o) != 0 {
		t.Fatalf("fired at once: %+v", o)
	}
	time.Sleep(1500 * time.Millisecond)
	mustEvaluate(t, e)
	o := open(t, d)
	if len(o) != 1 || o[0].Rule != alert.KindQueueLatency || o[0].Value < 1 {
		t.Fatalf("open = %+v, want queue_latency over 1 s", o)
	}
	if _, err := e.Inspector.DeleteAllPendingTasks(tasks.QueueInteractive); err != nil {
		t.Fatal(err)
	}
	mustEvaluate(t, e)
	if o := open(t, d); len(o) != 0 {
		t.Fatalf("still open with an empty queue: %+v", o)
	}
	if n := len(rec.keys()); n != 2 {
		t.Errorf("notifications = %v, want fired and resolved", rec.keys())
	}
}

// Jobs wait and no worker has sent a heartbeat for the threshold: the rule
// fires; a worker's heartbeat resolves it. With no job waiting, a missing
// worker is no alert.
func TestNoWorkerFiresAndResolves(t *testing.T) {
	c := newClock(time.Now())
	e, d, q, rec := redisEvaluator(t, alert.KindNoWorker, 60, c)
	mustEvaluate(t, e) // starts watching
	c.add(2 * time.Minute)
	mustEvaluate(t, e)
	if o := open(t, d); len(o) != 0 {
		t.Fatalf("fired with no job waiting: %+v", o)
	}
	enqueue(t, q, "job-1")
	mustEvaluate(t, e)
	o := open(t, d)
	if len(o) != 1 || o[0].Rule != alert.KindNoWorker || o[0].Value < 60 {
		t.Fatalf("open = %+v, want no_worker after 120 s of silence", o)
	}

	// A worker process publishes its counters (every 10 s in `tailor worker`).
	reporter := &tasks.StatsReporter{Redis: e.Redis, Name: "host-1", Now: c.now}
	if err := reporter.Once(ctxb()); err != nil {
		t.Fatal(err)
	}
	c.add(5 * time.Second)
	mustEvaluate(t, e)
	if o := open(t, d); len(o) != 0 {
		t.Fatalf("still open after a heartbeat: %+v", o)
	}
	if n := len(rec.keys()); n != 2 {
		t.Errorf("notifications = %v, want fired and resolved", rec.keys())
	}
}

// A running asynq worker of the generate queues is alive even before it
// publishes counters; the notify worker of a web process is not one.
func TestNoWorkerSeesAsynqServers(t *testing.T) {
	c := newClock(time.Now())
	e, d, q, _ := redisEvaluator(t, alert.KindNoWorker, 60, c)
	start := func(queues map[string]int) {
		srv := asynq.NewServerFromRedisClient(e.Redis, asynq.Config{Queues: queues, LogLevel: asynq.FatalLevel,
			TaskCheckInterval: 50 * time.Millisecond})
		// The task stays running: the queue is not empty, only the worker is new.
		release := make(chan struct{})
		if err := srv.Start(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { <-release; return nil })); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Shutdown)
		t.Cleanup(func() { close(release) })
		deadline := time.Now().Add(5 * time.Second)
		for {
			servers, err := e.Inspector.Servers()
			if err != nil {
				t.Fatal(err)
			}
			if len(servers) > 0 && servers[len(servers)-1].Queues != nil {
				for _, s := range servers {
					if _, ok := s.Queues[firstKey(queues)]; ok {
						return
					}
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("asynq lists no server of %v", queues)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	start(map[string]int{"notify": 1})
	enqueue(t, q, "job-1")
	mustEvaluate(t, e)
	c.add(2 * time.Minute)
	mustEvaluate(t, e)
	if len(open(t, d)) != 1 {
		t.Fatal("no_worker did not fire with only a notify worker running")
	}
	start(map[string]int{tasks.QueueInteractive: 6, tasks.QueueBatch: 1})
	c.add(time.Second)
	mustEvaluate(t, e)
	if n, err := e.Inspector.GetQueueInfo(tasks.QueueInteractive); err != nil || n.Pending+n.Active == 0 {
		t.Fatalf("queue = %+v, %v; want the job still there", n, err)
	}
	if o := open(t, d); len(o) != 0 {
		t.Fatalf("still open with a worker running: %+v", o)
	}
}

func firstKey(m map[string]int) string {
	for k := range m {
		return k
	}
	return ""
}
