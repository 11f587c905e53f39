package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// tourPage is one page of the tour: a name for reports and screenshot
// files, and its path.
type tourPage struct {
	name, path string
}

// phoneWidth is the narrowest phone the pages must fit (issue 15, item 5).
const phoneWidth = 360

// TestEveryPage visits every page of the app, filled with realistic
// content, at 360 px on an emulated phone and fails listing each page the
// document scrolls sideways on. With SCREENSHOTS=1 (make screenshots) the
// same tour saves full-page PNGs at 1280 px and 390 px to
// test-artifacts/screenshots/{page}-{width}.png.
func TestEveryPage(t *testing.T) {
	t.Parallel() // a browser test: mostly waiting on pages and jobs
	redisSrv := taskstest.StartRedis(t)
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		if strings.Contains(req.JobDescription, "FORBIDDEN-MODEL") {
			return llmtest.Reply{Status: 401}
		}
		return llmtest.Echo("Kubernetes")(req)
	})
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(receiver.Close)
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test", "OPENAI_MODEL=fake",
		"WEBHOOK_ALLOW_NETS=127.0.0.1/32")
	a.start()
	code := waitFor(t, func() string {
		m := regexp.MustCompile(`setup code: ([A-Z0-9-]+)`).FindStringSubmatch(a.stdout())
		if m == nil {
			return ""
		}
		return m[1]
	})
	b := newBrowser(t, a.baseURL)
	screenshots := os.Getenv("SCREENSHOTS") != ""

	var wide []string // pages wider than the phone, with their width
	checks := []func(p tourPage){
		func(p tourPage) { // no sideways scroll at 360 px
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > phoneWidth {
				wide = append(wide, fmt.Sprintf("%s (%s): %d px wide; widest: %s", p.name, p.path, w, b.widest()))
			}
		},
	}
	visit := func(p tourPage) {
		t.Helper()
		if screenshots {
			for _, width := range []int64{1280, 390} {
				b.viewport(width)
				b.do(chromedp.Navigate(a.baseURL + p.path))
				b.fullShot(fmt.Sprintf("%s-%d", p.name, width))
			}
		}
		b.viewport(phoneWidth)
		b.do(chromedp.Navigate(a.baseURL + p.path))
		for _, check := range checks {
			check(p)
		}
	}

	// First run: the setup page, then the first admin.
	visit(tourPage{"setup", "/setup"})
	b.do(
		chromedp.SetValue(chromedp.ID("code"), code),
		chromedp.SetValue(chromedp.ID("email"), "ann.administrator@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Click(chromedp.CSS(`[data-testid=setup-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signed-in-as]`)),
	)
	a.tailor("a-long-password\n", "user", "add", "--email", "bartholomew.featherstonehaugh-wolfeschlegel@recruiting.example.com", "--role", "recruiter")
	token := a.tailor("", "token", "create", "--email", "ann.administrator@example.com", "--name", "ATS integration (Greenhouse, production)")

	created := func(res response) string {
		t.Helper()
		if res.status >= 300 {
			t.Fatalf("creating the tour's content: %d %s", res.status, res.body)
		}
		id, _ := res.json(t)["id"].(string)
		return id
	}

	// Content: the sample candidate, a long accented name, an opening, a
	// succeeded and a failed job, a webhook and a batch.
	sample := resume.Sample()
	candidate := created(a.do("POST", "/api/candidates", token, mustJSON(sample)))
	long := resume.Sample()
	long.Basics.Name = "María-José Nakamura-Øvergaard Villanueva de la Cruz-Schleiermacher"
	long.Basics.Email = "maria.jose.nakamura.overgaard.villanueva-de-la-cruz@university-hospital.example.org"
	long.Basics.URL = "https://www.example.org/people/maria-jose-nakamura-overgaard-villanueva-de-la-cruz/portfolio"
	longID := created(a.do("POST", "/api/candidates", token, mustJSON(long)))
	opening := created(a.do("POST", "/api/openings", token, mustJSON(map[string]string{
		"title": "Senior Backend Engineer, Payments Infrastructure", "company": "Fernhill Financial Technologies",
		"location": "Zürich, Switzerland (hybrid)", "description": resume.SampleJobDescription,
	})))
	generate := func(candidate, jd string) string {
		return a.do("POST", "/api/resume-async/generate-async", token, mustJSON(map[string]any{
			"candidate_id": candidate, "job_description": jd, "job_title": "Senior Backend Engineer", "company": "Fernhill",
		})).json(t)["job_id"].(string)
	}
	succeeded := generate(candidate, resume.SampleJobDescription)
	a.waitStatus(token, succeeded, "succeeded")
	failed := generate(longID, "Go engineer, FORBIDDEN-MODEL")
	a.waitStatus(token, failed, "failed")
	webhook := created(a.do("POST", "/api/webhooks", token, mustJSON(map[string]any{
		"url": receiver.URL + "/ats/integrations/tailor/resume-events/a-rather-long-path-segment-0123456789",
	})))
	batch := created(a.do("POST", "/api/batches", token, mustJSON(map[string]any{
		"opening_id": opening, "candidate_ids": []string{candidate, longID},
	})))
	b.do(chromedp.Navigate(a.baseURL + "/admin/users"))
	userID := eval[string](b, `(document.querySelector('a[href^="/admin/users/"][href$="/tokens"]')||{}).pathname||""`)
	if userID == "" {
		t.Fatal("no user's tokens link on /admin/users")
	}

	pages := []tourPage{
		{"candidates", "/candidates"},
		{"candidate", "/candidates/" + candidate},
		{"candidate-long-name", "/candidates/" + longID},
		{"candidate-edit", "/candidates/" + candidate + "/edit"},
		{"candidate-new", "/candidates/new"},
		{"candidate-delete", "/candidates/" + longID + "/delete"},
		{"import", "/candidates/import"},
		{"openings", "/openings"},
		{"opening-new", "/openings/new"},
		{"opening-edit", "/openings/" + opening + "/edit"},
		{"opening-delete", "/openings/" + opening + "/delete"},
		{"batch-new-from-opening", "/openings/" + opening + "/batch"},
		{"batch-new-from-candidate", "/candidates/" + candidate + "/batch"},
		{"batches", "/batches"},
		{"batch", "/batches/" + batch},
		{"my-jobs", "/jobs"},
		{"job", "/jobs/" + succeeded},
		{"job-failed", "/jobs/" + failed},
		{"settings-tokens", "/settings/tokens"},
		{"settings-notifications", "/settings/notifications"},
		{"settings-webhooks", "/settings/webhooks"},
		{"settings-webhook", "/settings/webhooks/" + webhook},
		{"admin", "/admin"},
		{"admin-users", "/admin/users"},
		{"admin-user-tokens", userID},
		{"admin-jobs", "/admin/jobs"},
		{"admin-job", "/admin/jobs/" + succeeded},
		{"admin-job-failed", "/admin/jobs/" + failed},
		{"admin-job-delete", "/admin/jobs/" + failed + "/delete"},
		{"admin-queues", "/admin/queues"},
		{"api-docs", "/docs/api"},
		{"not-found", "/no-such-page"},
	}
	for _, p := range pages {
		visit(p)
	}
	// Signed out: the sign-in page.
	b.viewport(1280)
	b.do(
		chromedp.Navigate(a.baseURL+"/candidates"),
		chromedp.Click(chromedp.CSS(`[data-testid=logout]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-submit]`)),
	)
	visit(tourPage{"login", "/login"})

	if len(wide) > 0 {
		t.Errorf("%d pages scroll sideways at %d px:\n%s", len(wide), phoneWidth, strings.Join(wide, "\n"))
	}
}

