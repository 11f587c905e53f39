package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// chrome is one warm pool shared by the package's tests (starting Chrome
// per test would dominate the run time).
var chrome *pdf.Pool

func TestMain(m *testing.M) {
	chrome = pdf.New(pdf.Options{Tabs: 2})
	code := m.Run()
	chrome.Close()
	os.Exit(code)
}

func testLogger(tb testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// pipeline is a worker, the events consumer and a database wired together
// on a real redis-server, as `tailor serve` wires them.
type pipeline struct {
	db       *db.DB
	rdb      *redis.Client
	redis    *taskstest.Redis
	enqueuer *tasks.Enqueuer
	insp     *asynq.Inspector
	owner    db.User
	server   *asynq.Server
}

type pipelineOptions struct {
	tailorer llm.Tailorer
	renderer tasks.Renderer
	noCache  bool
	limiter  func(rdb *redis.Client) *tasks.Limiter
	redis    *taskstest.Redis // shared with another pipeline (a second worker)
	// workerOnly runs no events consumer: a second worker machine.
	workerOnly bool
	metrics    *tasks.Metrics // nil: no metrics
}

func startPipeline(t testing.TB, o pipelineOptions) *pipeline {
	t.Helper()
	logger := testLogger(t)
	r := o.redis
	if r == nil {
		r = taskstest.StartRedis(t)
	}
	rdb := r.Client(t)
	d, err := db.Open(filepath.Join(t.TempDir(), "tailor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	owner, err := d.Users.Create(context.Background(), "ann@example.com", db.RoleRecruiter, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if o.renderer == nil {
		o.renderer = chrome
	}
	if o.tailorer == nil {
		o.tailorer = llm.NewOffline()
	}
	gen := &tasks.Generator{Tailorer: o.tailorer, Renderer: o.renderer, Events: tasks.NewPublisher(rdb), Redis: rdb, Logger: logger,
		Metrics: o.metrics}
	if !o.noCache {
		gen.Cache = tasks.NewCache(rdb, time.Hour)
		gen.Cache.Metrics = o.metrics
	}
	if o.limiter != nil {
		gen.Limiter = o.limiter(rdb)
	}
	mux := asynq.NewServeMux()
	mux.Handle(tasks.TypeGenerate, gen)
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: 2, Queues: tasks.QueuePriorities(), StrictPriority: true, IsFailure: tasks.IsFailure,
		RetryDelayFunc: func(n int, err error, task *asynq.Task) time.Duration {
			if !tasks.IsFailure(err) { // a rate-limit wait: as long as the provider asked
				return tasks.RetryDelay(n, err, task)
			}
			return 50 * time.Millisecond // tests do not wait for real backoff
		},
		TaskCheckInterval: 20 * time.Millisecond, DelayedTaskCheckInterval: 100 * time.Millisecond,
		ShutdownTimeout: 5 * time.Second, LogLevel: asynq.FatalLevel,
	})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)

	if !o.workerOnly {
		ctx, cancel := context.WithCancel(context.Background())
		consumer := NewConsumer(rdb, d.Jobs, logger)
		consumer.Metrics = o.metrics
		done := make(chan struct{})
		go func() { consumer.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
	}

	client := asynq.NewClientFromRedisClient(rdb)
	t.Cleanup(func() { client.Close() })
	return &pipeline{db: d, rdb: rdb, redis: r, enqueuer: tasks.NewEnqueuer(client),
		insp: asynq.NewInspectorFromRedisClient(rdb), owner: owner, server: srv}
}

// submit creates the job row and enqueues it, as the API does.
func (p *pipeline) submit(t testing.TB, profile resume.Resume, jd string) db.Job {
	t.Helper()
	return p.submitAs(t, profile, jd, "a4")
}

func (p *pipeline) submitAs(t testing.TB, profile resume.Resume, jd, paper string) db.Job {
	t.Helper()
	j := p.createRow(t, profile, jd)
	j.Paper = paper
	body, _ := json.Marshal(profile)
	if err := p.enqueuer.Enqueue(context.Background(), PayloadFor(j, body), j.Queue); err != nil {
		t.Fatal(err)
	}
	return j
}

