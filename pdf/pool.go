// Package pdf prints HTML to PDF in a pool of warm headless Chrome tabs.
//
// One browser starts lazily and keeps a fixed number of tabs open; a render
// borrows a tab, sets the HTML on its about:blank document and prints it. The
// tabs run no JavaScript and fail every network request, so a document can
// only use what it carries inline (styles, data: URLs).
package pdf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
)

// ErrUnavailable means that Chrome cannot be found or started. Errors of
// Render and Check wrap it, so callers can answer 503 instead of 500.
var ErrUnavailable = errors.New("PDF renderer unavailable")

// Options configure a Pool. The zero value works.
type Options struct {
	// ChromePath is the Chrome binary. Empty looks up the names in
	// chromeNames on PATH, the headless shell first.
	ChromePath string
	// Tabs is the number of warm tabs, which is how many renders run at
	// once. Default 2.
	Tabs int
	// RenderTimeout limits one Render call, including a restart of Chrome.
	// Default 20s.
	RenderTimeout time.Duration
	// RecycleAfter restarts the browser after this many renders, to bound
	// Chrome's memory growth. Default 500.
	RecycleAfter int
	// MaxRSS restarts the browser when its processes together hold more
	// resident memory than this many bytes (checked every rssCheckEvery
	// renders). Default 1 GiB.
	MaxRSS int64
	// Logger receives restarts and failures. Default: discard.
	Logger *slog.Logger
}

// Paper is the sheet size used when the document has no CSS @page size.
type Paper string

// Paper sizes.
const (
	PaperA4     Paper = "a4"
	PaperLetter Paper = "letter"
)

// size returns the paper in inches; the empty Paper is A4.
func (p Paper) size() (chromedp.PaperSize, error) {
	switch p {
	case PaperA4, "":
		return chromedp.PaperA4, nil
	case PaperLetter:
		return chromedp.PaperLetter, nil
	}
	return chromedp.PaperSize{}, fmt.Errorf("pdf: unknown paper %q (want %q or %q)", p, PaperA4, PaperLetter)
}

// Stats are counters since New.
type Stats struct {
	Renders  int64 // PDFs printed
	Restarts int64 // browsers replaced, after a crash or RecycleAfter renders
	Failures int64 // Render calls that returned an error
}

// Pool renders PDFs with a headless Chrome that it starts on first use and
// restarts when it dies. It is safe for concurrent use.
type Pool struct {
	opts Options
	log  *slog.Logger

	// ctx ends when Close starts, so that a start in progress gives up.
	ctx    context.Context
	cancel context.CancelFunc

	// lock is a mutex held while the current browser is looked up or
	// started; a channel, so that a caller can stop waiting when its ctx ends.
	lock    chan struct{}
	cur     *browser // guarded by lock; nil until the first start
	started bool     // guarded by lock; a later start is a restart
	closed  bool     // guarded by lock
	noPIDNS bool     // guarded by lock; set when a PID namespace is not permitted

	retiring sync.WaitGroup // browsers that are being stopped

	renders, restarts, failures atomic.Int64
}

// New returns a Pool. It starts no process, so it never fails: a missing
// Chrome shows up as ErrUnavailable from Render and Check.
func New(opts Options) *Pool {
	if opts.Tabs <= 0 {
		opts.Tabs = 2
	}
	if opts.RenderTimeout <= 0 {
		opts.RenderTimeout = 20 * time.Second
	}
	if opts.RecycleAfter <= 0 {
		opts.RecycleAfter = 500
	}
	if opts.MaxRSS <= 0 {
		opts.MaxRSS = 1 << 30
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Pool{
		opts:   opts,
		log:    log.With("component", "pdf"),
		ctx:    ctx,
		cancel: cancel,
		lock:   make(chan struct{}, 1),
	}
}

// Render prints html to a PDF on the given paper. The document's CSS @page
// rule, if any, sets the page size and margins. If Chrome dies during the
// render, Render restarts it and tries once more.
func (p *Pool) Render(ctx context.Context, html string, paper Paper) ([]byte, error) {
	pdf, err := p.render(ctx, html, paper)
	if err != nil {
		p.failures.Add(1)
		return nil, err
	}
	p.renders.Add(1)
	return pdf, nil
}

func (p *Pool) render(ctx context.Context, html string, paper Paper) ([]byte, error) {
	size, err := paper.size()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.RenderTimeout)
	defer cancel()

	for attempt := 1; ; attempt++ {
		b, err := p.acquire(ctx)
		if err != nil {
			return nil, err
		}
		pdf, err := b.render(ctx, html, size)
		b.inflight.Done()
		if err == nil {
			return pdf, nil
		}
		if ctx.Err() != nil || attempt == 2 || !b.dead() {
			return nil, fmt.Errorf("rendering PDF: %w", err)
		}
		p.log.Warn("chrome died during a render; restarting it", "err", err)
	}
}

// Check reports whether Chrome runs and answers, starting it if needed.
func (p *Pool) Check(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		b, err := p.current(ctx)
		if err != nil {
			return err
		}
		err = b.ping(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || attempt == 2 || !b.dead() {
			return fmt.Errorf("%w: chrome does not answer: %w", ErrUnavailable, err)
		}
	}
}

