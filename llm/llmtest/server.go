// Package llmtest serves a fake OpenAI-compatible chat completions API on
// loopback, so tests run the real go-openai client code against it.
package llmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailor-app/tailor/resume"
)

// ChatRequest is one chat completions request as the fake server read it.
type ChatRequest struct {
	Model  string
	System string // content of the system message
	User   string // content of the user message, in full
	// Profile is parsed from the fenced json block of the user message.
	Profile resume.Resume
	// JobDescription is the rest of the user message: job title, company,
	// job description and any feedback, without the profile block.
	JobDescription string
	Raw            map[string]any // the whole request body
	HasJSONSchema  bool           // response_format is of type json_schema
	// Context is the HTTP request's: done when the client hangs up, for a
	// handler that waits by itself.
	Context context.Context
}

// Reply tells the server how to answer one request. The zero Reply answers
// 200 with the request's profile unchanged.
type Reply struct {
	Status  int            // 0 means 200
	Profile *resume.Resume // content to return as JSON
	// Content overrides the reply content as is (e.g. malformed JSON); on an
	// error status it is the error message.
	Content string
	// ErrorCode is the error's code on an error status, e.g.
	// "insufficient_quota"; by default it follows the status.
	ErrorCode string
	Header    http.Header   // extra response headers, e.g. Retry-After
	Delay     time.Duration // wait before answering (cut short if the client leaves)
}

// Server is a fake OpenAI-compatible server.
type Server struct {
	URL string // base URL including /v1, for llm.Config.BaseURL

	handler  func(ChatRequest) Reply
	ts       *httptest.Server
	keep     bool // keep each request for Requests and CallTimes
	calls    atomic.Int64
	inflight atomic.Int64

	mu        sync.Mutex
	requests  []ChatRequest
	callTimes []time.Time
}

// NewServer starts a server on 127.0.0.1 that answers every chat
// completions request with handler's Reply; it is closed in tb.Cleanup.
// handler runs on the server's goroutines: it must not call tb.Fatal.
func NewServer(tb testing.TB, handler func(req ChatRequest) Reply) *Server {
	tb.Helper()
	s, err := start(handler, true)
	if err != nil {
		tb.Fatalf("llmtest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Start starts a server for a caller without a testing.TB (the bench);
// Close stops it. It counts requests but keeps none (Requests and
// CallTimes are empty): a long run would otherwise grow without bound.
func Start(handler func(req ChatRequest) Reply) (*Server, error) {
	return start(handler, false)
}

func start(handler func(req ChatRequest) Reply, keep bool) (*Server, error) {
	s := &Server{handler: handler, keep: keep}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chatCompletions)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Invalid URL ("+r.Method+" "+r.URL.Path+")", nil)
	})

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.ts = &httptest.Server{Listener: l, Config: &http.Server{Handler: mux}}
	s.ts.Start()
	s.URL = s.ts.URL + "/v1"
	return s, nil
}

// Close stops the server and waits for the requests being answered.
func (s *Server) Close() { s.ts.Close() }

// InFlight returns how many requests are being answered now.
func (s *Server) InFlight() int { return int(s.inflight.Load()) }

// Calls returns how many chat completions requests the server received.
func (s *Server) Calls() int { return int(s.calls.Load()) }

// Requests returns a copy of the requests received, oldest first.
func (s *Server) Requests() []ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ChatRequest(nil), s.requests...)
}

// CallTimes returns when each request arrived, oldest first.
func (s *Server) CallTimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.callTimes...)
}

// Echo answers with the request's profile unchanged except that addWord is
// appended to basics.summary, so a test can find it in the rendered output.
func Echo(addWord string) func(ChatRequest) Reply {
	return func(req ChatRequest) Reply {
		p := req.Profile
		p.Basics.Summary = strings.TrimSpace(p.Basics.Summary + " " + addWord)
		return Reply{Profile: &p}
	}
}

