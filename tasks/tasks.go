// Package tasks is the worker: the asynq task that generates a resume, its
// payload, the cache and the global LLM rate limit, and the events that carry
// progress and results back to the one SQLite writer (package jobs). It needs
// Redis, the LLM and Chrome, never the SQLite file, and cannot import the
// store: TestWorkerCannotImportTheStore fails if it does.
package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// TypeGenerate is the asynq task type of a resume generation.
const TypeGenerate = "resume:generate"

// Queues: interactive jobs go ahead of batch jobs.
const (
	QueueInteractive = "interactive"
	QueueBatch       = "batch"
)

// queues lists the queues workers serve, the first first, with their
// weights (the worker also serves them in strict priority order).
var queues = []struct {
	name   string
	weight int
}{
	{QueueInteractive, 6},
	{QueueBatch, 1},
}

// QueueNames lists the queues workers serve, interactive first.
func QueueNames() []string {
	names := make([]string, len(queues))
	for i, q := range queues {
		names[i] = q.name
	}
	return names
}

// ServesGenerate reports whether an asynq server runs resume generation (a
// worker), not only the notify queue of a web process.
func ServesGenerate(sv *asynq.ServerInfo) bool {
	for _, q := range QueueNames() {
		if _, ok := sv.Queues[q]; ok {
			return true
		}
	}
	return false
}

// QueuePriorities is the asynq server's weighted queue list.
func QueuePriorities() map[string]int {
	m := make(map[string]int, len(queues))
	for _, q := range queues {
		m[q.name] = q.weight
	}
	return m
}

// Task options. MaxRetry counts failed attempts after the first; Timeout
// bounds one attempt; Retention keeps a finished task's id so a second
// enqueue of the same job conflicts instead of running it twice.
const (
	MaxRetry    = 3
	TaskTimeout = 3 * time.Minute
	Retention   = jobMemory
)

// jobMemory is how long Redis remembers a job beyond its task: the
// finished task's id (Retention), the result until the consumer reads it,
// and the canceled and final markers. A day outlives every retry.
const jobMemory = 24 * time.Hour

// GeneratePayload is everything a worker needs: it never reads SQLite.
type GeneratePayload struct {
	JobID          string          `json:"job_id"`
	Profile        json.RawMessage `json:"profile,omitempty"`
	JobDescription string          `json:"job_description"`
	JobTitle       string          `json:"job_title,omitempty"`
	Company        string          `json:"company,omitempty"`
	Theme          string          `json:"theme"`
	Paper          string          `json:"paper"`
	Fit            bool            `json:"fit,omitempty"` // fit the resume on one page
	EnqueuedAt     time.Time       `json:"enqueued_at"`
	// PriorAttempts is how many attempts the job had before this task was
	// enqueued (by the reconciler, after Redis lost the task).
	PriorAttempts int `json:"prior_attempts,omitempty"`
	// Row is the rest of the job's row, which the worker does not need:
	// with it the events consumer recreates a row that SQLite lost (a
	// restore without its last second of writes, issue 16). Payloads
	// enqueued before it existed have none.
	Row *RowFields `json:"row,omitempty"`
}

// RowFields are the job row's fields that the payload does not carry
// otherwise.
type RowFields struct {
	OwnerID          string    `json:"owner_id"`
	CandidateID      string    `json:"candidate_id,omitempty"`
	CandidateVersion int       `json:"candidate_version"`
	CandidateName    string    `json:"candidate_name"`
	Queue            string    `json:"queue"`
	InputsHash       string    `json:"inputs_hash"`
	Model            string    `json:"model,omitempty"`
	PromptVersion    string    `json:"prompt_version,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	BatchID          string    `json:"batch_id,omitempty"`
}

// encode is json.Marshal without re-validating the profile, which is
// already compact JSON from the database: encoding/json would re-scan and
// compact those kilobytes on every enqueue (6% of the enqueue CPU).
func (p GeneratePayload) encode() ([]byte, error) {
	profile := p.Profile
	p.Profile = nil
	body, err := json.Marshal(p)
	if err != nil || len(profile) == 0 {
		return body, err
	}
	out := make([]byte, 0, len(body)+len(profile)+12)
	out = append(out, body[:len(body)-1]...)
	out = append(out, `,"profile":`...)
	out = append(out, profile...)
	return append(out, '}'), nil
}

// NewGenerateTask builds the task for a job, with TaskID = job id.
func NewGenerateTask(p GeneratePayload, queue string) (*asynq.Task, error) {
	body, err := p.encode()
	if err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	if queue == "" {
		queue = QueueInteractive
	}
	return asynq.NewTask(TypeGenerate, body,
		asynq.TaskID(p.JobID),
		asynq.Queue(queue),
		asynq.MaxRetry(MaxRetry),
		asynq.Timeout(TaskTimeout),
		asynq.Retention(Retention),
	), nil
}

// Enqueuer puts generate tasks on the queue.
type Enqueuer struct {
	client *asynq.Client
}

// NewEnqueuer wraps an asynq client.
func NewEnqueuer(client *asynq.Client) *Enqueuer { return &Enqueuer{client: client} }

// Enqueue adds the job's task. A task that already exists with this id
// means the job is already queued, which is success.
func (e *Enqueuer) Enqueue(ctx context.Context, p GeneratePayload, queue string) error {
	t, err := NewGenerateTask(p, queue)
	if err != nil {
		return err
	}
	_, err = e.client.EnqueueContext(ctx, t)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("enqueue job %s: %w", p.JobID, err)
	}
	return nil
}
