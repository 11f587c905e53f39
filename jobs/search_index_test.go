package jobs

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/db/dbtest"
)

// TestSearchIndexerIndexesNewJobs: new jobs' search words are written by
// the indexer's next pass, without a search.
func TestSearchIndexerIndexesNewJobs(t *testing.T) {
	d := dbtest.MustOpen(t)
	u := dbtest.MustUser(t, d, "ann@example.com", db.RoleRecruiter)
	for range 3 {
		dbtest.MustJob(t, d, u.ID)
	}
	if n, err := d.Jobs.SearchPending(context.Background()); err != nil || n != 3 {
		t.Fatalf("SearchPending = %d, %v; want the 3 new jobs", n, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&SearchIndexer{Jobs: d.Jobs, Interval: 10 * time.Millisecond, Logger: slog.Default()}).Run(ctx)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := d.Jobs.SearchPending(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs still pending: the indexer did not index them", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	jobs, err := d.Jobs.List(context.Background(), db.JobFilter{Owner: db.OwnedBy(u.ID), Query: "jane"})
	if err != nil || len(jobs) != 3 {
		t.Errorf("search after the indexer: %d jobs, %v; want 3", len(jobs), err)
	}
}
