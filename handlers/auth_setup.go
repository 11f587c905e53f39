package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/views"
)

// NewSetupCode returns a one-time code for the first-run page, e.g.
// "K7QX-M2PD-9HTA": easy to read from a log and type.
func NewSetupCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" // no 0/O, 1/I
	b := make([]byte, 12)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

// needsSetup reports whether no user exists yet (and a setup code is set).
func (s *Server) needsSetup(r *http.Request) bool {
	if s.SetupCode == "" {
		return false
	}
	n, err := s.DB.Users.Count(r.Context())
	return err == nil && n == 0
}

// GET /setup: the one-time page that creates the first admin.
func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) {
	if !s.needsSetup(r) {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	s.render(w, r, http.StatusOK, views.Setup(s.page(r, "Welcome", ""), views.AuthForm{}))
}

// POST /setup
func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, maxAuthForm); err != nil {
		s.pageError(w, r, err)
		return
	}
	if !s.needsSetup(r) {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	code := normalizeCode(r.PostFormValue("code"))
	f := views.AuthForm{Email: email, Errors: map[string]string{}}
	ip := s.clientIP(r)
	// Counted before the comparison, like a sign-in; a right code gives it back.
	wait, attempt := s.web.limiter.reserve("setup", ip)
	if wait > 0 {
		f.Error = "Too many wrong setup codes. Please wait a few minutes and try again."
		w.Header().Set("Retry-After", retryAfter(wait))
		s.render(w, r, http.StatusTooManyRequests, views.Setup(s.page(r, "Welcome", ""), f))
		return
	}
	if subtle.ConstantTimeCompare([]byte(code), []byte(normalizeCode(s.SetupCode))) != 1 {
		f.Errors["code"] = "This is not the setup code. Copy it from the server's log."
	} else {
		s.web.limiter.refund("setup", ip, attempt)
	}
	validateCredentials(f.Errors, email, password)
	if len(f.Errors) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, views.Setup(s.page(r, "Welcome", ""), f))
		return
	}
	u, err := s.DB.Users.CreateFirstAdmin(r.Context(), email, password)
	if errors.Is(err, db.ErrConflict) {
		s.renderError(w, r, http.StatusNotFound) // someone else finished setup first
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.logger(r).Info("first admin created from the setup page", "email", u.Email)
	if err := s.signIn(r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Welcome! You are the administrator. Start with a sample candidate, or import one.")
	http.Redirect(w, r, "/candidates", http.StatusSeeOther)
}

func normalizeCode(c string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(c)))
}

// validateCredentials checks an email and a new password.
func validateCredentials(errs map[string]string, email, password string) {
	if !strings.Contains(email, "@") || len(email) > 254 || strings.ContainsAny(email, " \t\r\n") {
		errs["email"] = "Enter an email address, like name@example.com."
	}
	if len(password) < 8 {
		errs["password"] = "Use at least 8 characters."
	} else if len(password) > 200 {
		errs["password"] = "Use at most 200 characters."
	}
}

// GET /signup (only with ALLOW_SIGNUP=true)
func (s *Server) signupPage(w http.ResponseWriter, r *http.Request) {
	if !s.AllowSignup {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	s.render(w, r, http.StatusOK, views.Signup(s.page(r, "Create an account", ""), views.AuthForm{}))
}

// POST /signup
func (s *Server) signup(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, maxAuthForm); err != nil {
		s.pageError(w, r, err)
		return
	}
	if !s.AllowSignup {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	f := views.AuthForm{Email: email, Errors: map[string]string{}}
	validateCredentials(f.Errors, email, password)
	if len(f.Errors) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, views.Signup(s.page(r, "Create an account", ""), f))
		return
	}
	u, err := s.DB.Users.Create(r.Context(), email, db.RoleRecruiter, password)
	if errors.Is(err, db.ErrConflict) {
		f.Errors["email"] = "An account with this email already exists. Sign in instead."
		s.render(w, r, http.StatusUnprocessableEntity, views.Signup(s.page(r, "Create an account", ""), f))
		return
	}
	if errors.Is(err, db.ErrBusy) {
		f.Error = busyMessage
		w.Header().Set("Retry-After", busyRetryAfter)
		s.render(w, r, http.StatusServiceUnavailable, views.Signup(s.page(r, "Create an account", ""), f))
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.signIn(r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/candidates", http.StatusSeeOther)
}
