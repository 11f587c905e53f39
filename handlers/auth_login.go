package handlers

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/views"
)

// maxAuthForm bounds the sign-in, setup, sign-up and user forms.
const maxAuthForm = 16 << 10

// badLogin is the one message for a wrong password and an unknown email.
const badLogin = "That email and password do not match. Please try again."

// When too many passwords are being checked at once (db.ErrBusy), sign-in
// and sign-up answer 503 with this message and Retry-After.
const (
	busyMessage    = "Tailor is busy checking other sign-ins. Please try again in a few seconds."
	busyRetryAfter = "5"
)

// GET /login
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if signedIn(r) {
		http.Redirect(w, r, afterLogin(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	if s.needsSetup(r) {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	f := views.AuthForm{Next: localPath(r.URL.Query().Get("next")), AllowSign: s.AllowSignup}
	s.render(w, r, http.StatusOK, views.Login(s.page(r, "Sign in", ""), f))
}

// POST /login
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, maxAuthForm); err != nil {
		if e := classify(err); e != nil {
			f := views.AuthForm{AllowSign: s.AllowSignup, Error: e.Message}
			s.render(w, r, e.Status, views.Login(s.page(r, "Sign in", ""), f))
			return
		}
		s.pageError(w, r, err)
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	f := views.AuthForm{Email: email, Next: localPath(r.PostFormValue("next")), AllowSign: s.AllowSignup}
	ip := s.clientIP(r)
	// Counted before argon2 runs: concurrent guesses cannot all pass the check.
	wait, attempt := s.web.limiter.reserve(email, ip)
	if wait > 0 {
		f.Error = "Too many sign-in attempts. Please wait " + minutes(wait) + " and try again."
		w.Header().Set("Retry-After", retryAfter(wait))
		s.render(w, r, http.StatusTooManyRequests, views.Login(s.page(r, "Sign in", ""), f))
		return
	}
	u, err := s.DB.Users.Authenticate(r.Context(), email, password)
	if errors.Is(err, db.ErrBadCredentials) {
		f.Error = badLogin
		s.render(w, r, http.StatusUnauthorized, views.Login(s.page(r, "Sign in", ""), f))
		return
	}
	if errors.Is(err, db.ErrBusy) {
		s.web.limiter.refund(email, ip, attempt) // the password was never checked
		f.Error = busyMessage
		w.Header().Set("Retry-After", busyRetryAfter)
		s.render(w, r, http.StatusServiceUnavailable, views.Login(s.page(r, "Sign in", ""), f))
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.web.limiter.succeed(email, ip, attempt)
	if err := s.signIn(r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, afterLogin(f.Next), http.StatusSeeOther)
}

// signIn starts a fresh session for u (a new token: no session fixation).
// It is the one place a session gets a user, and it stores the session at
// once as u's, so that db.Sessions.DeleteForUser finds it.
func (s *Server) signIn(r *http.Request, u db.User) error {
	ctx := r.Context()
	sm := s.sessions(r)
	if err := sm.RenewToken(ctx); err != nil {
		return err
	}
	sm.Put(ctx, sessUserID, u.ID)
	if _, _, err := sm.Commit(db.WithSessionUser(ctx, u.ID)); err != nil {
		// Never let the end-of-request commit store a signed-in session
		// without its user: it would outlive a password reset.
		sm.Remove(ctx, sessUserID)
		return err
	}
	return nil
}

// POST /logout
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions(r).Destroy(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func afterLogin(next string) string {
	if p := localPath(next); p != "" && !strings.HasPrefix(p, "/login") {
		return p
	}
	return "/candidates"
}

// minutes says d in whole minutes, rounded up: "1 minute", "15 minutes".
func minutes(d time.Duration) string {
	n := int(math.Ceil(d.Minutes()))
	return strconv.Itoa(n) + " minute" + plural(n)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// GET /
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	switch {
	case signedIn(r):
		http.Redirect(w, r, "/candidates", http.StatusSeeOther)
	case s.needsSetup(r):
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
}
