package tasks

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// wireEvent is a succeeded event, every field set, as the release before
// the typed change set wrote it. During a deploy a worker of one release
// and a consumer of the other exchange events, so the stream's fields must
// stay the same.
const wireEvent = `{"job_id":"j1","kind":"succeeded","attempt":2,"stage":"done","progress":100,"error":"x",` +
	`"at":"2026-01-02T03:04:05Z","cached":true,"model":"m","prompt_version":"p","match_before":40,"match_after":70,` +
	`"verification":"{}","changes":"[]","wait_ms":1,"tailor_ms":2,"verify_ms":3,"render_ms":4,` +
	`"llm_calls":1,"tokens_in":10,"tokens_out":5,"rate_wait_ms":6,"result_key":"tailor:result:j1:2"}`

func TestEventWireFormatIsStable(t *testing.T) {
	dec := json.NewDecoder(bytes.NewReader([]byte(wireEvent)))
	dec.DisallowUnknownFields()
	var ev Event
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("an event of the previous release does not decode: %v", err)
	}
	if ev.JobID != "j1" || ev.Attempt != 2 || !ev.At.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) ||
		ev.Stage != "done" || *ev.MatchAfter != 70 || ev.RateWaitMS != 6 || ev.ResultKey != "tailor:result:j1:2" {
		t.Errorf("decoded %+v", ev)
	}
	// Written again, it carries the same fields with the same values.
	body, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	json.Unmarshal(body, &got)
	json.Unmarshal([]byte(wireEvent), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event written as\n%s\nwant the fields of\n%s", body, wireEvent)
	}
}
