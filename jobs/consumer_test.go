package jobs

import (
	"context"
	"encoding/json"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
)

func TestSupersededProgress(t *testing.T) {
	msg := func(job string, attempt int, kind string, c jobstate.Change, resultKey string) redis.XMessage {
		b, _ := json.Marshal(tasks.Event{JobID: job, Event: jobstate.Event{Kind: kind, Attempt: attempt, Change: c}, ResultKey: resultKey})
		return redis.XMessage{ID: "1-0", Values: map[string]any{"e": string(b)}}
	}
	checking := jobstate.Change{Stage: "checking", Progress: 60}
	printing := jobstate.Change{Stage: "printing", Progress: 80}
	for _, tc := range []struct {
		name string
		msgs []redis.XMessage
		want []bool
	}{
		{"a whole job in one read", []redis.XMessage{
			msg("a", 1, jobstate.EventStarted, jobstate.Change{Stage: "tailoring", Progress: 10}, ""),
			msg("a", 1, jobstate.EventProgress, checking, ""),
			msg("a", 1, jobstate.EventProgress, printing, ""),
			msg("a", 1, jobstate.EventSucceeded, jobstate.Change{Progress: 100}, "result:a"),
		}, []bool{false, true, true, false}},
		{"one message", []redis.XMessage{msg("a", 1, jobstate.EventProgress, checking, "")}, []bool{false}},
		{"the last event of a job is applied", []redis.XMessage{
			msg("a", 1, jobstate.EventProgress, checking, ""),
			msg("b", 1, jobstate.EventProgress, checking, ""),
		}, []bool{false, false}},
		{"another attempt does not replace it", []redis.XMessage{
			msg("a", 1, jobstate.EventProgress, checking, ""),
			msg("a", 2, jobstate.EventStarted, jobstate.Change{Stage: "tailoring"}, ""),
		}, []bool{false, false}},
		{"a progress event carrying more than the stage is applied", []redis.XMessage{
			msg("a", 1, jobstate.EventProgress, jobstate.Change{Stage: "waiting", Progress: 20, RateWaitMS: 900}, ""),
			msg("a", 1, jobstate.EventProgress, printing, ""),
		}, []bool{false, false}},
		{"an undecodable message is left to handle", []redis.XMessage{
			{ID: "1-0", Values: map[string]any{"e": "{"}},
			msg("a", 1, jobstate.EventProgress, printing, ""),
		}, []bool{false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := supersededProgress(decodeEvents(tc.msgs)); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// A consumer that is behind reads a job's four events at once and writes
// its row twice (started, succeeded), to the same end state.
func TestConsumerBehindSkipsSupersededProgress(t *testing.T) {
	p := startPipeline(t, pipelineOptions{workerOnly: true})
	j := p.submit(t, resume.Sample(), resume.SampleJobDescription)
	ctx := context.Background()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		evs, _ := p.rdb.XRange(ctx, tasks.EventStream, "-", "+").Result()
		if slices.ContainsFunc(evs, func(m redis.XMessage) bool { return finalKind(m) != "" }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the worker published no final event")
		}
	}
	var applied atomic.Int32
	c := NewConsumer(p.rdb, p.db.Jobs, testLogger(t))
	c.Applied = func(tasks.Event) { applied.Add(1) }
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { c.Run(cctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	got := p.waitFinal(t, j.ID, time.Minute)
	p.waitEventsApplied(t)
	if got.Status != jobstate.StatusSucceeded || got.Progress != jobstate.ProgressDone || !got.HasPDF {
		t.Fatalf("job %+v, want succeeded at 100%% with its PDF", got)
	}
	// The consumer acks an event before its Applied hook runs: wait until
	// the count has settled.
	n := applied.Load()
	for deadline, last := time.Now().Add(5*time.Second), time.Now(); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := applied.Load(); m != n {
			n, last = m, time.Now()
		} else if n >= 2 && time.Since(last) > 200*time.Millisecond {
			break
		}
	}
	if n != 2 {
		t.Errorf("%d events applied, want 2 (started and succeeded; the progress events in between are moot)", n)
	}
}

// finalKind maps an event's kind to the status it ends in ("" if none).
func finalKind(m redis.XMessage) string {
	var ev tasks.Event
	json.Unmarshal([]byte(m.Values["e"].(string)), &ev)
	switch ev.Kind {
	case jobstate.EventSucceeded:
		return jobstate.StatusSucceeded
	case jobstate.EventFailed:
		return jobstate.StatusFailed
	}
	return ""
}
