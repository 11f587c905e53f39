package views

import "github.com/tailor-app/tailor/jobstate"

// Reason is why the card's job failed, in a recruiter's words, with what to
// do; "" for a job that has not failed. Admin pages show the stored error.
func (c Card) Reason() string {
	if !c.Failed() {
		return ""
	}
	return jobstate.Reason(c.Job.Error, c.Job.Attempts)
}

// Reason is why the embedded card's job failed, as Card.Reason says it.
func (c EmbedCard) Reason() string { return Card{Job: c.Job}.Reason() }
