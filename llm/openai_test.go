package llm

import (
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
)

func testProfile() resume.Resume {
	return resume.Resume{
		Basics: resume.Basics{
			Name:    "Ada Lovelace",
			Email:   "ada@example.com",
			Summary: "Engineer who likes <analytical> engines & notes.",
		},
		Work: []resume.Work{{
			Name:       "Analytical Engines Ltd",
			Position:   "Programmer",
			StartDate:  "1842-01",
			Highlights: []string{"Wrote the first published algorithm", "Cut computation time by 30%"},
		}},
		Skills: []resume.Skill{{Name: "Go", Keywords: []string{"concurrency"}}},
	}
}

func testRequest() Request {
	return Request{
		Profile:        testProfile(),
		JobDescription: "We need a Go engineer who knows Kubernetes.",
		JobTitle:       "Backend Engineer",
		Company:        "Example Corp",
	}
}

func newTestOpenAI(url string) *OpenAI {
	return NewOpenAI(Config{APIKey: "sk-test", BaseURL: url, Model: "test-model", Timeout: 5 * time.Second})
}

func TestOpenAITailor(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Echo("Kubernetes"))
	o := newTestOpenAI(srv.URL)
	req := testRequest()
	req.Feedback = []string{`invented employer "Acme"`, `invented number "40%"`}

	got, err := o.Tailor(context.Background(), req)
	if err != nil {
		t.Fatalf("Tailor: %v", err)
	}

	want := testProfile()
	want.Basics.Summary += " Kubernetes"
	if !reflect.DeepEqual(got.Profile, want) {
		t.Errorf("Profile = %+v, want %+v", got.Profile, want)
	}
	if got.Model != "test-model" || got.PromptVersion != PromptVersion {
		t.Errorf("Model, PromptVersion = %q, %q, want %q, %q", got.Model, got.PromptVersion, "test-model", PromptVersion)
	}
	if got.TokensIn <= 0 || got.TokensOut <= 0 {
		t.Errorf("TokensIn, TokensOut = %d, %d, want both > 0", got.TokensIn, got.TokensOut)
	}

	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(reqs))
	}
	sent := reqs[0]
	if !sent.HasJSONSchema {
		t.Errorf("response_format = %v, want type json_schema", sent.Raw["response_format"])
	}
	format, _ := sent.Raw["response_format"].(map[string]any)
	schema, _ := format["json_schema"].(map[string]any)
	if schema["name"] != "json_resume" || schema["schema"] == nil {
		t.Errorf("json_schema = %v, want name json_resume and a schema", schema)
	}
	if sent.Raw["temperature"] != 0.2 {
		t.Errorf("temperature = %v, want 0.2", sent.Raw["temperature"])
	}
	if sent.Model != "test-model" {
		t.Errorf("model = %q, want test-model", sent.Model)
	}
	if !reflect.DeepEqual(sent.Profile, testProfile()) {
		t.Errorf("profile sent = %+v, want %+v", sent.Profile, testProfile())
	}
	if !strings.Contains(sent.User, "```json\n{") {
		t.Errorf("user message has no ```json fenced profile:\n%s", sent.User)
	}
	if !strings.Contains(sent.User, "<analytical> engines & notes") {
		t.Errorf("user message escapes HTML in the profile:\n%s", sent.User)
	}
	for _, s := range []string{req.JobDescription, "Backend Engineer", "Example Corp", `- invented employer "Acme"`, `- invented number "40%"`} {
		if !strings.Contains(sent.JobDescription, s) {
			t.Errorf("rest of the user message lacks %q:\n%s", s, sent.JobDescription)
		}
	}
	if !strings.Contains(sent.System, "Never") {
		t.Errorf("system message lacks the rules:\n%s", sent.System)
	}
}

func TestOpenAITailorReplies(t *testing.T) {
	profile := testProfile()
	tests := []struct {
		name    string
		content string
	}{
		{"plain", `{"basics":{"name":"Ada Lovelace"}}`},
		{"json fence", "```json\n{\"basics\":{\"name\":\"Ada Lovelace\"}}\n```"},
		{"bare fence and spaces", "\n ```\n{\"basics\":{\"name\":\"Ada Lovelace\"}}\n```  \n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, func(llmtest.ChatRequest) llmtest.Reply {
				return llmtest.Reply{Content: tt.content}
			})
			got, err := newTestOpenAI(srv.URL).Tailor(context.Background(), Request{Profile: profile, JobDescription: "Go"})
			if err != nil {
				t.Fatalf("Tailor: %v", err)
			}
			if got.Profile.Basics.Name != "Ada Lovelace" {
				t.Errorf("Basics.Name = %q, want Ada Lovelace", got.Profile.Basics.Name)
			}
		})
	}
}

