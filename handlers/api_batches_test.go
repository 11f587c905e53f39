package handlers

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobs"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
)

type batchReply struct {
	ID        string          `json:"id"`
	Status    string          `json:"status"`
	StatusURL string          `json:"status_url"`
	ZipURL    string          `json:"zip_url"`
	Counts    batchCountsJSON `json:"counts"`
	Jobs      []jobJSON       `json:"jobs"`
}

func decodeBatch(t *testing.T, r resp) batchReply {
	t.Helper()
	var b batchReply
	if err := json.Unmarshal([]byte(r.body), &b); err != nil {
		t.Fatalf("not a batch (%d): %s", r.status, snippet(r.body))
	}
	return b
}

// candidates creates n candidates named name (the same name twice tests
// the ZIP's de-duplication).
func (e *webEnv) candidates(owner db.User, names ...string) []string {
	var ids []string
	for _, n := range names {
		c := e.candidate(owner, sampleWith(func(r *resume.Resume) { r.Basics.Name = n }))
		ids = append(ids, c.ID)
	}
	return ids
}

func TestAPIBatchCreateAndGet(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	tok := e.token(ann)
	ids := e.candidates(ann, "Ana", "Bo", "Cy")
	r := e.api("POST", "/api/batches", tok, map[string]any{
		"job_description": resume.SampleJobDescription, "company": "Globex", "candidate_ids": ids, "theme": "modern"})
	wantStatus(t, r, http.StatusAccepted)
	b := decodeBatch(t, r)
	if b.ID == "" || b.StatusURL != "/api/batches/"+b.ID || b.ZipURL != "/api/batches/"+b.ID+"/zip" ||
		b.Counts.Total != 3 || b.Counts.Queued != 3 || r.header.Get("Location") != b.StatusURL {
		t.Fatalf("202 answer %+v, Location %q", b, r.header.Get("Location"))
	}
	r = e.api("GET", b.StatusURL, tok, nil)
	wantStatus(t, r, http.StatusOK)
	got := decodeBatch(t, r)
	if len(got.Jobs) != 3 || got.Jobs[0].Company != "Globex" || got.Jobs[0].Theme != "modern" || got.Status != "running" {
		t.Fatalf("GET = %+v", got)
	}
	// Batch jobs are ordinary jobs: My jobs lists them.
	r = e.api("GET", "/api/resume-async/my-jobs", tok, nil)
	wantBody(t, r, got.Jobs[0].JobID)
	r = e.api("GET", "/api/batches", tok, nil)
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, b.ID)

	// One candidate for many openings.
	o1, _ := e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: "Go dev", Company: "Initech", Description: "Go and SQL"})
	o2, _ := e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: "SRE", Company: "Hooli", Description: "Linux"})
	r = e.api("POST", "/api/batches", tok, map[string]any{"candidate_id": ids[0], "opening_ids": []string{o1.ID, o2.ID}})
	wantStatus(t, r, http.StatusAccepted)
	got = decodeBatch(t, e.api("GET", decodeBatch(t, r).StatusURL, tok, nil))
	if len(got.Jobs) != 2 || got.Jobs[0].Company != "Initech" || got.Jobs[1].Company != "Hooli" {
		t.Fatalf("openings batch = %+v", got.Jobs)
	}
}

func TestAPIBatchBadInput(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	bob := e.user("bob@example.com", db.RoleRecruiter)
	tok := e.token(ann)
	ids := e.candidates(ann, "Ana")
	bobs := e.candidates(bob, "Bob")
	many := make([]string, db.MaxBatchJobs+1)
	for i := range many {
		many[i] = "c" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i/26)
	}
	for _, tc := range []struct {
		name string
		body any
		want int
		says string
	}{
		{"no candidates", map[string]any{"job_description": "Go"}, 422, "candidate_ids"},
		{"no description", map[string]any{"candidate_ids": ids}, 422, "job_description"},
		{"over the limit", map[string]any{"job_description": "Go", "candidate_ids": many}, 422, "at most 1000"},
		{"both shapes", map[string]any{"job_description": "Go", "candidate_ids": ids, "opening_ids": []string{"x"}}, 422, "cannot both"},
		{"bad theme", map[string]any{"job_description": "Go", "candidate_ids": ids, "theme": "neon"}, 422, "theme"},
		{"another user's candidate", map[string]any{"job_description": "Go", "candidate_ids": append(ids, bobs...)}, 404, "candidate not found"},
		{"unknown opening", map[string]any{"opening_id": "nope", "candidate_ids": ids}, 404, "opening not found"},
		{"unknown field", `{"job_description":"Go","candidate_ids":["x"],"colour":1}`, 400, "invalid JSON"},
		{"not JSON", `{`, 400, "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.api("POST", "/api/batches", tok, tc.body)
			wantStatus(t, r, tc.want)
			wantBody(t, r, tc.says)
		})
	}
	var n int
	rows, _ := e.db.Batches.List(context.Background(), db.AllOwners, 10, 0)
	n = len(rows)
	if n != 0 {
		t.Errorf("%d batches stored by bad requests", n)
	}
}

