// Package webhook tells other systems (an ATS) that a job ended: a token
// owner registers endpoint URLs, and each job end becomes a JSON event
// POSTed to them, signed as Standard Webhooks, retried with backoff for a
// day from the notify queue, each attempt logged. Deliveries connect only to
// public addresses (ssrf.go).
package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/notify"
)

// Event types. A job's end is one of the three job types; ping is the
// "send test event" button's, delivered whatever the endpoint subscribed to.
const (
	JobSucceeded = "job.succeeded"
	JobFailed    = "job.failed"
	JobCanceled  = "job.canceled"
	Ping         = "ping"
	// BatchCompleted: every job of a batch has ended. Not in the default
	// subscription: an endpoint asks for it.
	BatchCompleted = "batch.completed"
)

// JobEventTypes are the job types, the default subscription.
var JobEventTypes = []string{JobSucceeded, JobFailed, JobCanceled}

// TaskType is the delivery task on the notify queue.
const TaskType = "webhook:deliver"

// DefaultSchedule is the wait before each retry: about 24 h in all, then
// the delivery is given up (archived in the notify queue).
var DefaultSchedule = []time.Duration{
	5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 8*time.Hour + 20*time.Minute,
}

// DefaultTimeout bounds one attempt, from dialing to the answer's end.
const DefaultTimeout = 10 * time.Second

// UserAgent is sent with every delivery.
const UserAgent = "Tailor-Webhooks/1"

// Enqueuer queues delivery tasks; *asynq.Client is one.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

var _ Enqueuer = (*asynq.Client)(nil)

// Service registers endpoints and delivers events to them. It is the
// notify.Channel of webhooks and the handler of their delivery tasks.
type Service struct {
	DB      *db.DB
	Queue   Enqueuer
	Policy  Policy // which addresses deliveries may reach (WEBHOOK_ALLOW_NETS)
	BaseURL string // makes the events' links absolute; "" leaves them paths
	Logger  *slog.Logger
	Metrics *Metrics // nil: no metrics

	// EventTypes are the types an endpoint may subscribe to; nil means
	// JobEventTypes. A part that Emits its own events adds their types.
	EventTypes []string
	Schedule   []time.Duration // waits between attempts; nil: DefaultSchedule
	Timeout    time.Duration   // one attempt; 0: DefaultTimeout
	Resolver   Resolver        // nil: net.DefaultResolver
	Now        func() time.Time

	clientOnce sync.Once
	client     *http.Client
}

var _ notify.Channel = (*Service)(nil)

// Name is the channel's name in logs.
func (s *Service) Name() string { return "webhook" }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Service) eventTypes() []string {
	if s.EventTypes != nil {
		return s.EventTypes
	}
	return JobEventTypes
}

func (s *Service) schedule() []time.Duration {
	if s.Schedule != nil {
		return s.Schedule
	}
	return DefaultSchedule
}

func (s *Service) resolver() Resolver {
	if s.Resolver != nil {
		return s.Resolver
	}
	return net.DefaultResolver
}

// Register adds the delivery task and its retry schedule to the notify worker.
func (s *Service) Register(w *notify.Worker) {
	w.Handle(TaskType, s, s.RetryDelay)
}

// RetryDelay is the wait before retry n (from 0).
func (s *Service) RetryDelay(n int) time.Duration {
	sched := s.schedule()
	if len(sched) == 0 {
		return time.Second
	}
	return sched[min(n, len(sched)-1)]
}

// Event is the JSON body of a delivery.
type Event struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// JobData is the data of a job event.
type JobData struct {
	JobID         string `json:"job_id"`
	Status        string `json:"status"`
	StatusURL     string `json:"status_url"`
	DownloadURL   string `json:"download_url,omitempty"` // succeeded jobs only
	CandidateName string `json:"candidate_name,omitempty"`
	JobTitle      string `json:"job_title,omitempty"`
	Company       string `json:"company,omitempty"`
	Error         string `json:"error,omitempty"`
}

// Registration is what a user asks for.
type Registration struct {
	URL    string
	Events []string // nil or empty: JobEventTypes
}

