package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/static"
)

// maxWebBody bounds any form post; routes with smaller needs limit further.
const maxWebBody = 3 << 20

// Routes returns the whole URL surface of the web process.
//
// Tiers: static files, health, polls and share links never touch the
// session; pages load it (dynamic) and most need a signed-in user
// (protected) or an admin. Every state-changing request, on every tier,
// passes http.CrossOriginProtection: a cross-site POST gets 403 and changes
// nothing, while clients that send no Origin or Sec-Fetch-Site (the API's
// curl and server-to-server callers) pass.
func (s *Server) Routes() http.Handler {
	s.initWeb()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))

	r := chi.NewRouter()
	r.Use(s.recoverer, s.requestLog, cop.Handler)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.notFound)

	// No session: cheap and cacheable.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/static/*", static.Handler())
	r.Get("/jobs/{id}/card", s.jobCardPoll) // signed link, one SQLite read
	r.Get("/share/{id}", s.sharedPDF)       // signed, expiring, read-only

	// Pages: the session is loaded (dynamic); most need a user (protected).
	r.Group(func(r chi.Router) {
		r.Use(limitBody(maxWebBody), s.loadSession, s.sessionUser)
		r.Get("/", s.home)
		r.Get("/login", s.loginPage)
		r.Post("/login", s.login)
		r.Post("/logout", s.logout)
		r.Get("/setup", s.setupPage)
		r.Post("/setup", s.setup)
		r.Get("/signup", s.signupPage)
		r.Post("/signup", s.signup)

		r.Group(func(r chi.Router) {
			r.Use(s.requireUser)
			r.Get("/candidates", s.candidateList)
			r.Get("/candidates/new", s.candidateNew)
			r.Post("/candidates/new", s.candidateSave)
			r.Get("/candidates/import", s.candidateImportPage)
			r.Post("/candidates/import", s.candidateImport)
			r.Post("/candidates/sample", s.candidateSample)
			r.Get("/candidates/{id}", s.candidateShow)
			r.Get("/candidates/{id}/edit", s.candidateEdit)
			r.Post("/candidates/{id}/edit", s.candidateSave)
			r.Get("/candidates/{id}/export", s.candidateExport)
			r.Get("/candidates/{id}/delete", s.candidateDeletePage)
			r.Post("/candidates/{id}/delete", s.candidateDelete)
			r.Post("/candidates/{id}/generate", s.candidateGenerate)

			r.Get("/openings", s.openingList)
			r.Get("/openings/new", s.openingNew)
			r.Post("/openings/new", s.openingSave)
			r.Get("/openings/{id}/edit", s.openingEdit)
			r.Post("/openings/{id}/edit", s.openingSave)
			r.Get("/openings/{id}/delete", s.openingDeletePage)
			r.Post("/openings/{id}/delete", s.openingDelete)

			r.Get("/jobs", s.jobList)
			r.Get("/jobs/{id}", s.jobShow)
			r.Get("/jobs/{id}/download", s.jobDownload)
			r.Get("/jobs/{id}/preview", s.jobPreview)
			r.Post("/jobs/{id}/cancel", s.jobCancel)
			r.Post("/jobs/{id}/retry", s.jobRetry)

			r.Group(func(r chi.Router) {
				r.Use(s.requireAdmin)
				r.Get("/admin/users", s.adminUsers)
				r.Post("/admin/users", s.adminUserCreate)
				r.Post("/admin/users/{id}/disable", s.adminUserDisable)
				r.Post("/admin/users/{id}/reset", s.adminUserReset)
			})
		})
	})

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

// limitBody caps request bodies.
func limitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}