func (p *pipeline) createRow(t testing.TB, profile resume.Resume, jd string) db.Job {
	t.Helper()
	body, _ := json.Marshal(profile)
	j, err := p.db.Jobs.Create(context.Background(), db.Job{
		OwnerID: p.owner.ID, CandidateVersion: 1, CandidateName: profile.Basics.Name,
		JobDescription: jd, Theme: "classic", Paper: "a4", Queue: tasks.QueueInteractive,
		InputsHash: tasks.InputsHash(body, jd, "test", "classic", "a4", false),
	}, body)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// waitFinal polls SQLite until the job reaches a final status.
func (p *pipeline) waitFinal(t testing.TB, id string, timeout time.Duration) db.Job {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		j, err := p.db.Jobs.Get(context.Background(), db.AllOwners, id)
		if err != nil {
			t.Fatal(err)
		}
		if jobstate.IsFinal(j.Status) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s (%s, attempts %d, error %q) after %s", id, j.Status, j.Stage, j.Attempts, j.Error, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitEventsApplied waits until the events consumer has applied every event
// in the stream: it deletes each one after its transaction commits, so an
// empty stream means SQLite holds all that workers published so far.
func (p *pipeline) waitEventsApplied(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := p.rdb.XLen(context.Background(), tasks.EventStream).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events still not applied after 10 s", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func pdfText(t *testing.T, pdfBytes []byte) string {
	t.Helper()
	bin := taskstest.RequireTool(t, "pdftotext")
	cmd := exec.Command(bin, "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdfBytes)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestGenerateWithLLMProducesPDF(t *testing.T) {
	fake := llmtest.NewServer(t, llmtest.Echo("Zephyrine"))
	p := startPipeline(t, pipelineOptions{tailorer: llm.NewOpenAI(llm.Config{APIKey: "test", BaseURL: fake.URL, Model: "fake-model"})})
	j := p.submit(t, resume.Sample(), resume.SampleJobDescription)

	got := p.waitFinal(t, j.ID, 30*time.Second)
	if got.Status != jobstate.StatusSucceeded || got.Attempts != 1 || got.Progress != 100 {
		t.Fatalf("job = %s attempts %d progress %d error %q; want succeeded in 1 attempt", got.Status, got.Attempts, got.Progress, got.Error)
	}
	if got.Model != "fake-model" || got.MatchBefore == nil || got.MatchAfter == nil {
		t.Errorf("model %q match %v/%v: want the model and both match scores recorded", got.Model, got.MatchBefore, got.MatchAfter)
	}
	res, err := p.db.Jobs.Result(context.Background(), db.OwnedBy(p.owner.ID), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, res.PDF)
	for _, want := range []string{resume.Sample().Basics.Name, "Zephyrine"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
	if fake.Calls() != 1 {
		t.Errorf("LLM calls = %d, want 1", fake.Calls())
	}
	if got.LLMCalls != 1 || got.TokensIn <= 0 || got.TokensOut <= 0 {
		t.Errorf("usage: %d calls, %d tokens in, %d out; want one call with tokens recorded", got.LLMCalls, got.TokensIn, got.TokensOut)
	}
}

func TestGenerateOfflineNeverInvents(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	j := p.submit(t, resume.Sample(), resume.SampleJobDescription)
	got := p.waitFinal(t, j.ID, 30*time.Second)
	if got.Status != jobstate.StatusSucceeded {
		t.Fatalf("job = %s (%s)", got.Status, got.Error)
	}
	res, _ := p.db.Jobs.Result(context.Background(), db.OwnedBy(p.owner.ID), j.ID)
	var tailored resume.Resume
	if err := json.Unmarshal(res.Profile, &tailored); err != nil {
		t.Fatal(err)
	}
	_, report := resume.Verify(resume.Sample(), tailored)
	if !report.OK {
		t.Errorf("offline output has violations: %+v", report.Violations)
	}
}

func TestInventedEmployerNeverReachesPDF(t *testing.T) {
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		out := req.Profile
		out.Work = append([]resume.Work{{Name: "Initech Galactic", Position: "Chief Architect", StartDate: "2015-01"}}, out.Work...)
		return llmtest.Reply{Profile: &out}
	})
	p := startPipeline(t, pipelineOptions{tailorer: llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: fake.URL})})
	j := p.submit(t, resume.Sample(), resume.SampleJobDescription)
	got := p.waitFinal(t, j.ID, 30*time.Second)
	if got.Status != jobstate.StatusSucceeded {
		t.Fatalf("job = %s (%s)", got.Status, got.Error)
	}
	res, _ := p.db.Jobs.Result(context.Background(), db.OwnedBy(p.owner.ID), j.ID)
	if text := pdfText(t, res.PDF); strings.Contains(text, "Initech") {
		t.Errorf("invented employer reached the PDF:\n%s", text)
	}
	if !strings.Contains(got.Verification, "Initech") {
		t.Errorf("verification report does not list the removed employer: %s", got.Verification)
	}
}

