package handlers

import (
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Compression of dynamic responses: gzip for text (HTML, CSS, JS, JSON,
// SVG) of at least compressMinBytes. A smaller body fits in one TCP segment
// either way, so gzip would save no round trip and cost CPU on the hottest
// responses (a job card poll is about 1.1 KB; gzip made it ~25% slower).
// PDFs and images are compressed already, and a handler that set its own
// Content-Encoding (precompressed static assets, with brotli) is left alone.
// Writers are pooled: a fresh gzip.Writer allocates about 800 KB.
const compressMinBytes = 1400

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return w
}}

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

// acceptsEncoding reports whether an Accept-Encoding header allows coding
// (present with a q-value above zero).
func acceptsEncoding(header, coding string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				return false
			}
		}
		return true
	}
	return false
}

// compress gzips compressible responses for clients that accept it.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &compressWriter{ResponseWriter: w, accept: acceptsEncoding(r.Header.Get("Accept-Encoding"), "gzip"),
			head: r.Method == http.MethodHead}
		next.ServeHTTP(cw, r)
		cw.finish() // not deferred: after a panic, the recoverer answers, not a half page
	})
}

type compressMode uint8

const (
	modeUndecided compressMode = iota // buffering until the body is big enough
	modePlain
	modeGzip
)

type compressWriter struct {
	http.ResponseWriter
	accept bool // the client takes gzip
	head   bool

	status  int // 0 until WriteHeader
	mode    compressMode
	sent    bool // the header went to the client
	pending []byte
	gz      *gzip.Writer
}

func (c *compressWriter) WriteHeader(status int) {
	if c.status != 0 {
		return
	}
	if status < 200 {
		c.ResponseWriter.WriteHeader(status) // 1xx: informational, more follows
		return
	}
	c.status = status
	h := c.Header()
	ct := h.Get("Content-Type")
	if ct != "" && compressible(ct) && h.Get("Content-Encoding") == "" {
		addVary(h, "Accept-Encoding")
	}
	switch {
	case !c.accept, c.head, status == http.StatusNoContent, status == http.StatusNotModified,
		h.Get("Content-Encoding") != "", ct != "" && !compressible(ct):
		c.plain()
	case h.Get("Content-Length") != "":
		if n, err := strconv.Atoi(h.Get("Content-Length")); err == nil && n < compressMinBytes {
			c.plain()
		} else {
			c.startGzip()
		}
	}
	// Otherwise the body decides: buffered until compressMinBytes.
}

func (c *compressWriter) plain() {
	c.mode = modePlain
	c.sent = true
	c.ResponseWriter.WriteHeader(c.status)
}

func (c *compressWriter) startGzip() {
	h := c.Header()
	h.Del("Content-Length")
	h.Set("Content-Encoding", "gzip")
	addVary(h, "Accept-Encoding")
	// The gzip bytes are another representation: a strong validator of the
	// identity body would be wrong for them.
	if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		h.Set("ETag", "W/"+et)
	}
	c.gz = gzipWriters.Get().(*gzip.Writer)
	c.gz.Reset(c.ResponseWriter)
	c.mode = modeGzip
	c.sent = true
	c.ResponseWriter.WriteHeader(c.status)
}

func (c *compressWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		if c.Header().Get("Content-Type") == "" && c.Header().Get("Content-Encoding") == "" {
			c.Header().Set("Content-Type", http.DetectContentType(p))
		}
		c.WriteHeader(http.StatusOK)
	}
	switch c.mode {
	case modePlain:
		return c.ResponseWriter.Write(p)
	case modeGzip:
		return c.gz.Write(p)
	}
	c.pending = append(c.pending, p...)
	if len(c.pending) >= compressMinBytes {
		c.startGzip()
		buf := c.pending
		c.pending = nil
		if _, err := c.gz.Write(buf); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// finish sends what is still buffered: a small body goes out as is, with
// its length.
func (c *compressWriter) finish() {
	switch c.mode {
	case modeUndecided:
		if c.status == 0 {
			return // the handler wrote nothing: net/http answers 200
		}
		c.Header().Set("Content-Length", strconv.Itoa(len(c.pending)))
		c.plain()
		c.ResponseWriter.Write(c.pending)
	case modeGzip:
		c.gz.Close()
		c.gz.Reset(io.Discard)
		gzipWriters.Put(c.gz)
		c.gz = nil
	}
}

// Flush sends what was written so far (a streaming handler asked for it).
func (c *compressWriter) Flush() {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if c.mode == modeUndecided {
		c.plain()
		c.ResponseWriter.Write(c.pending)
		c.pending = nil
	}
	if c.mode == modeGzip {
		c.gz.Flush()
	}
	http.NewResponseController(c.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (c *compressWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
