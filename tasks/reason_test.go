package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/pdf"
)

// TestEveryWorkerErrorHasRecruiterWords: the errors the worker stores on a
// failed job, built the way it builds them, each read as a specific message
// in words by jobstate.Reason (not the catch-all), so a change of wording on
// one side shows here.
func TestEveryWorkerErrorHasRecruiterWords(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string // how the recruiter's message begins
	}{
		{"LLM 500", &llm.Error{Class: llm.ClassRetryable, StatusCode: 500, Err: errors.New("boom")}, "The AI service had an error (500)."},
		{"LLM 401", fmt.Errorf("%w: %w", &llm.Error{Class: llm.ClassPermanent, StatusCode: 401}, asynq.SkipRetry), "Tailor cannot use the AI service"},
		{"LLM 403", &llm.Error{Class: llm.ClassPermanent, StatusCode: 403}, "Tailor cannot use the AI service"},
		{"LLM 404", &llm.Error{Class: llm.ClassPermanent, StatusCode: 404}, "Tailor cannot use the AI service"},
		{"LLM 400", &llm.Error{Class: llm.ClassPermanent, StatusCode: 400}, "The AI service refused this request (400)."},
		{"LLM 429 quota", &llm.Error{Class: llm.ClassPermanent, StatusCode: 429}, "The AI service account has run out of credit."},
		{"LLM 429", &llm.Error{Class: llm.ClassRateLimited, StatusCode: 429, RetryAfter: 1}, "The AI service is busy"},
		{"global rate limit", &rateLimited{after: 30, err: errors.New("the global LLM rate limit is reached")}, "The AI service is busy"},
		{"LLM timeout", &llm.Error{Err: fmt.Errorf("LLM timed out after 2m0s: %w", context.DeadlineExceeded)}, "The AI service took too long"},
		{"LLM unreachable", &llm.Error{Err: errors.New("LLM unreachable: connection refused")}, "Tailor could not reach the AI service."},
		{"LLM reply", &llm.Error{Err: errors.New("LLM reply is not a valid JSON Resume: EOF")}, "The AI service's answer was not a usable resume."},
		{"printer", fmt.Errorf("%w: %w", fmt.Errorf("%w: chrome not found on PATH (set CHROME_PATH)", pdf.ErrUnavailable), asynq.SkipRetry), "The PDF printer is not available"},
		{"print", fmt.Errorf("print PDF: %w", errors.New("rendering PDF: tab crashed")), "Printing the PDF failed."},
		{"profile", fmt.Errorf("candidate profile is invalid: %v: %w", errors.New("basics.name is required"), asynq.SkipRetry), "The candidate's profile could not be read."},
		{"theme", fmt.Errorf("render theme %q: %v: %w", "x", errors.New("boom"), asynq.SkipRetry), "The resume layout could not be made"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := userMessage(tt.err)
			got := jobstate.Reason(stored, 4)
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("stored %q\n reads %q\n want it to begin %q", stored, got, tt.want)
			}
		})
	}
}
