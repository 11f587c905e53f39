// Package handlers is Tailor's HTTP surface: pages, fragments, the JSON API
// and health checks. routes.go lists every URL.
package handlers

import (
	"context"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobs"
	"github.com/tailor-app/tailor/tasks"
	"github.com/tailor-app/tailor/webhook"
)

// Enqueuer puts a job's task on the queue.
type Enqueuer interface {
	Enqueue(ctx context.Context, p tasks.GeneratePayload, queue string) error
}

// Canceler stops a job's task wherever it is.
type Canceler interface {
	Cancel(ctx context.Context, jobID, queue string) error
}

// Check is one readiness probe.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Server holds the handlers' dependencies.
type Server struct {
	DB       *db.DB
	Enqueuer Enqueuer
	Canceler Canceler
	Feeder   *jobs.Feeder // nil in tests: batch jobs stay held until a test feeds them
	Checks   []Check
	Logger   *slog.Logger
	Now      func() time.Time

	// Model names the tailorer in use; it is part of a job's inputs hash.
	Model string

	// The web app.
	SigningKey  []byte // signs poll and share links (db Settings.SigningKey)
	BaseURL     string // public URL for share links; https also makes cookies Secure
	AllowSignup bool   // ALLOW_SIGNUP=true: anyone may create a recruiter account
	SetupCode   string // one-time code for the first admin, printed in the log at start

	// TrustedProxy (TRUSTED_PROXY) names the proxy whose headers say who the
	// client is; the zero value trusts no header and uses the peer address.
	TrustedProxy TrustedProxy

	// Embedding and the API.
	EmbedOrigins     []string // EMBED_ORIGINS: exact origins (scheme://host:port) allowed to load /embed/ fragments
	APIRatePerMinute int      // API_RATE_PER_MINUTE: requests per token per minute (0: no limit)
	api              apiState // built by Routes

	Metrics *HTTPMetrics // nil: no HTTP metrics

	Webhooks *webhook.Service // the token owners' webhooks; nil: their routes answer 404
	// Live serves /events and /embed/events; nil answers 404 and every
	// card keeps polling.
	Live *Live

	// The admin console. Admin reads Redis through Admin.Redis and asynq's
	// Inspector; a nil Redis shows as "Redis is unreachable".
	Admin AdminDeps

	web webState // built by Routes
}

// AdminDeps are what the admin console needs beyond the database.
type AdminDeps struct {
	Redis     redis.UniversalClient
	Inspector *asynq.Inspector
	PriceIn   float64 // USD per million input tokens, for cost estimates
	PriceOut  float64
}

// announce tells the live streams that a job changed outside the events
// consumer (a cancel): after the commit, like the consumer does.
func (s *Server) announce(ctx context.Context, j db.Job) {
	if s.Live != nil {
		s.Live.Updates.Publish(ctx, j)
	}
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
