package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sashabaranov/go-openai"
)

// DefaultModel is the model used when Config.Model is empty.
const DefaultModel = "gpt-4o-mini"

// DefaultTimeout bounds one call when Config.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// Config configures OpenAI.
type Config struct {
	APIKey  string
	BaseURL string // e.g. http://localhost:11434/v1; empty means OpenAI's
	Model   string // empty means DefaultModel
	// Timeout bounds one call, from request to parsed reply; zero means
	// DefaultTimeout.
	Timeout    time.Duration
	HTTPClient *http.Client // optional; its Transport is wrapped, not changed
}

// OpenAI tailors with any OpenAI-compatible chat completions server. It
// never retries: the caller owns retries, guided by ClassOf.
type OpenAI struct {
	client     *openai.Client
	model      string
	timeout    time.Duration
	baseURLErr error // a BaseURL no call can succeed with
	now        func() time.Time
}

var _ Tailorer = (*OpenAI)(nil)

// NewOpenAI returns a Tailorer that calls the server cfg describes.
func NewOpenAI(cfg Config) *OpenAI {
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &recordingTransport{base: base}
	oc.HTTPClient = hc

	o := &OpenAI{
		client:  openai.NewClientWithConfig(oc),
		model:   cfg.Model,
		timeout: cfg.Timeout,
		now:     time.Now,
	}
	if o.model == "" {
		o.model = DefaultModel
	}
	if o.timeout <= 0 {
		o.timeout = DefaultTimeout
	}
	if u, err := url.Parse(oc.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		o.baseURLErr = fmt.Errorf("LLM base URL %q is not an http(s) URL: check OPENAI_BASE_URL", oc.BaseURL)
	}
	return o
}

// Model returns the configured model.
func (o *OpenAI) Model() string { return o.model }

// Tailor asks the model for a tailored profile. Errors are *Error.
func (o *OpenAI) Tailor(ctx context.Context, req Request) (Response, error) {
	if o.baseURLErr != nil {
		return Response{}, &Error{Class: ClassPermanent, Err: o.baseURLErr}
	}
	chatReq, err := o.chatRequest(req)
	if err != nil {
		return Response{}, &Error{Class: ClassPermanent, Err: fmt.Errorf("LLM request not built: %w", err)}
	}

	callCtx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	ex := &exchange{}
	callCtx = context.WithValue(callCtx, exchangeKey{}, ex)

	resp, err := o.client.CreateChatCompletion(callCtx, chatReq)
	if err != nil {
		return Response{}, o.classify(ctx, callCtx, ex, err)
	}
	profile, err := parseReply(resp)
	if err != nil { // the tokens were spent all the same
		return Response{TokensIn: resp.Usage.PromptTokens, TokensOut: resp.Usage.CompletionTokens}, &Error{Class: ClassRetryable, Err: fmt.Errorf("LLM reply is not a valid JSON Resume: %w", err)}
	}
	return Response{
		Profile:       profile,
		Model:         o.model,
		PromptVersion: PromptVersion,
		TokensIn:      resp.Usage.PromptTokens,
		TokensOut:     resp.Usage.CompletionTokens,
	}, nil
}

func (o *OpenAI) chatRequest(req Request) (openai.ChatCompletionRequest, error) {
	schema, err := resumeSchema()
	if err != nil {
		return openai.ChatCompletionRequest{}, err
	}
	user, err := userMessage(req)
	if err != nil {
		return openai.ChatCompletionRequest{}, err
	}
	r := openai.ChatCompletionRequest{
		Model: o.model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: systemPrompt},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
		Temperature: 0.2,
		ResponseFormat: &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name:   "json_resume",
				Schema: schema,
				Strict: false, // strict mode would require every optional field
			},
		},
	}
	if openai.NewReasoningValidator().Validate(r) != nil {
		// Reasoning models (o3, gpt-5...) take only their default temperature,
		// and go-openai refuses to send any other.
		r.Temperature = 0
	}
	return r, nil
}

// classify turns a failed call into an *Error. ctx is the caller's context,
// callCtx the one bounded by the per-call timeout.
func (o *OpenAI) classify(ctx, callCtx context.Context, ex *exchange, err error) *Error {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case ctx.Err() != nil:
		return stopped(ctx.Err())
	case errors.As(err, &apiErr):
		return statusError(apiErr.HTTPStatusCode, ex.header, err, o.now())
	case errors.As(err, &reqErr):
		return statusError(reqErr.HTTPStatusCode, ex.header, err, o.now())
	case errors.Is(callCtx.Err(), context.DeadlineExceeded) || isTimeout(err):
		return &Error{Class: ClassRetryable, Err: fmt.Errorf("LLM timed out after %s: %w", o.timeout, err)}
	case !ex.sent:
		// go-openai refused the request before sending it, e.g. a parameter
		// the model does not take: sending it again changes nothing.
		return &Error{Class: ClassPermanent, Err: fmt.Errorf("LLM request not sent: %w", err)}
	case ex.status >= 300:
		// The error body could not be read; the status still tells.
		return statusError(ex.status, ex.header, err, o.now())
	case ex.status != 0:
		return &Error{Class: ClassRetryable, Err: fmt.Errorf(
			"LLM response (%d) is not an OpenAI chat completion, check OPENAI_BASE_URL: %w", ex.status, err)}
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // the URL is the configured one; the cause is what helps
	}
	return &Error{Class: ClassRetryable, Err: fmt.Errorf("LLM unreachable: %w", err)}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// exchange records what the transport saw of one call's HTTP exchange,
// because go-openai's errors carry the status but not the headers
// (Retry-After).
type exchange struct {
	sent   bool
	status int
	header http.Header
}

type exchangeKey struct{}

// recordingTransport fills in the exchange found in a request's context.
type recordingTransport struct {
	base http.RoundTripper
}

func (t *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ex, _ := r.Context().Value(exchangeKey{}).(*exchange)
	if ex != nil {
		ex.sent = true
	}
	resp, err := t.base.RoundTrip(r)
	if ex != nil && resp != nil {
		ex.status, ex.header = resp.StatusCode, resp.Header
	}
	return resp, err
}
