package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// /readyz is public: a failing check says which, never why (the error
// text of SQLite, Redis or Chrome may name paths and addresses).
func TestReadyzHidesCauses(t *testing.T) {
	e := newWebEnv(t, func(s *Server) {
		s.Checks = []Check{
			{Name: "sqlite", Fn: func(context.Context) error { return nil }},
			{Name: "redis", Fn: func(context.Context) error { return errors.New("dial tcp 10.0.0.7:6379: secret-host refused") }},
		}
	})
	r := e.client().get("/readyz")
	wantStatus(t, r, http.StatusServiceUnavailable)
	wantBody(t, r, `"redis":"failing"`, `"sqlite":"ok"`)
	if strings.Contains(r.body, "10.0.0.7") || strings.Contains(r.body, "secret-host") {
		t.Errorf("readyz shows the cause: %s", r.body)
	}
}
