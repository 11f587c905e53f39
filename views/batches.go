package views

import (
	"fmt"
	"time"

	"github.com/tailor-app/tailor/db"
)

// BatchProgress is a batch's progress bar with its counts.
type BatchProgress struct {
	Batch   db.Batch
	PollURL string // "" once the batch has ended: the fragment stops polling
	ETA     string // "about 3 min left"; "" while unknown
}

// Percent is how much of the batch has ended.
func (b BatchProgress) Percent() int {
	if t := b.Batch.Counts.Total(); t > 0 {
		return b.Batch.Counts.Ended() * 100 / t
	}
	return 0
}

// Label names the batch: its opening, company or candidate.
func (b BatchProgress) Label() string { return BatchLabel(b.Batch) }

// BatchLabel names a batch in words.
func BatchLabel(b db.Batch) string {
	switch {
	case b.JobTitle != "" && b.Company != "":
		return b.JobTitle + " at " + b.Company
	case b.JobTitle != "":
		return b.JobTitle
	case b.Company != "":
		return b.Company
	case b.CandidateID != "":
		return "One candidate, several openings"
	}
	return "Batch of " + fmt.Sprint(b.Counts.Total())
}

// EstimateLeft says how long the rest should take at the measured rate
// (jobs ended / time since the batch started); "" before any job ended.
func EstimateLeft(b db.Batch, now time.Time) string {
	c := b.Counts
	if c.Done() || c.Ended() == 0 {
		return ""
	}
	elapsed := now.Sub(b.CreatedAt)
	if elapsed <= 0 {
		return ""
	}
	left := time.Duration(float64(elapsed) / float64(c.Ended()) * float64(c.Queued+c.Running))
	switch {
	case left < time.Minute:
		return "less than a minute left"
	case left < time.Hour:
		return fmt.Sprintf("about %d min left", int(left.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("about %.1f h left", left.Hours())
}

// BatchPage is a batch's page.
type BatchPage struct {
	Progress BatchProgress
	Cards    []Card
	Page     int
	HasNext  bool
}

// BatchList is the Batches page.
type BatchList struct {
	Items   []BatchProgress
	Page    int
	HasNext bool
}

// BatchOption is one candidate or opening that a batch form offers.
type BatchOption struct {
	ID, Label, Detail string
	Checked           bool
}

// BatchForm starts a batch: one opening for chosen candidates (Kind
// "candidates") or one candidate for chosen openings (Kind "openings").
type BatchForm struct {
	Kind     string
	Action   string // the page's own URL: GET searches, POST starts
	For      string // the opening's or candidate's name
	Query    string
	Options  []BatchOption
	Matching int  // how many match Query (all of them, not only those shown)
	More     bool // more match than are shown
	Theme    string
	Paper    string
	Error    string
}
