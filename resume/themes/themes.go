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
	"strings"

	"github.com/a-h/templ"

	"github.com/tailor-app/tailor/resume"
)

// Version names the themes' output in the print cache key: bump it when a
// theme's output changes, so no PDF printed by the old one is reused.
const Version = "1"

// Default theme and paper size, used when a request names none.
const (
	Default      = "classic"
	DefaultPaper = "a4"
)

// documents lists the themes, the default first.
var documents = []struct {
	name string
	doc  func(r resume.Resume, paper string) templ.Component
}{
	{"classic", Classic},
	{"modern", Modern},
	{"compact", Compact},
}

// papers lists the paper sizes, the default first.
var papers = []string{DefaultPaper, "letter"}

// Names lists the resume themes, the default first.
func Names() []string {
	out := make([]string, len(documents))
	for i, d := range documents {
		out[i] = d.name
	}
	return out
}

// Papers lists the paper sizes, the default first.
func Papers() []string { return slices.Clone(papers) }

// Valid reports whether name is a known theme.
func Valid(name string) bool { return slices.Contains(Names(), name) }

// ValidPaper reports whether name is a known paper size.
func ValidPaper(name string) bool { return slices.Contains(papers, name) }

// Render renders a resume in a theme ("" is the default) to a standalone
// HTML document, ready to print.
func Render(ctx context.Context, theme, paper string, r resume.Resume) (string, error) {
	if theme == "" {
		theme = Default
	}
	for _, d := range documents {
		if d.name != theme {
			continue
		}
		var buf bytes.Buffer
		if err := d.doc(r, paper).Render(ctx, &buf); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	return "", fmt.Errorf("unknown theme %q", theme)
}

// theme is what sets one look apart; the markup is shared by every theme.
type theme struct {
	margin       string // @page margin
	css          string // stylesheet applied after baseCSS
	inlineSkills bool   // skills run on in one paragraph to save lines
}

// stylesheet is the whole embedded CSS of a resume: no external resource,
// no letter-spacing and no generated text, so that PDF text extraction (and
// an ATS) reads what the candidate wrote, in order.
func (t theme) stylesheet(paper string) string {
	return pageCSS(paper, t.margin) + baseCSS + t.css
}

func pageCSS(paper, margin string) string {
	size := "A4"
	if paper == "letter" {
		size = "Letter"
	}
	return "@page{size:" + size + ";margin:" + margin + "}"
}

// baseCSS is the layout every theme shares: one column, dates on the title's
// row after it in the text, and page breaks kept out of short blocks.
const baseCSS = `
*{box-sizing:border-box}
body{margin:0}
h1,h2,h3,p{margin:0}
.contact a{color:inherit;text-decoration:none}
section.keep{break-inside:avoid-page}
h2{break-after:avoid-page}
article{break-inside:avoid-page}
.row{display:flex;justify-content:space-between;align-items:baseline;gap:8pt}
.org{font-weight:normal}
.dates{white-space:nowrap}
ul.skills{list-style:none;padding:0}
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

func displayURL(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
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
