// Package static holds the web app's embedded assets: vendored htmx and its
// sse extension (from npm, no build step), the stylesheet and a little
// script. Assets are served under content-hashed names so browsers can
// cache them for a year.
//
// Vendored: htmx.org 2.0.11 (dist/htmx.min.js), htmx-ext-sse 2.2.4
// (dist/sse.min.js). To update: `npm pack htmx.org@2 htmx-ext-sse@2`, copy
// the two files here under their versioned names and change the names below.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed *.js *.css
var files embed.FS

// Asset names used by the pages.
const (
	HTMX = "htmx-2.0.11.min.js"
	SSE  = "htmx-ext-sse-2.2.4.min.js"
	CSS  = "app.css"
	JS   = "app.js"
)

type asset struct {
	name   string // the embedded file
	body   []byte
	ctype  string
	hashed string // e.g. app.3f2a9c1b.css
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
		a := &asset{name: p, body: body, hashed: strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:5]) + ext}
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
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method != http.MethodHead {
			w.Write(a.body)
		}
	})
}
