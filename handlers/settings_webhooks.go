package handlers

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/views"
	"github.com/tailor-app/tailor/webhook"
)

// GET /settings/webhooks: the user's endpoints and the form to add one.
func (s *Server) settingsWebhooks(w http.ResponseWriter, r *http.Request) {
	s.renderWebhooks(w, r, http.StatusOK, views.WebhooksPage{})
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, p views.WebhooksPage) {
	list, err := s.DB.Webhooks.List(r.Context(), db.OwnedBy(currentUser(r).ID))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Webhooks = list
	p.Max = db.MaxWebhooksPerUser
	p.EventTypes, p.Defaults = webhook.JobEventTypes, webhook.JobEventTypes
	if s.Webhooks != nil && s.Webhooks.EventTypes != nil {
		p.EventTypes = s.Webhooks.EventTypes
	}
	s.render(w, r, status, views.SettingsWebhooks(s.page(r, "Webhooks", "settings"), p))
}

// POST /settings/webhooks: registers an endpoint and shows its secret on
// this response only.
func (s *Server) settingsWebhookCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, 8192); err != nil {
		s.pageError(w, r, err)
		return
	}
	url, events := r.PostFormValue("url"), r.PostForm["events"]
	h, err := s.createWebhook(r, url, events)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity {
		s.renderWebhooks(w, r, e.Status, views.WebhooksPage{URL: url, Events: events, Error: e.Message})
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderWebhooks(w, r, http.StatusOK, views.WebhooksPage{New: &h})
}

// GET /settings/webhooks/{id}: one endpoint and its delivery log.
func (s *Server) settingsWebhook(w http.ResponseWriter, r *http.Request) {
	h, err := s.DB.Webhooks.Get(r.Context(), db.OwnedBy(currentUser(r).ID), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	list, err := s.DB.Webhooks.Deliveries(r.Context(), h.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.SettingsWebhook(s.page(r, "Webhook deliveries", "settings"), h, list))
}

// POST /settings/webhooks/{id}/test: queues a signed ping; the log shows it
// a moment later.
func (s *Server) settingsWebhookTest(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if err := s.sendTestEvent(r, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Test event queued: reload in a moment to see the attempt.")
	http.Redirect(w, r, "/settings/webhooks/"+id, http.StatusSeeOther)
}

// POST /settings/webhooks/{id}/delete: at once; queued deliveries end
// without sending. Another user's is 404.
func (s *Server) settingsWebhookDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.DB.Webhooks.Delete(r.Context(), db.OwnedBy(currentUser(r).ID), chi.URLParam(r, "id")); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Deleted the webhook: nothing more is sent to it.")
	http.Redirect(w, r, "/settings/webhooks", http.StatusSeeOther)
}
