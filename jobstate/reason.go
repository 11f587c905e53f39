package jobstate

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Reason is a failed job's stored error as a recruiter reads it: what
// happened and what to do, in words. The stored error is unchanged (the API's
// "error" field, the admin pages and the logs keep the technical detail);
// attempts is how many times the job ran. It reads the messages that the
// worker (packages llm, pdf and tasks) and the reconciler write.
func Reason(stored string, attempts int) string {
	if stored == "" {
		return ""
	}
	s := strings.ToLower(stored)
	has := func(parts ...string) bool {
		for _, p := range parts {
			if strings.Contains(s, p) {
				return true
			}
		}
		return false
	}
	code := ""
	if m := statusRe.FindStringSubmatch(stored); m != nil {
		code = " (" + m[1] + ")"
	}
	tried := tries(attempts)
	switch {
	case has("pdf renderer unavailable"):
		return "The PDF printer is not available, so no PDF was made. The tailored resume is kept (Details shows it); " +
			"click Retry once your admin has restarted the printer."
	case has("print pdf") && has("deadline exceeded", "timed out", "timeout"):
		return "Printing the PDF took too long. " + tried.then("click Retry, and if it happens again ask your admin to check the PDF printer.")
	case has("print pdf"):
		return "Printing the PDF failed. " + tried.then("click Retry, and if it happens again ask your admin to check the PDF printer.")
	case has("llm quota exhausted"):
		return "The AI service account has run out of credit. Ask your admin to top it up, then click Retry."
	case has("llm rate limited", "for llm capacity", "llm rate limit"):
		return "The AI service is busy with too many requests. " + tried.then("try again in a few minutes.")
	case has("llm rejected the api key", "llm refused access", "llm model or url not found", "llm base url", "llm request not"):
		return "Tailor cannot use the AI service: its settings need fixing" + code +
			". Ask your admin to check the AI service settings, then click Retry."
	case has("llm server error"):
		return "The AI service had an error" + code + ". " +
			tried.then("try again in a few minutes, or ask your admin to check the AI service.")
	case has("llm timed out", "llm call stopped"):
		return "The AI service took too long to answer. " +
			tried.then("try again in a few minutes, or ask your admin to check the AI service.")
	case has("llm unreachable"):
		return "Tailor could not reach the AI service. " +
			tried.then("try again in a few minutes, or ask your admin to check that the AI service is running.")
	case has("llm reply is not", "is not an openai chat completion"):
		return "The AI service's answer was not a usable resume. " +
			tried.then("click Retry, and if it happens again ask your admin to check the AI model.")
	case has("llm rejected the request", "llm answered with status"):
		return "The AI service refused this request" + code +
			". Click Retry; if it happens again, ask your admin (the job's admin page shows the service's answer)."
	case has("candidate profile is invalid"):
		return "The candidate's profile could not be read. Open the candidate, check and save the profile, then click Retry."
	case has("render theme"):
		return "The resume layout could not be made with this theme. Click Retry, or generate again with another theme."
	case strings.HasPrefix(s, "timed out: not finished within "):
		within := "the time allowed"
		if d, err := time.ParseDuration(strings.TrimPrefix(s, "timed out: not finished within ")); err == nil {
			within = durationWords(d)
		}
		return "This resume was not ready within " + within + ", so Tailor stopped it. " +
			"Click Retry; if it happens again, ask your admin to check that Tailor's workers are running."
	}
	return "Something went wrong while making this resume. " +
		tried.then("click Retry, and if it happens again ask your admin (the job's admin page shows the cause).")
}

// statusRe finds the HTTP status an LLM error names: "(500)".
var statusRe = regexp.MustCompile(`\((\d{3})\)`)

// tries is how many attempts a job made, for "Tailor tried 4 times; ...".
type tries int

// then is the advice, after the number of tries when there were several.
func (n tries) then(advice string) string {
	if n <= 1 {
		return strings.ToUpper(advice[:1]) + advice[1:]
	}
	return fmt.Sprintf("Tailor tried %d times; %s", n, advice)
}

// durationWords says a whole number of hours or minutes: "1 hour", "30 minutes".
func durationWords(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	if d >= time.Hour && d%time.Hour == 0 {
		return plural(int(d/time.Hour), "hour")
	}
	return plural(max(int(d.Round(time.Minute)/time.Minute), 1), "minute")
}
