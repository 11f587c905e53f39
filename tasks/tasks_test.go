package tasks

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tailor-app/tailor/resume"
)

func TestPayloadRoundTrip(t *testing.T) {
	body, _ := json.Marshal(resume.Sample())
	want := GeneratePayload{JobID: "j1", Profile: body, JobDescription: "Go \"engineer\"\n", Theme: "modern", Paper: "letter",
		EnqueuedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	task, err := NewGenerateTask(want, QueueBatch)
	if err != nil {
		t.Fatal(err)
	}
	var got GeneratePayload
	if err := json.Unmarshal(task.Payload(), &got); err != nil {
		t.Fatalf("payload is not JSON: %v\n%s", err, task.Payload())
	}
	if string(got.Profile) != string(want.Profile) || got.JobDescription != want.JobDescription || !got.EnqueuedAt.Equal(want.EnqueuedAt) || got.Theme != "modern" {
		t.Errorf("round trip: got %+v", got)
	}
}

func TestQueuesAreListedOnce(t *testing.T) {
	names, prio := QueueNames(), QueuePriorities()
	if len(names) != 2 || names[0] != QueueInteractive || names[1] != QueueBatch {
		t.Errorf("QueueNames = %q, want interactive first, then batch", names)
	}
	if len(prio) != len(names) || prio[QueueInteractive] <= prio[QueueBatch] {
		t.Errorf("QueuePriorities = %v; want a weight per queue, interactive heavier", prio)
	}
	names[0], prio[QueueBatch] = "changed", 100 // a caller's copy: the next caller sees the originals
	if QueueNames()[0] != QueueInteractive || QueuePriorities()[QueueBatch] != 1 {
		t.Error("changing a returned list changed the queues")
	}
}

// TestFitIsPartOfThePrint: a fitted PDF has its own print cache address and
// inputs hash, and the payload carries the request.
func TestFitIsPartOfThePrint(t *testing.T) {
	if PrintKey("t", "classic", "a4", true) == PrintKey("t", "classic", "a4", false) {
		t.Error("PrintKey ignores fit")
	}
	if InputsHash([]byte("{}"), "Go", "offline", "classic", "a4", true) == InputsHash([]byte("{}"), "Go", "offline", "classic", "a4", false) {
		t.Error("InputsHash ignores fit")
	}
	task, err := NewGenerateTask(GeneratePayload{JobID: "j1", Theme: "classic", Paper: "a4", Fit: true}, QueueInteractive)
	if err != nil {
		t.Fatal(err)
	}
	var got GeneratePayload
	if err := json.Unmarshal(task.Payload(), &got); err != nil || !got.Fit {
		t.Errorf("payload %s: fit lost (%v)", task.Payload(), err)
	}
}
