package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
)

// compose writes the mail of a recorded send, or says why none is needed
// any more (the user opted out or was disabled since, nothing failed).
func (n *Notifier) compose(ctx context.Context, row db.MailSend) (Message, string, error) {
	u, err := n.DB.Users.Get(ctx, row.UserID)
	if errors.Is(err, db.ErrNotFound) {
		return Message{}, "the user was deleted", nil
	}
	if err != nil {
		return Message{}, "", err
	}
	if u.Disabled {
		return Message{}, "the user is disabled", nil
	}
	prefs, err := n.DB.Mail().Prefs(ctx, u.ID)
	if err != nil {
		return Message{}, "", err
	}
	if !prefs.Wants(row.Kind) || ((row.Kind == db.MailDigest || row.Kind == db.MailAlert) && !u.IsAdmin()) {
		return Message{}, "the user no longer wants these mails", nil
	}
	key, err := n.signingKey(ctx)
	if err != nil {
		return Message{}, "", err
	}
	m := Message{From: n.From, To: u.Email, MessageID: n.messageID(row.Key), Date: n.now()}
	if n.BaseURL != "" {
		m.Unsubscribe = n.BaseURL + UnsubscribePath + "?" + UnsubscribeQuery(key, u.ID, row.Kind)
		m.Settings = n.BaseURL + "/settings/notifications"
	}
	var b strings.Builder
	switch row.Kind {
	case db.MailReady, db.MailFailed:
		j, err := n.DB.Jobs.Get(ctx, db.AllOwners, row.JobID)
		if errors.Is(err, db.ErrNotFound) {
			return Message{}, "the job was deleted", nil
		}
		if err != nil {
			return Message{}, "", err
		}
		if row.Kind == db.MailReady {
			err = n.writeReady(ctx, &m, &b, j, prefs.AttachPDF)
		} else {
			n.writeFailed(&m, &b, j)
		}
		if err != nil {
			return Message{}, "", err
		}
	case db.MailDigest:
		none, err := n.writeDigest(ctx, &m, &b, row.Key)
		if err != nil {
			return Message{}, "", err
		}
		if none {
			return Message{}, "nothing failed", nil
		}
	case db.MailBatch:
		gone, err := n.writeBatch(ctx, &m, &b, strings.TrimPrefix(row.Key, batchKeyPrefix))
		if err != nil {
			return Message{}, "", err
		}
		if gone {
			return Message{}, "the batch was deleted", nil
		}
	case db.MailAlert:
		m.Subject = "[Tailor alert] " + row.Subject
		b.WriteString(strings.TrimRight(row.Body, "\n") + "\n")
		if n.BaseURL != "" {
			fmt.Fprintf(&b, "\nAdmin console: %s/admin\n", n.BaseURL)
		}
	default:
		return Message{}, "", fmt.Errorf("mail %s: unknown kind %q", row.Key, row.Kind)
	}
	n.footer(&b, m)
	m.Text = b.String()
	return m, "", nil
}

// link is an absolute link to path when BASE_URL is set; else the path, to
// be read, not clicked (links never come from a request's Host).
func (n *Notifier) link(path string) string {
	if n.BaseURL == "" {
		return path + " (in Tailor; set BASE_URL for clickable links)"
	}
	return n.BaseURL + path
}

func jobLabel(j db.Job) string {
	s := j.CandidateName
	if s == "" {
		s = "a candidate"
	}
	if j.JobTitle != "" {
		s += " for " + j.JobTitle
	}
	if j.Company != "" {
		s += " at " + j.Company
	}
	return s
}

func (n *Notifier) writeReady(ctx context.Context, m *Message, b *strings.Builder, j db.Job, attach bool) error {
	m.Subject = "Resume ready: " + jobLabel(j)
	fmt.Fprintf(b, "The tailored resume of %s is ready.\n\n", jobLabel(j))
	fmt.Fprintf(b, "Details: %s\n", n.link("/jobs/"+j.ID))
	if !j.HasPDF {
		b.WriteString("It has no PDF (the PDF printer was unavailable); the details page shows the resume.\n")
		return nil
	}
	download := n.link("/jobs/" + j.ID + "/download")
	if !attach {
		fmt.Fprintf(b, "Download the PDF: %s\n", download)
		return nil
	}
	res, err := n.DB.Jobs.Result(ctx, db.AllOwners, j.ID)
	if err != nil {
		return err
	}
	limit := n.MaxAttachment
	if limit <= 0 {
		limit = DefaultMaxAttachment
	}
	if len(res.PDF) > limit {
		fmt.Fprintf(b, "The PDF (%s) is too large to attach; download it here: %s\n", size(len(res.PDF)), download)
		return nil
	}
	m.Attachment = &Attachment{Name: j.PDFFilename(), ContentType: "application/pdf", Data: res.PDF}
	fmt.Fprintf(b, "The PDF is attached (%s). Download it again: %s\n", m.Attachment.Name, download)
	return nil
}

