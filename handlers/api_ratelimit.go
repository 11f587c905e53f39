package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tailor-app/tailor/views"
)

// apiState is what Routes builds for the API and the embeddable fragments.
type apiState struct {
	limiter  *tokenLimiter
	origins  map[string]bool // EMBED_ORIGINS
	boot     string          // changes at every start: part of fragment ETags, whose markup may change with a release
	doc      []byte          // the OpenAPI document, as served
	docETag  string
	docsPage views.APIDocs
}

func (s *Server) initAPI() {
	boot := make([]byte, 4)
	rand.Read(boot)
	doc, docJSON, err := openAPI(s.BaseURL)
	if err != nil {
		panic("handlers: " + err.Error()) // the embedded document: openapi_test.go reads it
	}
	s.api = apiState{
		limiter: newTokenLimiter(s.APIRatePerMinute, s.now),
		origins: embedOriginSet(s.EmbedOrigins),
		boot:    hex.EncodeToString(boot),
		doc:     docJSON,
	}
	s.api.docETag = bodyETag(s.api.doc)
	s.api.docsPage = apiDocsData(doc)
}

// tokenLimiter is a token bucket per API token, in memory in this web
// process: a limit per process is enough to stop a runaway client, and the
// API has one web process (the one that holds the SQLite file).
type tokenLimiter struct {
	perMinute int
	now       func() time.Time
	buckets   sync.Map // sha256(token) -> *rate.Limiter; only authenticated tokens get one
}

func newTokenLimiter(perMinute int, now func() time.Time) *tokenLimiter {
	return &tokenLimiter{perMinute: perMinute, now: now}
}

// allow takes one request from the token's bucket; when it is empty it
// returns how long until the next request would pass.
func (l *tokenLimiter) allow(token string) (time.Duration, bool) {
	if l.perMinute <= 0 {
		return 0, true // no limit set
	}
	key := sha256.Sum256([]byte(token))
	b, ok := l.buckets.Load(key)
	if !ok {
		burst := min(l.perMinute, math.MaxInt32)
		b, _ = l.buckets.LoadOrStore(key, rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), burst))
	}
	lim := b.(*rate.Limiter)
	now := l.now()
	if lim.AllowN(now, 1) {
		return 0, true
	}
	res := lim.ReserveN(now, 1)
	wait := res.DelayFrom(now)
	res.CancelAt(now)
	return wait, false
}

// retryAfter is a Retry-After value: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.FormatInt(max(int64(math.Ceil(d.Seconds())), 1), 10)
}

// bearer returns the token of an `Authorization: Bearer` header.
func bearer(r *http.Request) string {
	t, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return strings.TrimSpace(t)
}
