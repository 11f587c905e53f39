package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/mail"
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
	s.initAPI()
	if s.Live != nil {
		s.Live.render = s.liveCard
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	// The embeddable fragments authenticate by token header only, never by
	// cookie: a cross-site POST to them carries no ambient authority.
	cop.AddInsecureBypassPattern("/embed/")

	r := chi.NewRouter()
	// requestLog outside recoverer: a panic's 500 is logged and counted too;
	// securityHeaders outside recoverer: its 500 page has the policy too.
	r.Use(s.requestID, s.requestLog, securityHeaders, s.recoverer, compress, cop.Handler, s.wellFormedQuery)
	// An unknown address is a page like any other: with the session, so a
	// signed-in user keeps the top bar and its menu.
	withSession := func(h http.HandlerFunc) http.HandlerFunc {
		return s.loadSession(s.sessionUser(h)).ServeHTTP
	}
	r.NotFound(withSession(s.notFound))
	r.MethodNotAllowed(withSession(s.methodNotAllowed))

	// No session: cheap and cacheable.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/static/*", static.Handler())
	r.Get("/jobs/{id}/card", s.jobCardPoll)              // signed link, one SQLite read
	r.Get("/batches/{id}/progress", s.batchProgressPoll) // signed link, one SQLite read
	r.Get("/share/{id}", s.sharedPDF)                    // signed, expiring, read-only
	r.Get("/api/openapi.json", s.openAPIJSON)

	// Fragments other sites embed with htmx: API token in a header, CORS
	// for EMBED_ORIGINS (embed_access.go). Assets for host pages first.
	r.Method(http.MethodGet, "/embed/embed.css", static.Alias(static.EmbedCSS))
	r.Method(http.MethodGet, "/embed/htmx.min.js", static.Alias(static.HTMX))
	r.Get("/embed/events", s.embedEvents) // live updates for an embedding page: signed URL or token
	r.Method(http.MethodGet, "/embed/htmx-ext-sse.min.js", static.Alias(static.SSE))
	r.Get("/embed/example", s.embedExample) // a Tailor page: the page policy, this origin only
	r.Method(http.MethodGet, "/embed/example.js", static.Alias(static.EmbedExampleJS))
	r.Method(http.MethodGet, "/embed/example.css", static.Alias(static.EmbedExampleCSS))
	r.Route("/embed", func(r chi.Router) {
		r.Use(fragmentPolicy, s.embedCORS, limitBody(maxGenerateBodyBytes), s.tokenAuth(s.embedRefuse))
		r.NotFound(func(w http.ResponseWriter, r *http.Request) { s.embedError(w, r, http.StatusNotFound, "Not found.") })
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			s.embedError(w, r, http.StatusMethodNotAllowed, "Method not allowed.")
		})
		r.Get("/candidates/{id}/generate", s.embedGenerateForm)
		r.Post("/candidates/{id}/generate", s.embedGenerate)
		r.Get("/candidates/{id}/jobs", s.embedJobList)
		r.Get("/jobs/{id}/card", s.embedJobCard)
		r.Post("/jobs/{id}/cancel", s.embedJobCancel)
	})

	// Pages: the session is loaded (dynamic); most need a user (protected).
	r.Group(func(r chi.Router) {
		r.Use(limitBody(maxWebBody), varyHX(), s.loadSession, s.sessionUser)
		r.Get("/", s.home)
		r.Get("/docs/api", s.apiDocsPage) // the same for everyone but the top bar
		r.Get("/login", s.loginPage)
		r.Post("/login", s.login)
		r.Post("/logout", s.logout)
		r.Get("/setup", s.setupPage)
		r.Post("/setup", s.setup)
		r.Get("/signup", s.signupPage)
		r.Post("/signup", s.signup)
		r.Get(mail.UnsubscribePath, s.unsubscribe) // signed link in mails: no session needed
		r.Post(mail.UnsubscribePath, s.unsubscribe)

		r.Group(func(r chi.Router) {
			r.Use(s.requireUser)
			r.With(varyHX("HX-Target")).Get("/candidates", s.candidateList)
			r.Get("/candidates/new", s.candidateNew)
			r.Post("/candidates/new", s.candidateSave)
			r.Get("/candidates/import", s.candidateImportPage)
			r.Post("/candidates/import", s.candidateImport)
			r.Post("/candidates/sample", s.candidateSample)
			r.With(varyHX("HX-Target")).Get("/candidates/{id}", s.candidateShow)
			r.Get("/candidates/{id}/compare", s.candidateCompare)
			r.Get("/candidates/{id}/edit", s.candidateEdit)
			r.Post("/candidates/{id}/edit", s.candidateSave)
			r.Get("/candidates/{id}/export", s.candidateExport)
			r.Get("/candidates/{id}/delete", s.candidateDeletePage)
			r.Post("/candidates/{id}/delete", s.candidateDelete)
			r.Post("/candidates/{id}/generate", s.candidateGenerate)
			r.Get("/candidates/{id}/generate/choice", s.candidateGenerateChoice)
			r.Post("/candidates/{id}/duplicate", s.candidateDuplicate)
			r.Get("/candidates/{id}/batch", s.candidateBatchPage)
			r.Post("/candidates/{id}/batch", s.candidateBatchStart)

			r.Get("/openings", s.openingList)
			r.Get("/openings/new", s.openingNew)
			r.Post("/openings/new", s.openingSave)
			r.Get("/openings/{id}", s.openingShow)
			r.Post("/openings/{id}/generate", s.openingGenerate)
			r.Post("/openings/{id}/duplicate", s.openingDuplicate)
			r.Get("/openings/{id}/edit", s.openingEdit)
			r.Post("/openings/{id}/edit", s.openingSave)
			r.Get("/openings/{id}/batch", s.openingBatchPage)
			r.Post("/openings/{id}/batch", s.openingBatchStart)
			r.Get("/openings/{id}/delete", s.openingDeletePage)
			r.Post("/openings/{id}/delete", s.openingDelete)

			r.Get("/events", s.events) // live job updates, one stream per tab (events_stream.go)
			r.Get("/jobs", s.jobList)
			r.Get("/jobs/{id}", s.jobShow)
			r.Get("/jobs/{id}/download", s.jobDownload)
			r.Get("/jobs/{id}/preview", s.jobPreview)
			r.Post("/jobs/{id}/cancel", s.jobCancel)
			r.Post("/jobs/{id}/retry", s.jobRetry)
			r.Get("/batches", s.batchList)
			r.Get("/batches/{id}", s.batchShow)
			r.Get("/batches/{id}/zip", s.batchZip)
			r.Post("/batches/{id}/cancel", s.batchCancel)
			r.Post("/batches/{id}/retry-failed", s.batchRetry)

			r.Get("/settings/tokens", s.settingsTokens)
			r.Post("/settings/tokens", s.settingsTokenCreate)
			r.Post("/settings/tokens/{id}/revoke", s.settingsTokenRevoke)
			r.Post("/settings/password", s.settingsPasswordChange)
			r.Get("/settings/webhooks", s.settingsWebhooks)
			r.Post("/settings/webhooks", s.settingsWebhookCreate)
			r.Get("/settings/webhooks/{id}", s.settingsWebhook)
			r.Post("/settings/webhooks/{id}/test", s.settingsWebhookTest)
			r.Post("/settings/webhooks/{id}/delete", s.settingsWebhookDelete)
			r.Get("/settings/notifications", s.settingsNotifications)
			r.Post("/settings/notifications", s.settingsNotificationsSave)

			r.Group(func(r chi.Router) {
				r.Use(s.requireAdmin)
				r.Get("/admin/users", s.adminUsers)
				r.Post("/admin/users", s.adminUserCreate)
				r.Get("/admin/users/{id}/disable", s.adminUserDisablePage)
				r.Post("/admin/users/{id}/disable", s.adminUserDisable)
				r.Get("/admin/users/{id}/reset", s.adminUserResetPage)
				r.Post("/admin/users/{id}/reset", s.adminUserReset)
				r.Get("/admin/users/{id}/tokens", s.adminTokens)
				r.Post("/admin/users/{id}/tokens/{token}/revoke", s.adminTokenRevoke)

				r.Get("/admin", s.adminDashboard)
				r.Get("/admin/fragments/live", s.adminLive)
				r.Get("/admin/fragments/jobs", s.adminJobStats)
				r.Post("/admin/alerts/{kind}", s.adminAlertRuleSave)
				r.Get("/admin/jobs", s.adminJobs)
				r.Get("/admin/jobs/{id}", s.adminJob)
				r.Post("/admin/jobs/{id}/cancel", s.adminJobCancel)
				r.Post("/admin/jobs/{id}/retry", s.adminJobRetry)
				r.Get("/admin/jobs/{id}/delete", s.adminJobDeletePage)
				r.Post("/admin/jobs/{id}/delete", s.adminJobDelete)
				r.Get("/admin/queues", s.adminQueues)
				r.Post("/admin/queues/{queue}/pause", s.adminQueuePause(true))
				r.Post("/admin/queues/{queue}/resume", s.adminQueuePause(false))
				r.Post("/admin/queues/{queue}/dead/{id}/retry", s.adminDeadRetry)
				r.Post("/admin/queues/{queue}/dead/{id}/delete", s.adminDeadDelete)
			})
		})
	})

	// The JSON API: bearer tokens, JSON errors, paths kept from the system
	// Tailor replaces; a rate limit per token. Documented in openapi.go.
	r.Route("/api", func(r chi.Router) {
		r.Use(apiNoStore, s.tokenAuth(s.apiRefuse))
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeJSONError(w, http.StatusNotFound, "no such API route")
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			writeJSONError(w, http.StatusMethodNotAllowed, "method not allowed")
		})
		r.Post("/candidates", s.apiCandidateCreate)
		r.Get("/candidates", s.apiCandidateList)
		r.Get("/candidates/{id}", s.apiCandidateGet)
		r.Put("/candidates/{id}", s.apiCandidateUpdate)
		r.Delete("/candidates/{id}", s.apiCandidateDelete)

		r.Get("/openings", s.apiOpeningList)
		r.Post("/openings", s.apiOpeningCreate)
		r.Get("/openings/{id}", s.apiOpeningGet)
		r.Put("/openings/{id}", s.apiOpeningUpdate)
		r.Delete("/openings/{id}", s.apiOpeningDelete)

		r.Post("/resume-async/generate-async", s.apiGenerate)
		r.Get("/resume-async/job-status/{id}", s.apiJobStatus)
		r.Get("/resume-async/download/{id}", s.apiJobDownload)
		r.Get("/resume-async/my-jobs", s.apiMyJobs)
		r.Post("/resume-async/cancel/{id}", s.apiJobCancel)
		r.Post("/resume-async/regenerate/{id}", s.apiRegenerate)
		r.Post("/resume-async/share/{id}", s.apiShare)

		r.Post("/batches", s.apiBatchCreate)
		r.Get("/batches", s.apiBatchList)
		r.Get("/batches/{id}", s.apiBatchGet)
		r.Post("/batches/{id}/cancel", s.apiBatchCancel)
		r.Post("/batches/{id}/retry-failed", s.apiBatchRetry)
		r.Get("/batches/{id}/zip", s.apiBatchZip)

		r.Get("/tokens", s.apiTokenList)
		r.Post("/tokens", s.apiTokenCreate)
		r.Delete("/tokens/{id}", s.apiTokenRevoke)

		r.Get("/webhooks", s.apiWebhookList)
		r.Post("/webhooks", s.apiWebhookCreate)
		r.Delete("/webhooks/{id}", s.apiWebhookDelete)
		r.Get("/webhooks/{id}/deliveries", s.apiWebhookDeliveries)
		r.Post("/webhooks/{id}/test", s.apiWebhookTest)
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
