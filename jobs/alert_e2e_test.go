package jobs

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailor-app/tailor/alert"
	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
)

// alertLog records the alert changes told to it.
type alertLog struct {
	mu      sync.Mutex
	changes []alert.Change
}

func (l *alertLog) AlertChanged(_ context.Context, c alert.Change) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.changes = append(l.changes, c)
	return nil
}

// The "done when": a real pipeline whose LLM fails every request
// makes jobs fail and the success-rate alert fires (told once); with a
// healthy LLM, jobs succeed and it resolves by itself (told once).
func TestAlertFiresWhenJobsFailAndResolvesWhenTheyRecover(t *testing.T) {
	var healthy atomic.Bool
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		if healthy.Load() {
			return llmtest.Echo("")(req)
		}
		return llmtest.Reply{Status: 500, Content: "the model is down"}
	})
	p := startPipeline(t, pipelineOptions{noCache: true,
		tailorer: llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: fake.URL, Timeout: 5 * time.Second})})
	var now atomic.Pointer[time.Time]
	clock := func() time.Time {
		if at := now.Load(); at != nil {
			return *at
		}
		return time.Now()
	}
	log := &alertLog{}
	ev := &alert.Evaluator{Alerts: p.db.Alerts, Jobs: p.db.Jobs, Redis: p.rdb, Inspector: p.insp,
		Notifiers: []alert.Notifier{log}, Logger: testLogger(t), Now: clock}
	run := func(want string) []db.Job {
		t.Helper()
		var jobs []db.Job
		for i := range 10 {
			jobs = append(jobs, p.submit(t, resume.Sample(), fmt.Sprintf("%s\nOpening %d, %s.", resume.SampleJobDescription, i, want)))
		}
		for i, j := range jobs {
			jobs[i] = p.waitFinal(t, j.ID, time.Minute)
			if jobs[i].Status != want {
				t.Fatalf("job %s: %s (%s), want %s", j.ID, jobs[i].Status, jobs[i].Error, want)
			}
		}
		return jobs
	}
	evaluate := func() []db.AlertEvent {
		t.Helper()
		if err := ev.Evaluate(context.Background()); err != nil {
			t.Fatal(err)
		}
		open, err := p.db.Alerts.Open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return open
	}

	if open := evaluate(); len(open) != 0 {
		t.Fatalf("alerts before any job: %+v", open)
	}
	run(jobstate.StatusFailed)
	open := evaluate()
	if len(open) != 1 || open[0].Rule != alert.KindSuccessRate || open[0].Value != 0 {
		t.Fatalf("open alerts = %+v, want the success rate at 0%%", open)
	}
	fired := open[0]

	// The LLM is back. The failures stay in the 15-minute window, so the
	// evaluator's clock moves to when they have left it.
	healthy.Store(true)
	later := time.Now().Add(15*time.Minute + time.Millisecond)
	run(jobstate.StatusSucceeded)
	now.Store(&later)
	if open := evaluate(); len(open) != 0 {
		t.Fatalf("still open with only successes in the window: %+v", open)
	}
	evaluate()

	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.changes) != 2 || log.changes[0].Key != "alert:"+fired.ID+":fired" || log.changes[1].Key != "alert:"+fired.ID+":resolved" {
		var keys []string
		for _, c := range log.changes {
			keys = append(keys, c.Key)
		}
		t.Fatalf("notifications = %v, want fired then resolved for %s", keys, fired.ID)
	}
	if r := log.changes[1].Alert; r.ResolvedAt.IsZero() || r.Message == "" {
		t.Errorf("resolved change = %+v", r)
	}
}
