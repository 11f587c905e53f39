// Package claimcorpus scores resume.Verify on the corpus of tailored edits
// in resume/testdata/claims: how many fabrications it catches (recall) and
// how many faithful rewrites it flags (false alarms), per class. The corpus
// test and `make bench` both report it.
package claimcorpus

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tailor-app/tailor/resume"
)

// File is one profession's profile and its cases.
type File struct {
	Profession     string          `json:"profession"`
	Profile        json.RawMessage `json:"profile"`
	JobDescription string          `json:"job_description"`
	Cases          []Case          `json:"cases"`
}

// Case is one tailored edit: Field of the profile replaced by Value.
type Case struct {
	ID     string          `json:"id"`
	Kind   string          `json:"kind"` // "fabricated" or "faithful"
	Class  string          `json:"class"`
	Field  string          `json:"field"`
	Value  json.RawMessage `json:"value"`
	Source *int            `json:"source,omitempty"` // the profile highlight it says it rewrites
	Note   string          `json:"note"`
}

// Load reads every *.json file of dir.
func Load(dir string) ([]File, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("no corpus in %s: %v", dir, err)
	}
	var files []File
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var f File
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		files = append(files, f)
	}
	return files, nil
}

// Outcome is what Verify did with one case.
type Outcome struct {
	Case       Case
	Profession string
	Flagged    bool // Verify reported a violation
	Gone       bool // the edited value is no longer in the output
	Violations []resume.Violation
	Err        error
}

// Right reports whether Verify did what the case expects: a fabrication
// flagged and gone, a faithful rewrite left alone.
func (o Outcome) Right() bool {
	if o.Err != nil {
		return false
	}
	if o.Case.Kind == "fabricated" {
		return o.Flagged && o.Gone
	}
	return !o.Flagged
}

// Run verifies every case of every file.
func Run(files []File) []Outcome {
	var out []Outcome
	for _, f := range files {
		var profile resume.Resume
		if err := json.Unmarshal(f.Profile, &profile); err != nil {
			out = append(out, Outcome{Profession: f.Profession, Err: err})
			continue
		}
		for _, c := range f.Cases {
			out = append(out, runCase(f.Profession, profile, c))
		}
	}
	return out
}

func runCase(profession string, profile resume.Resume, c Case) Outcome {
	o := Outcome{Case: c, Profession: profession}
	tailored, err := edit(profile, c)
	if err != nil {
		o.Err = err
		return o
	}
	got, report := resume.VerifyWith(profile, tailored, resume.VerifyOptions{RequireSources: true})
	o.Violations = report.Violations
	o.Flagged = len(report.Violations) > 0
	o.Gone = !survives(got, c)
	return o
}

// survives reports whether the edited value is still where the case put
// it: a highlight among its entry's highlights (a moved one may rightly
// stay in the entry it came from), a field still holding it, a list still
// equal to it.
func survives(r resume.Resume, c Case) bool {
	raw, _ := json.Marshal(r)
	var doc any
	json.Unmarshal(raw, &doc)
	obj, name, idx, err := locate(doc, c.Field)
	if err != nil {
		return false
	}
	node := obj[name]
	if list, ok := node.([]any); ok && idx >= 0 {
		if name == "highlights" {
			// a moved highlight may rightly stay in the entry it came from
			return slices.Contains(list, any(string(jsonString(c.Value))))
		}
		if idx >= len(list) {
			return false
		}
		node = list[idx]
	}
	var want any
	json.Unmarshal(c.Value, &want)
	a, _ := json.Marshal(node)
	b, _ := json.Marshal(want)
	return string(a) == string(b)
}

func jsonString(raw json.RawMessage) string {
	var s string
	json.Unmarshal(raw, &s)
	return s
}

// locate finds the object that holds a field path's last step: for
// "work[1].highlights[2]" the work entry, "highlights" and 2 (-1 when the
// last step has no index).
func locate(doc any, field string) (obj map[string]any, name string, idx int, err error) {
	parts := strings.Split(field, ".")
	node := doc
	for i, p := range parts {
		m := segmentRe.FindStringSubmatch(p)
		if m == nil {
			return nil, "", 0, fmt.Errorf("bad field %q", field)
		}
		o, ok := node.(map[string]any)
		if !ok {
			return nil, "", 0, fmt.Errorf("%q is not an object", p)
		}
		idx = -1
		if m[2] != "" {
			idx, _ = strconv.Atoi(m[2])
		}
		if i == len(parts)-1 {
			return o, m[1], idx, nil
		}
		node = o[m[1]]
		if idx >= 0 {
			list, ok := node.([]any)
			if !ok || idx >= len(list) {
				return nil, "", 0, fmt.Errorf("no %s", p)
			}
			node = list[idx]
		}
	}
	return nil, "", 0, fmt.Errorf("empty field")
}

