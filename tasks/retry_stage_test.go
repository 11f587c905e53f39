package tasks

import (
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

// TestRetryStageSaysWhyWhenAndWhich: a retrying card tells the recruiter
// why the attempt failed, when the next runs and which of how many it is.
func TestRetryStageSaysWhyWhenAndWhich(t *testing.T) {
	tests := []struct {
		phase string
		in    time.Duration
		want  string
	}{
		{StageTailoring, 4 * time.Second, "AI service error, retrying in 4 s (attempt 2 of 4)"},
		{StageWaitingLLM, 1500 * time.Millisecond, "AI service error, retrying in 1 s (attempt 2 of 4)"},
		{StagePrinting, 300 * time.Millisecond, "PDF printing error, retrying in 1 s (attempt 2 of 4)"},
		{StageQueued, 2 * time.Second, "error, retrying in 2 s (attempt 2 of 4)"},
	}
	for _, tt := range tests {
		if got := retryStage(tt.phase, 2, MaxRetry+1, tt.in); got != tt.want {
			t.Errorf("retryStage(%q, %s) = %q, want %q", tt.phase, tt.in, got, tt.want)
		}
		if !IsRetrying(retryStage(tt.phase, 2, 4, tt.in)) {
			t.Errorf("IsRetrying does not recognise the stage of %q", tt.phase)
		}
	}
	if !IsRetrying(StageRetrying) || IsRetrying(StageTailoring) {
		t.Error("IsRetrying: the old wording is retrying, tailoring is not")
	}
}

// TestRetryDelayIsWhatTheCardSays: the delay the worker announces is the
// one asynq asks for afterwards (no clock in the jitter), within bounds.
func TestRetryDelayIsWhatTheCardSays(t *testing.T) {
	task := asynq.NewTask(TypeGenerate, []byte(`{"job_id":"abc"}`))
	other := asynq.NewTask(TypeGenerate, []byte(`{"job_id":"xyz"}`))
	err := errors.New("LLM 502")
	for n := range 4 {
		a := RetryDelay(n, err, task)
		time.Sleep(time.Millisecond)
		if b := RetryDelay(n, err, task); a != b {
			t.Errorf("retry %d: %s then %s for the same task", n, a, b)
		}
		base := time.Second << n
		if a < base/2 || a > base {
			t.Errorf("retry %d: %s, want within [%s, %s]", n, a, base/2, base)
		}
		_ = RetryDelay(n, err, other) // another task: another jitter, same bounds
	}
}
