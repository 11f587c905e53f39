package handlers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestTrustedProxyClientIP(t *testing.T) {
	cidrs, err := ParseTrustedProxy("10.0.0.0/8, 192.168.1.5")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		proxy  TrustedProxy
		peer   string
		header map[string]string
		want   string
	}{
		{"no proxy: peer", TrustedProxy{}, "203.0.113.7:5000", nil, "203.0.113.7"},
		{"no proxy: Fly-Client-IP ignored", TrustedProxy{}, "203.0.113.7:5000", map[string]string{"Fly-Client-IP": "1.2.3.4"}, "203.0.113.7"},
		{"no proxy: X-Forwarded-For ignored", TrustedProxy{}, "203.0.113.7:5000", map[string]string{"X-Forwarded-For": "1.2.3.4"}, "203.0.113.7"},
		{"IPv6 peer", TrustedProxy{}, "[2001:db8::1]:5000", nil, "2001:db8::1"},
		{"IPv4-mapped peer", TrustedProxy{}, "[::ffff:203.0.113.7]:5000", nil, "203.0.113.7"},
		{"fly: header", TrustedProxy{Fly: true}, "172.16.0.2:5000", map[string]string{"Fly-Client-IP": "1.2.3.4"}, "1.2.3.4"},
		{"fly: no header, peer", TrustedProxy{Fly: true}, "172.16.0.2:5000", nil, "172.16.0.2"},
		{"fly: garbage header, peer", TrustedProxy{Fly: true}, "172.16.0.2:5000", map[string]string{"Fly-Client-IP": "not-an-ip"}, "172.16.0.2"},
		{"cidr: untrusted peer's header ignored", cidrs, "203.0.113.7:5000", map[string]string{"X-Forwarded-For": "1.2.3.4"}, "203.0.113.7"},
		{"cidr: right-most untrusted entry", cidrs, "10.1.2.3:5000", map[string]string{"X-Forwarded-For": "6.6.6.6, 1.2.3.4, 10.9.9.9"}, "1.2.3.4"},
		{"cidr: single address trusted", cidrs, "192.168.1.5:5000", map[string]string{"X-Forwarded-For": "1.2.3.4"}, "1.2.3.4"},
		{"cidr: neighbour of that address not trusted", cidrs, "192.168.1.6:5000", map[string]string{"X-Forwarded-For": "1.2.3.4"}, "192.168.1.6"},
		{"cidr: no header, peer", cidrs, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"cidr: garbage stops the walk", cidrs, "10.1.2.3:5000", map[string]string{"X-Forwarded-For": "1.2.3.4, junk"}, "10.1.2.3"},
		{"cidr: Fly-Client-IP ignored", cidrs, "10.1.2.3:5000", map[string]string{"Fly-Client-IP": "1.2.3.4"}, "10.1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			s := &Server{TrustedProxy: tt.proxy}
			if got := s.clientIP(r); got != tt.want {
				t.Errorf("clientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseTrustedProxy(t *testing.T) {
	for in, want := range map[string]string{"": "none", "none": "none", "FLY": "fly", "10.0.0.0/8,::ffff:192.168.1.5": "10.0.0.0/8,192.168.1.5/32", "fd00::/8": "fd00::/8"} {
		p, err := ParseTrustedProxy(in)
		if err != nil || p.String() != want {
			t.Errorf("ParseTrustedProxy(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, bad := range []string{"flyio", "10.0.0.0/33", "proxy.example.com"} {
		if _, err := ParseTrustedProxy(bad); err == nil {
			t.Errorf("ParseTrustedProxy(%q): no error", bad)
		}
	}
}

// A client that rotates Fly-Client-IP is still one client unless the
// server runs behind Fly's proxy (issue 10, finding 5).
func TestClientIPIgnoresSpoofedHeader(t *testing.T) {
	tries := loginMaxPerIP + 3
	spray := func(e *webEnv) (statuses map[int]int) {
		statuses = map[int]int{}
		c := e.client()
		for i := range tries {
			// A new email each time: only the per-IP limit can stop this.
			r := c.post("/login", url.Values{"email": {fmt.Sprintf("u%d@example.com", i)}, "password": {"wrong-password"}},
				"Fly-Client-IP", fmt.Sprintf("198.51.100.%d", i+1))
			statuses[r.status]++
		}
		return statuses
	}

	t.Run("no trusted proxy: throttled per peer", func(t *testing.T) {
		got := spray(newWebEnv(t))
		if got[http.StatusUnauthorized] != loginMaxPerIP || got[http.StatusTooManyRequests] != tries-loginMaxPerIP {
			t.Errorf("statuses %v, want %d x 401 then 429", got, loginMaxPerIP)
		}
	})
	t.Run("TRUSTED_PROXY=fly: the header names the client", func(t *testing.T) {
		got := spray(newWebEnv(t, func(s *Server) { s.TrustedProxy = TrustedProxy{Fly: true} }))
		if got[http.StatusUnauthorized] != tries {
			t.Errorf("statuses %v, want %d x 401", got, tries)
		}
	})
}
