package pdf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/proc"
)

// closeTimeout bounds a graceful close of Chrome before it is killed.
const closeTimeout = 3 * time.Second

// tabSetupTimeout bounds the creation of one tab (~230 ms when warm).
const tabSetupTimeout = 15 * time.Second

// errBrowserGone is returned by a render that waited for a tab while Chrome
// died.
var errBrowserGone = errors.New("chrome exited")

// browser is one Chrome process with its warm tabs.
type browser struct {
	log *slog.Logger
	dir string // the --user-data-dir, unique to this process tree
	pid int    // also the process group id (Setpgid)

	allocCancel context.CancelFunc // waits until the process is reaped
	ctx         context.Context    // ends when Chrome is gone
	kill        context.CancelFunc // ends ctx, which kills Chrome
	cancel      context.CancelFunc // chromedp's cancel of ctx; only stop calls it
	conn        *chromedp.Browser

	tabs chan *tab // idle tabs

	served   int            // renders handed to this browser; guarded by Pool.lock
	inflight sync.WaitGroup // renders running on this browser

	mu       sync.Mutex
	stopped  bool           // guarded by mu; no new background work after stop
	bg       sync.WaitGroup // tab replacements and request blockers
	stopOnce sync.Once
}

// startBrowser starts Chrome and opens n tabs. Cancelling ctx aborts the
// start but does not bound the life of the browser.
//
// With pidNS, Chrome runs in a PID namespace of its own: when it exits, the
// kernel kills and reaps all its descendants, so none is left as an orphan
// or a zombie even under an init that does not reap. That needs
// CAP_SYS_ADMIN; without it the start fails with EPERM.
func startBrowser(ctx context.Context, path string, n int, pidNS bool, log *slog.Logger) (*browser, error) {
	dir, err := os.MkdirTemp("", "tailor-chrome-")
	if err != nil {
		return nil, fmt.Errorf("%w: creating the profile dir: %w", ErrUnavailable, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		// Chrome's namespace sandbox needs unprivileged user namespaces, not
		// verified on Fly's Firecracker kernel, and Debian ships no setuid
		// helper; the tab has no JS and no network, under a non-root user.
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		// The tab is never shown: a compositor thread of its own makes
		// frames nobody sees. On the renderer's main thread, a print costs
		// ~30% less of Chrome's processor time (34 -> 23 ms for a two-page
		// resume, 52 -> 30 ms with four renders at once on 2 cores), and an
		// idle browser ~5 ms a second instead of ~20.
		chromedp.Flag("disable-threaded-compositing", true),
		chromedp.Flag("disable-component-update", true),
		// Defence in depth behind the Fetch block: no host name resolves and
		// no speculative connection (preconnect, DNS prefetch) is made.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			// Own process group, so stop can kill the zygotes and renderers
			// with the browser; and die with us if we are killed.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
			if pidNS {
				cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWPID
			}
		}),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	// chromedp's cancel func must run once: a second call waits for ever
	// when no browser was allocated. So kill goes through a parent context.
	kctx, kill := context.WithCancel(actx)
	logf := func(format string, args ...any) { log.Debug(fmt.Sprintf(format, args...)) }
	bctx, bcancel := chromedp.NewContext(kctx, chromedp.WithLogf(logf), chromedp.WithErrorf(logf))
	b := &browser{
		log:         log,
		dir:         dir,
		allocCancel: acancel,
		ctx:         bctx,
		kill:        kill,
		cancel:      bcancel,
		tabs:        make(chan *tab, n),
	}

	// The first Do binds Chrome's life to bctx, so it gets no deadline of
	// the caller; ctx aborts the start instead.
	abort := context.AfterFunc(ctx, kill)
	err = chromedp.Do(bctx)
	abort()
	if err == nil {
		b.conn = chromedp.FromContext(bctx).Browser
		if proc := b.conn.Process(); proc != nil {
			b.pid = proc.Pid
		}
		err = b.openTabs(ctx, n)
	}
	if err != nil {
		b.stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: starting chrome: %w", ErrUnavailable, err)
	}
	return b, nil
}

