// Package jobstate is the vocabulary both sides of the process boundary
// share: a job's statuses and the kinds of event a worker reports. It holds
// types and constants only and imports no other project package, so the
// worker (package tasks) can use it without reaching the SQLite store.
package jobstate

import "slices"

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
