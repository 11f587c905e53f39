package views

import "time"

// Row is a job as a row of My jobs shows it.
type Row struct {
	Card             // status, stage, poll URL and actions, as the job's card has them
	OpeningID string // the saved opening the job was made from; "" if none
	Ago       string // when it was submitted, relative: "3 min ago"
}

// filters are My jobs' status filters, in order: the query value and its label.
var filters = [][2]string{{"", "All"}, {"active", "Running"}, {"succeeded", "Ready"}, {"failed", "Failed"}, {"canceled", "Canceled"}}

func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