// openTabs opens n tabs in parallel and puts them in b.tabs.
func (b *browser) openTabs(ctx context.Context, n int) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			t, err := b.newTab(ctx)
			if err != nil {
				errs[i] = err
				return
			}
			b.tabs <- t
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// render prints html on an idle tab.
func (b *browser) render(ctx context.Context, html string, size chromedp.PaperSize) ([]byte, error) {
	var t *tab
	for t == nil {
		select {
		case t = <-b.tabs:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-b.ctx.Done():
			return nil, errBrowserGone
		}
		if t.navigated.Load() {
			b.replace(t)
			t = nil
		}
	}
	pdf, err := t.print(ctx, html, size)
	if err != nil {
		// An aborted print may still run in the tab, so it is never reused.
		b.replace(t)
		return nil, err
	}
	b.tabs <- t
	return pdf, nil
}

// replace closes t and opens a new tab in its place, in the background so
// that a cancelled render returns at once.
func (b *browser) replace(t *tab) {
	b.spawn(func() {
		t.close()
		nt, err := b.newTab(b.ctx)
		if err != nil {
			if !b.dead() {
				// A pool with a missing tab would stall; a restart fixes it.
				b.log.Warn("cannot replace a chrome tab; killing chrome so it restarts", "err", err)
				b.kill()
			}
			return
		}
		b.tabs <- nt
	})
}

// spawn runs f in the background unless the browser is stopping.
func (b *browser) spawn(f func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return false
	}
	b.bg.Go(f)
	return true
}

// dead reports whether Chrome is gone or lost its connection.
func (b *browser) dead() bool {
	if b.ctx.Err() != nil {
		return true
	}
	if b.conn == nil {
		return false
	}
	select {
	case <-b.conn.LostConnection:
		return true
	default:
		return false
	}
}

// ping asks Chrome for its version.
func (b *browser) ping(ctx context.Context) error {
	if b.dead() {
		return errBrowserGone
	}
	_, err := cdp.Call(ctx, b.conn, cdpbrowser.GetVersion, cdp.Empty{})
	return err
}

// stop kills the process group of Chrome, waits for it, kills any process
// that left the group, and removes the profile directory. It is idempotent.
func (b *browser) stop() {
	b.stopOnce.Do(func() {
		b.mu.Lock()
		b.stopped = true
		b.mu.Unlock()
		if b.conn != nil && !b.dead() {
			// A graceful close lets Chrome reap its children. Killed, they
			// become orphans, and an init that does not reap keeps them as
			// zombies.
			ctx, cancel := context.WithTimeout(b.ctx, closeTimeout)
			if err := chromedp.Cancel(ctx); err != nil {
				b.log.Debug("closing chrome gracefully", "err", err)
			}
			cancel()
		}
		b.kill()
		// chromedp's cancel waits until the process is gone. Only stop calls
		// it, because a second call waits for ever when Chrome never started.
		b.cancel()
		if b.pid > 0 {
			// Whatever is left of the process group, such as a wedged
			// renderer.
			syscall.Kill(-b.pid, syscall.SIGKILL)
		}
		b.allocCancel()
		b.bg.Wait()
		killLeftovers(b.dir)
		if err := removeAllRetry(b.dir); err != nil {
			b.log.Warn("removing the chrome profile dir", "dir", b.dir, "err", err)
		}
	})
}

// killLeftovers kills the processes whose command line has this profile dir,
// until none shows up for a few passes: a child can fork while its parent
// dies.
func killLeftovers(dir string) {
	deadline := time.Now().Add(2 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if len(processesUsing(dir, syscall.SIGKILL)) == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

// processesUsing returns the pids whose command line has --user-data-dir=dir,
// sending them sig unless it is 0.
func processesUsing(dir string, sig syscall.Signal) []int {
	pids := proc.Find(func(cmdline []byte) bool { return proc.HasArg(cmdline, "--user-data-dir="+dir) })
	if sig != 0 {
		for _, pid := range pids {
			syscall.Kill(pid, sig)
		}
	}
	return pids
}

// rss estimates the resident memory of the browser's process tree, in
// bytes (proc.Memory: shared code counted once).
func (b *browser) rss() int64 { return proc.Memory(proc.Tree(b.pid)) }
