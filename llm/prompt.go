package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/sashabaranov/go-openai"
	"github.com/sashabaranov/go-openai/jsonschema"
	"github.com/tailor-app/tailor/resume"
)

// systemPrompt states the rules; changing it means bumping PromptVersion.
const systemPrompt = `You tailor a candidate's resume to one job. The user sends the candidate's profile as a JSON Resume document, then the job.

Do:
- Put first what matters most for this job: order highlights, skills, projects and keywords by relevance.
- Rephrase highlights in the job's vocabulary where that stays true to what the candidate did. Each highlight rewrites exactly one highlight of the same work or project entry of the profile: in that entry, set highlightSources to the list of those profile highlights' indexes (0-based), one per highlight, in the same order.
- Write basics.summary: two or three sentences on why this candidate fits this job, using only facts from the profile.
- Leave out highlights, skills or keywords that do not help for this job, but keep every work and education entry.

Never:
- Invent or change employers, job titles, dates, degrees, institutions, certificates, skills, tools or numbers (amounts, percentages, team sizes, years). Every fact must come from the profile.
- Name in a highlight any organisation, product, tool, technology or number that the same entry of the profile does not name, or move an achievement from one entry to another.
- Claim more than the profile says: no "led", "managed" or "owned" where the profile says "contributed to", "supported" or "helped"; no seniority, title, degree or certification the profile does not state; never drop a team size.
- Change the name, the headline (basics.label) or contact details (email, phone, url, location, profiles).

Reply with the tailored profile as one JSON Resume document, in the same schema as the input, and nothing else.`

// userMessage carries the profile in a fenced json block, then the job and
// any feedback from a previous attempt.
func userMessage(req Request) (string, error) {
	var profile bytes.Buffer
	enc := json.NewEncoder(&profile)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(req.Profile); err != nil {
		return "", fmt.Errorf("encode profile: %w", err)
	}

	var b strings.Builder
	b.WriteString("Candidate profile (JSON Resume):\n```json\n")
	b.Write(bytes.TrimSpace(profile.Bytes()))
	b.WriteString("\n```\n\n")
	if req.JobTitle != "" {
		fmt.Fprintf(&b, "Job title: %s\n", req.JobTitle)
	}
	if req.Company != "" {
		fmt.Fprintf(&b, "Company: %s\n", req.Company)
	}
	if req.JobTitle != "" || req.Company != "" {
		b.WriteString("\n")
	}
	b.WriteString("Job description:\n")
	b.WriteString(strings.TrimSpace(req.JobDescription))
	b.WriteString("\n")
	if len(req.Feedback) > 0 {
		b.WriteString("\nYour previous answer broke the rules; fix each of these:\n")
		for _, v := range req.Feedback {
			fmt.Fprintf(&b, "- %s\n", v)
		}
	}
	return b.String(), nil
}

// resumeSchema is the JSON schema of resume.Resume, the shape of the reply.
var resumeSchema = sync.OnceValues(func() (*jsonschema.Definition, error) {
	return jsonschema.GenerateSchemaForType(resume.Resume{})
})

// parseReply reads the tailored profile from the model's reply, tolerating
// a ```json fence around it.
func parseReply(resp openai.ChatCompletionResponse) (resume.Resume, error) {
	if len(resp.Choices) == 0 {
		return resume.Resume{}, errors.New("no choices in the reply")
	}
	choice := resp.Choices[0]
	content := unfence(choice.Message.Content)
	switch {
	case content == "" && choice.Message.Refusal != "":
		return resume.Resume{}, fmt.Errorf("model refused: %s", choice.Message.Refusal)
	case content == "":
		return resume.Resume{}, fmt.Errorf("empty content (finish_reason %q)", choice.FinishReason)
	case !strings.HasPrefix(content, "{"):
		// Not the content itself: it may quote the candidate, and this
		// message is logged and stored on the job.
		return resume.Resume{}, fmt.Errorf("content is not a JSON object (%d bytes of text)", len(content))
	}
	var r resume.Resume
	if err := json.Unmarshal([]byte(content), &r); err != nil {
		if choice.FinishReason == openai.FinishReasonLength {
			return resume.Resume{}, fmt.Errorf("cut off at the token limit: %w", err)
		}
		return resume.Resume{}, err
	}
	return r, nil
}

// unfence strips a Markdown code fence (``` or ```json) around s.
func unfence(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") {
		return s
	}
	_, body, ok := strings.Cut(s, "\n") // drop the opening line with its language tag
	if !ok {
		return ""
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(body), "```"))
}
