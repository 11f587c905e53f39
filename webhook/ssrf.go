package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// An endpoint's URL is chosen by a user, so a delivery must not become a
// way to reach what only Tailor's machine can: its loopback, the private
// network, the cloud metadata service (169.254.169.254, fd00:ec2::254).
// The check runs on the address actually dialed (after DNS, on every
// connection, so a DNS answer that changes between check and use is caught),
// redirects are never followed, and no proxy is taken from the environment.

// refusedNets are the addresses a delivery never connects to, with why.
var refusedNets = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (cloud metadata)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/96"), "unspecified, loopback or IPv4-compatible"},
	{netip.MustParsePrefix("100::/64"), "discard"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("fc00::/7"), "private (unique local, cloud metadata)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// Prefixes that carry an IPv4 address inside an IPv6 one: the IPv4 address
// is checked too.
var (
	nat64   = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4  = netip.MustParsePrefix("2002::/16")
	teredo  = netip.MustParsePrefix("2001::/32")
	errNoIP = errors.New("not an IP address")
)

// Policy says which addresses deliveries may connect to. The zero Policy
// refuses every address in refusedNets; Allow (WEBHOOK_ALLOW_NETS) lets an
// operator reach, say, an ATS on the intranet.
type Policy struct {
	Allow []netip.Prefix
}

// RefusedError is an address the policy does not connect to.
type RefusedError struct {
	Addr netip.Addr
	Why  string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("address %s is not allowed (%s)", e.Addr, e.Why)
}

// ParseNets reads a comma-separated list of CIDRs or single addresses.
func ParseNets(v string) ([]netip.Prefix, error) {
	var nets []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			nets = append(nets, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR like 10.1.0.0/16 or an address", f)
		}
		nets = append(nets, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return nets, nil
}

// Check returns a *RefusedError when ip may not be connected to.
func (p Policy) Check(ip netip.Addr) error {
	ip = ip.WithZone("").Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	for _, a := range p.Allow {
		if a.Contains(ip) {
			return nil
		}
	}
	if !ip.IsValid() {
		return &RefusedError{Addr: ip, Why: "invalid"}
	}
	for _, n := range refusedNets {
		if n.prefix.Contains(ip) {
			return &RefusedError{Addr: ip, Why: n.why}
		}
	}
	if inner, ok := embeddedIPv4(ip); ok {
		if err := p.Check(inner); err != nil {
			return &RefusedError{Addr: ip, Why: "carries " + inner.String() + ": " + err.(*RefusedError).Why}
		}
	}
	return nil
}

// embeddedIPv4 returns the IPv4 address a NAT64, 6to4 or Teredo address carries.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	b := ip.As16()
	switch {
	case !ip.Is6():
		return netip.Addr{}, false
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixTo4.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case teredo.Contains(ip): // the client's address, inverted
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}

// control runs before every connection, on the address being dialed.
func (p Policy) control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%s: %w", host, errNoIP)
	}
	return p.Check(ip)
}

// ErrRedirect is a delivery answered with a redirect: never followed, so a
// public endpoint cannot bounce a delivery to a private address.
var ErrRedirect = errors.New("redirects are not followed")

// MaxAnswer is how much of an endpoint's answer is read.
const MaxAnswer = 64 << 10

// Client returns an HTTP client that connects only where the policy
// allows, follows no redirect, uses no proxy and gives up after timeout.
func (p Policy) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: min(timeout, 5*time.Second), Control: p.control}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil, // never HTTP_PROXY: the proxy would do the dialing, unchecked
			DialContext:            dialer.DialContext,
			TLSHandshakeTimeout:    min(timeout, 5*time.Second),
			ResponseHeaderTimeout:  timeout,
			MaxIdleConns:           16,
			MaxIdleConnsPerHost:    2,
			IdleConnTimeout:        30 * time.Second,
			MaxResponseHeaderBytes: 16 << 10,
		},
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return ErrRedirect },
	}
}

// URLError is an endpoint URL that cannot be registered; its message is
// meant for the user.
type URLError struct{ Msg string }

func (e *URLError) Error() string { return e.Msg }

// MaxURL bounds an endpoint URL's length.
const MaxURL = 2000

// Resolver finds a host's addresses; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// parseURL checks an endpoint URL's shape.
func parseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, &URLError{"url is required"}
	}
	if len(raw) > MaxURL {
		return nil, &URLError{fmt.Sprintf("url must be at most %d characters", MaxURL)}
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return nil, &URLError{"url must be an absolute http or https URL, like https://ats.example.com/hooks/tailor"}
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, &URLError{"url must use http or https"}
	case u.User != nil:
		return nil, &URLError{"url must not carry a user name or password: check the signature instead"}
	case u.Fragment != "":
		return nil, &URLError{"url must not have a #fragment"}
	}
	return u, nil
}

// CheckURL checks that raw is an http(s) URL whose host resolves only to
// addresses the policy allows (registration; deliveries check again on
// every connection).
func (p Policy) CheckURL(ctx context.Context, resolver Resolver, raw string) error {
	u, err := parseURL(raw)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := p.Check(ip); err != nil {
			return &URLError{"url is refused: " + err.Error() + "; Tailor does not call private, loopback or link-local addresses"}
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return &URLError{fmt.Sprintf("url's host %q does not resolve", host)}
	}
	for _, a := range addrs {
		if err := p.Check(a); err != nil {
			return &URLError{fmt.Sprintf("url is refused: %s resolves to %s; Tailor does not call private, loopback or link-local addresses", host, err)}
		}
	}
	return nil
}
