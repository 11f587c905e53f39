package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one figure of one scenario.
type row struct {
	Scenario string  `json:"scenario"`
	Figure   string  `json:"figure"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Target   string  `json:"target,omitempty"` // e.g. ">= 3000" or "< 10"
	Met      *bool   `json:"met,omitempty"`
	Detail   string  `json:"detail,omitempty"`
}

type report struct {
	StartedAt time.Time `json:"started_at"`
	Quick     bool      `json:"quick"`
	CPUs      int       `json:"cpus"`
	GoVersion string    `json:"go_version"`
	Rows      []row     `json:"rows"`
}

// add records a figure; a target like ">= 3000" or "< 10" is checked.
func (r *report) add(scenario, figure string, value float64, unit, target, detail string) {
	x := row{Scenario: scenario, Figure: figure, Value: value, Unit: unit, Target: target, Detail: detail}
	if target != "" {
		var op string
		var want float64
		fmt.Sscanf(target, "%s %g", &op, &want)
		met := false
		switch op {
		case ">=":
			met = value >= want
		case "<":
			met = value < want
		case "<=":
			met = value <= want
		case "==":
			met = value == want
		}
		x.Met = &met
	}
	r.Rows = append(r.Rows, x)
	fmt.Fprintf(os.Stderr, "  %-34s %-22s %10s %-6s %s\n", scenario, figure, format(value), unit, detail)
}

func format(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 100:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func (r *report) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tFIGURE\tVALUE\tTARGET\tMET\tDETAIL")
	for _, x := range r.Rows {
		met := ""
		if x.Met != nil {
			met = map[bool]string{true: "yes", false: "NO"}[*x.Met]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%s\t%s\n", x.Scenario, x.Figure, format(x.Value), x.Unit, x.Target, met, x.Detail)
	}
	tw.Flush()
}

func (r *report) save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, r.StartedAt.UTC().Format("20060102-150405")+".json")
	body, _ := json.MarshalIndent(r, "", "  ")
	return path, os.WriteFile(path, body, 0o644)
}

func newReport(quick bool) *report {
	return &report{StartedAt: time.Now(), Quick: quick, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
}

// compare prints two result files side by side with the change in percent.
func compare(w io.Writer, a, b string) error {
	load := func(p string) (*report, error) {
		body, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var r report
		return &r, json.Unmarshal(body, &r)
	}
	ra, err := load(a)
	if err != nil {
		return err
	}
	rb, err := load(b)
	if err != nil {
		return err
	}
	key := func(x row) string { return x.Scenario + "\x00" + x.Figure }
	before := map[string]row{}
	for _, x := range ra.Rows {
		before[key(x)] = x
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "SCENARIO\tFIGURE\t%s\t%s\tCHANGE\n", filepath.Base(a), filepath.Base(b))
	for _, x := range rb.Rows {
		old, ok := before[key(x)]
		if !ok {
			fmt.Fprintf(tw, "%s\t%s\t-\t%s %s\tnew\n", x.Scenario, x.Figure, format(x.Value), x.Unit)
			continue
		}
		change := "="
		if old.Value != 0 {
			change = fmt.Sprintf("%+.1f%%", (x.Value-old.Value)/old.Value*100)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\n", x.Scenario, x.Figure, format(old.Value), format(x.Value), x.Unit, change)
	}
	tw.Flush()
	if ra.Quick != rb.Quick {
		fmt.Fprintln(w, strings.TrimSpace("note: one run is -quick and the other is not; figures are not comparable"))
	}
	return nil
}
