// Package static holds the web app's embedded assets: vendored htmx (from
// npm, no build step), the stylesheet and a little script. Assets are served
// under content-hashed names so browsers can cache them for a year.
//
// Vendored: htmx.org 2.0.11 (dist/htmx.min.js), htmx-ext-sse 2.2.4
// (dist/sse.min.js). To update: `npm pack htmx.org@2 htmx-ext-sse@2`, copy
// the two files here under their versioned names and change the names below.
// The sse extension carries the live job updates (README "Live updates").
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

//go:embed htmx-2.0.11.min.js htmx-ext-sse-2.2.4.min.js app.js embed-example.js *.css
var files embed.FS

// embedExample is the example host page for the embeddable fragments
// (served at /embed/example; README "Embedding").
//
//go:embed embed-example.html
var embedExample []byte

// EmbedExample returns the example host page.
func EmbedExample() []byte { return embedExample }

// Asset names used by the pages.
const (
	HTMX     = "htmx-2.0.11.min.js"
	SSE      = "htmx-ext-sse-2.2.4.min.js" // htmx's sse extension: the live job updates
	CSS      = "app.css"
	JS       = "app.js"
	EmbedCSS = "embed.css" // the optional stylesheet for pages that embed Tailor's fragments

	// The example host page's script and look (/embed/example).
	EmbedExampleJS  = "embed-example.js"
	EmbedExampleCSS = "embed-example.css"
)

type asset struct {
	name   string // the embedded file
	body   []byte
	ctype  string
	hashed string // e.g. app.3f2a9c1b.css
	etag   string

	// Compressed once, on first request: brotli at its best level costs
	// about 70 ms for htmx, once per process.
	packOnce sync.Once
	gz, br   []byte
}

var (
	once    sync.Once
	byName  map[string]*asset // embedded name -> asset
	byHash  map[string]*asset // hashed name -> asset
	initErr error
)

func load() {
	byName, byHash = map[string]*asset{}, map[string]*asset{}
	initErr = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(p)
		hash := hex.EncodeToString(sum[:5])
		a := &asset{name: p, body: body, hashed: strings.TrimSuffix(p, ext) + "." + hash + ext, etag: `"` + hash + `"`}
		switch ext {
		case ".css":
			a.ctype = "text/css; charset=utf-8"
		case ".js":
			a.ctype = "text/javascript; charset=utf-8"
		default:
			a.ctype = "application/octet-stream"
		}
		byName[p], byHash[a.hashed] = a, a
		return nil
	})
}

func (a *asset) pack() {
	a.packOnce.Do(func() {
		var gz, br bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(a.body)
		zw.Close()
		bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
		bw.Write(a.body)
		bw.Close()
		if gz.Len() < len(a.body) {
			a.gz = gz.Bytes()
		}
		if br.Len() < len(a.body) {
			a.br = br.Bytes()
		}
	})
}

// Path returns the URL of an asset with its content hash, e.g.
// /static/app.3f2a9c1b22.css. An unknown name panics: it is a programming error.
func Path(name string) string {
	once.Do(load)
	a, ok := byName[name]
	if !ok {
		panic("static: no asset " + name)
	}
	return "/static/" + a.hashed
}

// Size returns an asset's size in bytes (page weight reports use it).
func Size(name string) int {
	once.Do(load)
	if a, ok := byName[name]; ok {
		return len(a.body)
	}
	return 0
}

// Handler serves /static/{hashed name} with a year-long immutable cache.
// A name without the current hash is 404: a stale page asks for an asset
// that no longer exists rather than caching the wrong one for a year.
func Handler() http.Handler {
	once.Do(load)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if initErr != nil {
			http.Error(w, "Internal error.", http.StatusInternalServerError)
			return
		}
		a, ok := byHash[strings.TrimPrefix(r.URL.Path, "/static/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		serve(w, r, a, "public, max-age=31536000, immutable")
	})
}

// Alias serves an asset under a stable name, for pages Tailor does not
// render (a host page embedding Tailor's fragments cannot know the hash):
// cached for an hour, then revalidated with its ETag.
func Alias(name string) http.Handler {
	once.Do(load)
	a, ok := byName[name]
	if !ok {
		panic("static: no asset " + name)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, a, "public, max-age=3600")
	})
}

// serve writes an asset in the best encoding the client accepts: brotli,
// then gzip, else as is. The bytes were compressed once, at the best level.
// http.ServeContent answers HEAD, If-None-Match (304) and ranges.
func serve(w http.ResponseWriter, r *http.Request, a *asset, cacheControl string) {
	a.pack()
	body, enc := a.body, ""
	ae := r.Header.Get("Accept-Encoding")
	switch {
	case a.br != nil && accepts(ae, "br"):
		body, enc = a.br, "br"
	case a.gz != nil && accepts(ae, "gzip"):
		body, enc = a.gz, "gzip"
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", a.etag)
	h.Set("Vary", "Accept-Encoding")
	if enc != "" {
		h.Set("Content-Encoding", enc)
	}
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent leaves the length of an encoded body to the caller (it
	// cannot know a wrapper did not compress on the fly); a range sets its own.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

// accepts reports whether an Accept-Encoding header allows a coding: named,
// with a q-value above zero. It is Tailor's only reader of the header; the
// gzip middleware of dynamic responses (gzhttp) has its own.
func accepts(header, coding string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				return err == nil && q > 0
			}
		}
		return true
	}
	return false
}
