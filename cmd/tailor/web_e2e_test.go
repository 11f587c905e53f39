package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// browser drives one headless Chrome tab against the app. Every CSP
// violation the tab reports, on any page of the walk, fails the test.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string // where screenshots go

	mu         sync.Mutex
	violations []string // CSP violations, from the console and the browser log
}

func chromePath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Chrome: skipped with -short")
	}
	for _, name := range []string{"chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chrome on PATH (run `make deps`)")
	return ""
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromePath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	b := &browser{t: t, base: base}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	// chromedp enables the Log domain when it attaches: Chrome reports CSP
	// violations there (source "security"); pages may also log them.
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(b.watch))
	ctx, tcancel := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { tcancel(); cancel(); acancel() })
	t.Cleanup(func() { // runs first: the tab is still open
		if v := b.cspViolations(); len(v) > 0 {
			t.Errorf("%d CSP violations in the browser:\n%s", len(v), strings.Join(v, "\n"))
		}
	})
	b.ctx = ctx
	b.shots = filepath.Join(repoRoot(t), "test-artifacts", "screenshots")
	if err := os.MkdirAll(b.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return b
}

// watch runs on chromedp's event loop: it only records.
func (b *browser) watch(ev any) {
	var text string
	switch e := ev.(type) {
	case *cdplog.EventEntryAdded:
		text = e.Entry.Text
	case *runtime.EventConsoleAPICalled:
		for _, arg := range e.Args {
			text += " " + string(arg.Value) + arg.Description
		}
	default:
		return
	}
	if isCSPViolation(text) {
		b.mu.Lock()
		b.violations = append(b.violations, strings.TrimSpace(text))
		b.mu.Unlock()
	}
}

// isCSPViolation recognises Chrome's CSP reports ("Refused to load the
// script ... because it violates the following Content Security Policy
// directive"). "Refused to get unsafe header" is CORS (a host page's htmx
// reading a header that is not exposed), not CSP.
func isCSPViolation(text string) bool {
	return strings.Contains(text, "Content Security Policy") || strings.Contains(text, "Content-Security-Policy") ||
		strings.Contains(text, "Refused to") && !strings.Contains(text, "Refused to get unsafe header")
}

func (b *browser) cspViolations() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.violations...)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.shot("failure")
		b.t.Fatalf("browser at %s: %v", loc, err)
	}
}

func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func (b *browser) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, b.base)
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// shot saves a full-page PNG of the current page.
func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Error(err)
	}
}

// weight returns the bytes of the page's HTML, CSS and JS (decoded), from
// the browser's resource timing.
func (b *browser) weight() (html, css, js int) {
	b.t.Helper()
	var w struct{ HTML, CSS, JS int }
	raw := eval[string](b, `(() => {
		const nav = performance.getEntriesByType("navigation")[0];
		let css = 0, js = 0;
		for (const r of performance.getEntriesByType("resource")) {
			if (r.name.endsWith(".css")) css += r.decodedBodySize;
			else if (r.name.endsWith(".js")) js += r.decodedBodySize;
		}
		return JSON.stringify({HTML: nav ? nav.decodedBodySize : 0, CSS: css, JS: js});
	})()`)
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		b.t.Fatal(err)
	}
	return w.HTML, w.CSS, w.JS
}

