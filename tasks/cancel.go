package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/jobstate"
)

// Canceler stops a job wherever it is: removed from the queue if waiting,
// its context cancelled if running, and marked so that no worker starts it.
type Canceler struct {
	Redis     redis.UniversalClient
	Inspector *asynq.Inspector
	Metrics   *Metrics // nil: no metrics
}

// Cancel is best effort on the queue side; SQLite already says canceled,
// and late events for a final job are ignored.
func (c *Canceler) Cancel(ctx context.Context, jobID, queue string) error {
	first, err := c.Redis.SetNX(ctx, cancelKey(jobID), "1", jobMemory).Result()
	if err != nil {
		return fmt.Errorf("mark canceled: %w", err)
	}
	if first { // a second cancel of the same job is not a second finished job
		c.Metrics.JobFinished(jobstate.StatusCanceled, nil)
	}
	if err := c.Inspector.DeleteTask(queue, jobID); err != nil &&
		!errors.Is(err, asynq.ErrTaskNotFound) && !errors.Is(err, asynq.ErrQueueNotFound) {
		// An active task cannot be deleted; cancel its context instead.
		if cerr := c.Inspector.CancelProcessing(jobID); cerr != nil {
			return fmt.Errorf("cancel running task: %w", cerr)
		}
	}
	return nil
}
