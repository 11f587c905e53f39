package pdf

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync/atomic"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// errTabGone is returned when the tab closed while a render waited on it.
var errTabGone = errors.New("chrome tab closed")

// errNavigated means that the document navigated away while it was printed,
// so the PDF may show another document.
var errNavigated = errors.New("the document navigated away (meta refresh?)")

// tab is a warm Chrome tab that stays on about:blank, with JavaScript off and
// every network request failed.
type tab struct {
	ctx     context.Context // the tab lives as long as ctx
	cancel  context.CancelFunc
	target  *chromedp.Target
	frameID cdp.FrameID

	// navigated is set when the main frame commits another document, for
	// example after a <meta http-equiv=refresh>; such a tab is not reused.
	navigated atomic.Bool
}

// newTab opens a locked-down tab. ctx bounds only the setup.
func (b *browser) newTab(ctx context.Context) (*tab, error) {
	t := new(tab)
	t.ctx, t.cancel = chromedp.NewContext(b.ctx, chromedp.WithListener(t.watch))

	// The first Do binds the tab's life to t.ctx, so the setup limit cancels
	// the tab rather than being passed in.
	setupCtx, cancel := context.WithTimeout(ctx, tabSetupTimeout)
	defer cancel()
	abort := context.AfterFunc(setupCtx, t.cancel)
	err := chromedp.Do(t.ctx, chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		return t.setup(ctx, b, target)
	}))
	if !abort() && err == nil {
		err = setupCtx.Err()
	}
	if err != nil {
		t.cancel()
		return nil, fmt.Errorf("opening a chrome tab: %w", err)
	}
	return t, nil
}

func (t *tab) setup(ctx context.Context, b *browser, target *chromedp.Target) error {
	t.target = target

	// Subscribe before Fetch.enable so that no paused request is missed.
	paused := cdp.Events(t.ctx, target, fetch.RequestPaused)
	if !b.spawn(func() { t.blockRequests(paused) }) {
		return errBrowserGone
	}
	if _, err := cdp.Call(ctx, target, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: "*"}},
	}); err != nil {
		return fmt.Errorf("blocking requests: %w", err)
	}
	if _, err := cdp.Call(ctx, target, emulation.SetScriptExecutionDisabled,
		emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		return fmt.Errorf("disabling JavaScript: %w", err)
	}
	// chromedp enables these domains for its queries; we make none, and their
	// events cost work on every render.
	for _, disable := range []cdp.Command[cdp.Empty, cdp.Empty]{css.Disable, dom.Disable, network.Disable} {
		if _, err := cdp.Call(ctx, target, disable, cdp.Empty{}); err != nil {
			return fmt.Errorf("%s: %w", disable.Method, err)
		}
	}
	tree, err := cdp.Call(ctx, target, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return fmt.Errorf("getting the frame tree: %w", err)
	}
	t.frameID = tree.FrameTree.Frame.ID
	// The tab's own first load of about:blank does not count.
	t.navigated.Store(false)
	return nil
}

// watch flags a navigation of the main frame. It runs on chromedp's event
// loop, so it sees the events before the reply to a later command.
func (t *tab) watch(ev any) {
	if ev, ok := ev.(*page.EventFrameNavigated); ok && ev.Frame.ParentID == "" {
		t.navigated.Store(true)
	}
}

// blockRequests fails every request that the tab makes, until the tab
// closes. Fetch pauses a request before it is sent, so nothing reaches the
// network, files, loopback or metadata addresses.
func (t *tab) blockRequests(paused iter.Seq2[fetch.EventRequestPaused, error]) {
	for ev, err := range paused {
		if err != nil {
			return
		}
		if strings.HasPrefix(ev.Request.URL, "data:") {
			// Inline data never leaves the renderer; let it through should
			// Chrome ever pause it.
			cdp.Call(t.ctx, t.target, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			continue
		}
		reason := network.ErrorReasonBlockedByClient
		if ev.ResourceType == network.ResourceTypeDocument {
			// An aborted navigation commits no error page, so a meta
			// refresh or an iframe leaves the document as it is.
			reason = network.ErrorReasonAborted
		}
		cdp.Call(t.ctx, t.target, fetch.FailRequest, fetch.FailRequestParams{
			RequestID:   ev.RequestID,
			ErrorReason: reason,
		})
	}
}

// print replaces the document of the tab with html, waits for its load
// event (blocked subresources fail fast, fonts from data: URLs are loaded),
// fits it on a page if it asks to (see requests), and prints it.
func (t *tab) print(ctx context.Context, html string, size chromedp.PaperSize) ([]byte, error) {
	req := requestsOf(html)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	loaded := cdp.Events(lctx, t.target, page.LoadEventFired)

	if _, err := cdp.Call(ctx, t.target, page.SetDocumentContent, page.SetDocumentContentParams{
		FrameID: t.frameID,
		HTML:    html,
	}); err != nil {
		return nil, fmt.Errorf("setting the document: %w", err)
	}
	if err := waitFirst(loaded); err != nil {
		return nil, fmt.Errorf("waiting for the load event: %w", err)
	}
	if req.fitHeight > 0 {
		if _, err := t.fit(ctx, req.fitHeight); err != nil {
			return nil, err
		}
	}
	opts := []chromedp.PDFOption{
		chromedp.PDFPaper(size),
		chromedp.PDFMargin(0), // the document's @page rule sets the margins
		chromedp.PDFPrintBackground(),
		chromedp.PDFPreferCSSPageSize(),
	}
	pdf, err := chromedp.PrintToPDF(opts...)(ctx, t.target)
	if t.navigated.Load() {
		// The print may have failed or shown the other document.
		return nil, errNavigated
	}
	if err != nil {
		return nil, fmt.Errorf("printing: %w", err)
	}
	return pdf, nil
}

// close closes the tab. It blocks until Chrome closed it, at most a few
// seconds.
func (t *tab) close() {
	t.cancel()
}

// waitFirst waits for the first event of events.
func waitFirst[E any](events iter.Seq2[E, error]) error {
	for _, err := range events {
		return err
	}
	return errTabGone
}