// TestWebEndToEnd drives the real binary in headless Chrome as a recruiter
// would: first-run setup, import a JSON Resume (with markup in its fields),
// generate, watch the card reach 100, get the PDF by itself and read it
// back, cancel a slow job; it saves screenshots of the main pages and their
// weights to test-artifacts/.
func TestWebEndToEnd(t *testing.T) {
	pdftotext := taskstest.RequireTool(t, "pdftotext")
	redisSrv := taskstest.StartRedis(t)
	const slow = "SLOW-PATH"
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		reply := llmtest.Echo("Quasarwise")(req)
		if strings.Contains(req.JobDescription, slow) {
			reply.Delay = 30 * time.Second
		}
		return reply
	})
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test", "OPENAI_MODEL=fake")
	a.start()
	code := waitFor(t, func() string {
		m := regexp.MustCompile(`setup code: ([A-Z0-9-]+)`).FindStringSubmatch(a.stdout())
		if m == nil {
			return ""
		}
		return m[1]
	})
	b := newBrowser(t, a.baseURL)
	weights := map[string][3]int{}
	measure := func(name string) {
		h, c, j := b.weight()
		weights[name] = [3]int{h, c, j}
	}

	// First run: / leads to the one-time setup page.
	b.do(chromedp.Navigate(a.baseURL+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=setup-submit]`)))
	if loc := b.location(); loc != "/setup" {
		t.Fatalf("first page is %s, want /setup", loc)
	}
	b.shot("01-setup")
	b.do(
		chromedp.SetValue(chromedp.ID("code"), strings.ToLower(code)), // case and dashes do not matter
		chromedp.SetValue(chromedp.ID("email"), "ann@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Click(chromedp.CSS(`[data-testid=setup-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=candidates-empty]`)),
	)
	b.shot("02-candidates-empty")
	measure("candidates (empty)")

	// Import a JSON Resume with markup in its fields: shown as text everywhere.
	profile := resume.Sample()
	profile.Basics.Name = `Maya <b>Okafor</b>`
	profile.Basics.Label = `<script>window.__xss=1</script>Engineer`
	profile.Work[0].Highlights[0] = `Mentored 4 engineers <img src=x onerror="window.__xss=2">`
	doc, _ := json.MarshalIndent(profile, "", "  ")
	b.do(
		chromedp.Click(chromedp.CSS(`[data-testid=import-link]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=import-json]`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid=import-json]`), string(doc)),
	)
	b.shot("03-import")
	b.do(
		chromedp.Click(chromedp.CSS(`[data-testid=import-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=generate-form]`)),
	)
	if got := b.text(`[data-testid=candidate-name]`); got != profile.Basics.Name {
		t.Errorf("candidate name shows %q, want the markup as text %q", got, profile.Basics.Name)
	}
	measure("candidate")

	// Generate from a pasted description; the PDF downloads by itself.
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatal(err)
	}
	b.do(
		chromedp.SetValue(chromedp.ID("job_title"), "Senior Backend Engineer"),
		chromedp.SetValue(chromedp.ID("company"), "Fernhill"),
		chromedp.SetValue(chromedp.ID("job_description"), resume.SampleJobDescription),
		chromedp.Click(chromedp.CSS(`[data-testid=generate]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=job-card]`)),
	)
	// The card reaches 100 under our eyes (it polls every 2 s).
	b.do(poll(`document.querySelector('[data-testid=job-card]').dataset.status === 'succeeded' &&
		document.querySelector('[data-testid=job-progress]').value === 100`, chromedp.WithPollingTimeout(60*time.Second)))
	if st := b.text(`[data-testid=job-stage]`); !strings.HasPrefix(st, "100%") {
		t.Errorf("finished card says %q", st)
	}
	pdfPath := waitFor(t, func() string {
		matches, _ := filepath.Glob(filepath.Join(downloads, "*.pdf"))
		if len(matches) == 0 {
			return ""
		}
		return matches[0]
	})
	text, err := exec.Command(pdftotext, "-layout", pdfPath, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Maya <b>Okafor</b>", "Quasarwise", "<script>window.__xss=1</script>Engineer"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("downloaded PDF lacks %q:\n%s", want, text)
		}
	}
	b.shot("04-candidate-generated")
	jobID := eval[string](b, `document.querySelector('[data-testid=job-card]').dataset.jobId`)

	// A slow job: its card runs, then Cancel ends it.
	b.do(
		chromedp.SetValue(chromedp.ID("job_description"), "Go developer "+slow),
		chromedp.Click(chromedp.CSS(`[data-testid=generate]`)),
		poll(`document.querySelectorAll('[data-testid=job-card]').length === 2`),
		poll(`document.querySelector('[data-testid=job-card]').dataset.status === 'running'`,
			chromedp.WithPollingTimeout(30*time.Second)),
	)
	b.shot("05-candidate-running")
	b.do(
		chromedp.Click(chromedp.CSS(`[data-testid=job-card] [data-testid=job-cancel]`)),
		poll(`document.querySelector('[data-testid=job-card]').dataset.status === 'canceled'`),
	)
	if n := eval[int](b, `document.querySelectorAll('[data-testid=job-card] [data-testid=job-retry]').length`); n != 1 {
		t.Errorf("the canceled card offers %d Retry buttons, want 1", n)
	}
	if xss := eval[bool](b, `window.__xss !== undefined`); xss {
		t.Error("markup from the profile ran as script")
	}

	// My jobs, job details, openings, users.
	b.do(chromedp.Navigate(a.baseURL+"/jobs"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=job-row]`)))
	if n := eval[int](b, `document.querySelectorAll('[data-testid=job-row]').length`); n != 2 {
		t.Errorf("My jobs shows %d jobs, want 2", n)
	}
	b.shot("06-my-jobs")
	measure("my jobs")
	b.do(chromedp.Navigate(a.baseURL+"/jobs/"+jobID), chromedp.WaitVisible(chromedp.CSS(`[data-testid=compare]`)))
	if after := b.text(`[data-testid=match-after]`); !strings.HasSuffix(after, "%") {
		t.Errorf("match after is %q", after)
	}
	share := eval[string](b, `document.querySelector('[data-testid=share-url]').value`)
	b.shot("07-job-details")
	measure("job details")
	// A full-page capture leaves the sandboxed preview blank; show it in view.
	b.do(chromedp.ScrollIntoView(chromedp.CSS(`[data-testid=preview]`)), chromedp.Sleep(500*time.Millisecond))
	if png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot()); err == nil {
		os.WriteFile(filepath.Join(b.shots, "07b-job-preview.png"), png, 0o644)
	}
	b.do(chromedp.Navigate(a.baseURL+"/openings/new"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=opening-form]`)))
	b.shot("08-opening-new")
	b.do(chromedp.Navigate(a.baseURL+"/candidates/new"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=candidate-form]`)))
	b.do(
		chromedp.Click(chromedp.CSS(`button[value="add:work"]`)),
		poll(`document.querySelectorAll('[data-testid=work-entry]').length === 2`),
	)
	b.shot("09-candidate-form")
	measure("candidate form")
	b.do(chromedp.Navigate(a.baseURL+"/admin/users"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=user-form]`)))
	b.shot("10-admin-users")
	b.do(chromedp.Navigate(a.baseURL+"/candidates"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=candidate-row]`)))
	b.shot("11-candidates")
	measure("candidates")

	// On a phone.
	b.do(chromedp.EmulateViewport(390, 844), chromedp.Navigate(a.baseURL+"/jobs/"+jobID), chromedp.WaitVisible(chromedp.CSS(`[data-testid=compare]`)))
	b.shot("12-phone-job-details")
	b.do(chromedp.EmulateViewport(1280, 900))

	// The share link works without a session; then sign out.
	res := a.do("GET", strings.TrimPrefix(share, a.baseURL), "", nil)
	if res.status != 200 || res.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("share link: %d %s", res.status, res.header.Get("Content-Type"))
	}
	b.do(
		chromedp.Click(chromedp.CSS(`[data-testid=logout]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-submit]`)),
	)
	b.shot("13-login")
	measure("login")
	b.do(chromedp.Navigate(a.baseURL+"/jobs/nope"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-submit]`)))
	if loc := b.location(); loc != "/login?next=%2Fjobs%2Fnope" {
		t.Errorf("signed out, a page sends to %s", loc)
	}

	// Page weights for the review note.
	names := make([]string, 0, len(weights))
	for n := range weights {
		names = append(names, n)
	}
	sort.Strings(names)
	var report strings.Builder
	fmt.Fprintf(&report, "%-20s %8s %8s %8s %8s\n", "page", "HTML", "CSS", "JS", "total")
	for _, n := range names {
		w := weights[n]
		fmt.Fprintf(&report, "%-20s %8d %8d %8d %8d\n", n, w[0], w[1], w[2], w[0]+w[1]+w[2])
	}
	t.Logf("page weights (bytes, uncompressed):\n%s", report.String())
	os.WriteFile(filepath.Join(filepath.Dir(b.shots), "page-weights.txt"), []byte(report.String()), 0o644)
}

// poll waits until a JavaScript expression is true (10 s unless told).
func poll(expr string, opts ...chromedp.PollOption) chromedp.Action[chromedp.Void] {
	a := chromedp.Poll[bool](expr, append([]chromedp.PollOption{chromedp.WithPollingTimeout(10 * time.Second)}, opts...)...)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// htmxReady waits until htmx has processed the element with id. htmx binds
// the triggers of swapped-in content when it settles, ~20 ms after the swap,
// so an event dispatched on it before then is lost.
func htmxReady(id string) chromedp.Action[chromedp.Void] {
	return poll(`(function(){var e=document.getElementById(` + strconv.Quote(id) + `);
		var d=e && e['htmx-internal-data']; return !!(d && d.initHash)})()`)
}

// waitFor polls f until it returns a non-empty string.
func waitFor(t *testing.T, f func() string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if s := f(); s != "" {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
