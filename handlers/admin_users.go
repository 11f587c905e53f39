package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/views"
)

// GET /admin/users
func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	s.renderAdminUsers(w, r, http.StatusOK, views.AdminUsers{})
}

func (s *Server) renderAdminUsers(w http.ResponseWriter, r *http.Request, status int, a views.AdminUsers) {
	users, err := s.DB.Users.List(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	a.Users, a.MeID = users, currentUser(r).ID
	s.render(w, r, status, views.AdminUsersView(s.page(r, "Users", "admin"), a))
}

// POST /admin/users: create a user.
func (s *Server) adminUserCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, maxAuthForm); err != nil {
		s.pageError(w, r, err)
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	role := r.PostFormValue("role")
	if role != db.RoleAdmin {
		role = db.RoleRecruiter
	}
	a := views.AdminUsers{Email: email, Role: role, Errors: map[string]string{}}
	validateCredentials(a.Errors, email, r.PostFormValue("password"))
	if len(a.Errors) == 0 {
		_, err := s.DB.Users.Create(r.Context(), email, role, r.PostFormValue("password"))
		switch {
		case errors.Is(err, db.ErrConflict):
			a.Errors["email"] = "A user with this email already exists."
		case err != nil:
			s.pageError(w, r, err)
			return
		}
	}
	if len(a.Errors) > 0 {
		s.renderAdminUsers(w, r, http.StatusUnprocessableEntity, a)
		return
	}
	s.flash(r, "Added "+email+". Give them their password; they can sign in at once.")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// GET /admin/users/{id}/disable: asks before disabling (no JavaScript needed).
func (s *Server) adminUserDisablePage(w http.ResponseWriter, r *http.Request) {
	u, err := s.DB.Users.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.Confirm(s.page(r, "Disable "+u.Email, "admin"), views.ConfirmPage{
		Question: "Disable " + u.Email + "?",
		Detail:   "They can no longer sign in, and their sessions and API tokens stop working at once. You can enable them again later.",
		Action:   "/admin/users/" + u.ID + "/disable",
		Cancel:   "/admin/users",
		Button:   "Disable",
	}))
}

// POST /admin/users/{id}/disable: disabled=true (the default) or false.
func (s *Server) adminUserDisable(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, maxAuthForm); err != nil {
		s.pageError(w, r, err)
		return
	}
	id := chi.URLParam(r, "id")
	if id == currentUser(r).ID {
		s.pageError(w, r, errorf(http.StatusConflict, "You cannot disable yourself."))
		return
	}
	u, err := s.DB.Users.Get(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	disable := r.PostFormValue("disabled") != "false"
	if err := s.DB.Users.SetDisabled(r.Context(), id, disable); err != nil {
		s.pageError(w, r, err)
		return
	}
	if disable {
		s.flash(r, "Disabled "+u.Email+".")
	} else {
		s.flash(r, "Enabled "+u.Email+".")
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// GET /admin/users/{id}/reset: the new password form.
func (s *Server) adminUserResetPage(w http.ResponseWriter, r *http.Request) {
	u, err := s.DB.Users.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AdminUserResetView(s.page(r, "Reset password", "admin"), views.AdminUserReset{User: u}))
}

// POST /admin/users/{id}/reset: set a new password, which ends every session
// of the user; revoke_tokens=true also revokes their API tokens.
func (s *Server) adminUserReset(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, maxAuthForm); err != nil {
		s.pageError(w, r, err)
		return
	}
	u, err := s.DB.Users.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	errs := map[string]string{}
	validateCredentials(errs, u.Email, r.PostFormValue("password"))
	revokeTokens := r.PostFormValue("revoke_tokens") == "true"
	if msg, ok := errs["password"]; ok {
		s.render(w, r, http.StatusUnprocessableEntity, views.AdminUserResetView(s.page(r, "Reset password", "admin"),
			views.AdminUserReset{User: u, Error: msg, RevokeTokens: revokeTokens}))
		return
	}
	revoked, err := s.DB.Users.SetPassword(r.Context(), u.ID, r.PostFormValue("password"), revokeTokens)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := "New password set for " + u.Email + "; they are signed out everywhere."
	if u.ID == currentUser(r).ID {
		// Their own reset ended this session too: carry on under a new token.
		if err := s.signIn(r, u); err != nil {
			s.pageError(w, r, err)
			return
		}
		msg = "New password set for " + u.Email + "; your other sessions are signed out."
	}
	if revokeTokens {
		msg += fmt.Sprintf(" Revoked %d API token%s.", revoked, plural(revoked))
	}
	s.flash(r, msg)
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}
