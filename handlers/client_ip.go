package handlers

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustedProxy says which proxy headers name the client (TRUSTED_PROXY).
// The zero value trusts none: the client is the connection's peer, since
// anyone can send Fly-Client-IP or X-Forwarded-For.
type TrustedProxy struct {
	// Fly trusts Fly-Client-IP: Fly's proxy sets it and drops any the
	// client sent, and a Fly app is only reachable through that proxy.
	Fly bool
	// Peers are the proxies (addresses or CIDRs) whose X-Forwarded-For is
	// read: the client is its right-most entry that is not one of them.
	Peers []netip.Prefix
}

// ParseTrustedProxy reads TRUSTED_PROXY: "none", "fly", or a
// comma-separated list of proxy addresses and CIDRs.
func ParseTrustedProxy(v string) (TrustedProxy, error) {
	switch v = strings.ToLower(strings.TrimSpace(v)); v {
	case "", "none":
		return TrustedProxy{}, nil
	case "fly":
		return TrustedProxy{Fly: true}, nil
	}
	var p TrustedProxy
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return TrustedProxy{}, fmt.Errorf("%q is not fly, none, an IP address or a CIDR like 10.0.0.0/8", s)
			}
			prefix = netip.PrefixFrom(a, a.BitLen())
		}
		if a := prefix.Addr(); a.Is4In6() {
			prefix = netip.PrefixFrom(a.Unmap(), max(prefix.Bits()-96, 0))
		}
		p.Peers = append(p.Peers, prefix.Masked())
	}
	return p, nil
}

func (p TrustedProxy) trusts(a netip.Addr) bool {
	for _, peer := range p.Peers {
		if peer.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address a request comes from: the peer's, or what a
// trusted proxy says. Everything that keys on the client (the sign-in
// throttle) asks here.
func (s *Server) clientIP(r *http.Request) string {
	peer := peerAddr(r)
	if !peer.IsValid() {
		return r.RemoteAddr // not TCP (tests with a fake RemoteAddr)
	}
	tp := s.TrustedProxy
	if tp.Fly {
		if a, err := netip.ParseAddr(strings.TrimSpace(r.Header.Get("Fly-Client-IP"))); err == nil {
			return plainAddr(a).String()
		}
		return peer.String()
	}
	if !tp.trusts(peer) {
		return peer.String()
	}
	// From the right, skip our own proxies; the first other entry is the client.
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: keep the last hop we could trust
		}
		client = plainAddr(a)
		if !tp.trusts(client) {
			break
		}
	}
	return client.String()
}

// forwardedHTTPS reports whether a trusted proxy says the client reached it
// over https (X-Forwarded-Proto, which Fly's proxy sets): the session cookie
// is then Secure though this connection is plain http. Anyone else's header
// is ignored, like their Fly-Client-IP.
func (s *Server) forwardedHTTPS(r *http.Request) bool {
	tp := s.TrustedProxy
	if !tp.Fly && !tp.trusts(peerAddr(r)) {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",") // the first proxy's word
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

func peerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return plainAddr(a)
}

// plainAddr writes one client one way: IPv4 without its IPv6 mapping, no zone.
func plainAddr(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

// String is the setting as TRUSTED_PROXY would spell it, for the start log.
func (p TrustedProxy) String() string {
	if p.Fly {
		return "fly"
	}
	if len(p.Peers) == 0 {
		return "none"
	}
	s := make([]string, len(p.Peers))
	for i, peer := range p.Peers {
		s[i] = peer.String()
	}
	return strings.Join(s, ",")
}
