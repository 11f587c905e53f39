package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/tailor-app/tailor/db"
)

// SearchIndexer writes the My jobs search words of new jobs every Interval
// in the web process (db.Jobs.IndexSearch). A search indexes what is
// pending anyway; this bounds what it finds pending to a few seconds of new
// jobs, whatever the burst.
type SearchIndexer struct {
	Jobs     *db.Jobs
	Interval time.Duration // default 5 s
	Logger   *slog.Logger
}

// Run indexes every Interval until ctx is done.
func (x *SearchIndexer) Run(ctx context.Context) error {
	interval := x.Interval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, err := x.Jobs.IndexSearch(ctx); err != nil && ctx.Err() == nil {
			x.Logger.Warn("index the job search", "err", err)
		}
	}
}
