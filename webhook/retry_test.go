package webhook

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/notify"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// Through the real notify worker on a real redis-server: an endpoint that
// answers 500 twice then 200 gets three attempts, each logged, each with
// the same webhook-id and body and a valid signature.
func TestRetriesUntilDelivered(t *testing.T) {
	r := taskstest.StartRedis(t)
	rdb := r.Client(t)
	e := newEnv(t, loopback...)
	client := asynq.NewClientFromRedisClient(rdb)
	t.Cleanup(func() { client.Close() })
	e.svc.Queue = client
	e.svc.Schedule = []time.Duration{10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}

	ep := newEndpoint(t, func(n int, w http.ResponseWriter) {
		if n < 2 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	h := e.hook(ep.URL)
	w := notify.NewWorker()
	e.svc.Register(w)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx, rdb, 2, nil); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	end := e.endJob("failed")
	if err := e.svc.Dispatch(ctx, end); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(e.deliveries(h)) < 3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a fourth attempt would show now
	got := ep.requests()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	for _, g := range got {
		verify(t, h.Secret, g)
		if g.header.Get("webhook-id") != got[0].header.Get("webhook-id") || string(g.body) != string(got[0].body) {
			t.Errorf("attempts differ: %q %s vs %q %s", g.header.Get("webhook-id"), g.body, got[0].header.Get("webhook-id"), got[0].body)
		}
	}
	log := e.deliveries(h) // newest first
	want := []struct{ attempt, status int }{{3, 200}, {2, 500}, {1, 500}}
	if len(log) != 3 {
		t.Fatalf("log %+v", log)
	}
	for i, w := range want {
		if log[i].Attempt != w.attempt || log[i].StatusCode != w.status || (w.status == 500) != (log[i].Error != "") {
			t.Errorf("log[%d] = %+v, want attempt %d status %d", i, log[i], w.attempt, w.status)
		}
	}
	if err := e.svc.Dispatch(ctx, end); err != nil { // dispatched again: the task id is still taken
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if n := len(ep.requests()); n != 3 {
		t.Errorf("a second dispatch delivered again: %d requests", n)
	}
}
