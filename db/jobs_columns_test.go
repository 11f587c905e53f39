package db

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/tailor-app/tailor/jobstate"
)

// fill sets every field of the struct v points to a distinct non-zero
// value, so that a field the store forgets reads back as zero.
func fill(tb testing.TB, v any) {
	tb.Helper()
	s := reflect.ValueOf(v).Elem()
	for i := range s.NumField() {
		f, n := s.Field(i), i+1
		switch f.Kind() {
		case reflect.String:
			f.SetString(s.Type().Field(i).Name + "-value")
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(n))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Pointer:
			f.Set(reflect.ValueOf(&n))
		default:
			tb.Fatalf("fill: no value for %s of kind %s", s.Type().Field(i).Name, f.Kind())
		}
	}
}

// Every field of a job goes in and comes out through the one column list:
// the inputs through Create and Get, the change set through Apply. A field
// added to Job or jobstate.Change without its column fails here.
func TestJobFieldsRoundTrip(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	cand, err := d.Candidates.Create(ctx, u.ID, "Jane Doe", []byte(`{"basics":{"name":"Jane Doe"}}`))
	if err != nil {
		t.Fatal(err)
	}

	// The inputs: every field Create stores as given.
	var in Job
	type inputs struct {
		ID, OwnerID, CandidateID                                       string
		CandidateVersion                                               int
		CandidateName, JobTitle, Company, JobDescription, Theme, Paper string
		Queue, InputsHash, Model, PromptVersion                        string
	}
	var want inputs
	fill(t, &want)
	want.OwnerID, want.CandidateID = u.ID, cand.ID
	in.ID, in.OwnerID, in.CandidateID, in.CandidateVersion = want.ID, want.OwnerID, want.CandidateID, want.CandidateVersion
	in.CandidateName, in.JobTitle, in.Company, in.JobDescription = want.CandidateName, want.JobTitle, want.Company, want.JobDescription
	in.Theme, in.Paper, in.Queue, in.InputsHash = want.Theme, want.Paper, want.Queue, want.InputsHash
	in.Model, in.PromptVersion = want.Model, want.PromptVersion
	in.Attempts, in.Error, in.Version = 7, "ignored: a new job has no error", 9 // state Create resets

	d.Now = func() time.Time { return time.Date(2026, 3, 4, 5, 0, 0, 123e6, time.UTC) } // stored to the millisecond
	created, err := d.Jobs.Create(ctx, in, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Jobs.Get(ctx, AllOwners, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, created) {
		t.Errorf("Get returned\n%+v\nCreate returned\n%+v", got, created)
	}
	gotIn := inputs{got.ID, got.OwnerID, got.CandidateID, got.CandidateVersion, got.CandidateName, got.JobTitle,
		got.Company, got.JobDescription, got.Theme, got.Paper, got.Queue, got.InputsHash, got.Model, got.PromptVersion}
	if gotIn != want {
		t.Errorf("inputs read back as\n%+v\nwant\n%+v", gotIn, want)
	}
	if got.Status != jobstate.StatusQueued || got.Attempts != 0 || got.Error != "" || got.Version != 1 ||
		got.CreatedAt.IsZero() || !got.StartedAt.IsZero() || !got.FinishedAt.IsZero() {
		t.Errorf("new job state: %+v", got)
	}

	// The change set: every field a final event carries is stored.
	var change jobstate.Change
	fill(t, &change)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	ev := jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1, At: at, Change: change}
	if applied, err := d.Jobs.Apply(ctx, got.ID, ev, &Result{HTML: "<p>", Profile: []byte(`{}`), PDF: []byte("%PDF")}); err != nil || !applied {
		t.Fatalf("apply: %v, %v", applied, err)
	}
	got, err = d.Jobs.Get(ctx, AllOwners, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	change.Progress = jobstate.ProgressDone // a succeeded job is done, whatever the event said
	if !reflect.DeepEqual(got.Change, change) {
		t.Errorf("change read back as\n%+v\nwant\n%+v", got.Change, change)
	}
	if got.Status != jobstate.StatusSucceeded || got.Attempts != 1 || got.Version != 2 || !got.HasPDF ||
		!got.StartedAt.Equal(at) || !got.FinishedAt.Equal(at) || !got.UpdatedAt.Equal(at) {
		t.Errorf("succeeded job state: %+v", got)
	}
}

// An event merges into the row: a retry writes only where the job is, why
// the attempt failed (kept while the next attempt runs) and what it spent
// on the LLM (once, however often it is delivered), a progress report only
// where the job is, and the final event the rest, an empty model or a
// missing match score keeping the value the row has; LLM use adds up.
func TestApplyMergesChanges(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	j := newJob(t, d, u.ID)
	j.ID, j.Model = "", "gpt-x"
	j, err := d.Jobs.Create(ctx, j, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	retry := jobstate.Event{Kind: jobstate.EventRetry, Attempt: 1,
		Change: jobstate.Change{Stage: "waiting to retry", Progress: 40, Error: "LLM 502", LLMCalls: 1, TokensIn: 100}}
	for range 2 { // delivered twice
		if _, err := d.Jobs.Apply(ctx, j.ID, retry, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: jobstate.EventStarted, Attempt: 2,
		Change: jobstate.Change{Stage: "tailoring", Progress: 10, Model: "ignored", Cached: true}}, nil); err != nil {
		t.Fatal(err)
	}
	running, _ := d.Jobs.Get(ctx, AllOwners, j.ID)
	if running.Stage != "tailoring" || running.Progress != 10 || running.Error != "LLM 502" || running.Model != "gpt-x" || running.Cached {
		t.Errorf("running after a retry: stage %q progress %d error %q model %q cached %v; want the retry's error kept and nothing else",
			running.Stage, running.Progress, running.Error, running.Model, running.Cached)
	}
	if running.StartedAt.IsZero() {
		t.Error("a started event did not set started_at")
	}
	before := 55
	if _, err := d.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 2,
		Change: jobstate.Change{Stage: "failed", Progress: 80, Error: "LLM 401", MatchBefore: &before, LLMCalls: 1, TokensIn: 50}}, nil); err != nil {
		t.Fatal(err)
	}
	failed, _ := d.Jobs.Get(ctx, AllOwners, j.ID)
	if failed.Progress != 0 || failed.Error != "LLM 401" || failed.MatchBefore == nil || *failed.MatchBefore != 55 ||
		failed.MatchAfter != nil || failed.LLMCalls != 2 || failed.TokensIn != 150 || failed.Model != "gpt-x" {
		t.Errorf("failed: progress %d error %q match %v/%v calls %d tokens %d model %q; want 0, LLM 401, 55/nil, 2, 150, gpt-x",
			failed.Progress, failed.Error, failed.MatchBefore, failed.MatchAfter, failed.LLMCalls, failed.TokensIn, failed.Model)
	}
}