// Close stops Chrome (a graceful close, then SIGKILL to its process group and
// to any process that still uses its profile), waits for it, and removes the
// profile directory. Render and Check fail with ErrUnavailable after Close.
func (p *Pool) Close() error {
	p.cancel()
	p.lock <- struct{}{}
	b := p.cur
	p.cur, p.closed = nil, true
	<-p.lock
	if b != nil {
		b.stop()
	}
	p.retiring.Wait()
	return nil
}

// Stats returns the counters.
func (p *Pool) Stats() Stats {
	return Stats{
		Renders:  p.renders.Load(),
		Restarts: p.restarts.Load(),
		Failures: p.failures.Load(),
	}
}

// acquire returns the browser to render on, counted as in flight until the
// caller calls inflight.Done.
func (p *Pool) acquire(ctx context.Context) (*browser, error) {
	if err := p.lockCtx(ctx); err != nil {
		return nil, err
	}
	defer p.unlock()
	b, err := p.currentLocked(ctx)
	if err != nil {
		return nil, err
	}
	b.served++
	b.inflight.Add(1)
	return b, nil
}

// current returns the running browser, starting it if needed.
func (p *Pool) current(ctx context.Context) (*browser, error) {
	if err := p.lockCtx(ctx); err != nil {
		return nil, err
	}
	defer p.unlock()
	return p.currentLocked(ctx)
}

func (p *Pool) lockCtx(ctx context.Context) error {
	select {
	case p.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Pool) unlock() { <-p.lock }

// currentLocked returns the running browser. It replaces a browser that died
// or served RecycleAfter renders, and starts one if there is none.
func (p *Pool) currentLocked(ctx context.Context) (*browser, error) {
	if p.closed {
		return nil, fmt.Errorf("%w: pool closed", ErrUnavailable)
	}
	if b := p.cur; b != nil {
		switch {
		case b.dead():
			p.log.Warn("chrome is gone; restarting it")
		case b.served >= p.opts.RecycleAfter:
			p.log.Info("recycling chrome", "renders", b.served)
		case b.served%rssCheckEvery == 0 && b.served > 0 && b.rss() > p.opts.MaxRSS:
			p.log.Warn("recycling chrome above its memory ceiling", "renders", b.served, "max_rss", p.opts.MaxRSS)
		default:
			return b, nil
		}
		p.cur = nil
		p.retire(b)
	}

	path, err := findChrome(p.opts.ChromePath)
	if err != nil {
		return nil, err
	}
	// A start outlives the caller's ctx, but Close must be able to abort it.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(p.ctx, cancel)()

	began := time.Now()
	b, err := startBrowser(ctx, path, p.opts.Tabs, !p.noPIDNS, p.log)
	if errors.Is(err, syscall.EPERM) && !p.noPIDNS {
		p.log.Warn("chrome cannot have its own PID namespace (no CAP_SYS_ADMIN); its killed children need an init that reaps zombies")
		p.noPIDNS = true
		b, err = startBrowser(ctx, path, p.opts.Tabs, false, p.log)
	}
	if err != nil {
		return nil, err
	}
	if p.started {
		p.restarts.Add(1)
	}
	p.started = true
	p.cur = b
	p.log.Info("chrome started", "path", path, "pid", b.pid, "tabs", p.opts.Tabs, "took", time.Since(began))
	return b, nil
}

// rssCheckEvery is how often (in renders) the browser's memory is summed;
// reading /proc for every process costs about a millisecond.
const rssCheckEvery = 20

// retire stops b once its renders in flight are done, or at once on Close.
func (p *Pool) retire(b *browser) {
	p.retiring.Go(func() {
		drained := make(chan struct{})
		go func() {
			b.inflight.Wait()
			close(drained)
		}()
		select {
		case <-drained:
		case <-p.ctx.Done():
		}
		b.stop()
		<-drained
	})
}

// chromeNames are the binaries looked up on PATH when Options.ChromePath is
// empty, in order. The headless shell (Debian's chromium-headless-shell)
// comes first: since Chrome 132 the full browser's --headless is the whole
// browser without a window, and it prints a two-page resume in ~300 ms on a
// warm tab where the shell takes ~25 ms (Chromium 156, measured here).
var chromeNames = []string{"chromium-headless-shell", "headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// findChrome returns the absolute path of the Chrome binary, or an error
// wrapping ErrUnavailable.
func findChrome(path string) (string, error) {
	if path != "" {
		full, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("%w: chrome at %s: %w", ErrUnavailable, path, err)
		}
		return full, nil
	}
	for _, name := range chromeNames {
		if full, err := exec.LookPath(name); err == nil {
			return full, nil
		}
	}
	return "", fmt.Errorf("%w: chrome not found on PATH (set CHROME_PATH)", ErrUnavailable)
}

// removeAllRetry removes dir, trying again for a while: a Chrome child that
// is still dying can create files in it after the first attempt.
func removeAllRetry(dir string) error {
	deadline := time.Now().Add(3 * time.Second)
	for {
		err := os.RemoveAll(dir)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
