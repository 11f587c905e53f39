package handlers

import (
	"errors"
	"net/http"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/views"
)

// POST /settings/password: the signed-in user changes their password. Every
// other session of theirs ends; this one carries on under a new token.
func (s *Server) settingsPasswordChange(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, 4096); err != nil {
		s.pageError(w, r, err)
		return
	}
	u := currentUser(r)
	current, next := r.PostFormValue("current_password"), r.PostFormValue("new_password")
	errs := map[string]string{}
	check := map[string]string{}
	validateCredentials(check, u.Email, next)
	if msg := check["password"]; msg != "" {
		errs["new_password"] = msg
	}
	if len(errs) > 0 {
		s.renderTokens(w, r, http.StatusUnprocessableEntity, views.TokensPage{PasswordErrors: errs})
		return
	}
	// Guessing the current password from a stolen session counts as failed
	// sign-ins of the account, counted before argon2 runs (as at sign-in).
	ip := s.clientIP(r)
	wait, attempt := s.web.limiter.reserve(u.Email, ip)
	if wait > 0 {
		errs["current_password"] = "Too many wrong passwords. Please wait " + minutes(wait) + " and try again."
		w.Header().Set("Retry-After", retryAfter(wait))
		s.renderTokens(w, r, http.StatusTooManyRequests, views.TokensPage{PasswordErrors: errs})
		return
	}
	_, err := s.DB.Users.Authenticate(r.Context(), u.Email, current)
	switch {
	case errors.Is(err, db.ErrBadCredentials):
		errs["current_password"] = "This is not your current password."
		s.renderTokens(w, r, http.StatusUnprocessableEntity, views.TokensPage{PasswordErrors: errs})
		return
	case errors.Is(err, db.ErrBusy):
		s.web.limiter.refund(u.Email, ip, attempt) // the password was never checked
		errs["current_password"] = busyMessage
		w.Header().Set("Retry-After", busyRetryAfter)
		s.renderTokens(w, r, http.StatusServiceUnavailable, views.TokensPage{PasswordErrors: errs})
		return
	case err != nil:
		s.pageError(w, r, err)
		return
	}
	s.web.limiter.succeed(u.Email, ip, attempt)
	if _, err := s.DB.Users.SetPassword(r.Context(), u.ID, next, false); err != nil {
		s.pageError(w, r, err)
		return
	}
	// SetPassword ended this session too: sign in again under a new token.
	if err := s.signIn(r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Password changed. Every other browser signed in as you is signed out.")
	http.Redirect(w, r, "/settings/tokens", http.StatusSeeOther)
}
