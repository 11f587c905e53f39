package handlers

import (
	"net"
	"net/http"
	"strings"
)

// Absolute links (share links, the embedded fragments' own URLs) are built
// from BASE_URL and never from a Host header a client chose: a request with
// "Host: evil.example" must not make Tailor hand out links to evil.example.
// Without BASE_URL, only a loopback host (make run on a laptop) is taken
// from the request; any other host gets a relative link.

// absURL makes a path absolute when Tailor knows its own address.
func (s *Server) absURL(r *http.Request, path string) string {
	return s.origin(r) + path
}

// origin is BASE_URL, or http(s)://host for a loopback Host, or "".
func (s *Server) origin(r *http.Request) string {
	if s.BaseURL != "" {
		return s.BaseURL
	}
	if !loopbackHost(r.Host) {
		return ""
	}
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// loopbackHost reports whether a Host header names this machine's loopback
// interface: localhost, 127.0.0.0/8 or ::1, with or without a port.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
