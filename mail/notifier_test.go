package mail

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/db/dbtest"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/mail/mailtest"
	"github.com/tailor-app/tailor/notify"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// fakeQueue records tasks and, like asynq, refuses a task id it holds.
type fakeQueue struct {
	mu    sync.Mutex
	tasks map[string]*asynq.Task
	order []string
}

func (q *fakeQueue) EnqueueContext(_ context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	id := ""
	for _, o := range opts {
		if o.Type() == asynq.TaskIDOpt {
			id = o.Value().(string)
		}
	}
	if q.tasks == nil {
		q.tasks = map[string]*asynq.Task{}
	}
	if _, ok := q.tasks[id]; ok {
		return nil, asynq.ErrTaskIDConflict
	}
	q.tasks[id] = t
	q.order = append(q.order, id)
	return &asynq.TaskInfo{ID: id}, nil
}

// run runs every queued task once, in order, and reports the errors.
func (q *fakeQueue) run(t *testing.T, n *Notifier) []error {
	t.Helper()
	q.mu.Lock()
	var tasks []*asynq.Task
	for _, id := range q.order {
		tasks = append(tasks, q.tasks[id])
	}
	q.mu.Unlock()
	var errs []error
	for _, task := range tasks {
		if err := n.ProcessTask(context.Background(), task); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func (q *fakeQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.order)
}

type env struct {
	db    *db.DB
	queue *fakeQueue
	smtp  *mailtest.Server
	n     *Notifier
	ann   db.User
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d := dbtest.MustOpen(t)
	srv := mailtest.Start(t)
	cfg, err := ParseSMTPURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := &fakeQueue{}
	n := NewNotifier(d, q, &SMTP{Config: cfg, Timeout: 5 * time.Second}, "Tailor <tailor@tailor.example.com>",
		"https://tailor.example.com", slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &env{db: d, queue: q, smtp: srv, n: n, ann: dbtest.MustUser(t, d, "ann@example.com", db.RoleRecruiter)}
}

func (e *env) prefs(t *testing.T, u db.User, p db.MailPrefs) {
	t.Helper()
	if err := e.db.Mail().SetPrefs(context.Background(), u.ID, p); err != nil {
		t.Fatal(err)
	}
}

// end makes one of ann's jobs end and returns its outbox row.
func (e *env) end(t *testing.T, kind string, result *db.Result) db.JobEnd {
	t.Helper()
	j := dbtest.MustJob(t, e.db, e.ann.ID)
	ev := jobstate.Event{Kind: kind, Attempt: 1}
	if kind == jobstate.EventFailed {
		ev.Error = "LLM server error (500): bad gateway"
	}
	if _, err := e.db.Jobs.Apply(context.Background(), j.ID, ev, result); err != nil {
		t.Fatal(err)
	}
	for _, end := range mustPending(t, e.db) {
		if end.JobID == j.ID {
			return end
		}
	}
	t.Fatal("no outbox row")
	return db.JobEnd{}
}

func mustPending(t *testing.T, d *db.DB) []db.JobEnd {
	t.Helper()
	ends, err := d.JobEnds.Pending(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return ends
}

var fakePDF = append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0, 1, 2, 250, 251, 252}, 5000)...)

