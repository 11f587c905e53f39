package handlers

import (
	"crypto/sha256"
	"encoding/base64"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Login throttling: sign-in attempts are counted per email and per client
// IP over a sliding window; past the limit, sign-in is refused until the
// oldest attempt leaves the window. An attempt is counted before its
// password is checked, in the same step as the limit check, so concurrent
// attempts cannot all slip under the limit while argon2 runs.
const (
	loginWindow      = 15 * time.Minute
	loginMaxPerEmail = 5
	loginMaxPerIP    = 20
)

type loginLimiter struct {
	now func() time.Time

	mu       sync.Mutex
	attempts map[string][]time.Time // "email:..." or "ip:..." -> attempt times, oldest first
}

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, attempts: map[string][]time.Time{}}
}

// emailKey is a fixed-size key for an email: a digest, not the email, since
// the sign-in form takes up to 16 KB and each attempt keeps its key for the
// whole window (a spray of long emails would otherwise hold 16 KB a key).
func emailKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return "email:" + base64.RawURLEncoding.EncodeToString(sum[:18])
}

// ipKey counts an IPv6 client by its /64: one host is usually given a whole
// /64 and could otherwise rotate through it.
func ipKey(ip string) string {
	if a, err := netip.ParseAddr(ip); err == nil && a.Is6() && !a.Is4In6() {
		return "ip:" + netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
	}
	return "ip:" + ip
}

// reserve checks both limits and, if neither is reached, records an
// attempt for the email and the IP, all under one lock. It returns how long
// to wait (nothing recorded), or zero and the attempt's time, which refund
// and succeed take back.
func (l *loginLimiter) reserve(email, ip string) (wait time.Duration, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ek, ik := emailKey(email), ipKey(ip)
	if wait := max(l.waitLocked(ek, loginMaxPerEmail, now), l.waitLocked(ik, loginMaxPerIP, now)); wait > 0 {
		return wait, time.Time{}
	}
	l.attempts[ek] = append(l.attempts[ek], now)
	l.attempts[ik] = append(l.attempts[ik], now)
	// Bound memory under a spray of random emails: drop the stalest keys.
	if len(l.attempts) > 100_000 {
		for k := range l.attempts {
			if l.prune(k, now) == nil || len(l.attempts) > 50_000 {
				delete(l.attempts, k)
			}
		}
	}
	return 0, now
}

func (l *loginLimiter) waitLocked(key string, limit int, now time.Time) time.Duration {
	times := l.prune(key, now)
	if len(times) < limit {
		return 0
	}
	return times[len(times)-limit].Add(loginWindow).Sub(now)
}

// prune drops attempts older than the window and returns the rest.
func (l *loginLimiter) prune(key string, now time.Time) []time.Time {
	times := l.attempts[key]
	i := 0
	for i < len(times) && now.Sub(times[i]) >= loginWindow {
		i++
	}
	times = times[i:]
	if len(times) == 0 {
		delete(l.attempts, key)
		return nil
	}
	l.attempts[key] = times
	return times
}

// refund takes back an attempt whose password was never checked (the
// server was too busy to hash it).
func (l *loginLimiter) refund(email, ip string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.remove(emailKey(email), at)
	l.remove(ipKey(ip), at)
}

// succeed clears the email's attempts and takes back this one from the IP
// (the IP's failures stay: one good password does not license guessing
// others, and an office behind one address is not throttled by its own
// sign-ins).
func (l *loginLimiter) succeed(email, ip string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.attempts, emailKey(email))
	l.remove(ipKey(ip), at)
}

// remove drops one attempt recorded at at, if it is still there.
func (l *loginLimiter) remove(key string, at time.Time) {
	times := l.attempts[key]
	for i := len(times) - 1; i >= 0; i-- {
		if times[i].Equal(at) {
			times = append(times[:i], times[i+1:]...)
			break
		}
	}
	if len(times) == 0 {
		delete(l.attempts, key)
		return
	}
	l.attempts[key] = times
}
