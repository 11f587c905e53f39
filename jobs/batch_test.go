package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/resume"
)

// slowRenderer prints a stand-in PDF after a short wait: enough for the
// batch queue to hold work while batches interleave.
type slowRenderer struct{ calls atomic.Int64 }

func (r *slowRenderer) Render(ctx context.Context, html string, paper pdf.Paper) ([]byte, error) {
	r.calls.Add(1)
	select {
	case <-time.After(20 * time.Millisecond):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return []byte("%PDF-1.4 stand-in"), nil
}

// startBatch stores a batch of n candidates, each job with its own
// description so that none comes from the cache.
func startBatch(t *testing.T, p *pipeline, ownerID, tag string, n int) db.Batch {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for i := range n {
		profile := resume.Sample()
		profile.Basics.Name = fmt.Sprintf("%s candidate %d", tag, i)
		body, _ := json.Marshal(profile)
		c, err := p.db.Candidates.Create(ctx, ownerID, profile.Basics.Name, body)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	b, err := CreateBatch(ctx, p.db, ownerID, "offline", BatchRequest{
		JobDescription: resume.SampleJobDescription + "\n" + tag, CandidateIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Two recruiters' batches interleave: the second batch, started after a
// bigger first one, does not wait for the whole first batch. Its first job
// ends before the first batch's last.
func TestBatchesInterleave(t *testing.T) {
	p := startPipeline(t, pipelineOptions{renderer: &slowRenderer{}, noCache: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bob, err := p.db.Users.Create(ctx, "bob@example.com", db.RoleRecruiter, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	f := &Feeder{Batches: p.db.Batches, Jobs: p.db.Jobs, Enqueue: p.enqueuer.Enqueue, Logger: testLogger(t),
		PerBatch: 4, Interval: 20 * time.Millisecond}
	// The first batch reaches the queue before the second exists.
	first := startBatch(t, p, p.owner.ID, "first", 30)
	if _, err := f.Once(ctx); err != nil {
		t.Fatal(err)
	}
	second := startBatch(t, p, bob.ID, "second", 4)
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	wait := func(b db.Batch) db.Batch {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for {
			got, err := p.db.Batches.Get(ctx, db.AllOwners, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Counts.Done() {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("batch %s not done: %+v", b.ID, got.Counts)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	b1, b2 := wait(first), wait(second)
	if b1.Counts.Succeeded != 30 || b2.Counts.Succeeded != 4 {
		t.Fatalf("counts %+v and %+v; want all succeeded", b1.Counts, b2.Counts)
	}
	js, _ := p.db.Batches.Jobs(ctx, db.AllOwners, second.ID, 10, 0)
	firstOfSecond := js[0].FinishedAt
	for _, j := range js {
		if j.FinishedAt.Before(firstOfSecond) {
			firstOfSecond = j.FinishedAt
		}
	}
	if !firstOfSecond.Before(b1.FinishedAt) {
		t.Errorf("the second batch's first job ended at %s, after the first batch's last (%s): batches did not interleave",
			firstOfSecond.Format(time.StampMilli), b1.FinishedAt.Format(time.StampMilli))
	}
	if !b2.FinishedAt.Before(b1.FinishedAt) {
		t.Errorf("the small second batch ended at %s, after the big first one (%s)", b2.FinishedAt, b1.FinishedAt)
	}
	// Each job ran once: exactly one result each.
	all, _ := p.db.Batches.Jobs(ctx, db.AllOwners, first.ID, 100, 0)
	for _, j := range append(all, js...) {
		if n, _ := p.db.Jobs.CountResults(ctx, j.ID); n != 1 {
			t.Errorf("job %s has %d results", j.ID, n)
		}
	}
}

// The reconciler leaves held jobs to the feeder: it requeues none of them,
// however old, and fails none past the deadline.
func TestReconcilerLeavesHeldJobs(t *testing.T) {
	p := startPipeline(t, pipelineOptions{renderer: &slowRenderer{}})
	ctx := context.Background()
	b := startBatch(t, p, p.owner.ID, "held", 3)
	r := &Reconciler{Jobs: p.db.Jobs, Inspector: p.insp, Enqueuer: p.enqueuer, Logger: testLogger(t),
		Now: func() time.Time { return time.Now().Add(2 * time.Hour) }}
	out, err := r.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if out.Checked != 0 || out.Requeued != 0 || out.Failed != 0 {
		t.Errorf("reconciler on held jobs: %+v; want nothing done", out)
	}
	got, _ := p.db.Batches.Get(ctx, db.AllOwners, b.ID)
	if got.Counts.Queued != 3 {
		t.Errorf("counts %+v", got.Counts)
	}
}
