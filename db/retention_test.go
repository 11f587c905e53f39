package db

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tailor-app/tailor/jobstate"
)

func TestJobsDeleteOlderThanDeletesExactlyTheOldFinishedJobs(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	cutoff := now.Add(-30 * 24 * time.Hour)

	// create makes a job created at, and finished as, status.
	create := func(at time.Time, status string) string {
		t.Helper()
		d.Now = func() time.Time { return at }
		j := newJob(t, d, u.ID)
		var err error
		switch status {
		case jobstate.StatusSucceeded:
			_, err = d.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1, At: at},
				&Result{PDF: []byte("%PDF-1.7"), HTML: "<p>x</p>", Profile: []byte(`{}`)})
		case jobstate.StatusFailed:
			_, err = d.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 1, At: at, Change: jobstate.Change{Error: "boom"}}, nil)
		case jobstate.StatusCanceled:
			_, err = d.Jobs.Cancel(ctx, OwnedBy(u.ID), j.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		return j.ID
	}
	var old, kept []string
	for i := range 5 {
		old = append(old, create(cutoff.Add(-time.Duration(i+1)*24*time.Hour), jobstate.StatusSucceeded))
	}
	old = append(old, create(cutoff.Add(-time.Millisecond), jobstate.StatusFailed))
	old = append(old, create(cutoff.Add(-time.Hour), jobstate.StatusCanceled))
	kept = append(kept, create(cutoff.Add(-48*time.Hour), jobstate.StatusQueued)) // unfinished: the reconciler ends it first
	kept = append(kept, create(cutoff, jobstate.StatusSucceeded))                 // not older than the cutoff
	kept = append(kept, create(now.Add(-time.Hour), jobstate.StatusSucceeded))
	kept = append(kept, create(now.Add(-time.Minute), jobstate.StatusFailed))
	d.Now = func() time.Time { return now }

	n, err := d.Jobs.DeleteOlderThan(ctx, cutoff, 2) // several batches
	if err != nil {
		t.Fatal(err)
	}
	if n != len(old) {
		t.Errorf("deleted %d jobs, want %d", n, len(old))
	}
	var left []string
	rows, err := d.read.QueryContext(ctx, "SELECT id FROM jobs")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		left = append(left, id)
	}
	rows.Close()
	slices.Sort(left)
	slices.Sort(kept)
	if !slices.Equal(left, kept) {
		t.Errorf("jobs left = %v, want %v", left, kept)
	}
	// Results went with their jobs; the kept jobs keep theirs.
	var results, orphans int
	d.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM results").Scan(&results)
	d.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM results WHERE job_id NOT IN (SELECT id FROM jobs)").Scan(&orphans)
	if results != 2 || orphans != 0 {
		t.Errorf("results = %d (orphans %d), want the 2 of the kept jobs", results, orphans)
	}
	if n, err := d.Jobs.DeleteOlderThan(ctx, cutoff, 2); n != 0 || err != nil {
		t.Errorf("second pass deleted %d (%v), want 0", n, err)
	}
}

func TestJobsDeleteOlderThanWhileOthersWrite(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	now := time.Now()
	d.Now = func() time.Time { return now.Add(-400 * 24 * time.Hour) }
	for range 300 {
		j := newJob(t, d, u.ID)
		if _, err := d.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 1, Change: jobstate.Change{Error: "x"}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	d.Now = time.Now
	live := newJob(t, d, u.ID)

	done := make(chan int)
	go func() {
		n, err := d.Jobs.DeleteOlderThan(ctx, now.Add(-24*time.Hour), 10)
		if err != nil {
			t.Error(err)
		}
		done <- n
	}()
	// Writes during the purge queue for the writer between batches, never fail.
	for i := range 20 {
		if _, err := d.Jobs.Apply(ctx, live.ID, jobstate.Event{Kind: jobstate.EventProgress, Attempt: 1, At: time.Now(), Change: jobstate.Change{Progress: i}}, nil); err != nil {
			t.Fatalf("write during purge: %v", err)
		}
	}
	if n := <-done; n != 300 {
		t.Errorf("deleted %d, want 300", n)
	}
	if _, err := d.Jobs.Get(ctx, AllOwners, live.ID); err != nil {
		t.Errorf("the live job: %v", err)
	}
}

func TestDBSizeCountsPagesAndWAL(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	before, err := d.Size(ctx)
	if err != nil || before <= 0 {
		t.Fatalf("Size = %d, %v", before, err)
	}
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	for range 50 {
		newJob(t, d, u.ID)
	}
	after, err := d.Size(ctx)
	if err != nil || after <= before {
		t.Errorf("Size after 50 jobs = %d (%v), want more than %d", after, err, before)
	}
}