func TestChromeMissingKeepsHTML(t *testing.T) {
	missing := pdf.New(pdf.Options{ChromePath: "/nonexistent/chromium"})
	t.Cleanup(func() { missing.Close() })
	p := startPipeline(t, pipelineOptions{renderer: missing})
	j := p.submit(t, resume.Sample(), resume.SampleJobDescription)
	got := p.waitFinal(t, j.ID, 30*time.Second)
	if got.Status != jobstate.StatusFailed || !strings.HasPrefix(got.Error, "PDF renderer unavailable") {
		t.Fatalf("job = %s error %q; want failed with PDF renderer unavailable", got.Status, got.Error)
	}
	if got.Attempts != 1 {
		t.Errorf("attempts = %d, want 1 (a missing Chrome is not retried)", got.Attempts)
	}
	res, err := p.db.Jobs.Result(context.Background(), db.OwnedBy(p.owner.ID), j.ID)
	if err != nil {
		t.Fatalf("result: %v (the HTML should be kept)", err)
	}
	if res.PDF != nil || !strings.Contains(res.HTML, resume.Sample().Basics.Name) {
		t.Errorf("result: pdf %d bytes, html has name %v; want HTML only", len(res.PDF), strings.Contains(res.HTML, resume.Sample().Basics.Name))
	}
}

func TestLLMUnreachableFailsAfterRetries(t *testing.T) {
	addr := taskstest.FreeAddr(t) // nothing listens there
	p := startPipeline(t, pipelineOptions{tailorer: llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: "http://" + addr + "/v1", Timeout: 2 * time.Second})})
	j := p.submit(t, resume.Sample(), resume.SampleJobDescription)
	got := p.waitFinal(t, j.ID, 30*time.Second)
	if got.Status != jobstate.StatusFailed {
		t.Fatalf("job = %s, want failed", got.Status)
	}
	if got.Attempts != tasks.MaxRetry+1 {
		t.Errorf("attempts = %d, want %d", got.Attempts, tasks.MaxRetry+1)
	}
	if !strings.Contains(got.Error, "LLM unreachable") {
		t.Errorf("error = %q, want a readable 'LLM unreachable' message", got.Error)
	}
}

func TestLLMRetriesThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		if calls.Add(1) <= 2 {
			return llmtest.Reply{Status: 502}
		}
		return llmtest.Echo("")(req)
	})
	p := startPipeline(t, pipelineOptions{tailorer: llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: fake.URL})})
	j := p.submit(t, resume.Sample(), resume.SampleJobDescription)
	got := p.waitFinal(t, j.ID, 30*time.Second)
	if got.Status != jobstate.StatusSucceeded || got.Attempts != 3 {
		t.Fatalf("job = %s after %d attempts (%q); want succeeded after 3", got.Status, got.Attempts, got.Error)
	}
}

// TestFailedJobRecordsLLMUse: a job that fails after its attempts shows
// every LLM call it made and the tokens they used, not "0 calls, 0 tokens"
// (issue 15, item 13); a job that succeeds after failed attempts counts
// them too.
func TestFailedJobRecordsLLMUse(t *testing.T) {
	var calls atomic.Int32
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		if strings.Contains(req.JobDescription, "ALWAYS-BAD") || calls.Add(1) <= 2 {
			return llmtest.Reply{Content: "this is not a JSON Resume"} // answered, paid for, unusable
		}
		return llmtest.Echo("")(req)
	})
	p := startPipeline(t, pipelineOptions{tailorer: llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: fake.URL})})
	failed := p.waitFinal(t, p.submit(t, resume.Sample(), "Go engineer ALWAYS-BAD").ID, 30*time.Second)
	if failed.Status != jobstate.StatusFailed || failed.Attempts != tasks.MaxRetry+1 {
		t.Fatalf("job = %s after %d attempts (%q); want failed after %d", failed.Status, failed.Attempts, failed.Error, tasks.MaxRetry+1)
	}
	if failed.LLMCalls != tasks.MaxRetry+1 || failed.TokensIn <= 0 || failed.TokensOut <= 0 {
		t.Errorf("failed job's LLM use: %d calls, %d tokens in, %d out; want %d calls with their tokens",
			failed.LLMCalls, failed.TokensIn, failed.TokensOut, tasks.MaxRetry+1)
	}
	ok := p.waitFinal(t, p.submit(t, resume.Sample(), resume.SampleJobDescription).ID, 30*time.Second)
	if ok.Status != jobstate.StatusSucceeded || ok.Attempts != 3 || ok.LLMCalls != 3 {
		t.Errorf("job = %s after %d attempts with %d LLM calls; want succeeded after 3, 3 calls", ok.Status, ok.Attempts, ok.LLMCalls)
	}
}

