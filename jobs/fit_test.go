package jobs

import (
	"testing"

	"github.com/tailor-app/tailor/db"
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
