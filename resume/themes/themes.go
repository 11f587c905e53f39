// Package themes prints a resume as a standalone HTML document, ready for
// Chrome to turn into a PDF: the themes, the paper sizes and the print CSS.
// The worker renders with it and the web preview shows the same words; it
// depends on no web page, so the worker does not import the web UI.
package themes

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tailor-app/tailor/resume"
)

// Version names the themes' output in the print cache key: bump it when a
// theme's output changes, so no PDF printed by the old one is reused.
const Version = "3" // 3: the page footer is a CSS page margin box

// Default theme and paper size, used when a request names none.
const (
	Default      = "classic"
	DefaultPaper = "a4"
)

// documents lists the themes, the default first.
var documents = []struct {
	name  string
	theme theme
}{
	{"classic", classic},
	{"modern", modern},
	{"compact", compact},
}

// papers lists the paper sizes, the default first.
var papers = []paper{
	{name: DefaultPaper, size: "A4", width: 210, height: 297},
	{name: "letter", size: "Letter", width: 215.9, height: 279.4},
}

// paper is a sheet size, in millimetres.
type paper struct {
	name, size    string // our name, and CSS's @page size
	width, height float64
}

func paperNamed(name string) paper {
	for _, p := range papers {
		if p.name == name {
			return p
		}
	}
	return papers[0]
}

// Names lists the resume themes, the default first.
func Names() []string {
	out := make([]string, len(documents))
	for i, d := range documents {
		out[i] = d.name
	}
	return out
}

// Papers lists the paper sizes, the default first.
func Papers() []string {
	out := make([]string, len(papers))
	for i, p := range papers {
		out[i] = p.name
	}
	return out
}

// Valid reports whether name is a known theme.
func Valid(name string) bool { return slices.Contains(Names(), name) }

// ValidPaper reports whether name is a known paper size.
func ValidPaper(name string) bool { return slices.Contains(Papers(), name) }

// Render renders a resume in a theme ("" is the default) to a standalone
// HTML document, ready to print.
func Render(ctx context.Context, theme, paper string, r resume.Resume) (string, error) {
	return Document{Theme: theme, Paper: paper}.Render(ctx, r)
}

// Document is how a resume is printed.
type Document struct {
	Theme string // "" is Default
	Paper string // "" is DefaultPaper
	// Fit asks the printer to shrink type (to 90%) and spacing (to 70%)
	// rather than spill a little onto a second page.
	Fit bool
}

