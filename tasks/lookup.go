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
	for _, q := range QueueNames() {
		info, err := t.Inspector.GetTaskInfo(q, jobID)
		if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
			continue
		}
		if err != nil {
			return GeneratePayload{}, fmt.Errorf("task %s: %w", jobID, err)
		}
		return t.rowPayload(ctx, info)
	}
	return GeneratePayload{}, ErrNoTask
}

// rowPayload decodes a task's payload if it can rebuild its job's row.
func (t *Tasks) rowPayload(ctx context.Context, info *asynq.TaskInfo) (GeneratePayload, error) {
	if n, err := t.Redis.Exists(ctx, cancelKey(info.ID)).Result(); err != nil {
		return GeneratePayload{}, err
	} else if n > 0 {
		return GeneratePayload{}, ErrCanceled
	}
	var p GeneratePayload
	if err := json.Unmarshal(info.Payload, &p); err != nil {
		return GeneratePayload{}, fmt.Errorf("task %s: %v: %w", info.ID, err, ErrNoTask)
	}
	if p.Row == nil || p.Row.OwnerID == "" {
		return GeneratePayload{}, fmt.Errorf("task %s was enqueued without its row's fields: %w", info.ID, ErrNoTask)
	}
	return p, nil
}

// Each calls fn with the payload of every generate task Redis keeps, in
// every queue and state (waiting, running, retrying, failed, and finished
// within Retention), that can rebuild its row; canceled jobs and tasks
// without the row's fields are skipped. fn's error stops the walk.
func (t *Tasks) Each(ctx context.Context, fn func(GeneratePayload) error) error {
	const pageSize = 200
	in := t.Inspector
	lists := []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){
		in.ListPendingTasks, in.ListActiveTasks, in.ListScheduledTasks, in.ListRetryTasks,
		in.ListArchivedTasks, in.ListCompletedTasks,
	}
	for _, q := range QueueNames() {
		for _, list := range lists {
			for page := 1; ; page++ {
				infos, err := list(q, asynq.PageSize(pageSize), asynq.Page(page))
				if errors.Is(err, asynq.ErrQueueNotFound) {
					break
				}
				if err != nil {
					return fmt.Errorf("list %s tasks: %w", q, err)
				}
				for _, info := range infos {
					if info.Type != TypeGenerate {
						continue
					}
					p, err := t.rowPayload(ctx, info)
					if errors.Is(err, ErrNoTask) || errors.Is(err, ErrCanceled) {
						continue
					}
					if err != nil {
						return err
					}
					if err := fn(p); err != nil {
						return err
					}
				}
				if len(infos) < pageSize {
					break
				}
			}
		}
	}
	return nil
}