func TestOpenAITailorErrors(t *testing.T) {
	tests := []struct {
		name           string
		reply          llmtest.Reply
		noV1           bool // point BaseURL at the server without /v1
		timeout        time.Duration
		wantClass      Class
		wantStatus     int
		wantRetryAfter time.Duration
		wantMsg        string
	}{
		{
			name:      "server error",
			reply:     llmtest.Reply{Status: 500},
			wantClass: ClassRetryable, wantStatus: 500, wantMsg: "LLM server error (500): Internal Server Error",
		},
		{
			name:      "bad gateway with message",
			reply:     llmtest.Reply{Status: 502, Content: "upstream is down"},
			wantClass: ClassRetryable, wantStatus: 502, wantMsg: "LLM server error (502): upstream is down",
		},
		{
			name:      "overloaded with Retry-After",
			reply:     llmtest.Reply{Status: 503, Header: http.Header{"Retry-After": {"5"}}},
			wantClass: ClassRetryable, wantStatus: 503, wantRetryAfter: 5 * time.Second,
			wantMsg: "LLM server error (503)",
		},
		{
			name:      "bad API key",
			reply:     llmtest.Reply{Status: 401, Content: "Incorrect API key provided"},
			wantClass: ClassPermanent, wantStatus: 401,
			wantMsg: "LLM rejected the API key (401): check OPENAI_API_KEY",
		},
		{
			name:      "forbidden",
			reply:     llmtest.Reply{Status: 403, Content: "project has no access"},
			wantClass: ClassPermanent, wantStatus: 403, wantMsg: "project has no access",
		},
		{
			name:      "model not found",
			reply:     llmtest.Reply{Status: 404, Content: "The model `test-model` does not exist"},
			wantClass: ClassPermanent, wantStatus: 404, wantMsg: "OPENAI_MODEL",
		},
		{
			name:      "base URL without /v1",
			noV1:      true,
			wantClass: ClassPermanent, wantStatus: 404, wantMsg: "OPENAI_BASE_URL",
		},
		{
			name:      "invalid request",
			reply:     llmtest.Reply{Status: 400, Content: "response_format is not supported"},
			wantClass: ClassPermanent, wantStatus: 400,
			wantMsg: "LLM rejected the request (400): response_format is not supported",
		},
		{
			name:      "rate limited",
			reply:     llmtest.Reply{Status: 429, Header: http.Header{"Retry-After": {"3"}}},
			wantClass: ClassRateLimited, wantStatus: 429, wantRetryAfter: 3 * time.Second,
			wantMsg: "LLM rate limited (429), retry after 3s",
		},
		{
			name:      "rate limited, no Retry-After",
			reply:     llmtest.Reply{Status: 429},
			wantClass: ClassRateLimited, wantStatus: 429, wantRetryAfter: DefaultRetryAfter,
			wantMsg: "retry after 10s",
		},
		{
			name:      "rate limited, Retry-After-Ms",
			reply:     llmtest.Reply{Status: 429, Header: http.Header{"Retry-After-Ms": {"1500"}, "Retry-After": {"2"}}},
			wantClass: ClassRateLimited, wantStatus: 429, wantRetryAfter: 1500 * time.Millisecond,
			wantMsg: "retry after 1.5s",
		},
		{
			name:      "quota exhausted",
			reply:     llmtest.Reply{Status: 429, ErrorCode: "insufficient_quota", Content: "You exceeded your current quota"},
			wantClass: ClassPermanent, wantStatus: 429, wantMsg: "LLM quota exhausted (429)",
		},
		{
			name:      "reply is prose",
			reply:     llmtest.Reply{Content: "Sure! Here is the tailored resume."},
			wantClass: ClassRetryable, wantMsg: "LLM reply is not a valid JSON Resume: content is not a JSON object",
		},
		{
			name:      "reply is truncated JSON",
			reply:     llmtest.Reply{Content: `{"basics": {"name": "Ada"`},
			wantClass: ClassRetryable, wantMsg: "LLM reply is not a valid JSON Resume",
		},
		{
			name:      "reply has wrong types",
			reply:     llmtest.Reply{Content: `{"basics": {"name": 42}}`},
			wantClass: ClassRetryable, wantMsg: "LLM reply is not a valid JSON Resume",
		},
		{
			name:      "per-call timeout",
			reply:     llmtest.Reply{Delay: 5 * time.Second},
			timeout:   100 * time.Millisecond,
			wantClass: ClassRetryable, wantMsg: "LLM timed out after 100ms",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, func(llmtest.ChatRequest) llmtest.Reply { return tt.reply })
			cfg := Config{APIKey: "sk-test", BaseURL: srv.URL, Model: "test-model", Timeout: tt.timeout}
			if tt.noV1 {
				cfg.BaseURL = strings.TrimSuffix(srv.URL, "/v1")
			}

			_, err := NewOpenAI(cfg).Tailor(context.Background(), testRequest())

			e := mustLLMError(t, err)
			if got := ClassOf(err); got != tt.wantClass {
				t.Errorf("ClassOf = %v, want %v (err: %v)", got, tt.wantClass, err)
			}
			if e.StatusCode != tt.wantStatus {
				t.Errorf("StatusCode = %d, want %d", e.StatusCode, tt.wantStatus)
			}
			if e.RetryAfter != tt.wantRetryAfter {
				t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, tt.wantRetryAfter)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Error() = %q, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
}

func TestOpenAITailorUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	_, err = newTestOpenAI("http://"+addr+"/v1").Tailor(context.Background(), testRequest())

	mustLLMError(t, err)
	if got := ClassOf(err); got != ClassRetryable {
		t.Errorf("ClassOf = %v, want %v", got, ClassRetryable)
	}
	if want := "LLM unreachable: dial tcp " + addr; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Error() = %q, want prefix %q", err, want)
	}
}

