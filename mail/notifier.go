package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/notify"
)

// TypeSend is the task that sends one recorded mail.
const TypeSend = "mail:send"

// Retries: the wait doubles from RetryFirst up to RetryMost, MaxRetry
// times (about 4 hours in all); then the mail is given up (its row keeps
// the last error).
const (
	MaxRetry   = 12
	RetryFirst = 10 * time.Second
	RetryMost  = 30 * time.Minute
)

// DefaultMaxAttachment caps the PDF attached to a ready mail; a larger one
// is linked instead.
const DefaultMaxAttachment = 5 << 20

// DefaultDigestHour is the hour (UTC) from which each day's digest goes out;
// it covers the 24 hours before that hour.
const DefaultDigestHour = 8

// requeueAfter is how long a recorded mail may wait unsent before the
// notifier queues its task again (Redis lost it).
const requeueAfter = 10 * time.Minute

// Enqueuer queues tasks (asynq.Client).
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Notifier records and sends mails. It is the e-mail notify.Channel, the
// handler of TypeSend tasks, and (Run) the daily digest.
type Notifier struct {
	DB      *db.DB
	Queue   Enqueuer
	Sender  Sender
	From    string // MAIL_FROM
	BaseURL string // BASE_URL: links in mails; "" gives paths only
	Logger  *slog.Logger
	Metrics *Metrics // nil: none
	Now     func() time.Time

	MaxAttachment int           // 0: DefaultMaxAttachment
	DigestHour    int           // 0..23 (UTC); NewNotifier sets DefaultDigestHour
	Interval      time.Duration // Run's period; 0: a minute
	RetryDelay    func(n int) time.Duration

	keyMu      sync.Mutex
	SigningKey []byte // signs unsubscribe links; nil: read from the database's settings
}

// NewNotifier returns a notifier with the default limits.
func NewNotifier(database *db.DB, queue Enqueuer, sender Sender, from, baseURL string, logger *slog.Logger) *Notifier {
	return &Notifier{DB: database, Queue: queue, Sender: sender, From: from, BaseURL: strings.TrimSuffix(baseURL, "/"),
		Logger: logger, Now: time.Now, DigestHour: DefaultDigestHour, RetryDelay: notify.Backoff(RetryFirst, RetryMost)}
}

var (
	_ notify.Channel = (*Notifier)(nil)
	_ asynq.Handler  = (*Notifier)(nil)
)

// Name is the channel's name in logs.
func (n *Notifier) Name() string { return "email" }

// Register makes w run the mail tasks.
func (n *Notifier) Register(w *notify.Worker) {
	w.Handle(TypeSend, n, n.RetryDelay)
}

// Dispatch records and queues the mail of a job's end, if its owner asked
// for one: a ready mail for a success, a failed mail for a failure, none
// for a cancel. Calling it again for the same end changes nothing.
func (n *Notifier) Dispatch(ctx context.Context, end db.JobEnd) error {
	if end.BatchID != "" {
		return n.dispatchBatch(ctx, end)
	}
	kind := map[string]string{jobstate.StatusSucceeded: db.MailReady, jobstate.StatusFailed: db.MailFailed}[end.Status]
	if kind == "" {
		return nil
	}
	prefs, err := n.DB.Mail().Prefs(ctx, end.OwnerID)
	if err != nil || !prefs.Wants(kind) {
		return err
	}
	return n.queue(ctx, db.MailSend{Key: "job:" + end.JobID + ":" + kind, Kind: kind, UserID: end.OwnerID, JobID: end.JobID})
}

// dispatchBatch records the one mail of a batch when the job that ended
// was its last (a batch's jobs are not mailed one by one: a thousand mails
// for one click). The last job's end is recorded after the batch is done,
// so some end always sees it done; the key makes later ones record nothing.
func (n *Notifier) dispatchBatch(ctx context.Context, end db.JobEnd) error {
	prefs, err := n.DB.Mail().Prefs(ctx, end.OwnerID)
	if err != nil || !prefs.Wants(db.MailBatch) {
		return err
	}
	b, err := n.DB.Batches.Get(ctx, db.AllOwners, end.BatchID)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil || !b.Counts.Done() {
		return err
	}
	return n.queue(ctx, db.MailSend{Key: batchKeyPrefix + b.ID, Kind: db.MailBatch, UserID: end.OwnerID})
}

// batchKeyPrefix starts a batch mail's key; the batch id follows.
const batchKeyPrefix = "batch:"

// SendToAdmins mails subject and text to every admin who chose alert
// e-mails, once per key and admin however often it is called (an alert
// that fires gives one key, its resolution another). The mails are queued:
// it returns once they are recorded, not sent.
func (n *Notifier) SendToAdmins(ctx context.Context, key, subject, text string) error {
	admins, err := n.DB.Mail().AdminsWanting(ctx, db.MailAlert)
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range admins {
		errs = append(errs, n.queue(ctx, db.MailSend{Key: "alert:" + key + ":" + u.ID, Kind: db.MailAlert, UserID: u.ID,
			Subject: subject, Body: text}))
	}
	return errors.Join(errs...)
}

// queue records the mail (once) and queues its task unless it was sent.
func (n *Notifier) queue(ctx context.Context, m db.MailSend) error {
	row, err := n.DB.Mail().Queue(ctx, m)
	if err != nil {
		return err
	}
	if !row.SentAt.IsZero() {
		return nil
	}
	return n.enqueue(ctx, row.Key)
}

