package db

import (
	"context"
	"testing"

	"github.com/tailor-app/tailor/jobstate"
)

// Every way a job ends writes exactly one outbox row, in the same
// transaction; progress does not, and redelivered events add nothing.
func TestJobEndsRecordEachEndOnce(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	other := MustUser(t, d, "bob@example.com", RoleRecruiter)

	done, failed, canceled, running := newJob(t, d, u.ID), newJob(t, d, u.ID), newJob(t, d, u.ID), newJob(t, d, u.ID)
	apply := func(id string, ev jobstate.Event, r *Result) {
		t.Helper()
		if _, err := d.Jobs.Apply(ctx, id, ev, r); err != nil {
			t.Fatal(err)
		}
	}
	result := &Result{HTML: "<p>x</p>", Profile: []byte(`{}`)}
	apply(done.ID, jobstate.Event{Kind: jobstate.EventStarted, Attempt: 1}, nil)
	apply(done.ID, jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1}, result)
	apply(done.ID, jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1}, result) // redelivered
	apply(failed.ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 4, Change: jobstate.Change{Error: "boom"}}, nil)
	apply(running.ID, jobstate.Event{Kind: jobstate.EventProgress, Attempt: 1}, nil)
	if _, err := d.Jobs.Cancel(ctx, OwnedBy(other.ID), canceled.ID); err == nil {
		t.Fatal("another user canceled the job")
	}
	for range 2 {
		d.Jobs.Cancel(ctx, OwnedBy(u.ID), canceled.ID)
	}
	d.Jobs.Cancel(ctx, OwnedBy(u.ID), done.ID) // already ended: no second row

	ends, err := d.JobEnds.Pending(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range ends {
		if _, dup := got[e.JobID]; dup {
			t.Errorf("job %s ended twice", e.JobID)
		}
		got[e.JobID] = e.Status
		if e.OwnerID != u.ID || e.EndedAt.IsZero() {
			t.Errorf("end %+v: want owner %s and a time", e, u.ID)
		}
	}
	want := map[string]string{done.ID: "succeeded", failed.ID: "failed", canceled.ID: "canceled"}
	if len(got) != len(want) {
		t.Fatalf("ends = %v, want %v", got, want)
	}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("end of %s = %q, want %q", id, got[id], st)
		}
	}
	if err := d.JobEnds.MarkDispatched(ctx, done.ID); err != nil {
		t.Fatal(err)
	}
	if ends, _ := d.JobEnds.Pending(ctx, 100); len(ends) != 2 {
		t.Errorf("pending after one dispatch = %d, want 2", len(ends))
	}
}
