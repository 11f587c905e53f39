// Package llm tailors a candidate's profile to a job with a language model.
// OpenAI talks to any OpenAI-compatible chat completions server; Offline is
// the built-in deterministic tailor used when no LLM is configured.
package llm

import (
	"context"

	"github.com/tailor-app/tailor/resume"
)

// PromptVersion names the prompt and schema sent to the model; change it
// whenever they change, so cached results from the old prompt are not reused.
const PromptVersion = "v2" // v2: highlightSources, and claims in free text checked

// Request is what a Tailorer needs to tailor one profile to one job.
type Request struct {
	Profile           resume.Resume
	JobDescription    string
	JobTitle, Company string // optional
	// Feedback lists the violations found in a previous attempt, so the
	// model can fix them.
	Feedback []string
}

// Response is a tailored profile and what it cost.
type Response struct {
	Profile             resume.Resume
	Model               string // the configured model, as Tailorer.Model
	PromptVersion       string // empty for the offline tailor, which has no prompt
	TokensIn, TokensOut int
}

// Tailorer tailors a profile to a job.
type Tailorer interface {
	// Tailor returns the tailored profile. Its errors are classified by
	// ClassOf.
	Tailor(ctx context.Context, req Request) (Response, error)
	// Model names the model, "offline" for the offline tailor.
	Model() string
}