type payload struct {
	Key string `json:"key"`
}

// enqueue queues the task of a recorded mail under a task id made of its
// key: a second enqueue while asynq holds the task (queued, retrying, or
// kept a day after it ran) is a conflict, which means done.
func (n *Notifier) enqueue(ctx context.Context, key string) error {
	body, _ := json.Marshal(payload{Key: key})
	_, err := n.Queue.EnqueueContext(ctx, asynq.NewTask(TypeSend, body), asynq.TaskID("mail:"+key), asynq.Queue(notify.Queue),
		asynq.MaxRetry(MaxRetry), asynq.Timeout(2*time.Minute), asynq.Retention(24*time.Hour))
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("queue mail %s: %w", key, err)
	}
	n.Metrics.queued()
	return nil
}

// ProcessTask sends one recorded mail, unless it was sent already (a
// task run twice) or is no longer wanted. The sent-marker is written once
// the SMTP server accepted the mail; a crash between the two sends it
// again at the retry (the only duplicate left, with the same Message-ID).
func (n *Notifier) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p payload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.Key == "" {
		return fmt.Errorf("mail task payload: %v: %w", err, asynq.SkipRetry)
	}
	row, err := n.DB.Mail().Get(ctx, p.Key)
	if errors.Is(err, db.ErrNotFound) {
		return nil // its job or user was deleted since
	}
	if err != nil {
		return err
	}
	if !row.SentAt.IsZero() {
		return nil
	}
	msg, skip, err := n.compose(ctx, row)
	if err == nil && skip == "" {
		err = n.Sender.Send(ctx, msg)
	}
	// Record the outcome even when the task's context ended.
	rec := context.WithoutCancel(ctx)
	if err != nil {
		n.Metrics.failed(row.Kind)
		if merr := n.DB.Mail().MarkFailed(rec, row.Key, err.Error()); merr != nil {
			n.Logger.Warn("mail: record a failed attempt", "key", row.Key, "err", merr)
		}
		n.Logger.Warn("mail not sent, will retry", "key", row.Key, "kind", row.Kind, "err", err)
		return err
	}
	if err := n.DB.Mail().MarkSent(rec, row.Key, skip); err != nil {
		return err
	}
	if skip == "" {
		n.Metrics.sent(row.Kind)
		n.Logger.Info("mail sent", "key", row.Key, "kind", row.Kind, "user_id", row.UserID)
	} else {
		n.Metrics.skipped(row.Kind)
		n.Logger.Info("mail not needed", "key", row.Key, "kind", row.Kind, "why", skip)
	}
	return nil
}

// Run sends each day's digest to the admins who chose it and queues again
// the mails whose task Redis lost, every Interval until ctx is done. Two
// processes, or one restarted, record the same digest key: it goes once.
func (n *Notifier) Run(ctx context.Context) error {
	interval := n.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := n.Tick(ctx); err != nil && ctx.Err() == nil {
			n.Logger.Warn("mail: periodic check", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick is one pass of Run.
func (n *Notifier) Tick(ctx context.Context) error {
	return errors.Join(n.queueDigests(ctx), n.requeue(ctx))
}

// queueDigests records today's digest for every admin who chose it, once
// today's digest hour has passed.
func (n *Notifier) queueDigests(ctx context.Context) error {
	now := n.now().UTC()
	if now.Hour() < n.DigestHour {
		return nil
	}
	admins, err := n.DB.Mail().AdminsWanting(ctx, db.MailDigest)
	if err != nil {
		return err
	}
	day := now.Format(time.DateOnly)
	var errs []error
	for _, u := range admins {
		errs = append(errs, n.queue(ctx, db.MailSend{Key: "digest:" + day + ":" + u.ID, Kind: db.MailDigest, UserID: u.ID}))
	}
	return errors.Join(errs...)
}

// requeue queues again the tasks of mails left unsent for a while with
// attempts to spare; a task asynq still holds is a conflict, so nothing.
func (n *Notifier) requeue(ctx context.Context) error {
	rows, err := n.DB.Mail().Unsent(ctx, n.now().Add(-requeueAfter), MaxRetry+1, 100)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range rows {
		errs = append(errs, n.enqueue(ctx, r.Key))
	}
	return errors.Join(errs...)
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

// messageID is the mail's Message-ID: the same for every attempt of one
// mail, so a receiver can tell a resend.
func (n *Notifier) messageID(key string) string {
	domain := "localhost"
	if a, err := mail.ParseAddress(n.From); err == nil {
		if i := strings.LastIndex(a.Address, "@"); i >= 0 {
			domain = a.Address[i+1:]
		}
	}
	local := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '.'
	}, key)
	return local + "@" + domain
}

// signingKey is the server's link-signing key (the one handlers use).
func (n *Notifier) signingKey(ctx context.Context) ([]byte, error) {
	n.keyMu.Lock()
	defer n.keyMu.Unlock()
	if n.SigningKey == nil {
		k, err := n.DB.Settings.SigningKey(ctx)
		if err != nil {
			return nil, err
		}
		n.SigningKey = k
	}
	return n.SigningKey, nil
}
