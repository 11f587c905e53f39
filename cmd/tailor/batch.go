package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobs"
)

const batchUsage = "usage: tailor batch --email E --opening ID --candidates FILE|all [--theme T] [--paper P]"

// batchCommand starts a batch for one opening and the candidates listed in
// a file (one id a line) or all of the user's, then prints the counts every
// second until every job has ended. The running server's feeder queues the
// jobs; the command only writes the rows and reads them. It fails (exit 1)
// when any job did not succeed.
func batchCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the recruiter the batch belongs to")
	opening := fs.String("opening", "", "the opening's id")
	candidates := fs.String("candidates", "", "a file with one candidate id a line, or all")
	theme := fs.String("theme", "", "resume theme (default classic)")
	paper := fs.String("paper", "", "paper size: a4 or letter (default a4)")
	every := fs.Duration("every", time.Second, "how often to print the counts")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *email == "" || *opening == "" || *candidates == "" {
		fmt.Fprintln(stderr, batchUsage)
		return errUsage
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	d, err := openDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := d.Users.ByEmail(ctx, *email)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("no user with email %s (create one with: tailor user add)", *email)
	}
	if err != nil {
		return err
	}
	ids, err := candidateIDs(ctx, d, u.ID, *candidates)
	if err != nil {
		return err
	}
	b, err := jobs.CreateBatch(ctx, d, u.ID, newTailorer(cfg).Model(), jobs.BatchRequest{
		OpeningID: *opening, CandidateIDs: ids, Theme: *theme, Paper: *paper})
	var be *jobs.BatchError
	if errors.As(err, &be) {
		return fmt.Errorf("cannot start the batch: %s", be.Error())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "batch %s: %d jobs (the server queues them; follow it at /batches/%s)\n", b.ID, b.Counts.Total(), b.ID)
	t := time.NewTicker(*every)
	defer t.Stop()
	for {
		b, err = d.Batches.Get(ctx, db.OwnedBy(u.ID), b.ID)
		if err != nil {
			return err
		}
		c := b.Counts
		fmt.Fprintf(stdout, "%d/%d ended: %d queued, %d running, %d succeeded, %d failed, %d canceled\n",
			c.Ended(), c.Total(), c.Queued, c.Running, c.Succeeded, c.Failed, c.Canceled)
		if c.Done() {
			if c.Succeeded == c.Total() {
				return nil
			}
			return fmt.Errorf("batch %s: %d of %d did not succeed", b.ID, c.Total()-c.Succeeded, c.Total())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped watching; batch %s goes on", b.ID)
		case <-t.C:
		}
	}
}

// candidateIDs reads one id a line from file (blank lines and # comments
// skipped), or lists all of the owner's candidates for "all".
func candidateIDs(ctx context.Context, d *db.DB, ownerID, file string) ([]string, error) {
	var ids []string
	if file == "all" {
		for offset := 0; len(ids) <= db.MaxBatchJobs; offset += 500 {
			cs, err := d.Candidates.List(ctx, db.CandidateFilter{Owner: db.OwnedBy(ownerID), Limit: 500, Offset: offset})
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			if len(cs) < 500 {
				break
			}
		}
		return ids, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("--candidates: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			ids = append(ids, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--candidates: %w", err)
	}
	return ids, nil
}
