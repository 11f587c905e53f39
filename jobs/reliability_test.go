package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/proc"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
)

func TestCacheHitsSkipTheLLMAndThePrinter(t *testing.T) {
	fake := llmtest.NewServer(t, llmtest.Echo(""))
	tailorer := llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: fake.URL})
	p := startPipeline(t, pipelineOptions{tailorer: tailorer})
	ctx := context.Background()
	result := func(id string) db.Result {
		t.Helper()
		r, err := p.db.Jobs.Result(ctx, db.AllOwners, id)
		if err != nil || len(r.PDF) == 0 {
			t.Fatalf("result of %s: %d bytes of PDF, %v", id, len(r.PDF), err)
		}
		return r
	}

	first := p.waitFinal(t, p.submit(t, resume.Sample(), resume.SampleJobDescription).ID, 30*time.Second)
	if first.Status != jobstate.StatusSucceeded || first.Cached {
		t.Fatalf("first job: %s cached=%v, want succeeded, not cached", first.Status, first.Cached)
	}
	// Same inputs, whitespace and case aside: a full hit.
	jd := "  " + strings.ToUpper(resume.SampleJobDescription) + "\n"
	second := p.waitFinal(t, p.submit(t, resume.Sample(), jd).ID, 30*time.Second)
	if second.Status != jobstate.StatusSucceeded || !second.Cached {
		t.Fatalf("second job: %s cached=%v, want a cache hit", second.Status, second.Cached)
	}
	if fake.Calls() != 1 {
		t.Errorf("LLM calls = %d, want 1", fake.Calls())
	}
	r1, r2 := result(first.ID), result(second.ID)
	if string(r1.PDF) != string(r2.PDF) {
		t.Error("a full cache hit printed a different PDF")
	}
	// Another paper reuses the tailoring and only prints.
	third := p.waitFinal(t, p.submitAs(t, resume.Sample(), resume.SampleJobDescription, "letter").ID, 30*time.Second)
	r3 := result(third.ID)
	if !third.Cached || fake.Calls() != 1 || string(r3.PDF) == string(r1.PDF) {
		t.Errorf("paper change: cached=%v calls=%d samePDF=%v; want the tailoring reused and a new print",
			third.Cached, fake.Calls(), string(r3.PDF) == string(r1.PDF))
	}
	stats, err := tasks.NewCache(p.rdb, time.Hour).Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(stats)
	want := "[{tailoring 2 1} {print 1 1}]"
	if got != want {
		t.Errorf("cache stats = %s, want %s", got, want)
	}
	// The first job's print is cached under its inputs, and expires.
	profile, _ := json.Marshal(resume.Sample())
	printKey := "tailor:cache:" + tasks.InputsHash(profile, resume.SampleJobDescription, tailorer.Model(), "classic", "a4", false)
	if ttl := p.rdb.TTL(ctx, printKey).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("the first job's print key has TTL %s, want up to an hour", ttl)
	}
	keys, err := p.rdb.Keys(ctx, "tailor:cache:*").Result()
	if err != nil || len(keys) != 3 {
		t.Fatalf("cache keys = %q, %v; want one tailoring and two prints", keys, err)
	}
	for _, k := range keys {
		if ttl, err := p.rdb.TTL(ctx, k).Result(); err != nil || ttl <= 0 || ttl > time.Hour {
			t.Errorf("cache key %s has TTL %s (%v); every cache key needs one (volatile-lru)", k, ttl, err)
		}
	}
}

// mustResult returns a job's result, failing the test if there is none.
func mustResult(t *testing.T, d *db.DB, id string) db.Result {
	t.Helper()
	r, err := d.Jobs.Result(context.Background(), db.AllOwners, id)
	if err != nil {
		t.Fatalf("result of job %s: %v", id, err)
	}
	return r
}

