package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume/themes"
	"github.com/tailor-app/tailor/tasks"
)

// BatchRequest is what starts a batch, from the API, the web form or the
// CLI: one opening (or pasted description) for many candidates, or one
// candidate for many openings.
type BatchRequest struct {
	JobDescription string   `json:"job_description"`
	OpeningID      string   `json:"opening_id"`
	CandidateIDs   []string `json:"candidate_ids"`
	CandidateID    string   `json:"candidate_id"`
	OpeningIDs     []string `json:"opening_ids"`
	JobTitle       string   `json:"job_title"`
	Company        string   `json:"company"`
	Theme          string   `json:"theme"`
	Paper          string   `json:"paper"`
}

// Limits of a batch request.
const (
	maxBatchDescriptionBytes = 100 * 1024
	maxBatchShortChars       = 300
)

// BatchError is a request that cannot start a batch: Fields says why
// (422), or NotFound names a candidate or opening that is not the owner's
// (404).
type BatchError struct {
	NotFound string // "candidate" or "opening"
	Fields   map[string]string
}

func (e *BatchError) Error() string {
	if e.NotFound != "" {
		return e.NotFound + " not found"
	}
	var parts []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range e.Fields {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, k+" "+e.Fields[k])
	}
	return strings.Join(parts, "; ")
}

// validate trims the request, fills defaults and reports what is wrong.
func (r *BatchRequest) validate() error {
	r.OpeningID, r.CandidateID = strings.TrimSpace(r.OpeningID), strings.TrimSpace(r.CandidateID)
	r.JobTitle, r.Company = strings.TrimSpace(r.JobTitle), strings.TrimSpace(r.Company)
	r.Theme, r.Paper = strings.ToLower(strings.TrimSpace(r.Theme)), strings.ToLower(strings.TrimSpace(r.Paper))
	r.CandidateIDs, r.OpeningIDs = uniqueIDs(r.CandidateIDs), uniqueIDs(r.OpeningIDs)
	f := map[string]string{}
	manyCandidates := len(r.CandidateIDs) > 0 || r.OpeningID != "" || strings.TrimSpace(r.JobDescription) != ""
	manyOpenings := len(r.OpeningIDs) > 0 || r.CandidateID != ""
	switch {
	case manyCandidates && manyOpenings:
		f["candidate_ids"] = "and opening_ids cannot both be given: one opening for many candidates, or one candidate for many openings"
	case manyOpenings:
		if r.CandidateID == "" {
			f["candidate_id"] = "is required with opening_ids"
		}
		if len(r.OpeningIDs) == 0 {
			f["opening_ids"] = "must list at least one opening"
		}
		if len(r.OpeningIDs) > db.MaxBatchJobs {
			f["opening_ids"] = fmt.Sprintf("lists %d openings; a batch holds at most %d jobs", len(r.OpeningIDs), db.MaxBatchJobs)
		}
	default:
		if r.OpeningID == "" && strings.TrimSpace(r.JobDescription) == "" {
			f["job_description"] = "or opening_id is required"
		}
		if r.OpeningID != "" && strings.TrimSpace(r.JobDescription) != "" {
			f["job_description"] = "and opening_id cannot both be given"
		}
		if len(r.CandidateIDs) == 0 {
			f["candidate_ids"] = "must list at least one candidate"
		}
		if len(r.CandidateIDs) > db.MaxBatchJobs {
			f["candidate_ids"] = fmt.Sprintf("lists %d candidates; a batch holds at most %d jobs", len(r.CandidateIDs), db.MaxBatchJobs)
		}
	}
	if len(r.JobDescription) > maxBatchDescriptionBytes {
		f["job_description"] = fmt.Sprintf("is %d KB; the limit is 100 KB", len(r.JobDescription)/1024)
	}
	if utf8.RuneCountInString(r.JobTitle) > maxBatchShortChars {
		f["job_title"] = fmt.Sprintf("must be at most %d characters", maxBatchShortChars)
	}
	if utf8.RuneCountInString(r.Company) > maxBatchShortChars {
		f["company"] = fmt.Sprintf("must be at most %d characters", maxBatchShortChars)
	}
	if r.Theme == "" {
		r.Theme = themes.Default
	} else if !themes.Valid(r.Theme) {
		f["theme"] = "must be one of " + strings.Join(themes.Names(), ", ")
	}
	if r.Paper == "" {
		r.Paper = themes.DefaultPaper
	} else if !themes.ValidPaper(r.Paper) {
		f["paper"] = "must be one of " + strings.Join(themes.Papers(), ", ")
	}
	if len(f) > 0 {
		return &BatchError{Fields: f}
	}
	return nil
}