func TestOpenAITailorBadBaseURL(t *testing.T) {
	for _, baseURL := range []string{"localhost:11434/v1", "http://[::1", "ftp://example.com/v1"} {
		t.Run(baseURL, func(t *testing.T) {
			_, err := newTestOpenAI(baseURL).Tailor(context.Background(), testRequest())

			mustLLMError(t, err)
			if got := ClassOf(err); got != ClassPermanent {
				t.Errorf("ClassOf = %v, want %v", got, ClassPermanent)
			}
			if !strings.Contains(err.Error(), "check OPENAI_BASE_URL") {
				t.Errorf("Error() = %q, want it to mention OPENAI_BASE_URL", err)
			}
		})
	}
}

func TestOpenAITailorCanceled(t *testing.T) {
	srv := llmtest.NewServer(t, func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Delay: 5 * time.Second}
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)

	_, err := newTestOpenAI(srv.URL).Tailor(ctx, testRequest())

	mustLLMError(t, err)
	if got := ClassOf(err); got != ClassCanceled {
		t.Errorf("ClassOf = %v, want %v (err: %v)", got, ClassCanceled, err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(%v, context.Canceled) = false, want true", err)
	}
}

func TestOpenAITailorCallerDeadline(t *testing.T) {
	srv := llmtest.NewServer(t, func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Delay: 5 * time.Second}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()

	_, err := newTestOpenAI(srv.URL).Tailor(ctx, testRequest())

	mustLLMError(t, err)
	if got := ClassOf(err); got != ClassRetryable {
		t.Errorf("ClassOf = %v, want %v (err: %v)", got, ClassRetryable, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false, want true", err)
	}
}

func TestOpenAIReasoningModelOmitsTemperature(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Echo(""))
	o := NewOpenAI(Config{BaseURL: srv.URL, Model: "o3-mini"})

	if _, err := o.Tailor(context.Background(), testRequest()); err != nil {
		t.Fatalf("Tailor: %v", err)
	}
	if temp, ok := srv.Requests()[0].Raw["temperature"]; ok {
		t.Errorf("temperature = %v, want it omitted for a reasoning model", temp)
	}
}

func TestNewOpenAIKeepsCallersHTTPClient(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Echo(""))
	var calls int
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		return http.DefaultTransport.RoundTrip(r)
	})
	hc := &http.Client{Transport: base}

	o := NewOpenAI(Config{BaseURL: srv.URL + "/", HTTPClient: hc})
	if _, err := o.Tailor(context.Background(), testRequest()); err != nil {
		t.Fatalf("Tailor: %v", err)
	}
	if calls != 1 {
		t.Errorf("caller's transport ran %d times, want 1", calls)
	}
	if _, ok := hc.Transport.(roundTripFunc); !ok {
		t.Errorf("caller's http.Client.Transport was replaced by %T", hc.Transport)
	}
	if o.Model() != DefaultModel {
		t.Errorf("Model() = %q, want %q", o.Model(), DefaultModel)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func mustLLMError(tb testing.TB, err error) *Error {
	tb.Helper()
	if err == nil {
		tb.Fatal("err = nil, want an *llm.Error")
	}
	e, ok := errors.AsType[*Error](err)
	if !ok {
		tb.Fatalf("err = %T %v, want an *llm.Error", err, err)
	}
	return e
}