func TestAPIBatchOtherUsers404(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	bob := e.user("bob@example.com", db.RoleRecruiter)
	b, err := jobs.CreateBatch(context.Background(), e.db, ann.ID, "m", jobs.BatchRequest{JobDescription: "Go", CandidateIDs: e.candidates(ann, "Ana")})
	if err != nil {
		t.Fatal(err)
	}
	tok := e.token(bob)
	for _, p := range []string{"GET /api/batches/" + b.ID, "GET /api/batches/" + b.ID + "/zip",
		"POST /api/batches/" + b.ID + "/cancel", "POST /api/batches/" + b.ID + "/retry-failed"} {
		method, path, _ := strings.Cut(p, " ")
		r := e.api(method, path, tok, nil)
		if r.status != http.StatusNotFound {
			t.Errorf("%s by another user: %d, want 404", p, r.status)
		}
	}
	if r := e.api("GET", "/api/batches", tok, nil); strings.Contains(r.body, b.ID) {
		t.Errorf("another user's list shows the batch")
	}
	if got, _ := e.db.Batches.Get(context.Background(), db.AllOwners, b.ID); got.Counts.Queued != 1 {
		t.Errorf("counts after another user's cancel: %+v", got.Counts)
	}
}

func TestAPIBatchCancelAndRetry(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	tok := e.token(ann)
	ids := e.candidates(ann, "Ana", "Bo", "Cy", "Di")
	b := decodeBatch(t, e.api("POST", "/api/batches", tok, map[string]any{"job_description": "Go", "candidate_ids": ids}))
	f := &jobs.Feeder{Batches: e.db.Batches, Jobs: e.db.Jobs, Enqueue: e.queue.Enqueue, PerBatch: 2}
	if n, err := f.Once(context.Background()); err != nil || n != 2 {
		t.Fatalf("feeder released %d (%v), want 2", n, err)
	}
	js, _ := e.db.Batches.Jobs(context.Background(), db.AllOwners, b.ID, 10, 0)
	e.succeed(js[0], resume.Sample())
	if _, err := e.db.Jobs.Apply(context.Background(), js[1].ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 1,
		Change: jobstate.Change{Error: "printing failed"}}, nil); err != nil {
		t.Fatal(err)
	}
	f.Once(context.Background())
	r := e.api("POST", "/api/batches/"+b.ID+"/cancel", tok, nil)
	wantStatus(t, r, http.StatusOK)
	got := decodeBatch(t, r)
	if want := (batchCountsJSON{Total: 4, Succeeded: 1, Failed: 1, Canceled: 2}); got.Counts != want || got.Status != "done" {
		t.Fatalf("after cancel: %+v %s, want %+v done", got.Counts, got.Status, want)
	}
	// The two released by the second feed had tasks: they are canceled too.
	if len(e.queue.canceled) != 2 || !slices.Contains(e.queue.canceled, js[2].ID) {
		t.Errorf("tasks canceled %v, want the two released jobs", e.queue.canceled)
	}
	r = e.api("POST", "/api/batches/"+b.ID+"/retry-failed", tok, nil)
	wantStatus(t, r, http.StatusAccepted)
	wantBody(t, r, `"retried":1`)
	got = decodeBatch(t, e.api("GET", "/api/batches/"+b.ID, tok, nil))
	if want := (batchCountsJSON{Total: 5, Queued: 1, Succeeded: 1, Failed: 1, Canceled: 2}); got.Counts != want {
		t.Fatalf("after retry: %+v, want %+v", got.Counts, want)
	}
}