func TestReadyMailHasHeadersBodyAndThePDF(t *testing.T) {
	e := newEnv(t)
	e.prefs(t, e.ann, db.MailPrefs{JobReady: true, AttachPDF: true})
	end := e.end(t, jobstate.EventSucceeded, &db.Result{PDF: fakePDF, HTML: "<p>x</p>", Profile: []byte("{}")})
	if err := e.n.Dispatch(context.Background(), end); err != nil {
		t.Fatal(err)
	}
	if errs := e.queue.run(t, e.n); errs != nil {
		t.Fatal(errs)
	}
	mails := e.smtp.Wait(t, 1, 5*time.Second)
	m := mails[0]
	checks := map[string]string{
		"From":                  `"Tailor" <tailor@tailor.example.com>`,
		"To":                    "<ann@example.com>",
		"Subject":               "Resume ready: Jane Doe for Backend Engineer at Acme",
		"Message-ID":            "<job." + end.JobID + ".ready@tailor.example.com>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"Auto-Submitted":        "auto-generated",
	}
	for h, want := range checks {
		if got := m.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	unsub := m.Header.Get("List-Unsubscribe")
	if !strings.HasPrefix(unsub, "<https://tailor.example.com/unsubscribe?u="+e.ann.ID+"&k=ready&s=") ||
		!strings.HasSuffix(unsub, "<https://tailor.example.com/settings/notifications>") {
		t.Errorf("List-Unsubscribe = %q", unsub)
	}
	if len(m.To) != 1 || m.To[0] != "ann@example.com" {
		t.Errorf("envelope to %v", m.To)
	}
	for _, want := range []string{
		"The tailored resume of Jane Doe for Backend Engineer at Acme is ready.",
		"https://tailor.example.com/jobs/" + end.JobID,
		"The PDF is attached (Jane Doe - Acme.pdf)",
		"Stop mails like this one: https://tailor.example.com/unsubscribe?",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Text)
		}
	}
	if len(m.Files) != 1 {
		t.Fatalf("attachments: %d, want 1", len(m.Files))
	}
	if f := m.Files[0]; f.Name != "Jane Doe - Acme.pdf" || f.ContentType != "application/pdf" || !bytes.Equal(f.Data, fakePDF) {
		t.Errorf("attachment %s %s, %d bytes (same as the PDF: %v)", f.Name, f.ContentType, len(f.Data), bytes.Equal(f.Data, fakePDF))
	}
	row, err := e.db.Mail().Get(context.Background(), "job:"+end.JobID+":ready")
	if err != nil || row.SentAt.IsZero() || row.Attempts != 1 {
		t.Errorf("marker %+v, %v; want sent after one attempt", row, err)
	}
}

func TestLargePDFIsLinkedNotAttached(t *testing.T) {
	e := newEnv(t)
	e.n.MaxAttachment = 1000
	e.prefs(t, e.ann, db.MailPrefs{JobReady: true, AttachPDF: true})
	end := e.end(t, jobstate.EventSucceeded, &db.Result{PDF: fakePDF, HTML: "x", Profile: []byte("{}")})
	e.n.Dispatch(context.Background(), end)
	e.queue.run(t, e.n)
	m := e.smtp.Wait(t, 1, 5*time.Second)[0]
	if len(m.Files) != 0 {
		t.Errorf("attached %d files above the cap", len(m.Files))
	}
	if want := "too large to attach; download it here: https://tailor.example.com/jobs/" + end.JobID + "/download"; !strings.Contains(m.Text, want) {
		t.Errorf("body lacks %q:\n%s", want, m.Text)
	}
}

func TestFailedMailSaysWhy(t *testing.T) {
	e := newEnv(t)
	e.prefs(t, e.ann, db.MailPrefs{JobFailed: true})
	end := e.end(t, jobstate.EventFailed, nil)
	e.n.Dispatch(context.Background(), end)
	e.queue.run(t, e.n)
	m := e.smtp.Wait(t, 1, 5*time.Second)[0]
	if got := m.Header.Get("Subject"); got != "Resume failed: Jane Doe for Backend Engineer at Acme" {
		t.Errorf("Subject = %q", got)
	}
	if !strings.Contains(m.Text, "Reason: The AI service had an error (500). Try again in a few minutes") || len(m.Files) != 0 {
		t.Errorf("body:\n%s", m.Text)
	}
	if !strings.Contains(m.Header.Get("List-Unsubscribe"), "k=failed") {
		t.Errorf("List-Unsubscribe = %q", m.Header.Get("List-Unsubscribe"))
	}
}