var segmentRe = regexp.MustCompile(`^([A-Za-z]+)(?:\[(\d+)\])?$`)

// edit returns profile with c.Field set to c.Value, as a model's reply
// would carry it: every highlight of every entry says which profile
// highlight it rewrites (itself), and the edited one says c.Source.
func edit(profile resume.Resume, c Case) (resume.Resume, error) {
	t := profile.Clone()
	for i := range t.Work {
		t.Work[i].HighlightSources = identity(len(t.Work[i].Highlights))
	}
	for i := range t.Projects {
		t.Projects[i].HighlightSources = identity(len(t.Projects[i].Highlights))
	}
	raw, err := json.Marshal(t)
	if err != nil {
		return t, err
	}
	var doc any
	json.Unmarshal(raw, &doc)
	var value any
	if err := json.Unmarshal(c.Value, &value); err != nil {
		return t, fmt.Errorf("%s: value: %w", c.ID, err)
	}
	obj, name, idx, err := locate(doc, c.Field)
	if err != nil {
		return t, fmt.Errorf("%s: %w", c.ID, err)
	}
	if idx < 0 {
		obj[name] = value
	} else {
		list, ok := obj[name].([]any)
		if !ok || idx >= len(list) {
			return t, fmt.Errorf("%s: no %s", c.ID, c.Field)
		}
		list[idx] = value
		if srcs, ok := obj["highlightSources"].([]any); ok && name == "highlights" && c.Source != nil && idx < len(srcs) {
			srcs[idx] = float64(*c.Source)
		}
	}
	raw, _ = json.Marshal(doc)
	var out resume.Resume
	if err := json.Unmarshal(raw, &out); err != nil {
		return t, fmt.Errorf("%s: %w", c.ID, err)
	}
	return out, nil
}

func identity(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// Score sums outcomes per kind and class.
type Score struct {
	Kind, Class string
	Cases       int
	Right       int
}

// Scores returns a row per kind and class, fabrications first, then the
// totals: Recall is caught/fabricated, FalseAlarms flagged/faithful.
func Scores(outcomes []Outcome) (rows []Score, recall, falseAlarms float64) {
	idx := map[[2]string]int{}
	var fab, caught, faithful, flagged int
	for _, o := range outcomes {
		k := [2]string{o.Case.Kind, o.Case.Class}
		i, ok := idx[k]
		if !ok {
			i = len(rows)
			idx[k] = i
			rows = append(rows, Score{Kind: o.Case.Kind, Class: o.Case.Class})
		}
		rows[i].Cases++
		if o.Right() {
			rows[i].Right++
		}
		if o.Case.Kind == "fabricated" {
			fab++
			if o.Right() {
				caught++
			}
		} else {
			faithful++
			if !o.Right() {
				flagged++
			}
		}
	}
	slices.SortFunc(rows, func(a, b Score) int {
		if a.Kind != b.Kind {
			return strings.Compare(a.Kind, b.Kind)
		}
		return strings.Compare(a.Class, b.Class)
	})
	if fab > 0 {
		recall = float64(caught) / float64(fab)
	}
	if faithful > 0 {
		falseAlarms = float64(flagged) / float64(faithful)
	}
	return rows, recall, falseAlarms
}

// Table renders the scores for people.
func Table(outcomes []Outcome) string {
	rows, recall, falseAlarms := Scores(outcomes)
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "kind\tclass\tcases\tcaught / flagged\t")
	for _, r := range rows {
		if r.Kind == "fabricated" {
			fmt.Fprintf(w, "%s\t%s\t%d\t%d caught (%.0f%%)\t\n", r.Kind, r.Class, r.Cases, r.Right, pct(r.Right, r.Cases))
		} else {
			fmt.Fprintf(w, "%s\t%s\t%d\t%d flagged (%.0f%%)\t\n", r.Kind, r.Class, r.Cases, r.Cases-r.Right, pct(r.Cases-r.Right, r.Cases))
		}
	}
	w.Flush()
	fmt.Fprintf(&b, "fabrications caught (recall): %.1f%%; faithful rewrites flagged (false alarms): %.1f%%\n", recall*100, falseAlarms*100)
	return b.String()
}

func pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) * 100 / float64(d)
}