// Render renders r to a standalone HTML document, ready to print.
func (d Document) Render(ctx context.Context, r resume.Resume) (string, error) {
	if d.Theme == "" {
		d.Theme = Default
	}
	if d.Paper == "" {
		d.Paper = DefaultPaper
	}
	for _, doc := range documents {
		if doc.name != d.Theme {
			continue
		}
		var buf bytes.Buffer
		if err := resumeDocument(r, d, doc.theme).Render(ctx, &buf); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	return "", fmt.Errorf("unknown theme %q", d.Theme)
}

// theme is what sets one look apart; the markup is shared by every theme.
type theme struct {
	marginY, marginX float64 // @page margins in mm: top and bottom, left and right
	css              string  // stylesheet applied after baseCSS
	inlineSkills     bool    // skills run on in one paragraph to save lines
}

// stylesheet is the whole embedded CSS of a resume: no external resource,
// no letter-spacing and no generated text in the body, so that PDF text
// extraction (and an ATS) reads what the candidate wrote, in order. The
// only generated text is the footer in every page's bottom margin,
// "Name · Page N of M", so that a page 2 names its candidate: a CSS page
// margin box, which Chrome lays out with the document (its header and
// footer templates, a document of their own per page, cost a third more of
// Chrome's processor time per print).
func (t theme) stylesheet(paperName, name string) string {
	p := paperNamed(paperName)
	return fmt.Sprintf("@page{size:%s;margin:%gmm %gmm}", p.size, t.marginY, t.marginX) +
		"@page{@bottom-center{content:" + cssString(name+" · Page ") + ` counter(page) " of " counter(pages);` + footerCSS + "}}" +
		baseCSS + t.css + t.sheetCSS(p)
}

// footerCSS sets the page footer's type: small, grey and sans-serif in
// every theme.
const footerCSS = `font:7pt "Liberation Sans","DejaVu Sans",Arial,sans-serif;color:#666`

// cssString quotes s as a CSS string that is safe inside a <style>
// element: quotes, backslashes, control characters and the HTML
// characters "<", ">" and "&" are written as hex escapes, so that no text
// ends the string or the element.
func cssString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r == '<' || r == '>' || r == '&' || r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\%x ", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// sheetCSS draws the printed page on screen (the web preview, and the
// layout that pdf-fit measures): paper width with the print margins as
// padding, at least one page tall, and a grey band where each page ends.
func (t theme) sheetCSS(p paper) string {
	return fmt.Sprintf("@media screen{html{background:#d9dce1}"+
		"body{width:%gmm;min-height:%gmm;margin:24px auto;padding:%gmm %gmm;"+
		"background:repeating-linear-gradient(#fff 0 %gmm,#d9dce1 %gmm %gmm);box-shadow:0 1px 6px rgba(0,0,0,.3)}}",
		p.width, p.height, t.marginY, t.marginX,
		p.height-3, p.height-3, p.height)
}

// pageContentHeight is the height of a page inside its margins, in CSS
// pixels (96 to the inch): what the PDF printer fits the document into.
func (t theme) pageContentHeight(paperName string) string {
	mm := paperNamed(paperName).height - 2*t.marginY
	return strconv.FormatFloat(mm*96/25.4, 'f', 1, 64)
}

// baseCSS is the layout every theme shares: one column, dates on the
// title's line after it in the text, and page breaks kept out of headings
// and short blocks. Lengths are in --f (type) and --s (spacing), which the
// PDF printer's --pdf-fit (0 to 1) shrinks to 90% and 70% to fit a page.
// The contact items never break inside; each starts with its separator,
// which the header clips when the item starts a line (so no line ends with
// one).
const baseCSS = `
:root{--fit:var(--pdf-fit,0);--f:calc(1pt - var(--fit-font,.1)*var(--fit)*1pt);--s:calc(1pt - var(--fit-space,.3)*var(--fit)*1pt);--l:calc(1 - var(--fit-space,.3)*var(--fit))}
*{box-sizing:border-box}
body{margin:0}
h1,h2,h3,p{margin:0}
header{overflow:hidden}
header .contact{display:flex;flex-wrap:wrap;margin-left:-1.4em}
.contact .item{white-space:nowrap}
.contact .item:first-child .sep{visibility:hidden}
.contact .sep{display:inline-block;width:1.4em;text-align:center}
.contact a{color:inherit;text-decoration:none}
section.keep{break-inside:avoid-page}
h2{break-after:avoid-page}
article{break-inside:avoid-page}
.org{font-weight:normal}
h3 .dates{font-weight:normal;white-space:nowrap;margin-left:.3em}
ul.skills{list-style:none;padding:0}
.skills .sep{margin:0 .4em}
`

type contact struct{ text, href string }

func contactItems(b resume.Basics) []contact {
	var out []contact
	if b.Email != "" {
		out = append(out, contact{b.Email, "mailto:" + b.Email})
	}
	if b.Phone != "" {
		out = append(out, contact{b.Phone, ""})
	}
	if b.Location != nil {
		parts := []string{}
		for _, p := range []string{b.Location.City, b.Location.Region, b.Location.CountryCode} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		if len(parts) > 0 {
			out = append(out, contact{strings.Join(parts, ", "), ""})
		}
	}
	if b.URL != "" {
		out = append(out, contact{displayURL(b.URL), safeHref(b.URL)})
	}
	for _, p := range b.Profiles {
		if p.URL != "" {
			out = append(out, contact{displayURL(p.URL), safeHref(p.URL)})
		} else if p.Username != "" {
			out = append(out, contact{p.Network + ": " + p.Username, ""})
		}
	}
	return out
}

// safeHref keeps only http(s) links; anything else renders as plain text.
func safeHref(u string) string {
	l := strings.ToLower(u)
	if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		return u
	}
	return ""
}

// displayURL is a link as a reader types it: no scheme, no www., no
// trailing slash.
func displayURL(u string) string {
	l := strings.ToLower(u)
	for _, prefix := range []string{"https://", "http://", "www."} {
		if strings.HasPrefix(l, prefix) {
			u, l = u[len(prefix):], l[len(prefix):]
		}
	}
	return strings.TrimSuffix(u, "/")
}

// OrgSuffix is ", Org", or "" without one.
func OrgSuffix(org string) string {
	if org == "" {
		return ""
	}
	return ", " + org
}

// DateRange is "Mar 2021 – Present" and its variants.
func DateRange(start, end string) string {
	switch {
	case start == "" && end == "":
		return ""
	case end == "":
		return formatDate(start) + " – Present"
	case start == "":
		return formatDate(end)
	default:
		return formatDate(start) + " – " + formatDate(end)
	}
}

var months = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// formatDate turns 2021-03 or 2021-03-15 into "Mar 2021"; years stay as they are.
func formatDate(d string) string {
	if len(d) >= 7 && d[4] == '-' {
		m := int(d[5]-'0')*10 + int(d[6]-'0')
		if m >= 1 && m <= 12 {
			return months[m-1] + " " + d[:4]
		}
	}
	return d
}

// Degree is "BSc in Computer Science", or whichever half is known.
func Degree(e resume.Education) string {
	switch {
	case e.StudyType != "" && e.Area != "":
		return e.StudyType + " in " + e.Area
	case e.StudyType != "":
		return e.StudyType
	default:
		return e.Area
	}
}

// KeywordSuffix is ": a, b, c", or "" without keywords.
func KeywordSuffix(kw []string) string {
	if len(kw) == 0 {
		return ""
	}
	return ": " + strings.Join(kw, ", ")
}

func certificateLine(c resume.Certificate) string {
	s := c.Name
	if c.Issuer != "" {
		s += ", " + c.Issuer
	}
	if c.Date != "" {
		s += " (" + formatDate(c.Date) + ")"
	}
	return s
}

func languagesLine(ls []resume.Language) string {
	parts := make([]string, 0, len(ls))
	for _, l := range ls {
		if l.Fluency != "" {
			parts = append(parts, l.Language+" ("+l.Fluency+")")
		} else {
			parts = append(parts, l.Language)
		}
	}
	return strings.Join(parts, ", ")
}