// Off by default; off for the kind that ended; turned off after the mail
// was queued: no mail.
func TestOptedOutGetsNoMail(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.n.Dispatch(ctx, e.end(t, jobstate.EventSucceeded, nil)); err != nil {
		t.Fatal(err)
	}
	e.prefs(t, e.ann, db.MailPrefs{JobFailed: true})
	e.n.Dispatch(ctx, e.end(t, jobstate.EventSucceeded, nil))
	if n := e.queue.len(); n != 0 {
		t.Fatalf("%d tasks queued for a user who wants none", n)
	}
	end := e.end(t, jobstate.EventFailed, nil)
	e.n.Dispatch(ctx, end)
	e.prefs(t, e.ann, db.MailPrefs{})
	if errs := e.queue.run(t, e.n); errs != nil {
		t.Fatal(errs)
	}
	time.Sleep(100 * time.Millisecond)
	if got := e.smtp.Mails(); len(got) != 0 {
		t.Errorf("%d mails sent after opting out", len(got))
	}
	row, _ := e.db.Mail().Get(ctx, "job:"+end.JobID+":failed")
	if row.SentAt.IsZero() || row.LastError != "the user no longer wants these mails" {
		t.Errorf("marker %+v: want closed with the reason", row)
	}
}

// The dispatcher may hand the same end twice, and asynq may run a task
// twice: one mail.
func TestOneMailPerJobAndKind(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.prefs(t, e.ann, db.MailPrefs{JobReady: true})
	end := e.end(t, jobstate.EventSucceeded, nil)
	for range 2 {
		if err := e.n.Dispatch(ctx, end); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.queue.len(); n != 1 {
		t.Fatalf("%d tasks, want 1", n)
	}
	e.queue.run(t, e.n)
	e.queue.run(t, e.n)
	// A new queue (Redis lost everything) and a dispatch again: the marker says sent.
	e.n.Queue = &fakeQueue{}
	e.n.Dispatch(ctx, end)
	if n := e.n.Queue.(*fakeQueue).len(); n != 0 {
		t.Errorf("a sent mail was queued again")
	}
	e.smtp.Wait(t, 1, 5*time.Second)
	time.Sleep(100 * time.Millisecond)
	if got := len(e.smtp.Mails()); got != 1 {
		t.Errorf("%d mails, want 1", got)
	}
}

// A mail the SMTP server refused is retried by asynq with the backoff,
// and recorded each time; a refused mail never fails the dispatch.
func TestRefusedMailIsRetried(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.prefs(t, e.ann, db.MailPrefs{JobReady: true})
	end := e.end(t, jobstate.EventSucceeded, nil)
	e.smtp.Refuse(true)
	if err := e.n.Dispatch(ctx, end); err != nil {
		t.Fatal(err)
	}
	if errs := e.queue.run(t, e.n); len(errs) != 1 {
		t.Fatalf("errors %v, want the refusal", errs)
	}
	row, _ := e.db.Mail().Get(ctx, "job:"+end.JobID+":ready")
	if !row.SentAt.IsZero() || row.Attempts != 1 || !strings.Contains(row.LastError, "451") {
		t.Errorf("marker %+v", row)
	}
	e.smtp.Refuse(false)
	if errs := e.queue.run(t, e.n); errs != nil {
		t.Fatal(errs)
	}
	e.smtp.Wait(t, 1, 5*time.Second)
	if d := e.n.RetryDelay; d(0) != RetryFirst || d(3) != 8*RetryFirst || d(20) != RetryMost {
		t.Errorf("backoff %v %v %v", d(0), d(3), d(20))
	}
}

func TestDigestOncePerDayOnlyWhenSomethingFailed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	root := dbtest.MustUser(t, e.db, "root@example.com", db.RoleAdmin)
	other := dbtest.MustUser(t, e.db, "other@example.com", db.RoleAdmin)
	e.prefs(t, root, db.MailPrefs{DailyDigest: true})
	e.prefs(t, other, db.MailPrefs{JobReady: true})
	e.prefs(t, e.ann, db.MailPrefs{DailyDigest: true}) // not an admin: ignored
	now := time.Now().UTC()
	e.n.Now = func() time.Time { return now }
	e.n.DigestHour = now.Hour()
	e.db.Now = func() time.Time { return now.Add(-time.Hour) }

	// Nothing failed: no mail.
	if err := e.n.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	e.queue.run(t, e.n)
	time.Sleep(100 * time.Millisecond)
	if got := e.smtp.Mails(); len(got) != 0 {
		t.Fatalf("%d mails with no failure", len(got))
	}

	// The next day, three failures in the window: one mail, to root only.
	now = now.Add(24 * time.Hour)
	e.db.Now = func() time.Time { return now.Add(-time.Hour) }
	var ids []string
	for range 3 {
		ids = append(ids, e.end(t, jobstate.EventFailed, nil).JobID)
	}
	for range 2 {
		if err := e.n.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.queue.run(t, e.n)
	e.queue.run(t, e.n)
	m := e.smtp.Wait(t, 1, 5*time.Second)[0]
	time.Sleep(100 * time.Millisecond)
	if got := len(e.smtp.Mails()); got != 1 {
		t.Errorf("%d mails, want 1", got)
	}
	if m.To[0] != "root@example.com" || m.Header.Get("Subject") != "Tailor daily digest: 3 jobs failed" {
		t.Errorf("to %v, subject %q", m.To, m.Header.Get("Subject"))
	}
	for _, want := range []string{"    3  LLM server error (500): bad gateway", "https://tailor.example.com/admin/jobs/" + ids[0]} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("digest lacks %q:\n%s", want, m.Text)
		}
	}
}

func TestSendToAdminsOncePerKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	root := dbtest.MustUser(t, e.db, "root@example.com", db.RoleAdmin)
	dbtest.MustUser(t, e.db, "quiet@example.com", db.RoleAdmin)
	e.prefs(t, root, db.MailPrefs{AlertMail: true})
	e.prefs(t, e.ann, db.MailPrefs{AlertMail: true}) // a recruiter: never
	for range 2 {
		if err := e.n.SendToAdmins(ctx, "queue-backlog:firing:1", "Queue backlog", "42 jobs wait."); err != nil {
			t.Fatal(err)
		}
	}
	e.queue.run(t, e.n)
	m := e.smtp.Wait(t, 1, 5*time.Second)[0]
	time.Sleep(100 * time.Millisecond)
	if got := len(e.smtp.Mails()); got != 1 {
		t.Errorf("%d mails, want 1", got)
	}
	if m.To[0] != "root@example.com" || m.Header.Get("Subject") != "[Tailor alert] Queue backlog" ||
		!strings.Contains(m.Text, "42 jobs wait.") || !strings.Contains(m.Header.Get("List-Unsubscribe"), "k=alert") {
		t.Errorf("to %v, subject %q, body:\n%s", m.To, m.Header.Get("Subject"), m.Text)
	}
}

