package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/webhook"
)

type webhookJSON struct {
	ID             string    `json:"id"`
	URL            string    `json:"url"`
	Secret         string    `json:"secret,omitempty"` // on creation only
	Events         []string  `json:"events"`
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabled_reason,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

func toWebhookJSON(h db.Webhook) webhookJSON {
	return webhookJSON{ID: h.ID, URL: h.URL, Events: h.Events, Enabled: h.Enabled, DisabledReason: h.DisabledReason, CreatedAt: h.CreatedAt}
}

type deliveryJSON struct {
	EventID    string    `json:"event_id"`
	EventType  string    `json:"event_type"`
	JobID      string    `json:"job_id,omitempty"`
	Attempt    int       `json:"attempt"`
	StatusCode int       `json:"status_code"`
	Error      string    `json:"error,omitempty"`
	LatencyMS  int64     `json:"latency_ms"`
	At         time.Time `json:"at"`
}

// webhooks is the webhook service, or a 404 where none is configured.
func (s *Server) webhooks() (*webhook.Service, error) {
	if s.Webhooks == nil {
		return nil, errorf(http.StatusNotFound, "webhooks are not available in this process")
	}
	return s.Webhooks, nil
}

// createWebhook registers an endpoint; its errors are the user's to fix.
func (s *Server) createWebhook(r *http.Request, url string, events []string) (db.Webhook, error) {
	svc, err := s.webhooks()
	if err != nil {
		return db.Webhook{}, err
	}
	h, err := svc.Create(r.Context(), currentUser(r).ID, webhook.Registration{URL: url, Events: events})
	var ue *webhook.URLError
	var ee *webhook.EventsError
	switch {
	case errors.As(err, &ue):
		return h, &Error{Status: http.StatusUnprocessableEntity, Message: ue.Msg, Fields: map[string]string{"url": ue.Msg}}
	case errors.As(err, &ee):
		return h, &Error{Status: http.StatusUnprocessableEntity, Message: ee.Msg, Fields: map[string]string{"events": ee.Msg}}
	case errors.Is(err, db.ErrWebhookLimit):
		msg := fmt.Sprintf("you have %d webhooks already, the most there can be: delete one first", db.MaxWebhooksPerUser)
		return h, &Error{Status: http.StatusUnprocessableEntity, Message: msg}
	}
	return h, err
}

// sendTestEvent queues a ping to one of the user's endpoints.
func (s *Server) sendTestEvent(r *http.Request, id string) error {
	svc, err := s.webhooks()
	if err != nil {
		return err
	}
	err = svc.SendTest(r.Context(), db.OwnedBy(currentUser(r).ID), id)
	if err != nil && !errors.Is(err, db.ErrNotFound) && !errors.Is(err, db.ErrConflict) {
		s.logger(r).Warn("queue webhook test event", "webhook_id", id, "err", err)
		return &Error{Status: http.StatusServiceUnavailable, Message: "the queue is unavailable: try again in a moment", RetryAfter: "5"}
	}
	return err
}

// POST /api/webhooks {"url", "events"?}: 201 with the signing secret,
// shown this once.
func (s *Server) apiWebhookCreate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := decodeJSON(w, r, 8192, &req); err != nil {
		s.jsonError(w, r, err)
		return
	}
	h, err := s.createWebhook(r, req.URL, req.Events)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := toWebhookJSON(h)
	out.Secret = h.Secret
	writeJSON(w, http.StatusCreated, out)
}

// GET /api/webhooks: the caller's endpoints, oldest first, without secrets.
func (s *Server) apiWebhookList(w http.ResponseWriter, r *http.Request) {
	list, err := s.DB.Webhooks.List(r.Context(), db.OwnedBy(currentUser(r).ID))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := make([]webhookJSON, 0, len(list))
	for _, h := range list {
		out = append(out, toWebhookJSON(h))
	}
	serveJSON(w, r, map[string]any{"webhooks": out}, "")
}

// DELETE /api/webhooks/{id}: deliveries still queued end without sending.
func (s *Server) apiWebhookDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.DB.Webhooks.Delete(r.Context(), db.OwnedBy(currentUser(r).ID), chi.URLParam(r, "id")); err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// GET /api/webhooks/{id}/deliveries: the last 50 attempts, newest first.
func (s *Server) apiWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	h, err := s.DB.Webhooks.Get(r.Context(), db.OwnedBy(currentUser(r).ID), chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	list, err := s.DB.Webhooks.Deliveries(r.Context(), h.ID)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := make([]deliveryJSON, 0, len(list))
	for _, d := range list {
		out = append(out, deliveryJSON{EventID: d.EventID, EventType: d.EventType, JobID: d.JobID, Attempt: d.Attempt,
			StatusCode: d.StatusCode, Error: d.Error, LatencyMS: d.Latency.Milliseconds(), At: d.At})
	}
	serveJSON(w, r, map[string]any{"deliveries": out}, "")
}

// POST /api/webhooks/{id}/test: 202, a signed ping is queued.
func (s *Server) apiWebhookTest(w http.ResponseWriter, r *http.Request) {
	if err := s.sendTestEvent(r, chi.URLParam(r, "id")); err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"queued": true, "event_type": webhook.Ping})
}
