// Package handlers is Tailor's HTTP surface: pages, fragments, the JSON API
// and health checks. routes.go lists every URL.
package handlers

import (
	"context"
	"log/slog"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/tasks"
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

	web webState // built by Routes
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