// viewport emulates a phone (mobile, as a phone's browser lays out) at
// widths under 1000 px and a desktop window otherwise.
func (b *browser) viewport(width int64) {
	b.t.Helper()
	if width < 1000 {
		b.do(chromedp.EmulateViewport(width, 800, chromedp.EmulateMobile, chromedp.EmulatePortrait))
		return
	}
	b.do(chromedp.EmulateViewport(width, 900))
}

// widest names the elements whose right edge is furthest past the
// viewport, to say why a page scrolls sideways.
func (b *browser) widest() string {
	return eval[string](b, `(() => {
		const vw = document.documentElement.clientWidth, out = [];
		for (const el of document.body.querySelectorAll('*')) {
			const r = el.getBoundingClientRect();
			if (r.right > vw + 1) {
				let p = el.parentElement, inside = false;
				for (; p && p !== document.body; p = p.parentElement) {
					const s = getComputedStyle(p);
					if (s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden') { inside = true; break; }
				}
				if (!inside) out.push([Math.round(r.right), el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().replace(/\s+/g, '.') : '')]);
			}
		}
		out.sort((a, b) => b[0] - a[0]);
		return out.slice(0, 4).map(x => x[1] + ' to ' + x[0]).join(', ');
	})()`)
}

// fullShot saves a PNG of the whole page, past the viewport's height.
func (b *browser) fullShot(name string) {
	b.t.Helper()
	height := eval[float64](b, `document.documentElement.scrollHeight`)
	width := eval[float64](b, `document.documentElement.scrollWidth`)
	png, err := chromedp.Run(b.ctx, chromedp.Action[[]byte](func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		q := int64(100)
		beyond := true
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatPng, Quality: &q, CaptureBeyondViewport: &beyond,
			Clip: &page.Viewport{Width: width, Height: math.Min(height, 16000), Scale: 1},
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Error(err)
	}
}
