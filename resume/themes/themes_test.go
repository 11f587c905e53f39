package themes

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/resume"
)

// generatedText finds the CSS content property (not justify-content).
var generatedText = regexp.MustCompile(`[{;\s]content\s*:`)

func tailoredSample() resume.Resume {
	return resume.TailorOffline(resume.Sample(), resume.SampleJobDescription, "")
}

// maliciousSample carries markup and a script link in user text.
func maliciousSample() resume.Resume {
	r := resume.Sample()
	r.Basics.Name = "<script>alert(1)</script>"
	r.Basics.URL = "javascript:alert(1)"
	r.Work[0].Highlights = append(r.Work[0].Highlights, "<img src=x onerror=alert(1)>")
	return r
}

// TestFooterNameIsQuoted: a name cannot end the footer's CSS string or the
// <style> element, whatever it holds, and still prints as written.
func TestFooterNameIsQuoted(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Sofía Álvarez", `"Sofía Álvarez"`},
		{`Ann "Nan" O'Neil`, `"Ann \22 Nan\22  O'Neil"`},
		{`back\slash`, `"back\5c slash"`},
		{"</style><script>alert(1)</script>", `"\3c /style\3e \3c script\3e alert(1)\3c /script\3e "`},
		{"line\nbreak & tab\t", `"line\a break \26  tab\9 "`},
	}
	for _, tt := range tests {
		if got := cssString(tt.in); got != tt.want {
			t.Errorf("cssString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	r := tailoredSample()
	r.Basics.Name = `</style><script>alert(1)</script> "x" \`
	html, err := Render(context.Background(), Default, DefaultPaper, r)
	if err != nil {
		t.Fatal(err)
	}
	style := html[strings.Index(html, "<style>"):]
	style = style[:strings.Index(style, "</style>")]
	if strings.ContainsAny(style[len("<style>"):], "<>") {
		t.Errorf("the stylesheet holds < or >: %s", style)
	}
	if strings.Contains(html, "<script>") {
		t.Error("the name's markup reached the document")
	}
}

func TestRenderResume(t *testing.T) {
	r := tailoredSample()
	for _, theme := range Names() {
		for _, paper := range Papers() {
			t.Run(theme+"/"+paper, func(t *testing.T) {
				html, err := Render(context.Background(), theme, paper, r)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				want := []string{r.Basics.Name, "<h1>", "<h2>", "<h3>", `<a href="mailto:`}
				for _, w := range r.Work {
					want = append(want, w.Name)
				}
				for _, s := range want {
					if !strings.Contains(html, s) {
						t.Errorf("missing %q", s)
					}
				}
				// Print-ready and ATS-friendly: no fetched resource, and no
				// CSS that splits words or writes text of its own.
				for _, s := range []string{"src=", "url(", "@import", "letter-spacing"} {
					if strings.Contains(html, s) {
						t.Errorf("contains %q", s)
					}
				}
				// The one generated text is the page footer, in the page's
				// margin, never in the body.
				footer := `@page{@bottom-center{content:"` + r.Basics.Name + ` · Page " counter(page) " of " counter(pages);`
				if n := strings.Count(html, footer); n != 1 {
					t.Errorf("%d page footers %q, want 1", n, footer)
				}
				if rest := strings.Replace(html, footer, "", 1); generatedText.MatchString(rest) {
					t.Errorf("contains CSS content outside the page footer: %q", generatedText.FindString(rest))
				}
				if got := strings.ToLower(html); !strings.Contains(got, "size:"+paper) {
					t.Errorf("no @page size for %s", paper)
				}
				for _, link := range []string{"http://", "https://"} {
					for rest := html; ; {
						i := strings.Index(rest, link)
						if i < 0 {
							break
						}
						if !strings.HasSuffix(rest[:i], `<a href="`) {
							t.Errorf("%s outside <a href: %q", link, rest[max(0, i-20):i+len(link)])
						}
						rest = rest[i+len(link):]
					}
				}
			})
		}
	}
}

func TestRenderResumeEscapes(t *testing.T) {
	r := maliciousSample()
	for _, theme := range Names() {
		for _, paper := range Papers() {
			t.Run(theme+"/"+paper, func(t *testing.T) {
				html, err := Render(context.Background(), theme, paper, r)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				for _, s := range []string{"<script", "<img", `href="javascript:`} {
					if strings.Contains(html, s) {
						t.Errorf("contains %q", s)
					}
				}
				for _, s := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;"} {
					if !strings.Contains(html, s) {
						t.Errorf("missing escaped %q", s)
					}
				}
			})
		}
	}
}

func TestRenderResumeUnknownTheme(t *testing.T) {
	if _, err := Render(context.Background(), "gothic", "a4", tailoredSample()); err == nil {
		t.Error("Render(gothic): got nil error, want one")
	}
}

// TestPreviewSheets: on screen (the web preview) the resume is drawn as a
// sheet of its paper, with the print margins and a mark where a page ends.
func TestPreviewSheets(t *testing.T) {
	sheets := map[string]string{"a4": "width:210mm;min-height:297mm;", "letter": "width:215.9mm;min-height:279.4mm;"}
	for _, theme := range Names() {
		for _, paper := range Papers() {
			t.Run(theme+"/"+paper, func(t *testing.T) {
				html, err := Render(context.Background(), theme, paper, tailoredSample())
				if err != nil {
					t.Fatal(err)
				}
				i := strings.Index(html, "@media screen{")
				if i < 0 {
					t.Fatal("no screen stylesheet")
				}
				screen := html[i:]
				page := regexp.MustCompile(`@page\{size:\w+;margin:([\d.]+mm) ([\d.]+mm)\}`).FindStringSubmatch(html)
				if page == nil {
					t.Fatal("no @page margins")
				}
				for _, want := range []string{sheets[paper], "padding:" + page[1] + " " + page[2], "repeating-linear-gradient", "box-shadow"} {
					if !strings.Contains(screen, want) {
						t.Errorf("the screen sheet lacks %q: %s", want, screen[:min(len(screen), 400)])
					}
				}
				if j := strings.LastIndex(html, "body{margin:0}"); j > i {
					t.Error("a later body rule undoes the sheet's margins")
				}
			})
		}
	}
}
