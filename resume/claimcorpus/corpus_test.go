package claimcorpus

import (
	"fmt"
	"strings"
	"testing"
)

// TestCorpus scores Verify on resume/testdata/claims: every fabrication is
// caught and removed or restored; at most 5% of faithful rewrites are
// flagged (issue 11).
func TestCorpus(t *testing.T) {
	files, err := Load("../testdata/claims")
	if err != nil {
		t.Fatal(err)
	}
	outcomes := Run(files)
	t.Logf("\n%s", Table(outcomes))
	var fab, faithful int
	for _, o := range outcomes {
		if o.Err != nil {
			t.Errorf("%s: %v", o.Case.ID, o.Err)
			continue
		}
		if o.Case.Kind == "fabricated" {
			fab++
		} else {
			faithful++
		}
		if !o.Right() {
			var why []string
			for _, v := range o.Violations {
				why = append(why, v.Reason)
			}
			t.Logf("%s (%s %s): flagged=%v gone=%v %s\n    %s", o.Case.ID, o.Case.Kind, o.Case.Class, o.Flagged, o.Gone,
				strings.Join(why, "; "), fmt.Sprint(string(o.Case.Value)))
		}
	}
	if fab < 60 || faithful < 60 {
		t.Errorf("corpus has %d fabricated and %d faithful cases, want at least 60 of each", fab, faithful)
	}
	_, recall, falseAlarms := Scores(outcomes)
	if recall < 1 {
		t.Errorf("recall %.1f%%, want 100%%", recall*100)
	}
	if falseAlarms > 0.05 {
		t.Errorf("false alarms %.1f%%, want at most 5%%", falseAlarms*100)
	}
}
