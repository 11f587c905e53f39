package themes

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/resume"
)

// These tests print through a real Chrome and read the PDFs with
// poppler-utils, as pdf's tests do; with -short they skip.

// newPrintPool returns a pool of one tab, closed when the test ends.
func newPrintPool(t *testing.T) *pdf.Pool {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Chrome and poppler-utils: skipped with -short")
	}
	p := pdf.New(pdf.Options{Tabs: 1, ChromePath: os.Getenv("CHROME_PATH")})
	t.Cleanup(func() { p.Close() })
	return p
}

// mustPrint renders r as d and prints it.
func mustPrint(t *testing.T, p *pdf.Pool, d Document, r resume.Resume) []byte {
	t.Helper()
	html, err := d.Render(context.Background(), r)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	b, err := p.Render(context.Background(), html, pdf.Paper(d.Paper))
	if err != nil {
		t.Fatalf("printing: %v", err)
	}
	return b
}

// poppler runs a poppler-utils tool on a PDF and returns its output.
func poppler(t *testing.T, tool string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "resume.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{path}
	if tool == "pdftotext" {
		args = append(args, "-") // plain mode, as an ATS reads it
	}
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s (apt-get install poppler-utils): %v\n%s", tool, err, out)
	}
	return string(out)
}

func pageCount(t *testing.T, b []byte) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindStringSubmatch(poppler(t, "pdfinfo", b))
	if m == nil {
		t.Fatal("pdfinfo shows no page count")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// textLines is pdftotext's output without its empty lines.
func textLines(text string) []string {
	var out []string
	for l := range strings.SplitSeq(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// longSample is the sample with its experience three times over: two pages
// or more in every theme, even fitted.
func longSample() resume.Resume {
	r := tailoredSample()
	work := r.Work
	for range 2 {
		r.Work = append(r.Work, work...)
	}
	return r
}

// TestPrintDatesNextToRole: in plain pdftotext output (an ATS's reading
// order), each role's dates are on its line or the next.
func TestPrintDatesNextToRole(t *testing.T) {
	p := newPrintPool(t)
	r := tailoredSample()
	for _, theme := range Names() {
		for _, paper := range Papers() {
			t.Run(theme+"/"+paper, func(t *testing.T) {
				lines := textLines(poppler(t, "pdftotext", mustPrint(t, p, Document{Theme: theme, Paper: paper}, r)))
				for _, w := range r.Work {
					role := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, w.Position+", "+w.Name) })
					dates := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, DateRange(w.StartDate, w.EndDate)) })
					if role < 0 || dates < 0 || dates-role > 1 || dates < role {
						t.Errorf("%s (line %d) and its dates %q (line %d) are not together:\n%s",
							w.Position, role, DateRange(w.StartDate, w.EndDate), dates, strings.Join(lines, "\n"))
					}
				}
			})
		}
	}
}

// TestPrintContactLine: a contact line long enough to wrap keeps each item
// whole on one line, and no line ends with a separator.
func TestPrintContactLine(t *testing.T) {
	p := newPrintPool(t)
	r := tailoredSample()
	r.Basics.Profiles = append(r.Basics.Profiles,
		resume.Profile{Network: "Stack Overflow", URL: "https://stackoverflow.com/users/4242424/maya-okafor"},
		resume.Profile{Network: "Mastodon", URL: "https://hachyderm.io/@mayaokafor"},
		resume.Profile{Network: "GitLab", URL: "https://www.gitlab.com/mayaokafor/"})
	items := []string{r.Basics.Email, r.Basics.Phone, "Manchester, GB", "maya-okafor.example.com",
		"stackoverflow.com/users/4242424/maya-okafor", "hachyderm.io/@mayaokafor", "gitlab.com/mayaokafor"}
	for _, theme := range Names() {
		for _, paper := range Papers() {
			t.Run(theme+"/"+paper, func(t *testing.T) {
				lines := textLines(poppler(t, "pdftotext", mustPrint(t, p, Document{Theme: theme, Paper: paper}, r)))
				end := slices.IndexFunc(lines, func(l string) bool { return strings.EqualFold(l, "Summary") })
				if end < 3 {
					t.Fatalf("no header before Summary:\n%s", strings.Join(lines, "\n"))
				}
				contact := lines[2:end] // after the name and the label
				if len(contact) < 2 {
					t.Fatalf("the contact line does not wrap, so this test shows nothing: %q", contact)
				}
				for _, l := range contact {
					if strings.HasSuffix(l, "·") {
						t.Errorf("a contact line ends with a separator: %q", l)
					}
				}
				for _, item := range items {
					if !slices.ContainsFunc(contact, func(l string) bool { return strings.Contains(l, item) }) {
						t.Errorf("%q is not whole on one line of %q", item, contact)
					}
				}
			})
		}
	}
}