// The real notify worker on a real Redis, with nothing listening on the
// SMTP port: the task is retried with backoff (each attempt recorded),
// and the mail goes out once the server is there.
func TestUnreachableSMTPIsRetriedByTheWorker(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	redisSrv := taskstest.StartRedis(t)
	rdb := redisSrv.Client(t)
	client := asynq.NewClientFromRedisClient(rdb)
	t.Cleanup(func() { client.Close() })
	e.n.Queue = client
	e.n.RetryDelay = func(int) time.Duration { return 200 * time.Millisecond }
	closed, _ := ParseSMTPURL("smtp+insecure://" + mailtest.ClosedAddr(t))
	up, _ := ParseSMTPURL(e.smtp.URL)
	sender := &switchSender{s: &SMTP{Config: closed, Timeout: time.Second}}
	e.n.Sender = sender

	w := notify.NewWorker()
	e.n.Register(w)
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.Run(wctx, rdb, 2, nil); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	e.prefs(t, e.ann, db.MailPrefs{JobReady: true})
	end := e.end(t, jobstate.EventSucceeded, nil)
	if err := e.n.Dispatch(ctx, end); err != nil {
		t.Fatalf("dispatch with SMTP down: %v", err)
	}
	key := "job:" + end.JobID + ":ready"
	deadline := time.Now().Add(15 * time.Second)
	for {
		row, _ := e.db.Mail().Get(ctx, key)
		if row.Attempts >= 2 {
			if !strings.Contains(row.LastError, "connect") && !strings.Contains(row.LastError, "refused") {
				t.Errorf("last error %q", row.LastError)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("attempts %d after 15 s", row.Attempts)
		}
		time.Sleep(50 * time.Millisecond)
	}
	sender.set(&SMTP{Config: up, Timeout: 5 * time.Second})
	e.smtp.Wait(t, 1, 15*time.Second)
	time.Sleep(300 * time.Millisecond)
	if got := len(e.smtp.Mails()); got != 1 {
		t.Errorf("%d mails, want 1", got)
	}
}

type switchSender struct {
	mu sync.Mutex
	s  Sender
}

func (s *switchSender) set(to Sender) { s.mu.Lock(); s.s = to; s.mu.Unlock() }

func (s *switchSender) Send(ctx context.Context, m Message) error {
	s.mu.Lock()
	to := s.s
	s.mu.Unlock()
	return to.Send(ctx, m)
}

func TestLogSenderWritesTheMail(t *testing.T) {
	var out bytes.Buffer
	err := (&Log{W: &out}).Send(context.Background(), Message{From: "Tailor <t@localhost>", To: "ann@example.com",
		Subject: "Resume ready", MessageID: "job.1.ready@localhost", Text: "Hello\n",
		Attachment: &Attachment{Name: "Jane.pdf", ContentType: "application/pdf", Data: make([]byte, 2048)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"To: ann@example.com", "Subject: Resume ready", "Message-ID: <job.1.ready@localhost>",
		"\nHello\n", "[attachment Jane.pdf, application/pdf, 2048 bytes]"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, out.String())
		}
	}
}

func TestParseSMTPURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want SMTPConfig
	}{
		{"smtp://ann:s3cret@mail.example.com", SMTPConfig{Host: "mail.example.com", Port: 587, Username: "ann", Password: "s3cret", TLS: "starttls"}},
		{"smtps://ann:s3cret@mail.example.com:2465", SMTPConfig{Host: "mail.example.com", Port: 2465, Username: "ann", Password: "s3cret", TLS: "tls"}},
		{"smtp+insecure://127.0.0.1:1025", SMTPConfig{Host: "127.0.0.1", Port: 1025, TLS: "none"}},
	} {
		got, err := ParseSMTPURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"mail.example.com:25", "http://mail.example.com", "smtp://", "smtp://h:99999", "smtp://u:p@h:25/x?y=1"} {
		_, err := ParseSMTPURL(bad)
		if err == nil {
			t.Errorf("ParseSMTPURL(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "p@h") {
			t.Errorf("the error repeats the URL: %v", err)
		}
	}
	if got := (SMTPConfig{Host: "h", Port: 587, Username: "ann", Password: "s3cret", TLS: "starttls"}).String(); got != "smtp://ann@h:587" {
		t.Errorf("String() = %q", got)
	}
}