func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "llmtest: read body: "+err.Error(), nil)
		return
	}
	req, err := parseChatRequest(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "llmtest: "+err.Error(), nil)
		return
	}
	req.Context = r.Context()

	s.calls.Add(1)
	if s.keep {
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.callTimes = append(s.callTimes, arrived)
		s.mu.Unlock()
	}

	reply := s.handler(req)
	if reply.Delay > 0 {
		select {
		case <-time.After(reply.Delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, vs := range reply.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}

	if reply.Status >= 400 {
		msg := reply.Content
		if msg == "" {
			msg = http.StatusText(reply.Status)
		}
		writeError(w, reply.Status, msg, errorCode(reply.Status, reply.ErrorCode))
		return
	}

	content := reply.Content
	if content == "" {
		p := req.Profile
		if reply.Profile != nil {
			p = *reply.Profile
		}
		b, err := json.Marshal(p)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "llmtest: marshal reply profile: "+err.Error(), nil)
			return
		}
		content = string(b)
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	promptTokens := (len(req.System) + len(req.User)) / 4
	completionTokens := len(content) / 4
	writeJSON(w, status, map[string]any{
		"id":      fmt.Sprintf("chatcmpl-llmtest-%d", arrived.UnixNano()),
		"object":  "chat.completion",
		"created": arrived.Unix(),
		"model":   req.Model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": content},
			"finish_reason": "stop",
		}},
		"usage": map[string]any{
			"prompt_tokens":     promptTokens,
			"completion_tokens": completionTokens,
			"total_tokens":      promptTokens + completionTokens,
		},
	})
}

// parseChatRequest reads a chat completions body the way a test wants to
// look at it.
func parseChatRequest(body []byte) (ChatRequest, error) {
	var wire struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		ResponseFormat *struct {
			Type string `json:"type"`
		} `json:"response_format"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		return ChatRequest{}, fmt.Errorf("request body: %w", err)
	}
	req := ChatRequest{
		Model:         wire.Model,
		HasJSONSchema: wire.ResponseFormat != nil && wire.ResponseFormat.Type == "json_schema",
	}
	if err := json.Unmarshal(body, &req.Raw); err != nil {
		return ChatRequest{}, fmt.Errorf("request body: %w", err)
	}
	for _, m := range wire.Messages {
		switch m.Role {
		case "system", "developer":
			req.System = m.Content
		case "user":
			req.User = m.Content
		}
	}

	profile, rest, err := splitProfile(req.User)
	if err != nil {
		return ChatRequest{}, err
	}
	if err := json.Unmarshal([]byte(profile), &req.Profile); err != nil {
		return ChatRequest{}, fmt.Errorf("profile in the user message is not a JSON Resume: %w", err)
	}
	req.JobDescription = rest
	return req, nil
}

// splitProfile cuts the first ```json fenced block out of a user message.
func splitProfile(user string) (profile, rest string, err error) {
	const fenceOpen, fenceClose = "```json\n", "\n```"
	before, after, ok := strings.Cut(user, fenceOpen)
	if !ok {
		return "", "", fmt.Errorf("no ```json block in the user message")
	}
	profile, after, ok = strings.Cut(after, fenceClose)
	if !ok {
		return "", "", fmt.Errorf("unterminated ```json block in the user message")
	}
	rest = strings.TrimSpace(strings.TrimSpace(before) + "\n\n" + strings.TrimSpace(after))
	return profile, rest, nil
}

// writeError writes an OpenAI-shaped error; a nil code is sent as JSON null.
func writeError(w http.ResponseWriter, status int, msg string, code any) {
	typ := "invalid_request_error"
	switch {
	case status == http.StatusTooManyRequests:
		typ = "requests"
	case status >= 500:
		typ = "server_error"
	}
	writeJSON(w, status, map[string]any{
		"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": code},
	})
}

// errorCode is the code OpenAI sends with status, unless code overrides it.
func errorCode(status int, code string) any {
	switch {
	case code != "":
		return code
	case status == http.StatusUnauthorized:
		return "invalid_api_key"
	case status == http.StatusNotFound:
		return "model_not_found"
	case status == http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
