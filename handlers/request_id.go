package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
)

type requestIDKey struct{}

// requestID gives every request an id: the proxy's (Fly-Request-Id) or the
// caller's (X-Request-Id) when it looks like one, else a new one. It is
// echoed in X-Request-Id and put on the request's log lines.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = r.Header.Get("Fly-Request-Id")
		}
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// requestIDFrom returns the request's id, "" outside requestID.
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// logger is the server's logger with the request's id, for lines about
// one request.
func (s *Server) logger(r *http.Request) *slog.Logger {
	if id := requestIDFrom(r.Context()); id != "" {
		return s.Logger.With("request_id", id)
	}
	return s.Logger
}

// validRequestID accepts ids of up to 128 letters, digits and -_.:; anything
// else from a client is replaced, so it cannot forge or flood log lines.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