// Create checks and stores a user's endpoint with a new secret. A URL that
// is malformed or resolves to an address deliveries may not reach is a
// *URLError, an unknown event type an *EventsError; a user past the cap
// gets db.ErrWebhookLimit.
func (s *Service) Create(ctx context.Context, ownerID string, r Registration) (db.Webhook, error) {
	events, err := s.checkEvents(r.Events)
	if err != nil {
		return db.Webhook{}, err
	}
	if err := s.Policy.CheckURL(ctx, s.resolver(), r.URL); err != nil {
		return db.Webhook{}, err
	}
	return s.DB.Webhooks.Create(ctx, db.Webhook{OwnerID: ownerID, URL: r.URL, Secret: NewSecret(), Events: events})
}

// EventsError is an event type no endpoint can subscribe to.
type EventsError struct{ Msg string }

func (e *EventsError) Error() string { return e.Msg }

func (s *Service) checkEvents(events []string) ([]string, error) {
	if len(events) == 0 {
		return slices.Clone(JobEventTypes), nil
	}
	known := s.eventTypes()
	var out []string
	for _, e := range events {
		if !slices.Contains(known, e) {
			return nil, &EventsError{fmt.Sprintf("unknown event type %.40q: use %v", e, known)}
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Dispatch queues the deliveries of a job's end to the owner's enabled
// endpoints subscribed to its type. It is idempotent: each delivery's task
// id names the endpoint and the job, so a second call queues nothing.
func (s *Service) Dispatch(ctx context.Context, end db.JobEnd) error {
	// One read of the owner's endpoints decides both events: most owners
	// have none, and a batch's counts are read only for a subscriber.
	all, err := s.DB.Webhooks.List(ctx, db.OwnedBy(end.OwnerID))
	if err != nil || len(all) == 0 {
		return err
	}
	if err := s.dispatchJob(ctx, end, enabledFor(all, "job."+end.Status)); err != nil {
		return err
	}
	return s.dispatchBatch(ctx, end, enabledFor(all, BatchCompleted))
}

// BatchData is the data of a batch.completed event.
type BatchData struct {
	BatchID   string         `json:"batch_id"`
	StatusURL string         `json:"status_url"`
	ZipURL    string         `json:"zip_url"`
	Counts    map[string]int `json:"counts"`
}

// dispatchBatch emits batch.completed once when the job that ended was its
// batch's last: the last job's end is recorded after the batch is done, so
// some end always sees it done; the event id makes later ones queue nothing.
func (s *Service) dispatchBatch(ctx context.Context, end db.JobEnd, hooks []db.Webhook) error {
	if end.BatchID == "" || len(hooks) == 0 || !slices.Contains(s.eventTypes(), BatchCompleted) {
		return nil
	}
	b, err := s.DB.Batches.Get(ctx, db.AllOwners, end.BatchID)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil || !b.Counts.Done() {
		return err
	}
	c := b.Counts
	return s.emitTo(ctx, hooks, BatchCompleted, "msg_batch_"+b.ID, BatchData{
		BatchID: b.ID, StatusURL: s.BaseURL + "/api/batches/" + b.ID, ZipURL: s.BaseURL + "/api/batches/" + b.ID + "/zip",
		Counts: map[string]int{"total": c.Total(), "succeeded": c.Succeeded, "failed": c.Failed, "canceled": c.Canceled},
	})
}

func (s *Service) dispatchJob(ctx context.Context, end db.JobEnd, hooks []db.Webhook) error {
	if len(hooks) == 0 {
		return nil
	}
	eventType := "job." + end.Status
	job, err := s.DB.Jobs.Get(ctx, db.AllOwners, end.JobID)
	if errors.Is(err, db.ErrNotFound) {
		return nil // purged meanwhile: nothing left to link to
	}
	if err != nil {
		return err
	}
	data := JobData{JobID: job.ID, Status: end.Status, StatusURL: s.BaseURL + "/api/resume-async/job-status/" + job.ID,
		CandidateName: job.CandidateName, JobTitle: job.JobTitle, Company: job.Company, Error: job.Error}
	if end.Status == "succeeded" {
		data.DownloadURL = s.BaseURL + "/api/resume-async/download/" + job.ID
	}
	body, err := json.Marshal(Event{Type: eventType, Timestamp: end.EndedAt.UTC(), Data: data})
	if err != nil {
		return err
	}
	return s.enqueueAll(ctx, hooks, delivery{EventID: "msg_job_" + job.ID, EventType: eventType, JobID: job.ID, Body: body})
}

// Emit queues a signed delivery of an event that is not a job's end (an
// alert firing) to the owner's enabled endpoints subscribed to eventType,
// which must be one of EventTypes. eventID is the webhook-id receivers
// deduplicate on; Emit is idempotent by it: a second call with the same
// eventID queues nothing. data is the event's "data" object.
func (s *Service) Emit(ctx context.Context, ownerID, eventType, eventID string, data any) error {
	if !slices.Contains(s.eventTypes(), eventType) {
		return fmt.Errorf("webhook: emit %q: not one of the event types %v", eventType, s.eventTypes())
	}
	if eventID == "" {
		return errors.New("webhook: emit: an event id is required")
	}
	hooks, err := s.subscribed(ctx, ownerID, eventType)
	if err != nil {
		return err
	}
	return s.emitTo(ctx, hooks, eventType, eventID, data)
}

// emitTo queues an event to the given endpoints.
func (s *Service) emitTo(ctx context.Context, hooks []db.Webhook, eventType, eventID string, data any) error {
	if len(hooks) == 0 {
		return nil
	}
	body, err := json.Marshal(Event{Type: eventType, Timestamp: s.now().UTC(), Data: data})
	if err != nil {
		return fmt.Errorf("webhook: emit %s: %w", eventType, err)
	}
	return s.enqueueAll(ctx, hooks, delivery{EventID: eventID, EventType: eventType, Body: body})
}

// SendTest queues a signed ping to one endpoint of the owner (another
// user's is db.ErrNotFound), whatever it subscribed to; a disabled one is
// db.ErrConflict.
func (s *Service) SendTest(ctx context.Context, owner db.Owner, id string) error {
	hook, err := s.DB.Webhooks.Get(ctx, owner, id)
	if err != nil {
		return err
	}
	if !hook.Enabled {
		return fmt.Errorf("%w: the webhook is disabled (%s); delete it and add it again", db.ErrConflict, hook.DisabledReason)
	}
	eventID := "msg_test_" + db.NewID()
	body, err := json.Marshal(Event{Type: Ping, Timestamp: s.now().UTC(), Data: map[string]string{
		"message": "A test event from Tailor: deliveries to this endpoint work.", "webhook_id": hook.ID}})
	if err != nil {
		return err
	}
	return s.enqueue(ctx, hook, delivery{EventID: eventID, EventType: Ping, Body: body})
}

func (s *Service) subscribed(ctx context.Context, ownerID, eventType string) ([]db.Webhook, error) {
	all, err := s.DB.Webhooks.List(ctx, db.OwnedBy(ownerID))
	if err != nil {
		return nil, err
	}
	return enabledFor(all, eventType), nil
}

// enabledFor keeps the enabled endpoints subscribed to eventType.
func enabledFor(all []db.Webhook, eventType string) []db.Webhook {
	var hooks []db.Webhook
	for _, h := range all {
		if h.Enabled && h.Subscribed(eventType) {
			hooks = append(hooks, h)
		}
	}
	return hooks
}

func (s *Service) enqueueAll(ctx context.Context, hooks []db.Webhook, d delivery) error {
	var errs []error
	for _, h := range hooks {
		errs = append(errs, s.enqueue(ctx, h, d))
	}
	return errors.Join(errs...)
}

// delivery is a task's payload: the body is built once, when the event is
// queued, so every attempt sends the same bytes under the same webhook-id.
type delivery struct {
	WebhookID string          `json:"webhook_id"`
	EventID   string          `json:"event_id"`
	EventType string          `json:"event_type"`
	JobID     string          `json:"job_id,omitempty"`
	Body      json.RawMessage `json:"body"`
}

// taskTimeout bounds a delivery task; an attempt's own timeout is shorter.
const taskTimeout = time.Minute

func (s *Service) enqueue(ctx context.Context, h db.Webhook, d delivery) error {
	d.WebhookID = h.ID
	payload, err := json.Marshal(d)
	if err != nil {
		return err
	}
	var total time.Duration
	for _, w := range s.schedule() {
		total += w
	}
	_, err = s.Queue.EnqueueContext(ctx, asynq.NewTask(TaskType, payload),
		asynq.Queue(notify.Queue),
		asynq.TaskID("webhook:"+h.ID+":"+d.EventID),
		asynq.MaxRetry(len(s.schedule())),
		asynq.Timeout(taskTimeout),
		// Kept after success for as long as a retry could still run, so a
		// second dispatch of the same end finds its id taken.
		asynq.Retention(max(total, 24*time.Hour)))
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil // already queued: idempotent
	}
	if err != nil {
		return fmt.Errorf("queue webhook delivery: %w", err)
	}
	return nil
}