func TestRetryAfterDoesNotSpendAnAttempt(t *testing.T) {
	var calls atomic.Int32
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		if calls.Add(1) == 1 {
			return llmtest.Reply{Status: 429, Header: http.Header{"Retry-After": {"1"}}}
		}
		return llmtest.Echo("")(req)
	})
	p := startPipeline(t, pipelineOptions{tailorer: llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: fake.URL})})
	start := time.Now()
	got := p.waitFinal(t, p.submit(t, resume.Sample(), resume.SampleJobDescription).ID, 30*time.Second)
	if got.Status != jobstate.StatusSucceeded || got.Attempts != 1 {
		t.Fatalf("job = %s after %d attempts (%q); want succeeded with 1 attempt", got.Status, got.Attempts, got.Error)
	}
	if calls.Load() != 2 {
		t.Errorf("LLM calls = %d, want 2", calls.Load())
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("finished after %s; Retry-After: 1 was not honoured", elapsed)
	}
}

// Two workers (two asynq servers, as on two machines) share one limit of
// rate calls per period through Redis.
func TestGlobalRateLimitAcrossWorkers(t *testing.T) {
	const rate, period = 3, 3 * time.Second
	fake := llmtest.NewServer(t, llmtest.Echo(""))
	newLimiter := func(rdb *redis.Client) *tasks.Limiter { return tasks.NewLimiter(rdb, rate, period) }
	tailorer := llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: fake.URL})
	a := startPipeline(t, pipelineOptions{tailorer: tailorer, limiter: newLimiter})
	startPipeline(t, pipelineOptions{tailorer: tailorer, limiter: newLimiter, redis: a.redis, workerOnly: true})

	var ids []string
	for i := range 8 {
		ids = append(ids, a.submit(t, resume.Sample(), fmt.Sprintf("%s\nposting %d", resume.SampleJobDescription, i)).ID)
	}
	sawWaiting := false
	for _, id := range ids {
		deadline := time.Now().Add(60 * time.Second)
		for {
			j, _ := a.db.Jobs.Get(context.Background(), db.AllOwners, id)
			sawWaiting = sawWaiting || j.Stage == tasks.StageWaitingLLM
			if jobstate.IsFinal(j.Status) {
				if j.Status != jobstate.StatusSucceeded || j.Attempts != 1 {
					t.Errorf("job %s: %s after %d attempts (%q)", id, j.Status, j.Attempts, j.Error)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s still %s", id, j.Status)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	times := fake.CallTimes()
	if len(times) != 8 {
		t.Fatalf("LLM calls = %d, want 8", len(times))
	}
	for i := range times {
		n := 0
		for _, u := range times[i:] {
			if u.Sub(times[i]) < period {
				n++
			}
		}
		if n > rate {
			t.Errorf("%d calls within %s of call %d; the limit is %d", n, period, i, rate)
		}
	}
	if !sawWaiting {
		t.Error("no job ever showed the stage " + tasks.StageWaitingLLM)
	}
}

// Redis loses everything while jobs are queued and running: every job
// still ends succeeded, exactly once.
func TestRedisFlushAllLosesNoJob(t *testing.T) {
	var calls atomic.Int32
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		calls.Add(1)
		r := llmtest.Echo("")(req)
		r.Delay = 300 * time.Millisecond
		return r
	})
	p := startPipeline(t, pipelineOptions{tailorer: llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: fake.URL})})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &Reconciler{Jobs: p.db.Jobs, Inspector: p.insp, Enqueuer: p.enqueuer, Logger: testLogger(t),
		Interval: 200 * time.Millisecond, Grace: time.Millisecond}
	go rec.Run(ctx)

	var ids []string
	for i := range 6 {
		ids = append(ids, p.submit(t, resume.Sample(), fmt.Sprintf("%s\nposting %d", resume.SampleJobDescription, i)).ID)
	}
	for calls.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	flushed := time.Now()
	if err := p.rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if got := p.waitFinal(t, id, 60*time.Second); got.Status != jobstate.StatusSucceeded {
			t.Errorf("job %s: %s (%q)", id, got.Status, got.Error)
		}
		if n, _ := p.db.Jobs.CountResults(ctx, id); n != 1 {
			t.Errorf("job %s has %d results, want 1", id, n)
		}
	}
	t.Logf("all %d jobs succeeded %s after FLUSHALL", len(ids), time.Since(flushed).Round(time.Millisecond))
}

