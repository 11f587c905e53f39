package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// ErrNoTask means Redis keeps no task for the job (never enqueued, deleted,
// or past its retention), or keeps one that cannot rebuild its row.
var ErrNoTask = errors.New("no task for the job")

// ErrCanceled means the job was canceled (and maybe deleted since).
var ErrCanceled = errors.New("job canceled")

// Tasks finds a job's task in Redis: asynq keeps a task with its payload
// while it waits, runs or retries, and for Retention once it has ended.
type Tasks struct {
	Redis     redis.UniversalClient
	Inspector *asynq.Inspector
}

// Payload returns the payload of the job's task, looked up by TaskID = job
// id in each queue. A canceled job is ErrCanceled: its row was deleted on
// purpose, or ended, and must not come back.
func (t *Tasks) Payload(ctx context.Context, jobID string) (GeneratePayload, error) {
	if n, err := t.Redis.Exists(ctx, cancelKey(jobID)).Result(); err != nil {
		return GeneratePayload{}, err
	} else if n > 0 {
		return GeneratePayload{}, ErrCanceled
	}
	for _, q := range QueueNames() {
		info, err := t.Inspector.GetTaskInfo(q, jobID)
		if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
			continue
		}
		if err != nil {
			return GeneratePayload{}, fmt.Errorf("task %s: %w", jobID, err)
		}
		var p GeneratePayload
		if err := json.Unmarshal(info.Payload, &p); err != nil {
			return GeneratePayload{}, fmt.Errorf("task %s: %v: %w", jobID, err, ErrNoTask)
		}
		if p.Row == nil || p.Row.OwnerID == "" {
			return GeneratePayload{}, fmt.Errorf("task %s was enqueued without its row's fields: %w", jobID, ErrNoTask)
		}
		return p, nil
	}
	return GeneratePayload{}, ErrNoTask
}
