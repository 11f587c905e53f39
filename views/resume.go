package views

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/a-h/templ"

	"github.com/tailor-app/tailor/resume"
)

// Themes lists the resume themes, the first being the default.
var Themes = []string{"classic"}

// Papers lists the paper sizes, the first being the default.
var Papers = []string{"a4", "letter"}

// ValidTheme reports whether name is a known theme.
func ValidTheme(name string) bool { return contains(Themes, name) }

// ValidPaper reports whether name is a known paper size.
func ValidPaper(name string) bool { return contains(Papers, name) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// RenderResume renders a resume in a theme to a standalone HTML document.
func RenderResume(ctx context.Context, theme, paper string, r resume.Resume) (string, error) {
	var c templ.Component
	switch theme {
	case "classic", "":
		c = ResumeClassic(r, paper)
	default:
		return "", fmt.Errorf("unknown theme %q", theme)
	}
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func pageCSS(paper string) string {
	size := "A4"
	if paper == "letter" {
		size = "Letter"
	}
	return "@page{size:" + size + ";margin:14mm 16mm}"
}

const classicCSS = `
*{box-sizing:border-box}
html{font-family:"Liberation Serif","DejaVu Serif",Georgia,serif;font-size:10.5pt;color:#1a1a1a;line-height:1.35}
body{margin:0}
h1{font-size:22pt;margin:0;letter-spacing:.5pt}
.label{margin:2pt 0 0;font-size:12pt;color:#444}
.contact{margin:4pt 0 0;font-family:"Liberation Sans","DejaVu Sans",Arial,sans-serif;font-size:9pt;color:#333}
.contact a{color:#1a1a1a;text-decoration:none}
.sep{margin:0 5pt;color:#888}
section{margin-top:10pt}
section.keep{break-inside:avoid-page}
h2{font-size:11pt;text-transform:uppercase;border-bottom:.8pt solid #1a1a1a;margin:0 0 5pt;padding-bottom:1pt;break-after:avoid-page}
h3{font-size:10.5pt;margin:0}
.org{font-weight:normal}
article{margin-bottom:6pt;break-inside:avoid-page}
.row{display:flex;justify-content:space-between;align-items:baseline;gap:8pt}
.dates{font-family:"Liberation Sans","DejaVu Sans",Arial,sans-serif;font-size:9pt;color:#444;white-space:nowrap}
p{margin:2pt 0}
ul{margin:2pt 0 0 0;padding-left:13pt}
li{margin:1pt 0}
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

func orgSuffix(org string) string {
	if org == "" {
		return ""
	}
	return ", " + org
}

func dateRange(start, end string) string {
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

func degree(e resume.Education) string {
	switch {
	case e.StudyType != "" && e.Area != "":
		return e.StudyType + " in " + e.Area
	case e.StudyType != "":
		return e.StudyType
	default:
		return e.Area
	}
}

func keywordSuffix(kw []string) string {
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