// Redis loses a job's task while the job waits to retry (attempts 2): the
// reconciler enqueues it again and the new task goes on from the job's
// attempt count, so its events are not dropped as stale and the job ends.
func TestRedisFlushWhileRetryingLosesNoJob(t *testing.T) {
	var calls atomic.Int32
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		if calls.Add(1) <= 2 {
			return llmtest.Reply{Status: http.StatusInternalServerError}
		}
		return llmtest.Echo("")(req)
	})
	p := startPipeline(t, pipelineOptions{tailorer: llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: fake.URL})})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	id := p.submit(t, resume.Sample(), resume.SampleJobDescription).ID
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := p.db.Jobs.Get(ctx, db.AllOwners, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Attempts == 2 && tasks.IsRetrying(j.Stage) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job never waited to retry after its second attempt: %s, %s, attempts %d", j.Status, j.Stage, j.Attempts)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	rec := &Reconciler{Jobs: p.db.Jobs, Inspector: p.insp, Enqueuer: p.enqueuer, Logger: testLogger(t),
		Interval: 200 * time.Millisecond, Grace: time.Millisecond}
	go rec.Run(ctx)
	got := p.waitFinal(t, id, 30*time.Second)
	if got.Status != jobstate.StatusSucceeded || got.Attempts != 3 {
		t.Errorf("job = %s after %d attempts (%q); want succeeded in attempt 3", got.Status, got.Attempts, got.Error)
	}
	if n, _ := p.db.Jobs.CountResults(ctx, id); n != 1 {
		t.Errorf("results = %d, want 1", n)
	}
}

// A job's success event arrives without its result (Redis lost the result
// between the worker's publish and the consumer's read) while the worker's
// final marker survives: the reconciler must run the job again, not leave
// it to a task that skips it as already done.
func TestReconcilerRerunsJobWhoseResultWasLost(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	j := p.createRow(t, resume.Sample(), resume.SampleJobDescription) // in SQLite, not in the queue
	if err := p.rdb.Set(ctx, tasks.FinalKey(j.ID), "1", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	ev, _ := json.Marshal(tasks.Event{JobID: j.ID, Event: jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1, At: time.Now(),
		Change: jobstate.Change{Stage: tasks.StageDone, Progress: 100}},
		ResultKey: "tailor:result:" + j.ID + ":1"}) // a result key that is gone
	if err := p.rdb.XAdd(ctx, &redis.XAddArgs{Stream: tasks.EventStream, Values: []string{"e", string(ev)}}).Err(); err != nil {
		t.Fatal(err)
	}
	rec := &Reconciler{Jobs: p.db.Jobs, Inspector: p.insp, Enqueuer: p.enqueuer, Logger: testLogger(t), Redis: p.rdb,
		Interval: 200 * time.Millisecond, Grace: time.Millisecond}
	go rec.Run(ctx)
	if got := p.waitFinal(t, j.ID, 30*time.Second); got.Status != jobstate.StatusSucceeded {
		t.Fatalf("job = %s (%q)", got.Status, got.Error)
	}
	if n, _ := p.db.Jobs.CountResults(ctx, j.ID); n != 1 {
		t.Errorf("results = %d, want 1", n)
	}
}

