package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestClassOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"permanent", &Error{Class: ClassPermanent}, ClassPermanent},
		{"wrapped rate limited", fmt.Errorf("tailor: %w", &Error{Class: ClassRateLimited}), ClassRateLimited},
		{"canceled context", context.Canceled, ClassCanceled},
		{"wrapped canceled context", fmt.Errorf("call: %w", context.Canceled), ClassCanceled},
		{"deadline", context.DeadlineExceeded, ClassRetryable},
		{"other", errors.New("boom"), ClassRetryable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClassOf(tt.err); got != tt.want {
				t.Errorf("ClassOf(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Class: ClassPermanent, StatusCode: 401}, "LLM rejected the API key (401): check OPENAI_API_KEY"},
		{&Error{Class: ClassRateLimited, StatusCode: 429, RetryAfter: 20 * time.Second}, "LLM rate limited (429), retry after 20s"},
		{&Error{Class: ClassRetryable, StatusCode: 502, Err: errors.New("bad\n  gateway")}, "LLM server error (502): bad gateway"},
		{&Error{Class: ClassRetryable, StatusCode: 504}, "LLM server error (504): Gateway Timeout"},
		{&Error{Class: ClassRetryable, Err: errors.New("LLM unreachable: dial tcp: connection refused")}, "LLM unreachable: dial tcp: connection refused"},
		{&Error{Class: ClassPermanent}, "LLM call failed (permanent)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"absent", http.Header{}, 0},
		{"seconds", http.Header{"Retry-After": {"20"}}, 20 * time.Second},
		{"fraction", http.Header{"Retry-After": {"0.5"}}, 500 * time.Millisecond},
		{"milliseconds first", http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"1"}}, 250 * time.Millisecond},
		{"HTTP date", http.Header{"Retry-After": {"Sat, 01 Mar 2025 12:00:30 GMT"}}, 30 * time.Second},
		{"HTTP date passed", http.Header{"Retry-After": {"Sat, 01 Mar 2025 11:59:00 GMT"}}, 0},
		{"negative", http.Header{"Retry-After": {"-5"}}, 0},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(tt.header, now); got != tt.want {
				t.Errorf("parseRetryAfter(%v) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}
