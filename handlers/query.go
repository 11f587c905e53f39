package handlers

import (
	"net/http"
	"net/url"
	"strings"
)

// wellFormedQuery answers 400 to a query string Go cannot parse (bad
// escapes, semicolons, more than 10,000 parameters). r.URL.Query() would
// drop it silently, so a filter of 40,000 values would read as no filter.
func (s *Server) wellFormedQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery == "" {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			msg := "The address has a malformed or oversized query string."
			switch {
			case strings.HasPrefix(r.URL.Path, "/api/"):
				writeJSONError(w, http.StatusBadRequest, "malformed query string: "+err.Error())
			case strings.HasPrefix(r.URL.Path, "/embed/"):
				s.embedError(w, r, http.StatusBadRequest, msg)
			default:
				s.pageError(w, r, errorf(http.StatusBadRequest, msg))
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}
