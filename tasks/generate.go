package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/resume/themes"
)

// Stages in words, as recruiters see them.
const (
	StageQueued     = "waiting in queue"
	StageTailoring  = "tailoring"
	StageChecking   = "checking facts"
	StagePrinting   = "printing PDF"
	StageRetrying   = "waiting to retry"
	StageWaitingLLM = "waiting for the AI service"
	StageDone       = "done"
	StageFailed     = "failed"
)

// Progress, in percent, as a job enters each stage; a succeeded job is at
// jobstate.ProgressDone.
const (
	progressWaitingLLM = 5
	progressTailoring  = 10
	progressChecking   = 60
	progressPrinting   = 75
)

// Renderer prints HTML to PDF; *pdf.Pool is the real one.
type Renderer interface {
	Render(ctx context.Context, html string, paper pdf.Paper) ([]byte, error)
}

var _ Renderer = (*pdf.Pool)(nil)

// Generator runs the generate pipeline. It needs Redis, the LLM and Chrome,
// never the SQLite file, so it can run on any machine.
type Generator struct {
	Tailorer llm.Tailorer
	Renderer Renderer
	Events   *Publisher
	Cache    *Cache
	Limiter  *Limiter // nil: no global LLM rate limit
	Redis    redis.UniversalClient
	Logger   *slog.Logger
	Now      func() time.Time
	Metrics  *Metrics // nil: no metrics
}

// ProcessTask implements asynq.Handler.
func (g *Generator) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p GeneratePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.JobID == "" {
		return fmt.Errorf("decode %s payload: %v: %w", t.Type(), err, asynq.SkipRetry)
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, ok := asynq.GetMaxRetry(ctx)
	if !ok {
		maxRetry = MaxRetry
	}
	// A job the reconciler enqueued again continues its attempt count: an
	// event numbered below the job's attempts is dropped as stale.
	attempt := p.PriorAttempts + retried + 1
	log := g.Logger.With("job_id", p.JobID, "attempt", attempt)

	// One round trip for both markers: canceled, or already finished (a
	// retry after a crash between the final event and the ack).
	pipe := g.Redis.Pipeline()
	canceled, finished := pipe.Exists(ctx, cancelKey(p.JobID)), pipe.Exists(ctx, FinalKey(p.JobID))
	pipe.Exec(ctx) // a Redis error shows as 0 below: run the job
	switch {
	case canceled.Val() > 0:
		log.Info("job canceled before it started", "stage", StageQueued)
		return nil
	case finished.Val() > 0:
		log.Info("job already finished; nothing to do", "stage", StageDone)
		return nil
	}
	phase := StageQueued // where the attempt is, for the log lines
	// What this attempt spent on the LLM: published with its outcome, failed
	// or not, since every call was paid for (issue 15, item 13).
	var spent jobstate.Change
	err := g.run(ctx, p, attempt, log, &phase, &spent)
	if err == nil {
		return nil
	}
	// A canceled job stops quietly: no result, no retry.
	if g.isCanceled(context.WithoutCancel(ctx), p.JobID) {
		log.Info("job canceled while running", "stage", phase)
		return nil
	}
	var rl *rateLimited
	if errors.As(err, &rl) {
		log.Info("waiting for LLM capacity", "stage", StageWaitingLLM, "retry_in", rl.after.String())
		return err // comes back after the wait without spending an attempt
	}
	final := retried >= maxRetry || errors.Is(err, asynq.SkipRetry)
	msg := userMessage(err)
	kind, stage := jobstate.EventRetry, retryStage(phase, retried+2, maxRetry+1, RetryDelay(retried, err, t))
	if final {
		kind, stage = jobstate.EventFailed, StageFailed
	}
	log.Warn("attempt failed", "stage", phase, "err", err, "final", final)
	var partial *failedWithResult
	var result *ResultData
	if errors.As(err, &partial) {
		result = partial.result
	}
	pubErr := g.Events.Publish(context.WithoutCancel(ctx),
		g.event(p.JobID, kind, attempt, jobstate.Change{Stage: stage, Error: msg,
			LLMCalls: spent.LLMCalls, TokensIn: spent.TokensIn, TokensOut: spent.TokensOut, RateWaitMS: spent.RateWaitMS}), result)
	if pubErr != nil {
		return fmt.Errorf("%v; and publish failure: %w", err, pubErr)
	}
	if final {
		g.markFinal(ctx, p.JobID)
	}
	if final && !errors.Is(err, asynq.SkipRetry) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}