// writeBatch tells a finished batch's counts, with the links to its page
// and its ZIP; gone is true when the batch no longer exists.
func (n *Notifier) writeBatch(ctx context.Context, m *Message, b *strings.Builder, id string) (gone bool, err error) {
	bt, err := n.DB.Batches.Get(ctx, db.AllOwners, id)
	if errors.Is(err, db.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	what := bt.JobTitle
	if bt.Company != "" {
		what = strings.TrimPrefix(what+" at "+bt.Company, " at ")
	}
	if what == "" {
		what = fmt.Sprintf("%d resumes", bt.Counts.Total())
	}
	c := bt.Counts
	m.Subject = fmt.Sprintf("Batch finished: %s (%d of %d ready)", what, c.Succeeded, c.Total())
	fmt.Fprintf(b, "Your batch %s has finished: %d ready, %d failed, %d canceled, of %d.\n\n",
		what, c.Succeeded, c.Failed, c.Canceled, c.Total())
	fmt.Fprintf(b, "The batch: %s\n", n.link("/batches/"+bt.ID))
	if c.Succeeded > 0 {
		fmt.Fprintf(b, "All its PDFs in one ZIP: %s\n", n.link("/batches/"+bt.ID+"/zip"))
	}
	if c.Failed > 0 {
		b.WriteString("Retry the failed ones from the batch page.\n")
	}
	return false, nil
}

func (n *Notifier) writeFailed(m *Message, b *strings.Builder, j db.Job) {
	m.Subject = "Resume failed: " + jobLabel(j)
	fmt.Fprintf(b, "The tailored resume of %s could not be made.\n\n", jobLabel(j))
	if j.Error != "" {
		fmt.Fprintf(b, "Reason: %s\n", jobstate.Reason(j.Error, j.Attempts))
	}
	fmt.Fprintf(b, "Details and Retry: %s\n", n.link("/jobs/"+j.ID))
}

// digestWindow is the 24 hours a digest of day covers: up to the digest
// hour of that day.
func (n *Notifier) digestWindow(day string) (time.Time, time.Time, error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	to := d.Add(time.Duration(n.DigestHour) * time.Hour)
	return to.Add(-24 * time.Hour), to, nil
}

// writeDigest writes the failures of the digest's 24 hours, and reports
// none when nothing failed.
func (n *Notifier) writeDigest(ctx context.Context, m *Message, b *strings.Builder, key string) (bool, error) {
	parts := strings.Split(key, ":") // digest:<day>:<user>
	if len(parts) != 3 {
		return false, fmt.Errorf("digest key %q", key)
	}
	from, to, err := n.digestWindow(parts[1])
	if err != nil {
		return false, fmt.Errorf("digest key %q: %w", key, err)
	}
	f, err := n.DB.Mail().FailuresBetween(ctx, from, to, 10)
	if err != nil {
		return false, err
	}
	if f.Total == 0 {
		return true, nil
	}
	plural := "s"
	if f.Total == 1 {
		plural = ""
	}
	m.Subject = fmt.Sprintf("Tailor daily digest: %d job%s failed", f.Total, plural)
	fmt.Fprintf(b, "%d job%s failed from %s to %s (UTC).\n\nBy error:\n", f.Total, plural,
		from.Format("2 Jan 15:04"), to.Format("2 Jan 15:04"))
	for _, e := range f.ByError {
		msg := e.Error
		if msg == "" {
			msg = "(no message)"
		}
		fmt.Fprintf(b, "  %5d  %s\n", e.Count, msg)
	}
	fmt.Fprintf(b, "\nLatest:\n")
	for _, j := range f.Latest {
		fmt.Fprintf(b, "  - %s, %s: %s\n    %s\n", j.FinishedAt.UTC().Format("2 Jan 15:04"), jobLabel(j), j.Error,
			n.link("/admin/jobs/"+j.ID))
	}
	if f.Total > len(f.Latest) {
		fmt.Fprintf(b, "  ... and %d more: %s\n", f.Total-len(f.Latest), n.link("/admin/jobs?status=failed"))
	}
	return false, nil
}

func (n *Notifier) footer(b *strings.Builder, m Message) {
	b.WriteString("\n-- \nYou get this mail because you chose it in Tailor's settings")
	if m.Settings == "" {
		b.WriteString(" (Settings, Notifications).\n")
		return
	}
	fmt.Fprintf(b, ": %s\nStop mails like this one: %s\n", m.Settings, m.Unsubscribe)
}

func size(n int) string {
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// Metrics count mails (tailor_mail_*).
type Metrics struct {
	Queued  prometheus.Counter
	Sent    *prometheus.CounterVec
	Failed  *prometheus.CounterVec
	Skipped *prometheus.CounterVec
}

// NewMetrics registers the mail counters on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Queued: prometheus.NewCounter(prometheus.CounterOpts{Name: "tailor_mail_queued_total",
			Help: "Mail tasks queued."}),
		Sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tailor_mail_sent_total",
			Help: "Mails the SMTP server accepted, by kind."}, []string{"kind"}),
		Failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tailor_mail_failed_total",
			Help: "Mail attempts that failed (each is retried with backoff), by kind."}, []string{"kind"}),
		Skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tailor_mail_skipped_total",
			Help: "Recorded mails not sent because no longer wanted (opted out, nothing failed), by kind."}, []string{"kind"}),
	}
	reg.MustRegister(m.Queued, m.Sent, m.Failed, m.Skipped)
	for _, kind := range db.MailKinds { // every series from the start, at 0
		m.Sent.WithLabelValues(kind)
		m.Failed.WithLabelValues(kind)
		m.Skipped.WithLabelValues(kind)
	}
	return m
}

func (m *Metrics) queued() {
	if m != nil {
		m.Queued.Inc()
	}
}

func (m *Metrics) sent(kind string) {
	if m != nil {
		m.Sent.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) failed(kind string) {
	if m != nil {
		m.Failed.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) skipped(kind string) {
	if m != nil {
		m.Skipped.WithLabelValues(kind).Inc()
	}
}
