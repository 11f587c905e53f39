package jobstate

import (
	"strings"
	"testing"
)

// TestReasonSaysWhatHappenedAndWhatToDo: each kind of stored error reads,
// on a recruiter's card, as what happened and what to do, without the
// developer's words.
func TestReasonSaysWhatHappenedAndWhatToDo(t *testing.T) {
	tests := []struct {
		name     string
		stored   string
		attempts int
		want     string
	}{
		{"server error", "LLM server error (500): boom", 4,
			"The AI service had an error (500). Tailor tried 4 times; try again in a few minutes, or ask your admin to check the AI service."},
		{"server error, first try", "LLM server error (503): Service Unavailable", 1,
			"The AI service had an error (503). Try again in a few minutes, or ask your admin to check the AI service."},
		{"timeout", "LLM timed out after 2m0s: context deadline exceeded", 4,
			"The AI service took too long to answer. Tailor tried 4 times; try again in a few minutes, or ask your admin to check the AI service."},
		{"task deadline", "LLM call stopped: context deadline exceeded", 2,
			"The AI service took too long to answer. Tailor tried 2 times; try again in a few minutes, or ask your admin to check the AI service."},
		{"unreachable", "LLM unreachable: dial tcp 127.0.0.1:9: connect: connection refused", 4,
			"Tailor could not reach the AI service. Tailor tried 4 times; try again in a few minutes, or ask your admin to check that the AI service is running."},
		{"rate limited", "LLM rate limited (429), retry after 20s", 1,
			"The AI service is busy with too many requests. Try again in a few minutes."},
		{"quota", "LLM quota exhausted (429): You exceeded your current quota; check the plan and billing of the OPENAI_API_KEY account", 1,
			"The AI service account has run out of credit. Ask your admin to top it up, then click Retry."},
		{"bad key", "LLM rejected the API key (401): check OPENAI_API_KEY", 1,
			"Tailor cannot use the AI service: its settings need fixing (401). Ask your admin to check the AI service settings, then click Retry."},
		{"model not found", "LLM model or URL not found (404): no such model; check OPENAI_MODEL and OPENAI_BASE_URL", 1,
			"Tailor cannot use the AI service: its settings need fixing (404). Ask your admin to check the AI service settings, then click Retry."},
		{"base URL", `LLM base URL "ftp://x" is not an http(s) URL: check OPENAI_BASE_URL`, 1,
			"Tailor cannot use the AI service: its settings need fixing. Ask your admin to check the AI service settings, then click Retry."},
		{"refused request", "LLM rejected the request (400): maximum context length exceeded", 1,
			"The AI service refused this request (400). Click Retry; if it happens again, ask your admin (the job's admin page shows the service's answer)."},
		{"invalid reply", "LLM reply is not a valid JSON Resume: unexpected end of JSON input", 4,
			"The AI service's answer was not a usable resume. Tailor tried 4 times; click Retry, and if it happens again ask your admin to check the AI model."},
		{"not a chat completion", "LLM response (200) is not an OpenAI chat completion, check OPENAI_BASE_URL: eof", 4,
			"The AI service's answer was not a usable resume. Tailor tried 4 times; click Retry, and if it happens again ask your admin to check the AI model."},
		{"printer unavailable", "PDF renderer unavailable: chrome not found on PATH (set CHROME_PATH)", 1,
			"The PDF printer is not available, so no PDF was made. The tailored resume is kept (Details shows it); click Retry once your admin has restarted the printer."},
		{"print failed", "print PDF: rendering PDF: page crashed", 4,
			"Printing the PDF failed. Tailor tried 4 times; click Retry, and if it happens again ask your admin to check the PDF printer."},
		{"print deadline", "print PDF: rendering PDF: context deadline exceeded", 4,
			"Printing the PDF took too long. Tailor tried 4 times; click Retry, and if it happens again ask your admin to check the PDF printer."},
		{"invalid profile", "candidate profile is invalid: basics.name is required", 1,
			"The candidate's profile could not be read. Open the candidate, check and save the profile, then click Retry."},
		{"theme", `render theme "fancy": template: boom`, 1,
			"The resume layout could not be made with this theme. Click Retry, or generate again with another theme."},
		{"reconciler deadline", "timed out: not finished within 1h0m0s", 2,
			"This resume was not ready within 1 hour, so Tailor stopped it. Click Retry; if it happens again, ask your admin to check that Tailor's workers are running."},
		{"reconciler deadline, minutes", "timed out: not finished within 30m0s", 1,
			"This resume was not ready within 30 minutes, so Tailor stopped it. Click Retry; if it happens again, ask your admin to check that Tailor's workers are running."},
		{"unknown", "failed after retries", 4,
			"Something went wrong while making this resume. Tailor tried 4 times; click Retry, and if it happens again ask your admin (the job's admin page shows the cause)."},
		{"empty", "", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Reason(tt.stored, tt.attempts)
			if got != tt.want {
				t.Errorf("Reason(%q, %d)\n got: %q\nwant: %q", tt.stored, tt.attempts, got, tt.want)
			}
			for _, dev := range []string{"LLM", "OPENAI", "JSON", "chrome", "context deadline", "asynq", "Redis"} {
				if strings.Contains(got, dev) {
					t.Errorf("Reason(%q) says %q to a recruiter: %q", tt.stored, dev, got)
				}
			}
		})
	}
}
