package main

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/mail/mailtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestOneMailPerJobAcrossWorkerSIGKILL is issue 13's e-mail check with the
// real binary: `tailor web` and `tailor worker` on a real redis-server, a
// real SMTP server (go-smtp) in the test. The worker is SIGKILLed while
// two jobs wait on the LLM; a new worker finishes them after asynq's
// lease runs out. Exactly one mail per job and kind arrives: two ready
// mails with the PDF attached, one failed mail. Then the web process is
// restarted with every end marked undispatched (as if it crashed between
// dispatching and recording it): the dispatcher hands every end to the
// mail channel again, and no mail is sent twice.
func TestOneMailPerJobAcrossWorkerSIGKILL(t *testing.T) {
	t.Parallel()
	redisSrv := taskstest.StartRedis(t)
	smtpSrv := mailtest.Start(t)
	var calls atomic.Int32
	called := make(chan struct{}, 8)
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		reply := llmtest.Echo("")(req)
		if strings.Contains(req.JobDescription, "Unobtanium") {
			reply = llmtest.Reply{Status: http.StatusBadRequest, Content: "this model does not do Unobtanium"}
		}
		if calls.Add(1) <= 2 {
			reply.Delay = 15 * time.Second // the first worker dies during these calls
		}
		called <- struct{}{}
		return reply
	})
	addr := freeAddr(t)
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test",
		"ADDR="+addr, "BASE_URL=http://"+addr, "SMTP_URL="+smtpSrv.URL, "MAIL_FROM=Tailor <tailor@tailor.test>")
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	token := a.tailor("", "token", "create", "--email", "ann@example.com")
	dbPath := filepath.Join(a.tmp, "data", "tailor.db")
	func() {
		d, err := db.Open(dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ann, err := d.Users.ByEmail(context.Background(), "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Mail().SetPrefs(context.Background(), ann.ID,
			db.MailPrefs{JobReady: true, JobFailed: true, AttachPDF: true}); err != nil {
			t.Fatal(err)
		}
	}()
	a.startMode("web")
	first := a.startWorker()

	cand := a.do("POST", "/api/candidates", token, mustJSON(resume.Sample())).json(t)["id"].(string)
	var jobs []string
	for _, desc := range []string{resume.SampleJobDescription, resume.SampleJobDescription + "\nNice to have: Kubernetes.",
		"We need an Unobtanium engineer."} {
		res := a.do("POST", "/api/resume-async/generate-async", token, mustJSON(map[string]any{
			"candidate_id": cand, "job_description": desc, "job_title": "Engineer", "company": "Globex"}))
		if res.status != http.StatusAccepted {
			t.Fatalf("generate: %d %s", res.status, res.body)
		}
		jobs = append(jobs, res.json(t)["job_id"].(string))
	}
	for range 2 { // both of the worker's slots wait on the LLM
		select {
		case <-called:
		case <-time.After(30 * time.Second):
			t.Fatal("the LLM was not called twice")
		}
	}
	first.cmd.Process.Kill() // SIGKILL: no shutdown, no hand-back
	<-first.done
	killed := time.Now()
	a.startWorker()

	want := map[string]string{} // job -> kind
	for _, id := range jobs {
		deadline := time.Now().Add(4 * time.Minute)
		for {
			m := a.do("GET", "/api/resume-async/job-status/"+id, token, nil).json(t)
			if m["status"] == "succeeded" || m["status"] == "failed" {
				want[id] = map[string]string{"succeeded": "ready", "failed": "failed"}[m["status"].(string)]
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s still %v %s after the worker died", id, m["status"], time.Since(killed))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	if want[jobs[0]] != "ready" || want[jobs[1]] != "ready" || want[jobs[2]] != "failed" {
		t.Fatalf("jobs ended %v; want two succeeded, the Unobtanium one failed", want)
	}
	t.Logf("jobs ended %s after SIGKILL", time.Since(killed).Round(time.Second))

	checkMails := func(when string) {
		t.Helper()
		smtpSrv.Wait(t, 3, 30*time.Second)
		time.Sleep(3 * time.Second) // the dispatcher runs every second: a duplicate would be here by now
		mails := smtpSrv.Mails()
		if len(mails) != 3 {
			t.Fatalf("%s: %d mails, want 3 (one per job and kind)", when, len(mails))
		}
		seen := map[string]bool{}
		for _, m := range mails {
			id := m.Header.Get("Message-ID")
			if seen[id] {
				t.Errorf("%s: Message-ID %s twice", when, id)
			}
			seen[id] = true
		}
		for job, kind := range want {
			id := "<job." + job + "." + kind + "@tailor.test>"
			if !seen[id] {
				t.Errorf("%s: no mail %s among %v", when, id, seen)
			}
		}
	}
	checkMails("after the SIGKILL")
	for _, m := range smtpSrv.Mails() {
		if m.To[0] != "ann@example.com" || m.Header.Get("From") != `"Tailor" <tailor@tailor.test>` {
			t.Errorf("mail from %q to %v", m.Header.Get("From"), m.To)
		}
		if !strings.Contains(m.Header.Get("List-Unsubscribe"), "<http://"+addr+"/unsubscribe?u=") {
			t.Errorf("List-Unsubscribe = %q", m.Header.Get("List-Unsubscribe"))
		}
		ready := strings.HasPrefix(m.Header.Get("Subject"), "Resume ready: ")
		if ready && (len(m.Files) != 1 || !bytes.HasPrefix(m.Files[0].Data, []byte("%PDF"))) {
			t.Errorf("a ready mail without the PDF: %d files", len(m.Files))
		}
		if !ready && !strings.Contains(m.Text, "this model does not do Unobtanium") && !strings.Contains(m.Text, "Reason:") {
			t.Errorf("the failed mail does not say why:\n%s", m.Text)
		}
		if !strings.Contains(m.Text, "http://"+addr+"/jobs/") {
			t.Errorf("no link to the job:\n%s", m.Text)
		}
	}

	// A restart that dispatches every end again sends nothing new.
	a.stop()
	raw, err := sql.Open("sqlite3", "file:"+dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("UPDATE job_ends SET dispatched_at = NULL"); err != nil {
		t.Fatal(err)
	}
	a.startMode("web")
	deadline := time.Now().Add(30 * time.Second)
	for {
		var pending int
		if err := raw.QueryRow("SELECT COUNT(*) FROM job_ends WHERE dispatched_at IS NULL").Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d ends still undispatched after the restart", pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
	checkMails("after dispatching every end again")
	var sent int
	if err := raw.QueryRow("SELECT COUNT(*) FROM mail_sends WHERE sent_at IS NOT NULL AND attempts = 1").Scan(&sent); err != nil || sent != 3 {
		t.Errorf("sent-markers: %d sent at the first attempt (%v), want 3", sent, err)
	}
}

// TestMailIsWrittenToStdoutWithoutSMTPURL: with no SMTP_URL (make run), a
// mail is written to stdout, its attachment as a name and a size.
func TestMailIsWrittenToStdoutWithoutSMTPURL(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	token := a.tailor("", "token", "create", "--email", "ann@example.com")
	d, err := db.Open(filepath.Join(a.tmp, "data", "tailor.db"))
	if err != nil {
		t.Fatal(err)
	}
	ann, err := d.Users.ByEmail(context.Background(), "ann@example.com")
	if err == nil {
		err = d.Mail().SetPrefs(context.Background(), ann.ID, db.MailPrefs{JobReady: true, AttachPDF: true})
	}
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	a.start()
	cand := a.do("POST", "/api/candidates", token, mustJSON(resume.Sample())).json(t)["id"].(string)
	jobID := a.do("POST", "/api/resume-async/generate-async", token, mustJSON(map[string]any{
		"candidate_id": cand, "job_description": resume.SampleJobDescription})).json(t)["job_id"].(string)
	if final := a.waitStatus(token, jobID, "succeeded", "failed"); final["status"] != "succeeded" {
		t.Fatalf("job ended %v", final)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(a.stdout(), "----- end of mail -----") {
		if time.Now().After(deadline) {
			t.Fatalf("no mail on stdout:\n%s", a.stdout())
		}
		time.Sleep(100 * time.Millisecond)
	}
	out := a.stdout()
	for _, want := range []string{"SMTP_URL is unset: logged, not sent", "To: ann@example.com", "Subject: Resume ready: ",
		"Message-ID: <job." + jobID + ".ready@localhost>", "/jobs/" + jobID + " (in Tailor; set BASE_URL", "[attachment ", "application/pdf"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}
