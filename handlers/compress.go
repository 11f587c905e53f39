package handlers

import (
	"compress/gzip"
	"mime"
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
)

// Compression of dynamic responses (gzhttp): gzip for text (HTML, CSS, JS,
// JSON, SVG) of at least compressMinBytes. A smaller body fits in one TCP
// segment either way, so gzip would save no round trip and cost CPU on the
// hottest responses (a job card poll is about 1.1 KB; gzip made it ~25%
// slower). PDFs and images are compressed already, and a handler that set
// its own Content-Encoding (static assets, precompressed with brotli) is
// left alone. gzhttp pools its writers and adds Vary: Accept-Encoding.
// zstd stays off: clients that offer it offer gzip too, and its encoders
// would cost memory that the RSS budget has not been measured with.
const compressMinBytes = 1400

var gzipWrap = func() func(http.Handler) http.HandlerFunc {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.MinSize(compressMinBytes),
		gzhttp.CompressionLevel(gzip.BestSpeed),
		gzhttp.ContentTypeFilter(compressible),
		gzhttp.EnableZstd(false),
	)
	if err != nil {
		panic("handlers: gzhttp options: " + err.Error()) // constant options: a programming error
	}
	return wrap
}()

func compressible(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case strings.HasPrefix(mt, "text/") && mt != "text/event-stream":
		return true
	case mt == "application/json", mt == "application/javascript", mt == "image/svg+xml",
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	return false
}

// compress gzips compressible responses for clients that accept it. Under
// gzhttp, encodedWriter turns a compressed body's ETag weak and, after a
// panic, drops what gzhttp would flush, so the recoverer (outside this
// middleware) answers with a clean 500 rather than half a page.
func compress(next http.Handler) http.Handler {
	gz := gzipWrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if ew := findEncodedWriter(w); ew != nil {
					ew.abandoned = true
				}
				panic(v)
			}
		}()
		next.ServeHTTP(w, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/events" || r.URL.Path == "/embed/events" {
			next.ServeHTTP(w, r) // a live stream: never buffered, and hijacked
			return
		}
		gz.ServeHTTP(&encodedWriter{ResponseWriter: w}, r)
	})
}

// encodedWriter sits under gzhttp and sees the response as it leaves.
type encodedWriter struct {
	http.ResponseWriter
	sent      bool // the status line went out
	abandoned bool // the handler panicked before anything went out
}

func (e *encodedWriter) WriteHeader(status int) {
	if e.abandoned {
		return
	}
	if !e.sent && status >= 200 {
		e.sent = true
		weakenETag(e.Header())
	}
	e.ResponseWriter.WriteHeader(status)
}

func (e *encodedWriter) Write(p []byte) (int, error) {
	if e.abandoned {
		return len(p), nil
	}
	if !e.sent {
		e.sent = true
		weakenETag(e.Header())
	}
	return e.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (Flush).
func (e *encodedWriter) Unwrap() http.ResponseWriter { return e.ResponseWriter }

// weakenETag: compressed bytes (gzhttp's, or a static asset's brotli) are
// another representation, so a strong validator of the identity body would
// be wrong for them (RFC 9110 8.8.1). notModified and http.ServeContent
// compare weakly: the client's copy still revalidates.
func weakenETag(h http.Header) {
	if h.Get("Content-Encoding") == "" {
		return
	}
	if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		h.Set("ETag", "W/"+et)
	}
}

// findEncodedWriter finds compress's writer under gzhttp's.
func findEncodedWriter(w http.ResponseWriter) *encodedWriter {
	for {
		switch x := w.(type) {
		case *encodedWriter:
			return x
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return nil
		}
	}
}
