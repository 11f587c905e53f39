package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Webhook is an endpoint a user registered: Tailor POSTs signed events to
// its URL (package webhook).
type Webhook struct {
	ID             string
	OwnerID        string
	URL            string
	Secret         string // whsec_<base64>; Tailor signs with it, so it is stored as is
	Events         []string
	Enabled        bool
	DisabledReason string // why Tailor disabled it (410 Gone), "" otherwise
	CreatedAt      time.Time
}

// Subscribed reports whether the endpoint wants events of type eventType.
func (w Webhook) Subscribed(eventType string) bool {
	for _, e := range w.Events {
		if e == eventType {
			return true
		}
	}
	return false
}

// WebhookDelivery is one attempt to deliver an event to an endpoint.
type WebhookDelivery struct {
	WebhookID  string
	EventID    string // the webhook-id header: the same for every attempt of one event
	EventType  string
	JobID      string
	Attempt    int
	StatusCode int // 0: no answer (refused, timeout, connection error)
	Error      string
	Latency    time.Duration
	At         time.Time
}

// MaxWebhooksPerUser bounds the endpoints of one user.
const MaxWebhooksPerUser = 5

// KeptDeliveries is how many attempts the log keeps per endpoint.
const KeptDeliveries = 50

// ErrWebhookLimit is returned when a user already has MaxWebhooksPerUser endpoints.
var ErrWebhookLimit = errors.New("webhook limit reached")

// Webhooks stores endpoints and their delivery logs.
type Webhooks struct{ db *DB }

const webhookColumns = "id, owner_id, url, secret, events, enabled, disabled_reason, created_at"

func scanWebhook(row scanner) (Webhook, error) {
	var w Webhook
	var events string
	var ms int64
	if err := row.Scan(&w.ID, &w.OwnerID, &w.URL, &w.Secret, &events, &w.Enabled, &w.DisabledReason, &ms); err != nil {
		return Webhook{}, err
	}
	w.Events = strings.Fields(events)
	w.CreatedAt = time.UnixMilli(ms).UTC()
	return w, nil
}

// Create adds an endpoint for w.OwnerID, enabled; it returns
// ErrWebhookLimit when the owner has MaxWebhooksPerUser already.
func (s *Webhooks) Create(ctx context.Context, w Webhook) (Webhook, error) {
	w.ID = NewID()
	w.Enabled = true
	w.CreatedAt = s.db.Now().UTC().Truncate(time.Millisecond)
	// One statement: two concurrent creates cannot both pass the cap.
	res, err := s.db.write.ExecContext(ctx, `
		INSERT INTO webhooks (id, owner_id, url, secret, events, enabled, created_at)
		SELECT ?, ?, ?, ?, ?, 1, ?
		WHERE (SELECT count(*) FROM webhooks WHERE owner_id = ?) < ?`,
		w.ID, w.OwnerID, w.URL, w.Secret, strings.Join(w.Events, " "), w.CreatedAt.UnixMilli(), w.OwnerID, MaxWebhooksPerUser)
	if err != nil {
		return Webhook{}, fmt.Errorf("create webhook: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Webhook{}, ErrWebhookLimit
	}
	return w, nil
}

// Get returns one endpoint in the owner's scope; another user's is ErrNotFound.
func (s *Webhooks) Get(ctx context.Context, owner Owner, id string) (Webhook, error) {
	w, err := scanWebhook(s.db.read.QueryRowContext(ctx,
		"SELECT "+webhookColumns+" FROM webhooks WHERE id = ? AND "+ownerMatch, owner.args(id)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Webhook{}, ErrNotFound
	}
	if err != nil {
		return Webhook{}, fmt.Errorf("get webhook: %w", err)
	}
	return w, nil
}

// List returns the owner's endpoints, oldest first.
func (s *Webhooks) List(ctx context.Context, owner Owner) ([]Webhook, error) {
	rows, err := s.db.read.QueryContext(ctx,
		"SELECT "+webhookColumns+" FROM webhooks WHERE "+ownerMatch+" ORDER BY created_at, id", owner.args()...)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	list := []Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		list = append(list, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return list, nil
}

// Delete removes an endpoint and its log; another user's is ErrNotFound.
func (s *Webhooks) Delete(ctx context.Context, owner Owner, id string) error {
	res, err := s.db.write.ExecContext(ctx, "DELETE FROM webhooks WHERE id = ? AND "+ownerMatch, owner.args(id)...)
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Disable stops deliveries to an endpoint, saying why.
func (s *Webhooks) Disable(ctx context.Context, id, reason string) error {
	if _, err := s.db.write.ExecContext(ctx, "UPDATE webhooks SET enabled = 0, disabled_reason = ? WHERE id = ?", reason, id); err != nil {
		return fmt.Errorf("disable webhook: %w", err)
	}
	return nil
}

// LogDelivery records an attempt and keeps only the endpoint's last
// KeptDeliveries, in one transaction. An endpoint deleted meanwhile logs
// nothing.
func (s *Webhooks) LogDelivery(ctx context.Context, d WebhookDelivery) error {
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("log webhook delivery: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, job_id, attempt, status_code, error, latency_ms, at)
		SELECT id, ?, ?, ?, ?, ?, ?, ?, ? FROM webhooks WHERE id = ?`,
		d.EventID, d.EventType, d.JobID, d.Attempt, d.StatusCode, d.Error, d.Latency.Milliseconds(), d.At.UnixMilli(), d.WebhookID); err != nil {
		return fmt.Errorf("log webhook delivery: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		DELETE FROM webhook_deliveries WHERE webhook_id = ? AND seq <= coalesce(
			(SELECT seq FROM webhook_deliveries WHERE webhook_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?), 0)`,
		d.WebhookID, d.WebhookID, KeptDeliveries); err != nil {
		return fmt.Errorf("prune webhook deliveries: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("log webhook delivery: %w", err)
	}
	return nil
}

// Deliveries returns the endpoint's logged attempts, newest first; the
// caller checked that the endpoint is in scope.
func (s *Webhooks) Deliveries(ctx context.Context, webhookID string) ([]WebhookDelivery, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT webhook_id, event_id, event_type, job_id, attempt, status_code, error, latency_ms, at
		FROM webhook_deliveries WHERE webhook_id = ? ORDER BY seq DESC LIMIT ?`, webhookID, KeptDeliveries)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	defer rows.Close()
	list := []WebhookDelivery{}
	for rows.Next() {
		var d WebhookDelivery
		var latency, at int64
		if err := rows.Scan(&d.WebhookID, &d.EventID, &d.EventType, &d.JobID, &d.Attempt, &d.StatusCode, &d.Error, &latency, &at); err != nil {
			return nil, fmt.Errorf("webhook deliveries: %w", err)
		}
		d.Latency = time.Duration(latency) * time.Millisecond
		d.At = time.UnixMilli(at).UTC()
		list = append(list, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	return list, nil
}
