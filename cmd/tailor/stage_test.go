package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
)

// events records what the stages of one test did, in order.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, s)
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.list)
}

// slowStage records when it is told to stop and when it has stopped, and
// takes a while in between, as the worker does with a task in flight.
func slowStage(name string, ev *events) stage {
	return stage{name, func(ctx context.Context) error {
		<-ctx.Done()
		ev.add("stop " + name)
		time.Sleep(20 * time.Millisecond)
		ev.add(name + " returned")
		return nil
	}}
}

func TestRunStages(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	boom := errors.New("boom")
	tests := []struct {
		name    string
		stages  func(ev *events) []stage
		cancel  bool   // cancel the context (a signal); else a stage fails
		after   string // the event the signal waits for
		wantErr error
		want    []string
	}{
		{"a signal stops them in reverse, each after the next has returned",
			func(ev *events) []stage {
				return []stage{slowStage("consumer", ev), slowStage("worker", ev), slowStage("http", ev)}
			}, true, "", nil,
			[]string{"stop http", "http returned", "stop worker", "worker returned", "stop consumer", "consumer returned"}},
		{"a failure stops the others in reverse and is returned",
			func(ev *events) []stage {
				return []stage{slowStage("consumer", ev), {"worker", func(context.Context) error { ev.add("worker failed"); return boom }},
					slowStage("http", ev)}
			}, false, "", boom,
			[]string{"worker failed", "stop http", "http returned", "stop consumer", "consumer returned"}},
		{"a stage that ends early leaves the others running",
			func(ev *events) []stage {
				return []stage{slowStage("consumer", ev), {"warm-up", func(context.Context) error { ev.add("warm-up done"); return nil }}}
			}, true, "warm-up done", nil,
			[]string{"warm-up done", "stop consumer", "consumer returned"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := &events{}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- runStages(ctx, logger, tt.stages(ev)) }()
			if tt.cancel {
				for tt.after != "" && !slices.Contains(ev.get(), tt.after) {
					time.Sleep(time.Millisecond)
				}
				cancel()
			}
			select {
			case err := <-done:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("err %v, want %v", err, tt.wantErr)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("runStages did not return")
			}
			// Read after return: a stage still stopping would add to it later.
			if got := ev.get(); !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}
