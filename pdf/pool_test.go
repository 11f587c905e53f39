package pdf

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/page"

	"github.com/tailor-app/tailor/proc"
)

// These tests drive a real Chrome. CI installs Debian's chromium and
// poppler-utils; a machine without them fails loudly rather than skipping.
// With -short (the fast tier) the tests that need them skip.

// resumeHTML is a two-page, resume-like document. It sets margins but no
// @page size, so the paper argument decides the page size.
func resumeHTML(first, second string) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><title>Resume</title><style>
@page { margin: 15mm }
body { font: 10.5pt/1.4 "DejaVu Sans", sans-serif; color: #222 }
h1 { font-size: 20pt; margin: 0 0 4pt } h2 { font-size: 12pt; border-bottom: 1px solid #999; background: #eef }
.job { margin-bottom: 8pt } .break { break-after: page }
</style></head><body>
<h1>` + first + `</h1><p>Senior Engineer · ada@example.com · +44 20 7946 0000</p>
<h2>Experience</h2>`)
	for i := range 6 {
		fmt.Fprintf(&b, `<div class="job"><b>Analytical Engines Ltd</b>, Lead Engineer %d, 2019–2024<ul>
<li>Cut report generation time by 40%% by rewriting the batch pipeline in Go.</li>
<li>Led a team of 6 engineers shipping a multi-tenant scheduling service.</li>
<li>Introduced property-based tests that caught 30 defects before release.</li></ul></div>`, i)
	}
	b.WriteString(`<div class="break"></div><h2>` + second + `</h2>`)
	for i := range 6 {
		fmt.Fprintf(&b, `<div class="job"><b>University of London</b>, BSc Mathematics %d<p>Thesis on numerical methods; first-class honours.</p></div>`, i)
	}
	b.WriteString(`</body></html>`)
	return b.String()
}

// newTestPool returns a pool that is closed, and checked for leftover
// processes, when the test ends.
func newTestPool(tb testing.TB, opts Options) *Pool {
	tb.Helper()
	if testing.Short() {
		tb.Skip("needs Chrome: skipped with -short")
	}
	if opts.ChromePath == "" {
		opts.ChromePath = os.Getenv("CHROME_PATH")
	}
	if _, err := findChrome(opts.ChromePath); err != nil {
		tb.Fatalf("these tests need a real Chrome (apt-get install chromium, or set CHROME_PATH): %v", err)
	}
	p := New(opts)
	tb.Cleanup(func() {
		dirs := poolDirs(p)
		if err := p.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
		for _, dir := range dirs {
			if pids := processesUsing(dir, 0); len(pids) > 0 {
				tb.Errorf("processes of %s left after Close: %v", dir, pids)
			}
		}
	})
	return p
}

// idleTab starts the pool's browser and returns its one idle tab (the pool
// has Tabs: 1), leaving it in the pool. Tests subscribe to the tab's events
// to wait for what Chrome does after a render returns.
func idleTab(tb testing.TB, p *Pool) *tab {
	tb.Helper()
	if err := p.Check(context.Background()); err != nil {
		tb.Fatalf("Check: %v", err)
	}
	p.lock <- struct{}{}
	b := p.cur
	<-p.lock
	t := <-b.tabs
	b.tabs <- t
	return t
}

// poolDirs returns the profile dir of the current browser, if any.
func poolDirs(p *Pool) []string {
	p.lock <- struct{}{}
	defer func() { <-p.lock }()
	if p.cur == nil {
		return nil
	}
	return []string{p.cur.dir}
}

func mustRender(tb testing.TB, p *Pool, html string, paper Paper) []byte {
	tb.Helper()
	pdf, err := p.Render(context.Background(), html, paper)
	if err != nil {
		tb.Fatalf("Render: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		tb.Fatalf("Render returned %q..., want a PDF", pdf[:min(len(pdf), 16)])
	}
	return pdf
}

// poppler runs a poppler-utils tool on pdf and returns its output.
func poppler(tb testing.TB, tool string, pdf []byte, args ...string) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("needs " + tool + ": skipped with -short")
	}
	if _, err := exec.LookPath(tool); err != nil {
		tb.Fatalf("%s is needed (apt-get install poppler-utils): %v", tool, err)
	}
	path := filepath.Join(tb.TempDir(), "out.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	args = append(args, path)
	if tool == "pdftotext" {
		args = append(args, "-") // to stdout
	}
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s: %v\n%s", tool, err, out)
	}
	return string(out)
}

// pageInfo returns the page count and the size of the first page in points.
func pageInfo(tb testing.TB, pdf []byte) (pages int, w, h float64) {
	tb.Helper()
	info := poppler(tb, "pdfinfo", pdf)
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindStringSubmatch(info)
	s := regexp.MustCompile(`(?m)^Page size:\s+([\d.]+) x ([\d.]+) pts`).FindStringSubmatch(info)
	if m == nil || s == nil {
		tb.Fatalf("cannot read pdfinfo output:\n%s", info)
	}
	pages, _ = strconv.Atoi(m[1])
	w, _ = strconv.ParseFloat(s[1], 64)
	h, _ = strconv.ParseFloat(s[2], 64)
	return pages, w, h
}

func TestRenderTwoPages(t *testing.T) {
	p := newTestPool(t, Options{})
	pdf := mustRender(t, p, resumeHTML("Ada Lovelace", "Education"), PaperA4)

	if pages, _, _ := pageInfo(t, pdf); pages != 2 {
		t.Errorf("pages = %d, want 2", pages)
	}
	text := poppler(t, "pdftotext", pdf)
	words := []string{"Ada Lovelace", "Experience", "Analytical Engines Ltd", "Education", "University of London"}
	last := -1
	for _, w := range words {
		i := strings.Index(text, w)
		if i < 0 {
			t.Fatalf("text lacks %q:\n%s", w, text)
		}
		if i < last {
			t.Errorf("%q is out of order in:\n%s", w, text)
		}
		last = i
	}
	// pdftotext separates pages with a form feed.
	if i, j := strings.Index(text, "\f"), strings.Index(text, "Education"); i < 0 || i > j {
		t.Errorf("Education should start page 2:\n%s", text)
	}
}

func TestPaperSize(t *testing.T) {
	p := newTestPool(t, Options{})
	tests := []struct {
		paper Paper
		w, h  float64 // points
	}{
		{PaperA4, 595, 842},
		{PaperLetter, 612, 792},
		{"", 595, 842},
	}
	for _, tt := range tests {
		t.Run(string(tt.paper), func(t *testing.T) {
			_, w, h := pageInfo(t, mustRender(t, p, resumeHTML("Ada", "Education"), tt.paper))
			if abs(w-tt.w) > 2 || abs(h-tt.h) > 2 {
				t.Errorf("page size = %.1f x %.1f pts, want %.0f x %.0f", w, h, tt.w, tt.h)
			}
		})
	}
	if _, err := p.Render(context.Background(), "<p>x</p>", "a3"); err == nil {
		t.Error("Render with paper a3: want an error")
	}
}

func TestCSSPageSizeWins(t *testing.T) {
	p := newTestPool(t, Options{})
	pdf := mustRender(t, p, `<style>@page { size: 100mm 150mm; margin: 0 }</style><p>Card</p>`, PaperLetter)
	if _, w, h := pageInfo(t, pdf); abs(w-283.5) > 2 || abs(h-425.2) > 2 {
		t.Errorf("page size = %.1f x %.1f pts, want the CSS 100mm x 150mm", w, h)
	}
}

func abs(x float64) float64 { return max(x, -x) }

func TestConcurrentRenders(t *testing.T) {
	p := newTestPool(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 24)
	for g := range 8 {
		wg.Go(func() {
			for i := range 3 {
				name := fmt.Sprintf("Candidate %d-%d", g, i)
				pdf, err := p.Render(context.Background(), resumeHTML(name, "Education"), PaperA4)
				if err != nil {
					errs <- err
					continue
				}
				if text := poppler(t, "pdftotext", pdf); !strings.Contains(text, name) {
					errs <- fmt.Errorf("PDF for %q has another text:\n%.200s", name, text)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := p.Stats(); got.Renders != 24 || got.Failures != 0 {
		t.Errorf("Stats = %+v, want 24 renders and no failure", got)
	}
}

// canary is a loopback server that counts every connection and request.
type canary struct {
	*httptest.Server
	conns, requests atomic.Int64
	mu              sync.Mutex
	paths           []string
}

func newCanary(t *testing.T) *canary {
	c := new(canary)
	c.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.requests.Add(1)
		c.mu.Lock()
		c.paths = append(c.paths, r.URL.Path)
		c.mu.Unlock()
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, `body { background: red }`)
	}))
	c.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			c.conns.Add(1)
		}
	}
	c.Start()
	t.Cleanup(c.Close)
	return c
}

func TestNoNetwork(t *testing.T) {
	c := newCanary(t)
	p := newTestPool(t, Options{Tabs: 1})
	_, port, _ := net.SplitHostPort(c.Listener.Addr().String())

	// Every request the tab makes, as the pool's blocker sees it (paused,
	// then failed), so the test can wait for the meta refresh, which may
	// start before or after the print returns.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	requested := make(chan string, 1024)
	paused := cdp.Events(ctx, idleTab(t, p).target, fetch.RequestPaused)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			requested <- ev.Request.URL
		}
	}()

	for _, base := range []string{c.URL, "http://localhost:" + port, "http://[::ffff:127.0.0.1]:" + port} {
		html := strings.NewReplacer("BASE", base).Replace(`<!doctype html><html><head>
<meta http-equiv="refresh" content="0;url=BASE/refresh">
<link rel="stylesheet" href="BASE/link.css">
<link rel="preconnect" href="BASE"><link rel="dns-prefetch" href="BASE">
<link rel="prefetch" href="BASE/prefetch"><link rel="preload" as="image" href="BASE/preload.png">
<link rel="icon" href="BASE/favicon.ico">
<style>
@import url("BASE/import.css");
@font-face { font-family: Canary; src: url("BASE/font.woff2") }
body { font-family: Canary; background: url("BASE/bg.png") }
</style>
<script src="BASE/script.js"></script>
</head><body>
<p>CANARY DOCUMENT</p>
<img src="BASE/img.png"><img srcset="BASE/srcset.png 2x">
<picture><source srcset="BASE/source.png"><img src="BASE/picture.png"></picture>
<iframe src="BASE/iframe"></iframe><iframe srcdoc="<img src='BASE/srcdoc.png'>"></iframe>
<object data="BASE/object"></object><embed src="BASE/embed">
<video poster="BASE/poster.png" src="BASE/video.mp4"></video><audio src="BASE/audio.mp3"></audio>
<svg><image href="BASE/svg.png" width="10" height="10"/></svg>
<input type="image" src="BASE/input.png">
<a href="BASE/link" ping="BASE/ping">link</a>
</body></html>`)
		pdf := mustRender(t, p, html, PaperA4)
		if text := poppler(t, "pdftotext", pdf); !strings.Contains(text, "CANARY DOCUMENT") {
			t.Errorf("the PDF lacks the document text:\n%s", text)
		}
		// The refresh was tried (and failed by the blocker) before the next
		// document replaces this one.
		if !receives(requested, func(u string) bool { return strings.HasSuffix(u, "/refresh") }, 10*time.Second) {
			t.Fatalf("the meta refresh to %s/refresh never started: the test would not see it blocked", base)
		}
	}
	// The tab still prints the next document.
	if text := poppler(t, "pdftotext", mustRender(t, p, "<p>NEXT DOCUMENT</p>", PaperA4)); !strings.Contains(text, "NEXT DOCUMENT") {
		t.Errorf("the tab printed another document after a meta refresh:\n%s", text)
	}
	if n, r := c.conns.Load(), c.requests.Load(); n != 0 || r != 0 {
		c.mu.Lock()
		t.Errorf("the canary got %d connections and %d requests, want none: %v", n, r, c.paths)
		c.mu.Unlock()
	}
}

// receives reports whether ch yields a value that matches within timeout.
func receives[T any](ch <-chan T, match func(T) bool, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		select {
		case v := <-ch:
			if match(v) {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

func TestNoFileAccess(t *testing.T) {
	var buf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 40, 40)) // all black
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "secret.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newTestPool(t, Options{Tabs: 1})
	// hasImage reports whether the PDF holds the 40x40 image; a blocked
	// <img> prints Chrome's small broken-image icon instead.
	hasImage := func(html string) bool {
		list := poppler(t, "pdfimages", mustRender(t, p, html, PaperA4), "-list")
		return regexp.MustCompile(`(?m)^\s*\d+\s+\d+\s+image\s+40\s+40\s`).MatchString(list)
	}
	// The data: URL proves that the check can see the image at all.
	dataURL := "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
	if !hasImage(`<img src="` + dataURL + `">`) {
		t.Fatal("the PDF lacks an image given as a data: URL")
	}
	for _, html := range []string{
		`<img src="file://` + path + `">`,
		`<div style="width:40px;height:40px;background:url('file://` + path + `')"></div>`,
		`<iframe src="file://` + filepath.Dir(path) + `/"></iframe><object data="file://` + path + `"></object>`,
	} {
		if hasImage(html) {
			t.Errorf("Chrome loaded a local file for %s", html)
		}
	}
}

func TestWebFontIsLoadedBeforePrinting(t *testing.T) {
	// A data: font is fetched asynchronously; printing before the load
	// event would fall back to the system font.
	var font []byte
	for _, path := range []string{
		"/usr/share/fonts/truetype/dejavu/DejaVuSerif-BoldItalic.ttf",
		"/usr/share/fonts/truetype/liberation/LiberationSerif-BoldItalic.ttf",
	} {
		if b, err := os.ReadFile(path); err == nil {
			font = b
			break
		}
	}
	if font == nil {
		t.Skip("no DejaVu or Liberation font file to embed")
	}
	p := newTestPool(t, Options{Tabs: 1})
	html := `<style>@font-face { font-family: Probe; src: url(data:font/ttf;base64,` +
		base64.StdEncoding.EncodeToString(font) + `) }
body { font-family: Probe, monospace }</style><p>Typeset in the probe font</p>`
	fonts := poppler(t, "pdffonts", mustRender(t, p, html, PaperA4))
	if !strings.Contains(fonts, "Serif-BoldItalic") {
		t.Errorf("the PDF does not use the web font:\n%s", fonts)
	}
}

func TestMetaRefresh(t *testing.T) {
	p := newTestPool(t, Options{Tabs: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	navigated := cdp.Events(ctx, idleTab(t, p).target, page.FrameNavigated)
	// about:blank needs no request, so only the navigation guard stops it.
	// Whether the refresh beats the print is a race: the render may fail
	// with errNavigated, but must never print another document nor fail
	// for another reason.
	pdf, err := p.Render(context.Background(), `<meta http-equiv="refresh" content="0;url=about:blank"><p>FIRST</p>`, PaperA4)
	switch {
	case err == nil:
		if text := poppler(t, "pdftotext", pdf); !strings.Contains(text, "FIRST") {
			t.Errorf("the render with a meta refresh printed %q", text)
		}
	case errors.Is(err, errNavigated):
		t.Log("the refresh came before the print")
	default:
		t.Fatalf("Render: %v; want the PDF of the document, or errNavigated", err)
	}
	// Wait for the refresh itself, which may come after the print, so that
	// the renders below meet a tab that navigated.
	for ev, err := range navigated {
		if err != nil {
			t.Fatalf("the meta refresh never navigated the tab (%v): the renders below would test nothing", err)
		}
		if ev.Frame.ParentID == "" {
			break
		}
	}
	for i := range 3 {
		want := fmt.Sprintf("NEXT %d", i)
		if text := poppler(t, "pdftotext", mustRender(t, p, "<p>"+want+"</p>", PaperA4)); !strings.Contains(text, want) {
			t.Errorf("render %d printed %q, want %q", i, text, want)
		}
	}
}

func TestNoJavaScript(t *testing.T) {
	p := newTestPool(t, Options{Tabs: 1})
	html := `<body onload="document.body.innerHTML='JSRAN'"><p>STATIC TEXT</p>
<script>document.body.innerHTML='JSRAN'</script>
<img src="data:," onerror="document.body.innerHTML='JSRAN'"></body>`
	text := poppler(t, "pdftotext", mustRender(t, p, html, PaperA4))
	if strings.Contains(text, "JSRAN") || !strings.Contains(text, "STATIC TEXT") {
		t.Errorf("JavaScript ran; the PDF says:\n%s", text)
	}
}

// browserPID returns the pid of the main Chrome process that uses dir: the
// one without a --type= switch.
func browserPID(t *testing.T, dir string) int {
	t.Helper()
	for _, pid := range processesUsing(dir, 0) {
		if cmdline := proc.Cmdline(pid); cmdline != nil && !bytes.Contains(cmdline, []byte("--type=")) {
			return pid
		}
	}
	t.Fatalf("no browser process uses %s", dir)
	return 0
}

func TestRestartAfterKill(t *testing.T) {
	p := newTestPool(t, Options{})
	mustRender(t, p, resumeHTML("Before", "Education"), PaperA4)
	dir := poolDirs(p)[0]
	pid := browserPID(t, dir)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}

	text := poppler(t, "pdftotext", mustRender(t, p, resumeHTML("After", "Education"), PaperA4))
	if !strings.Contains(text, "After") {
		t.Errorf("the render after the kill printed:\n%s", text)
	}
	if got := p.Stats(); got.Restarts != 1 || got.Failures != 0 {
		t.Errorf("Stats = %+v, want 1 restart and no failure", got)
	}
	if err := p.Check(context.Background()); err != nil {
		t.Errorf("Check after the restart: %v", err)
	}
	waitGone(t, dir)
}

// waitGone waits until no process uses dir and dir is removed.
func waitGone(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids := processesUsing(dir, 0)
		_, err := os.Stat(dir)
		if len(pids) == 0 && errors.Is(err, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the old browser is not cleaned up: pids %v, stat of %s: %v", pids, dir, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCheckStartsChrome(t *testing.T) {
	p := newTestPool(t, Options{})
	if err := p.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if dirs := poolDirs(p); len(dirs) != 1 || len(processesUsing(dirs[0], 0)) == 0 {
		t.Errorf("Check started no browser")
	}
}

func TestMissingChrome(t *testing.T) {
	p := New(Options{ChromePath: "/nonexistent/chrome"})
	defer p.Close()
	_, err := p.Render(context.Background(), "<p>x</p>", PaperA4)
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("Render error = %v, want one wrapping ErrUnavailable", err)
	}
	if err := p.Check(context.Background()); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "/nonexistent/chrome") {
		t.Errorf("Check error = %v, want one wrapping ErrUnavailable that names the path", err)
	}
	if got := p.Stats(); got.Failures != 1 {
		t.Errorf("Stats = %+v, want 1 failure", got)
	}
}

func TestMissingChromeOnPath(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := findChrome("")
	if !errors.Is(err, ErrUnavailable) || err.Error() != "PDF renderer unavailable: chrome not found on PATH (set CHROME_PATH)" {
		t.Errorf("findChrome error = %v", err)
	}
}

func TestCancel(t *testing.T) {
	p := newTestPool(t, Options{Tabs: 2})
	html := resumeHTML("Ada", "Education")
	mustRender(t, p, html, PaperA4)

	t.Run("before render", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		_, err := p.Render(ctx, html, PaperA4)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Render error = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("Render took %v after the context was cancelled", d)
		}
	})
	t.Run("during render", func(t *testing.T) {
		// Cancel at several points of a render; each frees its tab.
		for _, d := range []time.Duration{time.Millisecond, 5 * time.Millisecond, 15 * time.Millisecond, 40 * time.Millisecond} {
			ctx, cancel := context.WithTimeout(context.Background(), d)
			_, err := p.Render(ctx, html, PaperA4)
			cancel()
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Render with a %v deadline: %v, want context.DeadlineExceeded", d, err)
			}
		}
	})
	t.Run("render timeout", func(t *testing.T) {
		q := newTestPool(t, Options{Tabs: 1, RenderTimeout: time.Millisecond})
		if _, err := q.Render(context.Background(), html, PaperA4); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Render error = %v, want context.DeadlineExceeded", err)
		}
	})
	// Both tabs work again, in parallel.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := p.Render(ctx, html, PaperA4); err != nil {
				t.Errorf("Render after cancellations: %v", err)
			}
		})
	}
	wg.Wait()
}

func TestRecycle(t *testing.T) {
	p := newTestPool(t, Options{Tabs: 1, RecycleAfter: 2})
	var dirs []string
	for i := range 5 {
		mustRender(t, p, fmt.Sprintf("<p>Render %d</p>", i), PaperA4)
		if d := poolDirs(p)[0]; !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	if got := p.Stats(); got.Restarts != 2 || got.Renders != 5 {
		t.Errorf("Stats = %+v, want 2 restarts and 5 renders", got)
	}
	if len(dirs) != 3 {
		t.Fatalf("renders ran on %d browsers, want 3", len(dirs))
	}
	for _, dir := range dirs[:2] {
		waitGone(t, dir)
	}
}

func TestWithoutPIDNamespace(t *testing.T) {
	// Where CAP_SYS_ADMIN is missing, Chrome runs in our PID namespace.
	p := newTestPool(t, Options{})
	p.noPIDNS = true
	mustRender(t, p, resumeHTML("Ada", "Education"), PaperA4)
	dir := poolDirs(p)[0]
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if pids := processesUsing(dir, 0); len(pids) > 0 {
		t.Errorf("processes left after Close: %v", pids)
	}
}

func TestCloseLeavesNoProcess(t *testing.T) {
	p := newTestPool(t, Options{Tabs: 3})
	mustRender(t, p, resumeHTML("Ada", "Education"), PaperA4)
	dir := poolDirs(p)[0]
	pgid := browserPID(t, dir)
	// The browser and at least one renderer (the headless shell has no
	// zygote; full Chrome has more).
	if n := len(processesUsing(dir, 0)); n < 2 {
		t.Fatalf("only %d processes use %s; is the test looking in the right place?", n, dir)
	}

	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if pids := processesUsing(dir, 0); len(pids) > 0 {
		t.Errorf("processes left after Close: %v", pids)
	}
	// Zombies have no command line, so look for the process group too.
	if pids := processGroup(pgid); len(pids) > 0 {
		t.Errorf("processes of group %d left after Close: %v", pgid, pids)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the profile dir %s is still there: %v", dir, err)
	}
	if _, err := p.Render(context.Background(), "<p>x</p>", PaperA4); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Render after Close: %v, want ErrUnavailable", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// processGroup returns the pids, zombies included, in the process group.
func processGroup(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The fields after the command name, which is in parentheses:
		// state, ppid, pgrp.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 2 && fields[2] == strconv.Itoa(pgid) {
			pid, _ := strconv.Atoi(e.Name())
			pids = append(pids, pid)
		}
	}
	return pids
}

// BenchmarkRender prints a two-page resume on warm tabs and reports the
// median latency.
func BenchmarkRender(b *testing.B) {
	p := newTestPool(b, Options{})
	html := resumeHTML("Ada Lovelace", "Education")
	mustRender(b, p, html, PaperA4) // warm up

	var mu sync.Mutex
	var took []time.Duration
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			start := time.Now()
			if _, err := p.Render(context.Background(), html, PaperA4); err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			took = append(took, time.Since(start))
			mu.Unlock()
		}
	})
	b.StopTimer()
	slices.Sort(took)
	if len(took) > 0 {
		b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	}
}

func TestRecycleAboveMaxRSS(t *testing.T) {
	p := newTestPool(t, Options{MaxRSS: 1}) // any browser is above one byte
	for range rssCheckEvery + 1 {
		mustRender(t, p, resumeHTML("Memory", "Education"), PaperA4)
	}
	if got := p.Stats(); got.Restarts != 1 {
		t.Errorf("Stats = %+v, want 1 restart after %d renders above MaxRSS", got, rssCheckEvery)
	}
	if len(poolDirs(p)) > 0 {
		if rss := p.cur.rss(); rss <= 0 {
			t.Errorf("rss = %d, want the browser's resident memory", rss)
		}
	}
}
