package handlers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tailor-app/tailor/db"
)

// A busy server says when to come back on every error path, not only on
// the sign-in forms: pages and JSON alike answer 503 with Retry-After.
func TestBusyAnswersRetryAfterEverywhere(t *testing.T) {
	e := newWebEnv(t)
	busy := fmt.Errorf("hash password: %w", db.ErrBusy)
	for name, answer := range map[string]func(w http.ResponseWriter, r *http.Request){
		"page": func(w http.ResponseWriter, r *http.Request) { e.srv.pageError(w, r, busy) },
		"json": func(w http.ResponseWriter, r *http.Request) { e.srv.jsonError(w, r, busy) },
	} {
		w := httptest.NewRecorder()
		answer(w, httptest.NewRequest("POST", "/admin/users", nil))
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != busyRetryAfter {
			t.Errorf("%s: %d, Retry-After %q; want 503 with %q", name, w.Code, w.Header().Get("Retry-After"), busyRetryAfter)
		}
	}
}
