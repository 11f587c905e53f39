package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// Routes returns the whole URL surface of the web process.
func (s *Server) Routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverer, s.requestLog)

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/", s.home)

	// The JSON API: bearer tokens, JSON errors, paths kept from the system
	// Tailor replaces.
	r.Route("/api", func(r chi.Router) {
		r.Use(s.apiAuth)
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeJSONError(w, http.StatusNotFound, "no such API route")
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			writeJSONError(w, http.StatusMethodNotAllowed, "method not allowed")
		})
		r.Post("/candidates", s.apiCandidateCreate)
		r.Get("/candidates", s.apiCandidateList)
		r.Get("/candidates/{id}", s.apiCandidateGet)

		r.Post("/resume-async/generate-async", s.apiGenerate)
		r.Get("/resume-async/job-status/{id}", s.apiJobStatus)
		r.Get("/resume-async/download/{id}", s.apiJobDownload)
		r.Get("/resume-async/my-jobs", s.apiMyJobs)
		r.Post("/resume-async/cancel/{id}", s.apiJobCancel)
	})
	return r
}