// smtp:// requires STARTTLS: a server that does not offer it gets nothing,
// not a mail in clear.
func TestSTARTTLSIsRequired(t *testing.T) {
	srv := mailtest.Start(t)
	cfg, err := ParseSMTPURL("smtp://" + srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	err = (&SMTP{Config: cfg, Timeout: 5 * time.Second}).Send(context.Background(), Message{From: "t@localhost",
		To: "ann@example.com", Subject: "x", MessageID: "x@localhost", Text: "secret"})
	if err == nil {
		t.Fatal("sent without STARTTLS")
	}
	if got := srv.Mails(); len(got) != 0 {
		t.Errorf("%d mails arrived in clear", len(got))
	}
}

// A batch's jobs are not mailed one by one; one mail tells the batch has
// finished, once, to an owner who asked for it.
func TestBatchMailOnceWhenTheBatchHasFinished(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.prefs(t, e.ann, db.MailPrefs{JobReady: true, JobFailed: true, BatchDone: true})
	var todo []db.BatchJob
	for _, name := range []string{"Ana", "Bo"} {
		c, err := e.db.Candidates.Create(ctx, e.ann.ID, name, []byte(`{"basics":{"name":"`+name+`"}}`))
		if err != nil {
			t.Fatal(err)
		}
		todo = append(todo, db.BatchJob{Job: db.Job{CandidateID: c.ID, CandidateVersion: 1, CandidateName: name,
			JobTitle: "Data Engineer", Company: "Globex", JobDescription: "Go", Theme: "classic", Paper: "a4", Queue: "batch",
			InputsHash: name}, Profile: c.Profile})
	}
	b, js, err := e.db.Batches.Create(ctx, db.Batch{OwnerID: e.ann.ID, JobTitle: "Data Engineer", Company: "Globex",
		JobDescription: "Go", Theme: "classic", Paper: "a4"}, todo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Batches.Release(ctx, 10); err != nil { // the feeder's part
		t.Fatal(err)
	}
	endJob := func(j db.Job, ev jobstate.Event, res *db.Result) db.JobEnd {
		t.Helper()
		if _, err := e.db.Jobs.Apply(ctx, j.ID, ev, res); err != nil {
			t.Fatal(err)
		}
		for _, end := range mustPending(t, e.db) {
			if end.JobID == j.ID {
				if end.BatchID != b.ID {
					t.Fatalf("outbox row %+v, want batch %s", end, b.ID)
				}
				return end
			}
		}
		t.Fatal("no outbox row")
		return db.JobEnd{}
	}
	first := endJob(js[0], jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1},
		&db.Result{PDF: fakePDF, HTML: "<p>x</p>", Profile: []byte("{}")})
	if err := e.n.Dispatch(ctx, first); err != nil {
		t.Fatal(err)
	}
	if n := e.queue.len(); n != 0 {
		t.Fatalf("%d mails queued with the batch half done, want 0 (no mail per job)", n)
	}
	last := endJob(js[1], jobstate.Event{Kind: jobstate.EventFailed, Attempt: 1, Change: jobstate.Change{Error: "printing failed"}}, nil)
	for range 2 { // a second dispatch of the same end queues nothing more
		if err := e.n.Dispatch(ctx, last); err != nil {
			t.Fatal(err)
		}
		if err := e.n.Dispatch(ctx, first); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.queue.len(); n != 1 {
		t.Fatalf("%d mails queued once the batch finished, want 1", n)
	}
	if errs := e.queue.run(t, e.n); errs != nil {
		t.Fatal(errs)
	}
	m := e.smtp.Wait(t, 1, 5*time.Second)[0]
	if got, want := m.Header.Get("Subject"), "Batch finished: Data Engineer at Globex (1 of 2 ready)"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	for _, want := range []string{
		"1 ready, 1 failed, 0 canceled, of 2",
		"https://tailor.example.com/batches/" + b.ID + "/zip",
		"Retry the failed ones",
		"k=batch",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Text)
		}
	}

	// Without the choice, no batch mail.
	e.prefs(t, e.ann, db.MailPrefs{JobReady: true, JobFailed: true})
	if err := e.db.Mail().Unsubscribe(ctx, e.ann.ID, db.MailBatch); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.db.Mail().Prefs(ctx, e.ann.ID); p.BatchDone || !p.JobReady {
		t.Errorf("prefs after unsubscribing from batch mails: %+v", p)
	}
}
