package mail

import (
	"context"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
)

// The PDF is attached under the candidate's name as written, accents kept
// (issue 15: "Sofia lvarez - Northbeam.pdf").
func TestReadyMailAttachmentKeepsAccents(t *testing.T) {
	e := newEnv(t)
	e.prefs(t, e.ann, db.MailPrefs{JobReady: true, AttachPDF: true})
	ctx := context.Background()
	j, err := e.db.Jobs.Create(ctx, db.Job{OwnerID: e.ann.ID, CandidateVersion: 1, CandidateName: "Sofía Álvarez",
		JobDescription: "Go engineer", Company: "Northbeam", Theme: "classic", Paper: "a4",
		Queue: "interactive", InputsHash: "h"}, []byte(`{"basics":{"name":"Sofía Álvarez"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1},
		&db.Result{PDF: fakePDF, HTML: "x", Profile: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	for _, end := range mustPending(t, e.db) {
		if err := e.n.Dispatch(ctx, end); err != nil {
			t.Fatal(err)
		}
	}
	e.queue.run(t, e.n)
	m := e.smtp.Wait(t, 1, 5*time.Second)[0]
	if len(m.Files) != 1 {
		t.Fatalf("attachments: %d, want 1", len(m.Files))
	}
	if got, want := m.Files[0].Name, "Sofía Álvarez - Northbeam.pdf"; got != want {
		t.Errorf("attachment name %q, want %q", got, want)
	}
}