func (g *Generator) run(ctx context.Context, p GeneratePayload, attempt int, log *slog.Logger, phase *string, spent *jobstate.Change) error {
	started := g.now()
	var waitMS int64
	if !p.EnqueuedAt.IsZero() {
		waitMS = max(started.Sub(p.EnqueuedAt).Milliseconds(), 0)
	}
	source, err := resume.Parse(p.Profile)
	if err != nil {
		return fmt.Errorf("candidate profile is invalid: %v: %w", err, asynq.SkipRetry)
	}
	*phase = StageTailoring
	if err := g.progress(ctx, p.JobID, jobstate.EventStarted, attempt, StageTailoring, progressTailoring); err != nil {
		return err
	}
	before := resume.MatchScore(source, p.JobDescription)
	model := g.Tailorer.Model()
	tkey := TailoringKey(p.Profile, p.JobDescription, model, promptVersion(model))
	pkey := PrintKey(tkey, p.Theme, p.Paper, p.Fit)

	// Level 1: the tailoring (the expensive LLM call and the fact check).
	t0 := g.now()
	tailoring, cached := g.Cache.GetTailoring(ctx, tkey)
	var tailorMS, verifyMS, rateWaitMS int64
	if !cached {
		*phase = StageWaitingLLM
		if err := g.waitForLLM(ctx, p.JobID, attempt, model); err != nil {
			return err
		}
		*phase = StageTailoring
		rateWaitMS = g.now().Sub(t0).Milliseconds()
		spent.RateWaitMS = rateWaitMS
		out, err := g.Tailorer.Tailor(ctx, llm.Request{
			Profile: source, JobDescription: p.JobDescription, JobTitle: p.JobTitle, Company: p.Company,
		})
		if model != llm.OfflineModel {
			g.Metrics.llmCall(err, out.TokensIn, out.TokensOut)
			spent.LLMCalls, spent.TokensIn, spent.TokensOut = 1, out.TokensIn, out.TokensOut
		}
		if err != nil {
			return g.classifyLLM(ctx, err)
		}
		tailorMS = g.now().Sub(t0).Milliseconds() - rateWaitMS
		*phase = StageChecking
		if err := g.progress(ctx, p.JobID, jobstate.EventProgress, attempt, StageChecking, progressChecking); err != nil {
			return err
		}
		t1 := g.now()
		// An LLM is asked to say which profile highlight each of its
		// highlights rewrites; the offline tailor only reorders.
		checked, report := resume.VerifyWith(source, out.Profile, resume.VerifyOptions{RequireSources: model != llm.OfflineModel})
		verifyMS = g.now().Sub(t1).Milliseconds()
		if !report.OK {
			log.Info("fact check corrected the tailoring", "stage", StageChecking, "violations", len(report.Violations))
		}
		tailoring = Tailoring{Profile: checked, Report: report, Model: out.Model, PromptVersion: out.PromptVersion}
		if err := g.Cache.PutTailoring(ctx, tkey, tailoring); err != nil {
			log.Warn("cache tailoring", "stage", StageChecking, "err", err)
		}
	}

	// Level 2: the printed PDF, reused when only the job is new.
	t2 := g.now()
	profileJSON, err := json.Marshal(tailoring.Profile)
	if err != nil {
		return fmt.Errorf("encode tailored profile: %w", err)
	}
	printed, printCached := Print{}, false
	if cached {
		printed, printCached = g.Cache.GetPrint(ctx, pkey)
	}
	if !printCached {
		*phase = StagePrinting
		if err := g.progress(ctx, p.JobID, jobstate.EventProgress, attempt, StagePrinting, progressPrinting); err != nil {
			return err
		}
		html, err := themes.Document{Theme: p.Theme, Paper: p.Paper, Fit: p.Fit}.Render(ctx, tailoring.Profile)
		if err != nil {
			return fmt.Errorf("render theme %q: %v: %w", p.Theme, err, asynq.SkipRetry)
		}
		pdfBytes, err := g.Renderer.Render(ctx, html, pdf.Paper(p.Paper))
		if errors.Is(err, pdf.ErrUnavailable) {
			// Keep what we have: the recruiter can still read the HTML.
			return &failedWithResult{
				err:    fmt.Errorf("%w: %w", err, asynq.SkipRetry),
				result: &ResultData{HTML: html, Profile: profileJSON},
			}
		}
		if err != nil {
			return fmt.Errorf("print PDF: %w", err)
		}
		printed = Print{PDF: pdfBytes, HTML: html}
		if err := g.Cache.PutPrint(ctx, pkey, printed); err != nil {
			log.Warn("cache PDF", "stage", StagePrinting, "err", err)
		}
	}
	renderMS := g.now().Sub(t2).Milliseconds()

	after := resume.MatchScore(tailoring.Profile, p.JobDescription)
	verification, _ := json.Marshal(tailoring.Report)
	changes, _ := json.Marshal(tailoring.Report.Changes)
	mb, ma := before.Score, after.Score
	err = g.Events.Publish(ctx, g.event(p.JobID, jobstate.EventSucceeded, attempt, jobstate.Change{
		Stage: StageDone, Progress: jobstate.ProgressDone,
		Cached: cached, Model: tailoring.Model, PromptVersion: tailoring.PromptVersion,
		MatchBefore: &mb, MatchAfter: &ma,
		Verification: string(verification), Changes: string(changes),
		WaitMS: waitMS, TailorMS: tailorMS, VerifyMS: verifyMS, RenderMS: renderMS,
		LLMCalls: spent.LLMCalls, TokensIn: spent.TokensIn, TokensOut: spent.TokensOut, RateWaitMS: rateWaitMS,
	}), &ResultData{PDF: printed.PDF, HTML: printed.HTML, Profile: profileJSON})
	if err != nil {
		return err
	}
	g.markFinal(ctx, p.JobID)
	return nil
}