// headings are the section headings of the sample, in any case.
var headings = []string{"summary", "experience", "projects", "education", "skills", "certificates", "languages"}

// TestPrintPageTwo: a profile that spills names the candidate and the page
// on every page, and no page ends with a section heading.
func TestPrintPageTwo(t *testing.T) {
	p := newPrintPool(t)
	r := longSample()
	for _, theme := range Names() {
		for _, paper := range Papers() {
			t.Run(theme+"/"+paper, func(t *testing.T) {
				b := mustPrint(t, p, Document{Theme: theme, Paper: paper}, r)
				n := pageCount(t, b)
				if n < 2 {
					t.Fatalf("%d page, want the long profile to spill", n)
				}
				pages := strings.Split(strings.TrimSuffix(poppler(t, "pdftotext", b), "\f"), "\f")
				if len(pages) != n {
					t.Fatalf("pdftotext shows %d pages, pdfinfo %d", len(pages), n)
				}
				for i, page := range pages {
					lines := textLines(page)
					footer := r.Basics.Name + " · Page " + strconv.Itoa(i+1) + " of " + strconv.Itoa(n)
					if !slices.Contains(lines, footer) {
						t.Errorf("page %d lacks %q:\n%s", i+1, footer, page)
						continue
					}
					body := slices.DeleteFunc(lines, func(l string) bool { return l == footer })
					if last := strings.ToLower(body[len(body)-1]); i < n-1 && slices.Contains(headings, last) {
						t.Errorf("page %d ends with the heading %q", i+1, last)
					}
				}
			})
		}
	}
}

// TestPrintFitOnePage: the sample, which spills in some themes, prints on
// one page with Fit; the long profile, too long to fit, still spills.
func TestPrintFitOnePage(t *testing.T) {
	p := newPrintPool(t)
	for _, theme := range Names() {
		for _, paper := range Papers() {
			t.Run(theme+"/"+paper, func(t *testing.T) {
				d := Document{Theme: theme, Paper: paper, Fit: true}
				if n := pageCount(t, mustPrint(t, p, d, tailoredSample())); n != 1 {
					t.Errorf("sample fitted: %d pages, want 1", n)
				}
				if n := pageCount(t, mustPrint(t, p, d, longSample())); n < 2 {
					t.Errorf("long profile fitted: %d pages, want it to spill rather than shrink beyond the bounds", n)
				}
			})
		}
	}
}

// TestPrintFooterWithQuotedName: the escapes of cssString print as the
// name was written.
func TestPrintFooterWithQuotedName(t *testing.T) {
	p := newPrintPool(t)
	r := tailoredSample()
	r.Basics.Name = `Zoë "Z" O'Brien \ <QA> & Co`
	text := poppler(t, "pdftotext", mustPrint(t, p, Document{}, r))
	if want := r.Basics.Name + " · Page 1 of "; !strings.Contains(text, want) {
		t.Errorf("the footer is not %q…:\n%s", want, text)
	}
}
