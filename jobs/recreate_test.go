package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/db/dbtest"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// taskFinder is a TaskFinder with a function field.
type taskFinder struct {
	payload func(id string) (tasks.GeneratePayload, error)
}

func (f taskFinder) Payload(_ context.Context, id string) (tasks.GeneratePayload, error) {
	return f.payload(id)
}

// The consumer recreates a lost row only from a task that carries the
// row's fields, for an owner the database still has; otherwise the event
// is dropped as before, and logged.
func TestConsumerRecreatesOnlyWhatItCan(t *testing.T) {
	ctx := context.Background()
	rdb := taskstest.StartRedis(t).Client(t)
	d := dbtest.MustOpen(t)
	owner := dbtest.MustUser(t, d, "ann@example.com", db.RoleRecruiter)
	created := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	payloadOf := func(id, ownerID string) tasks.GeneratePayload {
		j := db.Job{ID: id, OwnerID: ownerID, CandidateID: "gone", CandidateVersion: 3, CandidateName: "Jane Doe",
			JobDescription: "Go engineer", Theme: "classic", Paper: "a4", Queue: tasks.QueueBatch, InputsHash: "h",
			CreatedAt: created}
		j.Model = "fake"
		return PayloadFor(j, []byte(`{"basics":{"name":"Jane Doe"}}`))
	}
	finder := map[string]tasks.GeneratePayload{
		"recreated":   payloadOf("recreated", owner.ID),
		"owner-gone":  payloadOf("owner-gone", "nobody"),
		"old-payload": {JobID: "old-payload", JobDescription: "Go", Theme: "classic", Paper: "a4"},
	}
	var logs strings.Builder
	c := NewConsumer(rdb, d.Jobs, slog.New(slog.NewTextHandler(&logs, nil)))
	c.Tasks = taskFinder{func(id string) (tasks.GeneratePayload, error) {
		p, ok := finder[id]
		if !ok || p.Row == nil {
			return tasks.GeneratePayload{}, tasks.ErrNoTask
		}
		return p, nil
	}}
	pub := tasks.NewPublisher(rdb)
	for _, id := range []string{"recreated", "owner-gone", "old-payload", "no-task"} {
		ev := tasks.Event{JobID: id, Event: jobstate.Event{Kind: jobstate.EventStarted, Attempt: 1, At: created.Add(time.Second),
			Change: jobstate.Change{Stage: "tailoring", Progress: 10}}}
		if err := pub.Publish(ctx, ev, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	j, err := d.Jobs.Get(ctx, db.OwnedBy(owner.ID), "recreated")
	if err != nil {
		t.Fatalf("recreated job: %v\n%s", err, logs.String())
	}
	if j.Status != jobstate.StatusRunning || !j.CreatedAt.Equal(created) || j.Queue != tasks.QueueBatch ||
		j.CandidateID != "" || j.CandidateName != "Jane Doe" || j.Model != "fake" || j.Attempts != 1 {
		t.Errorf("recreated row %+v", j)
	}
	if p, err := d.Jobs.Profile(ctx, "recreated"); err != nil || !strings.Contains(string(p), "Jane Doe") {
		t.Errorf("recreated profile %q %v", p, err)
	}
	for _, id := range []string{"owner-gone", "old-payload", "no-task"} {
		if _, err := d.Jobs.Get(ctx, db.AllOwners, id); err != db.ErrNotFound {
			t.Errorf("%s: %v, want not found", id, err)
		}
		if !strings.Contains(logs.String(), id) {
			t.Errorf("%s: its drop is not logged", id)
		}
	}
	if n, _ := rdb.XLen(ctx, tasks.EventStream).Result(); n != 0 {
		t.Errorf("%d events left in the stream", n)
	}
}

// A job that ended before the volume was lost, but whose row and result
// the restored database lacks, sends no more events: at start the
// reconciler finds its finished task, recreates the row, runs it again
// (a cache hit) and the job ends with its PDF (issue 16). An older job
// that is missing was deleted on purpose and stays deleted.
func TestReconcilerRecreatesFinishedJobsSQLiteLost(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.db.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	purged := p.submit(t, resume.Sample(), "purged "+resume.SampleJobDescription) // deleted by JOB_RETENTION
	p.db.Now = time.Now
	kept := p.submit(t, resume.Sample(), "kept "+resume.SampleJobDescription) // the restored copy's newest
	j := p.submit(t, resume.Sample(), resume.SampleJobDescription)
	for _, id := range []string{purged.ID, kept.ID, j.ID} {
		if got := p.waitFinal(t, id, 30*time.Second); got.Status != jobstate.StatusSucceeded {
			t.Fatalf("job = %s (%s)", got.Status, got.Error)
		}
	}
	p.waitEventsApplied(t)
	for _, id := range []string{purged.ID, j.ID} { // a purge, and the restore without the last second
		if err := p.db.Jobs.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	rec := &Reconciler{Jobs: p.db.Jobs, Inspector: p.insp, Enqueuer: p.enqueuer, Logger: testLogger(t), Redis: p.rdb,
		Interval: 200 * time.Millisecond, Grace: time.Millisecond, Tasks: &tasks.Tasks{Redis: p.rdb, Inspector: p.insp}}
	go rec.Run(ctx)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if has, _ := p.db.Jobs.HasJob(ctx, j.ID); has {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reconciler did not recreate the job in 10 s")
		}
	}
	got := p.waitFinal(t, j.ID, 30*time.Second)
	if got.Status != jobstate.StatusSucceeded || got.CreatedAt.UnixMilli() != j.CreatedAt.UnixMilli() || !got.HasPDF {
		t.Fatalf("recreated job = %s (%q), created %s (was %s), PDF %v", got.Status, got.Error, got.CreatedAt, j.CreatedAt, got.HasPDF)
	}
	if r := mustResult(t, p.db, j.ID); !bytes.HasPrefix(r.PDF, []byte("%PDF-")) {
		t.Errorf("recreated job's result is not a PDF")
	}
	if has, _ := p.db.Jobs.HasJob(ctx, purged.ID); has {
		t.Errorf("a job older than the database's newest was recreated: it was deleted on purpose")
	}
}
