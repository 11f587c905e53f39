// Package jobstate is the vocabulary both sides of the process boundary
// share: a job's statuses, the events a worker reports and the change each
// makes to the job's row, and the words a recruiter reads for a failed job's error
// (Reason). It imports no other project package, so the
// worker (package tasks) can use it without reaching the SQLite store.
package jobstate

import (
	"slices"
	"time"
)

// Job statuses. Succeeded, failed and canceled are final: nothing changes a
// job after it reaches one of them.
const (
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusCanceled  = "canceled"
)

// statuses is every job status, in the order a job moves through them.
var statuses = []string{StatusQueued, StatusRunning, StatusSucceeded, StatusFailed, StatusCanceled}

// Statuses lists every job status, in the order a job moves through them.
func Statuses() []string { return slices.Clone(statuses) }

// IsFinal reports whether a status is one a job never leaves.
func IsFinal(status string) bool {
	return status == StatusSucceeded || status == StatusFailed || status == StatusCanceled
}

// Event kinds a worker reports.
const (
	EventStarted   = "started"
	EventProgress  = "progress"
	EventRetry     = "retry"
	EventSucceeded = "succeeded"
	EventFailed    = "failed"
)

// eventKinds is every event kind, in the order a job reports them.
var eventKinds = []string{EventStarted, EventProgress, EventRetry, EventSucceeded, EventFailed}

// EventKinds lists every event kind.
func EventKinds() []string { return slices.Clone(eventKinds) }

// ProgressDone is a succeeded job's progress, in percent.
const ProgressDone = 100

// Event is a worker's report on one attempt of a job: what happened and the
// change it makes to the job's row. The JSON names are the wire format of
// the event stream (workers and consumers of adjacent releases must agree).
type Event struct {
	Kind    string    `json:"kind"`    // EventStarted, ...
	Attempt int       `json:"attempt"` // 1 for the first; an event of an older attempt is stale
	At      time.Time `json:"at"`
	Change
}

// Change is what an event changes on a job row, beyond its status and
// attempt count: where the job is and, with the final event, what the
// attempt produced and cost. The store writes it column by column.
type Change struct {
	Stage    string `json:"stage"`
	Progress int    `json:"progress"` // percent
	Error    string `json:"error,omitempty"`

	Cached        bool   `json:"cached,omitempty"`
	Model         string `json:"model,omitempty"`
	PromptVersion string `json:"prompt_version,omitempty"`
	MatchBefore   *int   `json:"match_before,omitempty"`
	MatchAfter    *int   `json:"match_after,omitempty"`
	Verification  string `json:"verification,omitempty"` // JSON report of the truthfulness check
	Changes       string `json:"changes,omitempty"`      // JSON list of what tailoring changed

	WaitMS     int64 `json:"wait_ms,omitempty"` // in the queue
	TailorMS   int64 `json:"tailor_ms,omitempty"`
	VerifyMS   int64 `json:"verify_ms,omitempty"`
	RenderMS   int64 `json:"render_ms,omitempty"`
	LLMCalls   int   `json:"llm_calls,omitempty"`
	TokensIn   int   `json:"tokens_in,omitempty"`
	TokensOut  int   `json:"tokens_out,omitempty"`
	RateWaitMS int64 `json:"rate_wait_ms,omitempty"` // waiting for the global LLM rate limit
}
