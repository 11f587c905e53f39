package handlers

import (
	"strings"
	"sync"
	"time"
)

// Login throttling: failed sign-ins are counted per email and per client IP
// over a sliding window; past the limit, sign-in is refused until the
// oldest failure leaves the window.
const (
	loginWindow      = 15 * time.Minute
	loginMaxPerEmail = 5
	loginMaxPerIP    = 20
)

type loginLimiter struct {
	now func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time // "email:..." or "ip:..." -> failure times
}

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, failures: map[string][]time.Time{}}
}

func emailKey(email string) string { return "email:" + strings.ToLower(strings.TrimSpace(email)) }
func ipKey(ip string) string       { return "ip:" + ip }

// wait returns how long the email or the IP must wait before another try,
// zero if it may try now.
func (l *loginLimiter) wait(email, ip string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	return max(l.waitLocked(emailKey(email), loginMaxPerEmail, now), l.waitLocked(ipKey(ip), loginMaxPerIP, now))
}

func (l *loginLimiter) waitLocked(key string, limit int, now time.Time) time.Duration {
	times := l.prune(key, now)
	if len(times) < limit {
		return 0
	}
	return times[len(times)-limit].Add(loginWindow).Sub(now)
}

// prune drops failures older than the window and returns the rest.
func (l *loginLimiter) prune(key string, now time.Time) []time.Time {
	times := l.failures[key]
	i := 0
	for i < len(times) && now.Sub(times[i]) >= loginWindow {
		i++
	}
	times = times[i:]
	if len(times) == 0 {
		delete(l.failures, key)
		return nil
	}
	l.failures[key] = times
	return times
}

// fail records a failed attempt.
func (l *loginLimiter) fail(email, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range []string{emailKey(email), ipKey(ip)} {
		l.failures[k] = append(l.prune(k, now), now)
	}
	// Bound memory under a spray of random emails: drop the stalest keys.
	if len(l.failures) > 100_000 {
		for k := range l.failures {
			if l.prune(k, now) == nil || len(l.failures) > 50_000 {
				delete(l.failures, k)
			}
		}
	}
}

// succeed clears the email's failures (the IP's stay: one good password
// does not license guessing others).
func (l *loginLimiter) succeed(email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, emailKey(email))
}
