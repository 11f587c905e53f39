package jobs

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
)

// TestFitSurvivesTheQueue: a fitted job's payload asks for fitting, and the
// row rebuilt from it (after SQLite lost it) is fitted too.
func TestFitSurvivesTheQueue(t *testing.T) {
	p := PayloadFor(db.Job{ID: "j1", OwnerID: "u1", Theme: "classic", Paper: "a4", Fit: true}, []byte(`{}`))
	if !p.Fit {
		t.Fatalf("payload %+v lacks fit", p)
	}
	if j := RowFor(p); !j.Fit {
		t.Errorf("recreated row %+v lacks fit", j)
	}
}

// TestGenerateFitPrintsOnePage: through the worker and a real Chrome, the
// sample (two pages in classic A4) prints on one page when the job asks to
// fit, and the two prints do not share a cache entry.
func TestGenerateFitPrintsOnePage(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	body, _ := json.Marshal(resume.Sample())
	pages := map[bool]int{}
	for _, fit := range []bool{false, true} {
		j := p.createRow(t, resume.Sample(), resume.SampleJobDescription)
		j.Fit = fit
		if err := p.enqueuer.Enqueue(context.Background(), PayloadFor(j, body), j.Queue); err != nil {
			t.Fatal(err)
		}
		if got := p.waitFinal(t, j.ID, 30*time.Second); got.Status != jobstate.StatusSucceeded {
			t.Fatalf("fit %v: job %s: %s", fit, got.Status, got.Error)
		}
		res, err := p.db.Jobs.Result(context.Background(), db.OwnedBy(p.owner.ID), j.ID)
		if err != nil {
			t.Fatal(err)
		}
		pages[fit] = strings.Count(pdfText(t, res.PDF), "\f")
	}
	if pages[false] != 2 || pages[true] != 1 {
		t.Errorf("pages without and with fit: %d and %d, want 2 and 1", pages[false], pages[true])
	}
}
