package handlers

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
)

// fireLogins posts n forms to path at once (each from its own client, all
// released together) and returns how many got each status.
func fireLogins(t *testing.T, e *webEnv, path string, n int, form func(i int) url.Values) map[int]int {
	t.Helper()
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		start    = make(chan struct{})
		wg       sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			<-start
			res, err := http.Post(e.ts.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form(i).Encode()))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				statuses[0]++
				return
			}
			res.Body.Close()
			statuses[res.StatusCode]++
		})
	}
	close(start)
	wg.Wait()
	return statuses
}

// 20 concurrent wrong passwords for one email: at most the limit reach
// argon2 (401), the rest are refused (429). Before the fix the check and the
// count sat on either side of argon2 and all 20 got 401 (issue 10, finding 4).
func TestLoginThrottleHoldsUnderConcurrency(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	got := fireLogins(t, e, "/login", 20, func(int) url.Values {
		return url.Values{"email": {"ann@example.com"}, "password": {"wrong-password"}}
	})
	if got[http.StatusUnauthorized] != loginMaxPerEmail || got[http.StatusTooManyRequests] != 20-loginMaxPerEmail {
		t.Errorf("statuses %v, want %d x 401 and %d x 429", got, loginMaxPerEmail, 20-loginMaxPerEmail)
	}
	// The right password waits too.
	r := e.client().post("/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}})
	wantStatus(t, r, http.StatusTooManyRequests)
}

// The setup code is guessed under the same rule: counted before it is compared.
func TestSetupThrottleHoldsUnderConcurrency(t *testing.T) {
	e := newWebEnv(t, func(s *Server) { s.SetupCode = "ABCD-EFGH-JKLM" })
	got := fireLogins(t, e, "/setup", 20, func(int) url.Values {
		return url.Values{"code": {"WRONG-CODE"}, "email": {"eve@example.com"}, "password": {"a-long-password"}}
	})
	if got[http.StatusUnprocessableEntity] != loginMaxPerEmail || got[http.StatusTooManyRequests] != 20-loginMaxPerEmail {
		t.Errorf("statuses %v, want %d x 422 and %d x 429", got, loginMaxPerEmail, 20-loginMaxPerEmail)
	}
}

func TestLoginLimiterReserve(t *testing.T) {
	now := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	l := newLoginLimiter(func() time.Time { return now })

	// Many at once: exactly the limit get through.
	var mu sync.Mutex
	var ok int
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if wait, _ := l.reserve("ann@example.com", "192.0.2.1"); wait == 0 {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ok != loginMaxPerEmail {
		t.Fatalf("%d reservations, want %d", ok, loginMaxPerEmail)
	}
	wait, _ := l.reserve("ann@example.com", "192.0.2.1")
	if wait != loginWindow {
		t.Errorf("wait %v, want %v", wait, loginWindow)
	}

	// A refund gives the attempt back; a success clears the email but not
	// the IP's other attempts.
	now = now.Add(time.Minute)
	_, at := l.reserve("bob@example.com", "192.0.2.2")
	l.refund("bob@example.com", "192.0.2.2", at)
	if n := len(l.attempts[emailKey("bob@example.com")]) + len(l.attempts[ipKey("192.0.2.2")]); n != 0 {
		t.Errorf("%d attempts left after a refund", n)
	}
	_, first := l.reserve("bob@example.com", "192.0.2.2")
	now = now.Add(time.Second)
	_, second := l.reserve("bob@example.com", "192.0.2.2")
	l.succeed("bob@example.com", "192.0.2.2", second)
	if got := l.attempts[ipKey("192.0.2.2")]; len(got) != 1 || !got[0].Equal(first) {
		t.Errorf("IP attempts after a success %v, want the failed one only", got)
	}
	if _, ok := l.attempts[emailKey("bob@example.com")]; ok {
		t.Error("email attempts kept after a success")
	}

	// The window slides.
	now = now.Add(loginWindow)
	if wait, _ := l.reserve("ann@example.com", "192.0.2.1"); wait != 0 {
		t.Errorf("still waiting %v after the window", wait)
	}
}

// An IPv6 host usually holds a whole /64: rotating through it is one client.
func TestLoginLimiterIPv6Prefix(t *testing.T) {
	l := newLoginLimiter(time.Now)
	for i := range loginMaxPerIP {
		if wait, _ := l.reserve(fmt.Sprintf("u%d@example.com", i), fmt.Sprintf("2001:db8:1:2::%x", i+1)); wait != 0 {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if wait, _ := l.reserve("last@example.com", "2001:db8:1:2:ffff::1"); wait == 0 {
		t.Error("a new address in the same /64 was not throttled")
	}
	if wait, _ := l.reserve("last@example.com", "2001:db8:1:3::1"); wait != 0 {
		t.Error("another /64 was throttled")
	}
}

// The sign-in form takes 16 KB, and every attempt leaves its email as a key
// of the throttle for 15 minutes. Keys were the emails themselves, so a
// spray of long, distinct emails from many addresses (an IPv6 /48 holds
// 65,536 /64s) held about 16 KB per attempt: at the 100,000 keys the
// throttle keeps, 1.6 GB, on a 1 GB machine. A key must cost the same
// whatever the email's length.
func TestLoginThrottleKeysStaySmall(t *testing.T) {
	e := newWebEnv(t, func(s *Server) {
		s.TrustedProxy = TrustedProxy{Peers: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	})
	e.db.Argon = db.NewArgon(db.ArgonLimits{Slots: 4, Queue: 100, MaxWait: time.Minute,
		IDKey: func(_, _ []byte, _, _ uint32, _ uint8, keyLen uint32) []byte { return make([]byte, keyLen) }})
	const n = 200
	long := strings.Repeat("x", 15<<10)
	for i := range n {
		r := e.client().post("/login", url.Values{"email": {fmt.Sprintf("%d%s@example.com", i, long)}, "password": {"wrong-password"}},
			"X-Forwarded-For", fmt.Sprintf("2001:db8:%x::1", i))
		wantStatus(t, r, http.StatusUnauthorized)
	}
	l := e.srv.web.limiter
	l.mu.Lock()
	defer l.mu.Unlock()
	bytes := 0
	for k := range l.attempts {
		bytes += len(k)
	}
	if len(l.attempts) != 2*n {
		t.Fatalf("%d keys, want %d (an email and an address per attempt)", len(l.attempts), 2*n)
	}
	if per := bytes / len(l.attempts); per > 100 {
		t.Errorf("the throttle's keys hold %d bytes each on average (%d KB in all), want a bounded size", per, bytes>>10)
	}
}
