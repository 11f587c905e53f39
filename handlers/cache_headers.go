package handlers

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tailor-app/tailor/db"
)

// Caching is chosen per response class, so a CDN in front of Tailor serves
// every cacheable byte and never one user's page to another:
//
//	static assets        public, max-age=31536000, immutable (content-hashed URLs)
//	a job's PDF          private, max-age=31536000, immutable + strong ETag (never rewritten)
//	a share-link PDF     public, max-age=<until the link expires> + ETag
//	status JSON/fragment private, no-cache + ETag from the job's version; 304 on If-None-Match
//	other API JSON       private, no-cache + ETag of the body (GET), no-store otherwise
//	pages                no-store (they are personal), Vary: HX-Request
const (
	cacheImmutablePrivate = "private, max-age=31536000, immutable"
	cacheRevalidate       = "private, no-cache"
	cacheNone             = "no-store"
)

// jobETag is a job's status validator: the version changes with every
// event applied to the row, and nothing else changes what a status shows.
func jobETag(j db.Job) string {
	return `"` + j.ID + "." + strconv.Itoa(j.Version) + `"`
}

// pdfETag is the validator of a job's PDF: one result per job, written once.
func pdfETag(j db.Job) string { return `"` + j.ID + `.pdf"` }

// bodyETag is a validator for a response without a natural version.
func bodyETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
}

// notModified sets the validator and answers 304 when the client already
// has this representation. Comparison is weak (RFC 9110 13.1.2): gzip turns
// strong ETags weak, and the client may send either form back.
func notModified(w http.ResponseWriter, r *http.Request, etag, cacheControl string) bool {
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if !etagMatch(r.Header.Get("If-None-Match"), etag) {
		return false
	}
	h.Del("Content-Type")
	h.Del("Content-Length")
	w.WriteHeader(http.StatusNotModified)
	return true
}

// etagMatch reports whether an If-None-Match list names etag.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == want {
			return true
		}
	}
	return false
}

// publicUntil is Cache-Control for a public response valid until t.
func publicUntil(now, t time.Time) string {
	secs := int64(t.Sub(now) / time.Second)
	if secs < 0 {
		secs = 0
	}
	return "public, max-age=" + strconv.FormatInt(secs, 10)
}

// addVary adds header names to Vary, on one line, without repeating one.
func addVary(h http.Header, names ...string) {
	have := h.Values("Vary")
	list := strings.Join(have, ", ")
	for _, n := range names {
		found := false
		for v := range strings.SplitSeq(list, ",") {
			if strings.EqualFold(strings.TrimSpace(v), n) {
				found = true
				break
			}
		}
		if !found {
			if list != "" {
				list += ", "
			}
			list += n
		}
	}
	if list != "" && (len(have) != 1 || have[0] != list) {
		h.Set("Vary", list)
	}
}

// varyHX marks page responses as depending on htmx's request headers: the
// same URL answers a full page or a fragment.
func varyHX(names ...string) func(http.Handler) http.Handler {
	names = append([]string{"HX-Request"}, names...)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			addVary(w.Header(), names...)
			next.ServeHTTP(w, r)
		})
	}
}

// apiNoStore is the API's default: a handler that can be revalidated says
// so (serveJSON); errors and writes are never stored.
func apiNoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", cacheNone)
		next.ServeHTTP(w, r)
	})
}

// serveJSON answers a GET with JSON that a client may revalidate: the
// ETag is etag, or the body's hash when the data has no version of its own.
func serveJSON(w http.ResponseWriter, r *http.Request, v any, etag string) {
	body, err := json.Marshal(v)
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "Internal error.")
		return
	}
	body = append(body, '\n')
	if etag == "" {
		etag = bodyETag(body)
	}
	if notModified(w, r, etag, cacheRevalidate) {
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// uncache undoes notModified's headers when an error follows them: an
// error must never be cached as the representation.
func uncache(w http.ResponseWriter) {
	w.Header().Del("ETag")
	w.Header().Set("Cache-Control", cacheNone)
}