func TestLLMUnauthorizedFailsAtOnce(t *testing.T) {
	fake := llmtest.NewServer(t, func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Status: 401} })
	p := startPipeline(t, pipelineOptions{tailorer: llm.NewOpenAI(llm.Config{APIKey: "bad", BaseURL: fake.URL})})
	j := p.submit(t, resume.Sample(), resume.SampleJobDescription)
	got := p.waitFinal(t, j.ID, 30*time.Second)
	if got.Status != jobstate.StatusFailed || got.Attempts != 1 || fake.Calls() != 1 {
		t.Fatalf("job = %s attempts %d calls %d; want failed at once", got.Status, got.Attempts, fake.Calls())
	}
	if !strings.Contains(got.Error, "OPENAI_API_KEY") {
		t.Errorf("error = %q; want a message an admin can act on", got.Error)
	}
}

func TestReconcilerRequeuesLostJobs(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	lost := p.createRow(t, resume.Sample(), resume.SampleJobDescription) // committed, never enqueued
	rec := &Reconciler{Jobs: p.db.Jobs, Inspector: p.insp, Enqueuer: p.enqueuer, Logger: testLogger(t),
		Now: func() time.Time { return time.Now().Add(time.Minute) }}
	out, err := rec.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if out.Requeued != 1 {
		t.Fatalf("requeued = %d, want 1", out.Requeued)
	}
	if got := p.waitFinal(t, lost.ID, 30*time.Second); got.Status != jobstate.StatusSucceeded {
		t.Fatalf("job = %s (%s)", got.Status, got.Error)
	}
	// A second pass finds nothing to do.
	out, err = rec.Once(context.Background())
	if err != nil || out.Requeued != 0 {
		t.Errorf("second pass: %+v, %v", out, err)
	}
}

func TestCancelDuringLLMCall(t *testing.T) {
	started := make(chan struct{}, 1)
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		started <- struct{}{}
		return llmtest.Reply{Profile: &req.Profile, Delay: 5 * time.Second}
	})
	p := startPipeline(t, pipelineOptions{tailorer: llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: fake.URL})})
	j := p.submit(t, resume.Sample(), resume.SampleJobDescription)
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("LLM never called")
	}
	ctx := context.Background()
	if _, err := p.db.Jobs.Cancel(ctx, db.OwnedBy(p.owner.ID), j.ID); err != nil {
		t.Fatal(err)
	}
	if err := (&tasks.Canceler{Redis: p.rdb, Inspector: p.insp}).Cancel(ctx, j.ID, j.Queue); err != nil {
		t.Fatal(err)
	}
	// The task ends promptly and never writes a result.
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := p.insp.GetTaskInfo(j.Queue, j.ID)
		if err == nil && info.State == asynq.TaskStateCompleted || errors.Is(err, asynq.ErrTaskNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("task still %v after cancel", info.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Whatever the task published before it ended is applied now.
	p.waitEventsApplied(t)
	got, err := p.db.Jobs.Get(ctx, db.AllOwners, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != jobstate.StatusCanceled {
		t.Errorf("status = %s, want canceled", got.Status)
	}
	if n, err := p.db.Jobs.CountResults(ctx, j.ID); err != nil || n != 0 {
		t.Errorf("results = %d (%v), want none", n, err)
	}
}

func TestReconcilerFailsJobsPastTheirDeadline(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	stuck := p.createRow(t, resume.Sample(), resume.SampleJobDescription)
	rec := &Reconciler{Jobs: p.db.Jobs, Inspector: p.insp, Enqueuer: p.enqueuer, Logger: testLogger(t),
		Deadline: time.Hour, Now: func() time.Time { return time.Now().Add(2 * time.Hour) }}
	out, err := rec.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := p.db.Jobs.Get(context.Background(), db.AllOwners, stuck.ID)
	if out.Failed != 1 || got.Status != jobstate.StatusFailed || !strings.Contains(got.Error, "timed out") {
		t.Errorf("outcome %+v, job %s %q; want failed with a timed out message", out, got.Status, got.Error)
	}
}
