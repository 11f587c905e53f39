package handlers

import (
	"errors"
	"net/http"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/mail"
	"github.com/tailor-app/tailor/views"
)

// GET /settings/notifications: the user's e-mail choices.
func (s *Server) settingsNotifications(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	prefs, err := s.DB.Mail().Prefs(r.Context(), u.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.SettingsNotifications(s.page(r, "Notifications", "settings"),
		views.NotificationsPage{Prefs: prefs, IsAdmin: u.IsAdmin(), Email: u.Email}))
}

// POST /settings/notifications: saves them; an unchecked box is off, and
// only admins choose the admin mails.
func (s *Server) settingsNotificationsSave(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, 4096); err != nil {
		s.pageError(w, r, err)
		return
	}
	u := currentUser(r)
	on := func(name string) bool { return r.PostForm.Get(name) != "" }
	p := db.MailPrefs{JobReady: on("job_ready"), JobFailed: on("job_failed"), AttachPDF: on("attach_pdf"), BatchDone: on("batch_done")}
	if u.IsAdmin() {
		p.DailyDigest, p.AlertMail = on("daily_digest"), on("alert_mail")
	}
	if err := s.DB.Mail().SetPrefs(r.Context(), u.ID, p); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Saved your e-mail choices.")
	http.Redirect(w, r, "/settings/notifications", http.StatusSeeOther)
}

var unsubscribeWhat = map[string]string{
	db.MailReady:  "mails when a resume you started is ready",
	db.MailFailed: "mails when a resume you started fails",
	db.MailDigest: "daily digests of failed jobs",
	db.MailAlert:  "alert e-mails",
	db.MailBatch:  "mails when a batch you started has finished",
}

// GET /unsubscribe?u=&k=&s=: a mail's signed link, no session needed. It
// asks to confirm and changes nothing (mail scanners open links).
// POST, the button or RFC 8058's one-click from the mail client, turns
// that kind of mail off.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if err := parseForm(w, r, 4096); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	q := r.URL.Query()
	userID, kind := q.Get("u"), q.Get("k")
	what := unsubscribeWhat[kind]
	if what == "" || !mail.VerifyUnsubscribe(s.SigningKey, userID, kind, q.Get("s")) {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	page := views.UnsubscribePage{What: what, Action: mail.UnsubscribePath + "?" + mail.UnsubscribeQuery(s.SigningKey, userID, kind)}
	if r.Method == http.MethodPost {
		err := s.DB.Mail().Unsubscribe(r.Context(), userID, kind)
		if errors.Is(err, db.ErrNotFound) {
			s.renderError(w, r, http.StatusNotFound)
			return
		}
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		page.Done = true
	}
	s.render(w, r, http.StatusOK, views.Unsubscribe(s.page(r, "Unsubscribe", ""), page))
}