// A profile pointing images, styles and links at a server on loopback: the
// renderer fetches nothing.
func TestRenderingFetchesNothing(t *testing.T) {
	var hits atomic.Int32
	canary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(canary.Close)
	profile := resume.Sample()
	profile.Basics.URL = canary.URL + "/site"
	profile.Basics.Image = canary.URL + "/photo.png"
	profile.Basics.Summary = fmt.Sprintf(`<img src="%[1]s/img"><link rel="stylesheet" href="%[1]s/css"><style>@import "%[1]s/imp"; body{background:url(%[1]s/bg)}</style><iframe src="%[1]s/frame"></iframe>`, canary.URL)
	profile.Work[0].Highlights = append(profile.Work[0].Highlights, fmt.Sprintf(`<script src="%s/js"></script>`, canary.URL))
	p := startPipeline(t, pipelineOptions{tailorer: llm.NewOffline()})
	got := p.waitFinal(t, p.submit(t, profile, resume.SampleJobDescription).ID, 30*time.Second)
	if got.Status != jobstate.StatusSucceeded {
		t.Fatalf("job = %s (%q)", got.Status, got.Error)
	}
	res := mustResult(t, p.db, got.ID)
	if text := pdfText(t, res.PDF); !strings.Contains(text, "<img src=") {
		t.Errorf("markup in the profile is not shown as text:\n%s", text)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the canary received %d requests", n)
	}
}

// Many jobs at once on two workers: each succeeds once.
func TestConcurrentJobsSucceedOnce(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	var wg sync.WaitGroup
	ids := make([]string, 12)
	for i := range ids {
		wg.Go(func() { ids[i] = p.submit(t, resume.Sample(), fmt.Sprintf("Go engineer %d", i)).ID })
	}
	wg.Wait()
	for _, id := range ids {
		if got := p.waitFinal(t, id, 60*time.Second); got.Status != jobstate.StatusSucceeded {
			t.Errorf("job %s: %s", id, got.Status)
		}
		if n, _ := p.db.Jobs.CountResults(context.Background(), id); n != 1 {
			t.Errorf("job %s: %d results", id, n)
		}
	}
}

// killingRenderer kills its pool's browser a moment after the first render
// starts, so Chrome dies mid-render.
type killingRenderer struct {
	pool   *pdf.Pool
	dir    string
	killed atomic.Bool
	t      *testing.T
}

func (k *killingRenderer) Render(ctx context.Context, html string, paper pdf.Paper) ([]byte, error) {
	if !k.killed.Swap(true) {
		go func() {
			time.Sleep(5 * time.Millisecond)
			for _, pid := range browserPIDs(k.dir) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}()
	}
	return k.pool.Render(ctx, html, paper)
}

// browserPIDs lists the main Chrome processes whose profile is under dir.
func browserPIDs(dir string) []int {
	return proc.Find(func(cmdline []byte) bool {
		return bytes.Contains(cmdline, []byte(dir)) && !bytes.Contains(cmdline, []byte("--type="))
	})
}

func TestChromeKilledMidRenderJobSucceeds(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Chrome and redis-server: skipped with -short")
	}
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir) // the pool's Chrome profile lands here
	pool := pdf.New(pdf.Options{Tabs: 1})
	t.Cleanup(func() { pool.Close() })
	if err := pool.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(browserPIDs(dir)) == 0 {
		t.Fatal("found no Chrome process to kill")
	}
	kr := &killingRenderer{pool: pool, dir: dir, t: t}
	p := startPipeline(t, pipelineOptions{renderer: kr})
	got := p.waitFinal(t, p.submit(t, resume.Sample(), resume.SampleJobDescription).ID, 60*time.Second)
	if got.Status != jobstate.StatusSucceeded {
		t.Fatalf("job = %s (%q)", got.Status, got.Error)
	}
	if s := pool.Stats(); s.Restarts < 1 {
		t.Errorf("pool stats %+v: Chrome was not restarted, so it was not killed mid-render", s)
	}
	res := mustResult(t, p.db, got.ID)
	if !strings.Contains(pdfText(t, res.PDF), resume.Sample().Basics.Name) {
		t.Error("the PDF after the restart lacks the candidate's name")
	}
}
