package db

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tailor-app/tailor/jobstate"
)

func mustBatch(t *testing.T, d *DB, ownerID string, n int) (Batch, []Job) {
	t.Helper()
	ctx := context.Background()
	var jobs []BatchJob
	for i := range n {
		c, err := d.Candidates.Create(ctx, ownerID, fmt.Sprintf("Cand %d", i), []byte(`{"basics":{"name":"x"}}`))
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, BatchJob{Job: Job{CandidateID: c.ID, CandidateVersion: 1, CandidateName: c.Name,
			JobDescription: "Go", Theme: "classic", Paper: "a4", Queue: "batch", InputsHash: "h"}, Profile: c.Profile})
	}
	b, js, err := d.Batches.Create(ctx, Batch{OwnerID: ownerID, JobDescription: "Go", Theme: "classic", Paper: "a4"}, jobs)
	if err != nil {
		t.Fatal(err)
	}
	return b, js
}

// Counts come from the jobs (a GROUP BY), so an event applied to a job
// shows in its batch with nothing else written; the end is derived too.
func TestBatchCountsDerivedFromJobs(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	b, js := mustBatch(t, d, u.ID, 3)
	got, err := d.Batches.Get(ctx, OwnedBy(u.ID), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := (BatchCounts{Queued: 3}); got.Counts != want || !got.FinishedAt.IsZero() {
		t.Fatalf("counts %+v finished %v, want %+v and not finished", got.Counts, got.FinishedAt, want)
	}
	for _, j := range js {
		if !j.Held || j.BatchID != b.ID {
			t.Fatalf("job %+v: want held, in batch %s", j, b.ID)
		}
	}
	if _, err := d.Jobs.Apply(ctx, js[0].ID, jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Jobs.Apply(ctx, js[1].ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 1}, nil); err != nil {
		t.Fatal(err)
	}
	// The outbox says which ends belong to a batch (the mailer skips them).
	ends, err := d.JobEnds.Pending(ctx, 10)
	if err != nil || len(ends) != 2 || ends[0].BatchID != b.ID {
		t.Fatalf("pending ends %+v, %v; want two of batch %s", ends, err, b.ID)
	}
	got, _ = d.Batches.Get(ctx, OwnedBy(u.ID), b.ID)
	if want := (BatchCounts{Queued: 1, Succeeded: 1, Failed: 1}); got.Counts != want || !got.FinishedAt.IsZero() {
		t.Fatalf("counts %+v finished %v, want %+v", got.Counts, got.FinishedAt, want)
	}
	released, err := d.Batches.Cancel(ctx, OwnedBy(u.ID), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(released) != 0 {
		t.Errorf("cancel returned %d released jobs; the held one never reached the queue", len(released))
	}
	got, _ = d.Batches.Get(ctx, OwnedBy(u.ID), b.ID)
	if want := (BatchCounts{Succeeded: 1, Failed: 1, Canceled: 1}); got.Counts != want || got.FinishedAt.IsZero() {
		t.Fatalf("counts %+v finished %v, want %+v and finished", got.Counts, got.FinishedAt, want)
	}
	list, err := d.Batches.List(ctx, OwnedBy(u.ID), 10, 0)
	if err != nil || len(list) != 1 || list[0].Counts != got.Counts {
		t.Fatalf("List = %+v, %v", list, err)
	}
}

// Another owner's batch is not found, and lists none of it.
func TestBatchOwnerScope(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	bob := MustUser(t, d, "bob@example.com", RoleRecruiter)
	b, _ := mustBatch(t, d, ann.ID, 1)
	if _, err := d.Batches.Get(ctx, OwnedBy(bob.ID), b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get by another owner: %v, want ErrNotFound", err)
	}
	if _, err := d.Batches.Cancel(ctx, OwnedBy(bob.ID), b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Cancel by another owner: %v, want ErrNotFound", err)
	}
	if js, err := d.Batches.Jobs(ctx, OwnedBy(bob.ID), b.ID, 10, 0); err != nil || len(js) != 0 {
		t.Errorf("Jobs by another owner = %d, %v", len(js), err)
	}
	if l, err := d.Batches.List(ctx, OwnedBy(bob.ID), 10, 0); err != nil || len(l) != 0 {
		t.Errorf("List by another owner = %d, %v", len(l), err)
	}
	if _, err := d.Batches.Get(ctx, AllOwners, b.ID); err != nil {
		t.Errorf("admin Get: %v", err)
	}
}

// A job that cannot be stored rolls back the batch and every job before it.
func TestBatchCreateIsOneTransaction(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	c, err := d.Candidates.Create(ctx, u.ID, "Jane", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	good := BatchJob{Job: Job{CandidateID: c.ID, CandidateName: "Jane", JobDescription: "Go", Theme: "classic",
		Paper: "a4", Queue: "batch"}, Profile: []byte(`{}`)}
	bad := good
	bad.Job.CandidateID = "no-such-candidate" // the foreign key fails
	_, _, err = d.Batches.Create(ctx, Batch{OwnerID: u.ID, Theme: "classic", Paper: "a4"}, []BatchJob{good, good, bad})
	if err == nil {
		t.Fatal("Create with a bad job succeeded")
	}
	var batches, jobs int
	d.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM batches").Scan(&batches)
	d.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs").Scan(&jobs)
	if batches != 0 || jobs != 0 {
		t.Errorf("after a failed Create: %d batches, %d jobs; want none", batches, jobs)
	}
	if _, _, err := d.Batches.Create(ctx, Batch{OwnerID: u.ID}, make([]BatchJob, MaxBatchJobs+1)); err == nil {
		t.Error("Create of more than MaxBatchJobs succeeded")
	}
}

// Release keeps at most perBatch jobs of each batch out of hold, batches in
// turn; the reconciler's Unfinished never sees a held job.
func TestBatchReleaseInterleaves(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	b1, js1 := mustBatch(t, d, u.ID, 5)
	b2, _ := mustBatch(t, d, u.ID, 5)
	un, err := d.Jobs.Unfinished(ctx, d.Now().Add(1e12), 100)
	if err != nil || len(un) != 0 {
		t.Fatalf("Unfinished sees %d held jobs (%v)", len(un), err)
	}
	got, err := d.Batches.Release(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, j := range got {
		order = append(order, j.BatchID)
		if j.Held || j.ReleasedAt.IsZero() {
			t.Errorf("released job %s: held %v, released at %v", j.ID, j.Held, j.ReleasedAt)
		}
	}
	if want := fmt.Sprint([]string{b1.ID, b2.ID, b1.ID, b2.ID}); fmt.Sprint(order) != want && fmt.Sprint(order) != fmt.Sprint([]string{b2.ID, b1.ID, b2.ID, b1.ID}) {
		t.Fatalf("released batches %v, want two of each in turn", order)
	}
	if again, _ := d.Batches.Release(ctx, 2); len(again) != 0 {
		t.Fatalf("a second pass released %d; each batch already has 2 on the queue", len(again))
	}
	if _, err := d.Jobs.Apply(ctx, js1[0].ID, jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1}, nil); err != nil {
		t.Fatal(err)
	}
	again, _ := d.Batches.Release(ctx, 2)
	if len(again) != 1 || again[0].BatchID != b1.ID {
		t.Fatalf("after one job of batch 1 ended, released %+v; want one job of batch 1", again)
	}
	if un, _ := d.Jobs.Unfinished(ctx, d.Now().Add(1e12), 100); len(un) != 4 {
		t.Errorf("Unfinished sees %d jobs; want the 4 released and unfinished", len(un))
	}
}

// Retention deletes a batch with its last job, not before.
func TestBatchGoesWithItsLastJob(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	b, js := mustBatch(t, d, u.ID, 2)
	if _, err := d.Jobs.Apply(ctx, js[0].ID, jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1}, nil); err != nil {
		t.Fatal(err)
	}
	later := d.Now().Add(time.Hour)
	if _, err := d.Jobs.DeleteOlderThan(ctx, later, 10); err != nil {
		t.Fatal(err)
	}
	if got, err := d.Batches.Get(ctx, AllOwners, b.ID); err != nil || got.Counts.Total() != 1 {
		t.Fatalf("after one job was purged: %+v, %v", got.Counts, err)
	}
	d.Batches.Cancel(ctx, AllOwners, b.ID)
	if _, err := d.Jobs.DeleteOlderThan(ctx, later, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Batches.Get(ctx, AllOwners, b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the batch outlived its jobs: %v", err)
	}
}

// A batch job recreated from its task keeps its batch if SQLite still has
// it, and stands alone otherwise; it is never held (its task exists).
func TestRestoreBatchJob(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	b, js := mustBatch(t, d, u.ID, 1)
	for _, tc := range []struct{ batchID, want string }{{b.ID, b.ID}, {"lost-batch", ""}} {
		j := js[0]
		j.ID, j.BatchID, j.Held = NewID(), tc.batchID, true
		if stored, err := d.Jobs.Restore(ctx, j, []byte(`{}`)); err != nil || !stored {
			t.Fatalf("restore with batch %q: %v, %v", tc.batchID, stored, err)
		}
		got, err := d.Jobs.Get(ctx, AllOwners, j.ID)
		if err != nil || got.BatchID != tc.want || got.Held {
			t.Errorf("restored with batch %q: batch %q held %v (%v); want batch %q, not held", tc.batchID, got.BatchID, got.Held, err, tc.want)
		}
	}
}
