package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/tailor-app/tailor/db"
)

// Concurrent sign-ins through the real handler run at most the bound of
// argon2 at once; every one still gets its answer (issue 10, finding 6).
func TestLoginArgonBoundedThroughHandler(t *testing.T) {
	e := newWebEnv(t)
	var running, peak atomic.Int32
	e.db.Argon = db.NewArgon(db.ArgonLimits{Slots: 2, Queue: 100, MaxWait: time.Minute,
		IDKey: func(password, salt []byte, t, m uint32, p uint8, keyLen uint32) []byte {
			n := running.Add(1)
			defer running.Add(-1)
			for old := peak.Load(); n > old && !peak.CompareAndSwap(old, n); old = peak.Load() {
			}
			return argon2.IDKey(password, salt, t, m, p, keyLen)
		}})
	const n = 12 // distinct emails, under the per-IP limit: only the bound holds them back
	got := fireLogins(t, e, "/login", n, func(i int) url.Values {
		return url.Values{"email": {fmt.Sprintf("u%d@example.com", i)}, "password": {"wrong-password"}}
	})
	if got[http.StatusUnauthorized] != n {
		t.Errorf("statuses %v, want %d x 401", got, n)
	}
	if p := peak.Load(); p > 2 {
		t.Errorf("%d argon2 runs at once, bound 2", p)
	}
}

// Past the bound and its queue, sign-in answers 503 with Retry-After and a
// clear message, and the attempt does not count against the throttle.
func TestLoginBusyAnswers503(t *testing.T) {
	e := newWebEnv(t, func(s *Server) { s.AllowSignup = true })
	hold, started := make(chan struct{}), make(chan struct{}, 1)
	e.db.Argon = db.NewArgon(db.ArgonLimits{Slots: 1, Queue: -1,
		IDKey: func(password, salt []byte, t, m uint32, p uint8, keyLen uint32) []byte {
			started <- struct{}{}
			<-hold
			return argon2.IDKey(password, salt, t, m, p, keyLen)
		}})
	first := make(chan int, 1)
	go func() {
		res, err := http.PostForm(e.ts.URL+"/login", url.Values{"email": {"ann@example.com"}, "password": {"wrong-password"}})
		if err != nil {
			first <- 0
			return
		}
		res.Body.Close()
		first <- res.StatusCode
	}()
	<-started // ann's check holds the only slot

	r := e.client().post("/login", url.Values{"email": {"bob@example.com"}, "password": {"wrong-password"}})
	wantStatus(t, r, http.StatusServiceUnavailable)
	wantBody(t, r, "busy checking other sign-ins", "try again in a few seconds")
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if strings.Contains(r.body, "goroutine") || strings.Contains(r.body, "db.ErrBusy") {
		t.Errorf("internals in the page:\n%s", snippet(r.body))
	}
	if n := len(e.srv.web.limiter.attempts[emailKey("bob@example.com")]); n != 0 {
		t.Errorf("bob's refused attempt still counts (%d)", n)
	}

	r = e.client().post("/signup", url.Values{"email": {"cy@example.com"}, "password": {"a-long-password"}})
	wantStatus(t, r, http.StatusServiceUnavailable)
	wantBody(t, r, "busy")

	close(hold)
	if got := <-first; got != http.StatusUnauthorized {
		t.Errorf("the running check answered %d, want 401", got)
	}
}