func TestAPIBatchZip(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	tok := e.token(ann)
	ids := e.candidates(ann, "Zoë Ångström", "Zoë Ångström", "Bo")
	b := decodeBatch(t, e.api("POST", "/api/batches", tok, map[string]any{"job_description": "Go", "company": "Café/Globex", "candidate_ids": ids}))
	r := e.api("GET", b.ZipURL, tok, nil)
	wantStatus(t, r, http.StatusConflict) // nothing ready yet
	js, _ := e.db.Batches.Jobs(context.Background(), db.AllOwners, b.ID, 10, 0)
	e.succeed(js[0], resume.Sample())
	e.succeed(js[1], resume.Sample())
	if _, err := e.db.Jobs.Apply(context.Background(), js[2].ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 1,
		Change: jobstate.Change{Error: "model said no, twice"}}, nil); err != nil {
		t.Fatal(err)
	}
	r = e.api("GET", b.ZipURL, tok, nil)
	wantStatus(t, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "application/zip" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''Tailor%20Caf%C3%A9_Globex") {
		t.Errorf("Content-Disposition %q", cd)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(r.body)), int64(len(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var summary []byte
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "summary.csv" {
			rc, _ := f.Open()
			summary, _ = io.ReadAll(rc)
			rc.Close()
			continue
		}
		if f.Method != zip.Store || f.NonUTF8 || f.Flags&0x800 == 0 {
			t.Errorf("%s: method %d, flags %#x; want stored with the UTF-8 flag", f.Name, f.Method, f.Flags)
		}
	}
	want := []string{"Zoë Ångström - Café_Globex.pdf", "Zoë Ångström - Café_Globex (2).pdf", "summary.csv"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %q, want %q", names, want)
	}
	recs, err := csv.NewReader(bytes.NewReader(summary)).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("summary.csv: %v, %d rows:\n%s", err, len(recs), summary)
	}
	if !slices.Equal(recs[0], summaryHeader) {
		t.Errorf("header %q", recs[0])
	}
	if row := recs[1]; row[0] != want[0] || row[1] != "Zoë Ångström" || row[4] != "succeeded" || row[5] != "40" || row[6] != "70" || row[7] != "0" {
		t.Errorf("row 1 %q", row)
	}
	if row := recs[3]; row[0] != "" || row[1] != "Bo" || row[4] != "failed" || row[8] != "model said no, twice" {
		t.Errorf("row 3 %q", row)
	}
}

// A 1,000-job batch answers at once: the rows in one transaction, nothing
// enqueued on the request's path (the feeder does it).
func TestAPIBatchCreateThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 1,000 candidates")
	}
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	tok := e.token(ann)
	ids := make([]string, 0, db.MaxBatchJobs)
	profile, _ := json.Marshal(resume.Sample())
	for i := range db.MaxBatchJobs {
		c, err := e.db.Candidates.Create(context.Background(), ann.ID, "Cand "+strings.Repeat("x", i%5), profile)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	start := time.Now()
	r := e.api("POST", "/api/batches", tok, map[string]any{"job_description": resume.SampleJobDescription, "candidate_ids": ids})
	took := time.Since(start)
	wantStatus(t, r, http.StatusAccepted)
	if b := decodeBatch(t, r); b.Counts.Total != db.MaxBatchJobs {
		t.Fatalf("counts %+v", b.Counts)
	}
	if n := e.queue.count(); n != 0 {
		t.Errorf("%d tasks enqueued on the request's path; the feeder enqueues", n)
	}
	t.Logf("POST /api/batches with 1,000 candidates answered in %s", took.Round(time.Millisecond))
	if took > 3*time.Second {
		t.Errorf("a 1,000-job create took %s", took)
	}
}

// Retry on one failed card of a batch makes the new job a job of the batch:
// its counts and its ZIP include it.
func TestRetryOneBatchJobStaysInTheBatch(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	tok := e.token(ann)
	b := decodeBatch(t, e.api("POST", "/api/batches", tok, map[string]any{"job_description": "Go",
		"candidate_ids": e.candidates(ann, "Ana", "Bo")}))
	js, _ := e.db.Batches.Jobs(context.Background(), db.AllOwners, b.ID, 10, 0)
	if _, err := e.db.Jobs.Apply(context.Background(), js[0].ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 1,
		Change: jobstate.Change{Error: "printing failed"}}, nil); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.signIn("ann@example.com")
	r := c.post("/jobs/"+js[0].ID+"/retry", nil)
	wantStatus(t, r, http.StatusSeeOther)
	got := decodeBatch(t, e.api("GET", "/api/batches/"+b.ID, tok, nil))
	if want := (batchCountsJSON{Total: 3, Queued: 2, Failed: 1}); got.Counts != want {
		t.Fatalf("batch after retrying one job: %+v, want %+v", got.Counts, want)
	}
	all, _ := e.db.Batches.Jobs(context.Background(), db.AllOwners, b.ID, 10, 0)
	if n := all[len(all)-1]; n.CandidateID != js[0].CandidateID || !n.Held {
		t.Errorf("new job %+v: want Ana's, held until the feeder releases it", n)
	}
}