// maxInTaskWait is the longest a task sleeps for LLM capacity while holding
// its worker slot; longer waits put the task back in the queue.
const maxInTaskWait = 10 * time.Second

// waitForLLM blocks until the global rate limit allows one LLM call.
func (g *Generator) waitForLLM(ctx context.Context, jobID string, attempt int, model string) error {
	if g.Limiter == nil || model == llm.OfflineModel {
		return nil
	}
	announced := false
	for {
		wait, err := g.Limiter.Take(ctx)
		if err != nil {
			return err
		}
		if wait == 0 {
			if announced {
				return g.progress(ctx, jobID, jobstate.EventProgress, attempt, StageTailoring, progressTailoring)
			}
			return nil
		}
		g.Metrics.rateLimitWait(wait)
		if !announced {
			if err := g.progress(ctx, jobID, jobstate.EventProgress, attempt, StageWaitingLLM, progressWaitingLLM); err != nil {
				return err
			}
			announced = true
		}
		if wait > maxInTaskWait {
			return &rateLimited{after: wait, err: errors.New("the global LLM rate limit is reached")}
		}
		// A little jitter so waiting workers do not all ask at once.
		jitter := time.Duration(time.Now().UnixNano() % int64(50*time.Millisecond))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait + jitter):
		}
	}
}

// promptVersion is part of the tailoring cache key.
func promptVersion(model string) string {
	if model == llm.OfflineModel {
		return "offline-1"
	}
	return llm.PromptVersion
}

// FinalKey marks a job whose final event is published, so that a retry of
// its task (after a crash between publish and ack) does no work twice.
func FinalKey(jobID string) string { return "tailor:final:" + jobID }

func (g *Generator) markFinal(ctx context.Context, jobID string) {
	g.Redis.Set(context.WithoutCancel(ctx), FinalKey(jobID), "1", jobMemory)
}

func (g *Generator) progress(ctx context.Context, jobID, kind string, attempt int, stage string, pct int) error {
	return g.Events.Publish(ctx, g.event(jobID, kind, attempt, jobstate.Change{Stage: stage, Progress: pct}), nil)
}

// event is a report on the job's attempt, made now.
func (g *Generator) event(jobID, kind string, attempt int, c jobstate.Change) Event {
	return Event{JobID: jobID, Event: jobstate.Event{Kind: kind, Attempt: attempt, At: g.now(), Change: c}}
}

