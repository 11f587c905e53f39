package pdf

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/chromedp/chromedp"
)

// requests are what a document asks of the printer with a meta tag in its
// <head>:
//
//	<meta name="pdf-fit" content="H">
//
// fits a document that would spill a little onto a second page on one page:
// H is the page's height inside its margins in CSS pixels. The printer sets
// the custom property --pdf-fit on the root element, from 0 (as designed)
// to 1 (as small as the document allows), to the least value that makes
// the body's content at most H tall, and leaves it unset when even 1 does
// not fit. The document maps --pdf-fit to its own bounds (smaller type and
// spacing), and lays its body out on screen at the page's content width.
//
// A page footer is the document's own: a CSS page margin box
// (@page{@bottom-center{content:...}}), which prints with the document.
// Chrome's header and footer templates are not used: each is a document of
// its own on every page, a third more of Chrome's processor time per print.
type requests struct {
	fitHeight float64 // 0: no fitting
}

// requestsOf reads the requests in html's head. Text in a head that templ
// or another escaper wrote cannot forge a tag, since "<" is escaped.
func requestsOf(html string) requests {
	end := strings.Index(html, "</head>")
	if end < 0 {
		return requests{}
	}
	head := html[:end]
	var r requests
	const fit = `<meta name="pdf-fit" content="`
	if i := strings.Index(head, fit); i >= 0 {
		v := head[i+len(fit):]
		if j := strings.IndexByte(v, '"'); j >= 0 {
			if h, err := strconv.ParseFloat(v[:j], 64); err == nil && h > 0 {
				r.fitHeight = h
			}
		}
	}
	return r
}

// fitScript does pdf-fit in one round trip: it measures the body's content
// with --pdf-fit at 0, then at 1, then halves the interval six times (each
// measure is one layout, about a millisecond). It returns the value set, or
// -1 when the document does not fit even at 1.
const fitScript = `((limit) => {
  const root = document.documentElement, body = document.body;
  const height = () => {
    const top = body.getBoundingClientRect().top + parseFloat(getComputedStyle(body).paddingTop);
    let bottom = top;
    for (const el of body.children) bottom = Math.max(bottom, el.getBoundingClientRect().bottom);
    return bottom - top;
  };
  const fits = (f) => { root.style.setProperty("--pdf-fit", String(f)); return height() <= limit; };
  if (fits(0)) { root.style.removeProperty("--pdf-fit"); return 0; }
  if (!fits(1)) { root.style.removeProperty("--pdf-fit"); return -1; }
  let lo = 0, hi = 1;
  for (let i = 0; i < 6; i++) { const mid = (lo + hi) / 2; if (fits(mid)) hi = mid; else lo = mid; }
  fits(hi);
  return hi;
})`

// fitSlack keeps the fitted content this many CSS pixels inside the page,
// against rounding between the screen layout measured and the printed one.
const fitSlack = 2

// fit runs fitScript in the tab and returns the --pdf-fit it set (-1: none
// fits). DevTools evaluation works although the page's own scripts are off.
func (t *tab) fit(ctx context.Context, height float64) (float64, error) {
	expr := fitScript + "(" + strconv.FormatFloat(height-fitSlack, 'f', 2, 64) + ")"
	f, err := chromedp.Evaluate[float64](expr)(ctx, t.target)
	if err != nil {
		return 0, fmt.Errorf("fitting the page: %w", err)
	}
	return f, nil
}
