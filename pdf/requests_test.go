package pdf

import (
	"fmt"
	"strings"
	"testing"
)

func TestRequestsOf(t *testing.T) {
	tests := []struct {
		name string
		html string
		want requests
	}{
		{"none", `<html><head><title>Ada</title></head><body></body></html>`, requests{}},
		{"fit", `<head><meta name="pdf-fit" content="1016.5"></head>`, requests{fitHeight: 1016.5}},
		{"bad height", `<head><meta name="pdf-fit" content="tall"></head>`, requests{}},
		{"in the body", `<head></head><body><meta name="pdf-fit" content="900"></body>`, requests{}},
		{"escaped text", `<head><title>&lt;meta name="pdf-fit" content="9"&gt;</title></head>`, requests{}},
		{"no head", `<p>x</p>`, requests{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := requestsOf(tt.html); got != tt.want {
				t.Errorf("requestsOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// fitHTML is n blocks 100px tall, 60px at --pdf-fit 1, on A4 without
// margins (1122.5px a page); with fit, it asks to be fitted on a page.
func fitHTML(n int, fit bool) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><title>Fit</title>`)
	if fit {
		b.WriteString(`<meta name="pdf-fit" content="1122.5">`)
	}
	b.WriteString(`<style>@page{size:A4;margin:0} body{margin:0;width:210mm;font:12pt sans-serif}
div{height:calc(100px - 40px*var(--pdf-fit,0));overflow:hidden;break-inside:avoid}</style></head><body>`)
	for i := range n {
		fmt.Fprintf(&b, "<div>Block %d</div>", i+1)
	}
	b.WriteString(`</body></html>`)
	return b.String()
}

func TestRenderFit(t *testing.T) {
	p := newTestPool(t, Options{Tabs: 1})
	tests := []struct {
		name   string
		blocks int
		fit    bool
		pages  int
	}{
		{"a little over, not asked", 12, false, 2},
		{"a little over, fitted", 12, true, 1},
		{"fits as it is", 8, true, 1},
		{"too long to fit: printed as designed", 30, true, 3}, // shrunk it would take 2
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf := mustRender(t, p, fitHTML(tt.blocks, tt.fit), PaperA4)
			if pages, _, _ := pageInfo(t, pdf); pages != tt.pages {
				t.Errorf("pages = %d, want %d", pages, tt.pages)
			}
			if text := poppler(t, "pdftotext", pdf); !strings.Contains(text, fmt.Sprintf("Block %d", tt.blocks)) {
				t.Errorf("the last block is missing:\n%s", text)
			}
		})
	}
}

// TestRenderFooter: a document's page margin box prints on every page; the
// printer adds no footer of its own (Chrome's templates are off).
func TestRenderFooter(t *testing.T) {
	p := newTestPool(t, Options{Tabs: 1})
	html := resumeHTML("Ada Lovelace", "Education")
	footed := strings.Replace(html, "<style>", `<style>@page{@bottom-center{content:"Ada · Page " counter(page) " of " counter(pages)}}`, 1)

	pages := strings.Split(poppler(t, "pdftotext", mustRender(t, p, footed, PaperA4)), "\f")
	for i, want := range []string{"Ada · Page 1 of 2", "Ada · Page 2 of 2"} {
		if !strings.Contains(pages[i], want) {
			t.Errorf("page %d lacks %q:\n%s", i+1, want, pages[i])
		}
	}
	if text := poppler(t, "pdftotext", mustRender(t, p, html, PaperA4)); strings.Contains(text, "Page 1") || strings.Contains(text, "about:blank") {
		t.Errorf("a document without a footer has one:\n%s", text)
	}
}