func (g *Generator) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// cancelKey marks a job canceled for workers on any machine.
func cancelKey(jobID string) string { return "tailor:cancel:" + jobID }

func (g *Generator) isCanceled(ctx context.Context, jobID string) bool {
	n, err := g.Redis.Exists(ctx, cancelKey(jobID)).Result()
	return err == nil && n > 0
}

// failedWithResult is a final failure that still has something to keep.
type failedWithResult struct {
	err    error
	result *ResultData
}

func (e *failedWithResult) Error() string { return e.err.Error() }
func (e *failedWithResult) Unwrap() error { return e.err }

// rateLimited asks asynq to run the task again after a delay without
// counting an attempt (see IsFailure and RetryDelay).
type rateLimited struct {
	after time.Duration
	err   error
}

func (e *rateLimited) Error() string {
	return fmt.Sprintf("waiting %s for LLM capacity: %v", e.after.Round(time.Second), e.err)
}
func (e *rateLimited) Unwrap() error { return e.err }

func (g *Generator) classifyLLM(ctx context.Context, err error) error {
	switch llm.ClassOf(err) {
	case llm.ClassPermanent:
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	case llm.ClassRateLimited:
		var le *llm.Error
		after := 10 * time.Second
		if errors.As(err, &le) && le.RetryAfter > 0 {
			after = le.RetryAfter
		}
		if g.Limiter != nil {
			// The provider is saturated for every worker, not just this one.
			g.Limiter.Hold(context.WithoutCancel(ctx), after)
		}
		return &rateLimited{after: after, err: err}
	default:
		return err
	}
}

// IsFailure tells asynq which errors spend an attempt.
func IsFailure(err error) bool {
	var rl *rateLimited
	return err != nil && !errors.As(err, &rl)
}

// RetryDelay is asynq's RetryDelayFunc: rate-limit waits last as long as
// the provider asked; other retries back off exponentially with jitter,
// starting fast (asynq's default starts at 15 s, too slow for a recruiter).
func RetryDelay(n int, err error, t *asynq.Task) time.Duration {
	var rl *rateLimited
	if errors.As(err, &rl) {
		// asynq keeps retry times in whole seconds (it truncates): add one
		// so the task never comes back before the provider asked.
		return rl.after + time.Second
	}
	if errors.Is(err, asynq.ErrLeaseExpired) {
		return 0 // the worker died: run again at once, the recoverer was slow enough
	}
	base := time.Second << min(n, 6) // 1s, 2s, 4s ... 64s
	// The jitter comes from the task and the retry count, not the clock, so
	// the worker can tell the recruiter the delay asynq will use.
	h := fnv.New64a()
	if t != nil {
		h.Write(t.Payload())
	}
	h.Write([]byte{byte(n)})
	jitter := time.Duration(h.Sum64() % uint64(base/2+1))
	return base/2 + jitter
}

// retryStage is a retrying job's stage in words: why the attempt failed,
// when the next one runs and which it is, e.g. "AI service error, retrying in
// 4 s (attempt 2 of 4)". phase is where the attempt failed. asynq keeps
// retry times in whole seconds, so the delay is shown in whole seconds.
func retryStage(phase string, next, of int, in time.Duration) string {
	reason := "error"
	switch phase {
	case StageTailoring, StageWaitingLLM:
		reason = "AI service error"
	case StageChecking:
		reason = "fact check error"
	case StagePrinting:
		reason = "PDF printing error"
	}
	return fmt.Sprintf("%s, retrying in %d s (attempt %d of %d)", reason, max(int(in/time.Second), 1), next, of)
}

// IsRetrying reports whether a job's stage says it waits for its next attempt.
func IsRetrying(stage string) bool {
	return stage == StageRetrying || strings.Contains(stage, ", retrying in ")
}

// userMessage is the error text stored on the job: readable, without the
// asynq plumbing.
func userMessage(err error) string {
	msg := err.Error()
	msg = strings.TrimSuffix(msg, ": "+asynq.SkipRetry.Error())
	return msg
}

// InputsHash identifies a job's inputs: it is the job's address in the
// print cache, so an admin can tell which jobs shared a result.
func InputsHash(profile []byte, jobDescription, model, theme, paper string, fit bool) string {
	return PrintKey(TailoringKey(profile, jobDescription, model, promptVersion(model)), theme, paper, fit)
}
