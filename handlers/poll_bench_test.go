package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

// BenchmarkJobCardPoll measures the card poll through the whole router
// (signed link, one SQLite read, templ render), in parallel as many cards
// poll at once. `make bench` owns the real target (>= 15,000/s on 2 cores).
func BenchmarkJobCardPoll(b *testing.B) {
	e := newWebEnv(b)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	j, err := e.db.Jobs.Create(b.Context(), db.Job{OwnerID: ann.ID, CandidateID: cand.ID, CandidateVersion: 1,
		CandidateName: cand.Name, JobDescription: "Go", Theme: "classic", Paper: "a4", Queue: "interactive", InputsHash: "x"}, cand.Profile)
	if err != nil {
		b.Fatal(err)
	}
	h := e.srv.Routes()
	url := e.srv.pollURL(j.ID, db.OwnedBy(ann.ID))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, url, nil))
			if w.Code != http.StatusOK {
				b.Errorf("status %d", w.Code)
				return
			}
		}
	})
}
