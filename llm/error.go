package llm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sashabaranov/go-openai"
)

// Class tells the caller what to do about a failed call.
type Class int

const (
	// ClassRetryable: try again with backoff (5xx, timeouts, connection
	// errors, a reply that is not a JSON Resume). It is the zero Class.
	ClassRetryable Class = iota
	// ClassPermanent: fail at once; only a change of configuration or
	// request helps (400, 401, 403, 404, exhausted quota).
	ClassPermanent
	// ClassRateLimited: wait Error.RetryAfter, then try again (429).
	ClassRateLimited
	// ClassCanceled: the caller's context was canceled; stop.
	ClassCanceled
)

// DefaultRetryAfter is the wait after a 429 that names none.
const DefaultRetryAfter = 10 * time.Second

func (c Class) String() string {
	switch c {
	case ClassRetryable:
		return "retryable"
	case ClassPermanent:
		return "permanent"
	case ClassRateLimited:
		return "rate limited"
	case ClassCanceled:
		return "canceled"
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// Error is a failed LLM call. Its message is written for an admin.
type Error struct {
	Class      Class
	StatusCode int // HTTP status of the LLM's answer; 0 if there was none
	// RetryAfter is how long the server asked to wait; for ClassRateLimited
	// it is never zero.
	RetryAfter time.Duration
	// Err is the cause. Without a StatusCode, its message describes the
	// failure in full.
	Err error
}

func (e *Error) Error() string {
	switch s := e.StatusCode; {
	case s == http.StatusUnauthorized:
		return "LLM rejected the API key (401): check OPENAI_API_KEY"
	case s == http.StatusForbidden:
		return fmt.Sprintf("LLM refused access (403): %s; check OPENAI_API_KEY and its access to the model", e.detail())
	case s == http.StatusNotFound:
		return fmt.Sprintf("LLM model or URL not found (404): %s; check OPENAI_MODEL and OPENAI_BASE_URL", e.detail())
	case s == http.StatusTooManyRequests && e.Class == ClassRateLimited:
		return fmt.Sprintf("LLM rate limited (429), retry after %s", e.RetryAfter)
	case s == http.StatusTooManyRequests:
		return fmt.Sprintf("LLM quota exhausted (429): %s; check the plan and billing of the OPENAI_API_KEY account", e.detail())
	case s >= 500:
		return fmt.Sprintf("LLM server error (%d): %s", s, e.detail())
	case s >= 400:
		return fmt.Sprintf("LLM rejected the request (%d): %s", s, e.detail())
	case s > 0:
		return fmt.Sprintf("LLM answered with status %d: %s", s, e.detail())
	case e.Err != nil:
		return e.Err.Error()
	}
	return "LLM call failed (" + e.Class.String() + ")"
}

func (e *Error) Unwrap() error { return e.Err }

// detail is the server's own words about an HTTP error, kept short.
func (e *Error) detail() string {
	var msg string
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(e.Err, &apiErr):
		msg = apiErr.Message
	case errors.As(e.Err, &reqErr):
		msg = string(reqErr.Body)
	case e.Err != nil:
		msg = e.Err.Error()
	}
	msg = strings.TrimSuffix(strings.Join(strings.Fields(msg), " "), ".")
	if msg == "" {
		return http.StatusText(e.StatusCode)
	}
	const maxLen = 300
	if len(msg) > maxLen {
		msg = strings.ToValidUTF8(msg[:maxLen], "") + "..."
	}
	return msg
}

// ClassOf classifies a non-nil error from a Tailorer. Errors that are not an
// *Error are retryable, except a canceled context.
func ClassOf(err error) Class {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Class
	}
	if errors.Is(err, context.Canceled) {
		return ClassCanceled
	}
	return ClassRetryable
}

// stopped is the error for a call whose caller's context is done: canceled,
// or past the caller's deadline (retryable, like any timeout).
func stopped(ctxErr error) *Error {
	if errors.Is(ctxErr, context.Canceled) {
		return &Error{Class: ClassCanceled, Err: fmt.Errorf("LLM call canceled: %w", ctxErr)}
	}
	return &Error{Class: ClassRetryable, Err: fmt.Errorf("LLM call stopped: %w", ctxErr)}
}

// statusError classifies an HTTP error answer; err is go-openai's error for it.
func statusError(status int, header http.Header, err error, now time.Time) *Error {
	e := &Error{StatusCode: status, RetryAfter: parseRetryAfter(header, now), Err: err}
	switch {
	case status == http.StatusTooManyRequests && quotaExhausted(err):
		e.Class = ClassPermanent
	case status == http.StatusTooManyRequests:
		e.Class = ClassRateLimited
		if e.RetryAfter <= 0 {
			e.RetryAfter = DefaultRetryAfter
		}
	case status == http.StatusRequestTimeout, status == http.StatusConflict:
		e.Class = ClassRetryable
	case status >= 400 && status < 500:
		e.Class = ClassPermanent
	default:
		e.Class = ClassRetryable
	}
	return e
}

// quotaExhausted reports whether a 429 means the account is out of credit,
// which waiting does not fix.
func quotaExhausted(err error) bool {
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.Code == "insufficient_quota" || apiErr.Type == "insufficient_quota"
}

// parseRetryAfter reads how long a server asks to wait: OpenAI's
// Retry-After-Ms, else Retry-After in seconds or as an HTTP date. It
// returns 0 if there is no usable value.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms > 0 && ms < math.MaxInt32 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs > 0 && secs < math.MaxInt32 {
			return time.Duration(secs * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
