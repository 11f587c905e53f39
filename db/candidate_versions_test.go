package db

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tailor-app/tailor/jobstate"
)

func TestVersionsPagesSucceededJobsOfOneCandidate(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	bob := MustUser(t, d, "bob@example.com", RoleRecruiter)
	cand, err := d.Candidates.Create(ctx, ann.ID, "Jane Doe", []byte(`{"basics":{"name":"Jane Doe"}}`))
	if err != nil {
		t.Fatal(err)
	}
	other, err := d.Candidates.Create(ctx, ann.ID, "John Roe", []byte(`{"basics":{"name":"John Roe"}}`))
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { clock = clock.Add(time.Minute); return clock }
	create := func(candidateID string, kind string) Job {
		t.Helper()
		j, err := d.Jobs.Create(ctx, Job{OwnerID: ann.ID, CandidateID: candidateID, CandidateVersion: 1, CandidateName: "Jane Doe",
			JobDescription: "Go engineer", Theme: "classic", Paper: "a4", Queue: "interactive", InputsHash: "h"}, []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		if kind != "" {
			var res *Result
			if kind == jobstate.EventSucceeded {
				res = &Result{PDF: []byte("%PDF"), HTML: "<p>x</p>", Profile: []byte(`{}`)}
			}
			if _, err := d.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: kind, Attempt: 1, Change: jobstate.Change{Stage: "done"}}, res); err != nil {
				t.Fatal(err)
			}
		}
		return j
	}
	var want []string // newest first
	for i := range 12 {
		want = slices.Insert(want, 0, create(cand.ID, jobstate.EventSucceeded).ID)
		if i == 5 {
			create(cand.ID, jobstate.EventFailed)
			create(cand.ID, "") // still queued
			create(other.ID, jobstate.EventSucceeded)
		}
	}
	ids := func(owner Owner, limit, offset int) []string {
		t.Helper()
		jobs, err := d.Jobs.Versions(ctx, owner, cand.ID, limit, offset)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, j := range jobs {
			out = append(out, j.ID)
		}
		return out
	}
	tests := []struct {
		name          string
		owner         Owner
		limit, offset int
		want          []string
	}{
		{"first page", OwnedBy(ann.ID), 10, 0, want[:10]},
		{"second page", OwnedBy(ann.ID), 10, 10, want[10:]},
		{"past the end", OwnedBy(ann.ID), 10, 20, []string{}},
		{"admin", AllOwners, 50, 0, want},
		{"another user", OwnedBy(bob.ID), 10, 0, []string{}},
		{"nobody", Owner{}, 10, 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(tt.owner, tt.limit, tt.offset); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