// uniqueIDs trims ids and drops blanks and repeats, keeping the order.
func uniqueIDs(ids []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// CreateBatch validates req, reads the owner's candidates and openings and
// stores the batch with all its jobs in one transaction. Nothing is
// enqueued here: the jobs are held, and the Feeder releases them.
func CreateBatch(ctx context.Context, d *db.DB, ownerID, model string, req BatchRequest) (db.Batch, error) {
	if err := req.validate(); err != nil {
		return db.Batch{}, err
	}
	owner := db.OwnedBy(ownerID)
	b := db.Batch{OwnerID: ownerID, Theme: req.Theme, Paper: req.Paper, JobTitle: req.JobTitle, Company: req.Company}
	var jobs []db.BatchJob
	add := func(c db.Candidate, title, company, description string) {
		j := db.Job{
			CandidateID: c.ID, CandidateVersion: c.Version, CandidateName: c.Name,
			JobTitle: title, Company: company, JobDescription: description,
			Theme: req.Theme, Paper: req.Paper, Queue: tasks.QueueBatch,
			InputsHash: tasks.InputsHash(c.Profile, description, model, req.Theme, req.Paper),
		}
		j.Model = model
		jobs = append(jobs, db.BatchJob{Job: j, Profile: c.Profile})
	}
	if req.CandidateID != "" {
		c, err := d.Candidates.Get(ctx, owner, req.CandidateID)
		if err != nil {
			return db.Batch{}, notFound(err, "candidate")
		}
		b.CandidateID = c.ID
		for _, id := range req.OpeningIDs {
			o, err := d.Openings.Get(ctx, owner, id)
			if err != nil {
				return db.Batch{}, notFound(err, "opening")
			}
			add(c, o.Title, o.Company, o.Description)
		}
	} else {
		desc := req.JobDescription
		if req.OpeningID != "" {
			o, err := d.Openings.Get(ctx, owner, req.OpeningID)
			if err != nil {
				return db.Batch{}, notFound(err, "opening")
			}
			b.OpeningID, desc = o.ID, o.Description
			if b.JobTitle == "" {
				b.JobTitle = o.Title
			}
			if b.Company == "" {
				b.Company = o.Company
			}
		}
		b.JobDescription = desc
		for _, id := range req.CandidateIDs {
			c, err := d.Candidates.Get(ctx, owner, id)
			if err != nil {
				return db.Batch{}, notFound(err, "candidate")
			}
			add(c, b.JobTitle, b.Company, desc)
		}
	}
	b, _, err := d.Batches.Create(ctx, b, jobs)
	return b, err
}

func notFound(err error, what string) error {
	if errors.Is(err, db.ErrNotFound) {
		return &BatchError{NotFound: what}
	}
	return err
}

// RetryFailed adds to the batch a new job for each failed job whose
// candidate still exists, with the candidate's current profile; they join
// the batch held, like its first jobs.
func RetryFailed(ctx context.Context, d *db.DB, owner db.Owner, batchID, model string) ([]db.Job, error) {
	ids, err := d.Batches.JobIDs(ctx, owner, batchID, "failed")
	if err != nil {
		return nil, err
	}
	return RetryInBatch(ctx, d, owner, batchID, ids, model)
}

// RetryInBatch adds to the batch a new job for each of the given jobs of
// it whose candidate still exists (the recruiter's Retry on one card of a
// batch lands here too, so the new job counts in the batch and its ZIP).
func RetryInBatch(ctx context.Context, d *db.DB, owner db.Owner, batchID string, ids []string, model string) ([]db.Job, error) {
	if _, err := d.Batches.Get(ctx, owner, batchID); err != nil {
		return nil, err
	}
	var todo []db.BatchJob
	for _, id := range ids {
		old, err := d.Jobs.Get(ctx, owner, id)
		if err != nil {
			return nil, err
		}
		if old.BatchID != batchID {
			return nil, fmt.Errorf("retry in batch %s: job %s is not one of its jobs: %w", batchID, id, db.ErrNotFound)
		}
		if old.CandidateID == "" {
			continue // the candidate was deleted
		}
		c, err := d.Candidates.Get(ctx, db.AllOwners, old.CandidateID)
		if errors.Is(err, db.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		j := db.Job{
			CandidateID: c.ID, CandidateVersion: c.Version, CandidateName: c.Name,
			JobTitle: old.JobTitle, Company: old.Company, JobDescription: old.JobDescription,
			Theme: old.Theme, Paper: old.Paper, Queue: old.Queue,
			InputsHash: tasks.InputsHash(c.Profile, old.JobDescription, model, old.Theme, old.Paper),
		}
		j.Model = model
		todo = append(todo, db.BatchJob{Job: j, Profile: c.Profile})
	}
	if len(todo) == 0 {
		return []db.Job{}, nil
	}
	return d.Batches.Retry(ctx, owner, batchID, todo)
}

// Enqueue is what the Feeder needs of the queue.
type Enqueue func(ctx context.Context, p tasks.GeneratePayload, queue string) error

// DefaultPerBatch is how many jobs of one batch the feeder keeps on the
// queue at most.
const DefaultPerBatch = 20

// Feeder moves held batch jobs to the queue, at most PerBatch of each batch
// at a time, batches in turn, so that one recruiter's thousand jobs do not
// starve another's batch: with every batch a few jobs deep in the FIFO
// batch queue, batches interleave. It runs in the process that writes
// SQLite, every Interval and whenever Kick is called (a job ended).
type Feeder struct {
	Batches  *db.Batches
	Jobs     *db.Jobs
	Enqueue  Enqueue
	Logger   *slog.Logger
	PerBatch int           // default DefaultPerBatch
	Interval time.Duration // default 500 ms

	kick chan struct{}
}

// Kick asks for a pass soon; it never blocks.
func (f *Feeder) Kick() {
	if f == nil || f.kick == nil {
		return
	}
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// Init prepares Kick; Run calls it too.
func (f *Feeder) Init() {
	if f.kick == nil {
		f.kick = make(chan struct{}, 1)
	}
}

// Run feeds until ctx is done.
func (f *Feeder) Run(ctx context.Context) error {
	f.Init()
	interval := f.Interval
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		last := time.Now()
		if _, err := f.Once(ctx); err != nil && ctx.Err() == nil {
			f.Logger.Warn("batch feeder", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-f.kick:
		}
		// Kicks come with every job that ends (25 a second in a drain): a
		// pass at most every kickGap releases several at once, and a
		// batch's PerBatch jobs on the queue last far longer than that.
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(kickGap - time.Since(last)):
		}
	}
}

// kickGap is the least time between two feeder passes.
const kickGap = 100 * time.Millisecond

// Once releases what fits and enqueues it; it returns how many it released.
// An enqueue that fails leaves a released queued job: the reconciler
// enqueues it on its queue later.
func (f *Feeder) Once(ctx context.Context) (int, error) {
	per := f.PerBatch
	if per <= 0 {
		per = DefaultPerBatch
	}
	jobs, err := f.Batches.Release(ctx, per)
	if err != nil {
		return 0, err
	}
	for _, j := range jobs {
		profile, err := f.Jobs.Profile(ctx, j.ID)
		if err != nil {
			return 0, err
		}
		p := PayloadFor(j, profile)
		if err := f.Enqueue(ctx, p, j.Queue); err != nil {
			f.Logger.Warn("enqueue failed; the reconciler will retry", "job_id", j.ID, "err", err)
		}
	}
	return len(jobs), nil
}
