package llmtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/resume"
)

const userMessage = "Candidate profile (JSON Resume):\n```json\n{\"basics\":{\"name\":\"Ada\",\"summary\":\"Engineer.\"}}\n```\n\nJob description:\nWrite Go."

func post(t *testing.T, url, body string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("decode response: %v", err)
	}
	return resp, got
}

func chatBody(t *testing.T, user string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"model": "m",
		"messages": []map[string]string{
			{"role": "system", "content": "rules"},
			{"role": "user", "content": user},
		},
		"response_format": map[string]any{"type": "json_schema"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServerEcho(t *testing.T) {
	s := NewServer(t, Echo("Kubernetes"))

	resp, got := post(t, s.URL+"/chat/completions", chatBody(t, userMessage))

	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200: %v", resp.StatusCode, got)
	}
	if got["object"] != "chat.completion" || got["model"] != "m" {
		t.Errorf("object, model = %v, %v, want chat.completion, m", got["object"], got["model"])
	}
	choice := got["choices"].([]any)[0].(map[string]any)
	msg := choice["message"].(map[string]any)
	if msg["role"] != "assistant" || choice["finish_reason"] != "stop" {
		t.Errorf("choice = %v, want role assistant, finish_reason stop", choice)
	}
	var p resume.Resume
	if err := json.Unmarshal([]byte(msg["content"].(string)), &p); err != nil {
		t.Fatalf("content is not a JSON Resume: %v", err)
	}
	if p.Basics.Summary != "Engineer. Kubernetes" {
		t.Errorf("summary = %q, want %q", p.Basics.Summary, "Engineer. Kubernetes")
	}
	if usage := got["usage"].(map[string]any); usage["total_tokens"].(float64) <= 0 {
		t.Errorf("usage = %v, want tokens", usage)
	}

	if s.Calls() != 1 || len(s.CallTimes()) != 1 {
		t.Fatalf("Calls, CallTimes = %d, %d, want 1, 1", s.Calls(), len(s.CallTimes()))
	}
	req := s.Requests()[0]
	if req.Profile.Basics.Name != "Ada" || !req.HasJSONSchema || req.System != "rules" {
		t.Errorf("request = %+v, want profile Ada, json_schema, system rules", req)
	}
	if want := "Candidate profile (JSON Resume):\n\nJob description:\nWrite Go."; req.JobDescription != want {
		t.Errorf("JobDescription = %q, want %q", req.JobDescription, want)
	}
}

func TestServerErrors(t *testing.T) {
	tests := []struct {
		name       string
		path, user string
		reply      Reply
		wantStatus int
		wantCode   any
	}{
		{"rate limited", "/chat/completions", userMessage,
			Reply{Status: 429, Header: http.Header{"Retry-After": {"3"}}}, 429, "rate_limit_exceeded"},
		{"custom code", "/chat/completions", userMessage,
			Reply{Status: 429, ErrorCode: "insufficient_quota"}, 429, "insufficient_quota"},
		{"server error", "/chat/completions", userMessage, Reply{Status: 500}, 500, nil},
		{"no profile block", "/chat/completions", "hello", Reply{}, 400, nil},
		{"unknown path", "/models", userMessage, Reply{}, 404, nil},
		{"model not found", "/chat/completions", userMessage, Reply{Status: 404}, 404, "model_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t, func(ChatRequest) Reply { return tt.reply })

			resp, got := post(t, s.URL+tt.path, chatBody(t, tt.user))

			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			e, ok := got["error"].(map[string]any)
			if !ok || e["message"] == "" || e["type"] == "" {
				t.Fatalf("body = %v, want an OpenAI error", got)
			}
			if e["code"] != tt.wantCode {
				t.Errorf("code = %v, want %v", e["code"], tt.wantCode)
			}
			for k, v := range tt.reply.Header {
				if got := resp.Header.Get(k); got != v[0] {
					t.Errorf("header %s = %q, want %q", k, got, v[0])
				}
			}
		})
	}
}

func TestServerRequestsAreCopies(t *testing.T) {
	s := NewServer(t, Echo(""))
	resp, err := http.Post(s.URL+"/chat/completions", "application/json", bytes.NewReader([]byte(chatBody(t, userMessage))))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	s.Requests()[0] = ChatRequest{}
	if s.Requests()[0].Model != "m" {
		t.Error("changing Requests() changed the server's record")
	}
}
