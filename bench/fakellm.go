package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fakeLLM is an OpenAI-compatible chat completions server on loopback that
// answers with the candidate's profile unchanged, after a configurable
// latency, and can inject faults (chaos).
type fakeLLM struct {
	url     string
	srv     *http.Server
	latency time.Duration

	mu     sync.Mutex
	faults faults

	calls    atomic.Int64
	inflight atomic.Int64 // requests being answered now (chaos: is a worker mid-call?)
	perJob   sync.Map     // job description -> *atomic.Int64 (calls)
	inject5  atomic.Int64
	// chaos: injected 429s and hangs
	inject429, injectHang atomic.Int64
}

// faults are probabilities (0..1) of each injected failure.
type faults struct {
	serverError float64       // answer 500
	timeout     float64       // hang for hang, then answer
	rateLimit   float64       // answer 429 with Retry-After: 1
	hang        time.Duration // how long a "timeout" hangs
}

func newFakeLLM(latency time.Duration) *fakeLLM {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	f := &fakeLLM{url: "http://" + ln.Addr().String(), latency: latency}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", f.chat)
	f.srv = &http.Server{Handler: mux}
	go f.srv.Serve(ln)
	return f
}

func (f *fakeLLM) Close() { f.srv.Close() }

func (f *fakeLLM) setFaults(x faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = x
}

func (f *fakeLLM) chat(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	f.inflight.Add(1)
	defer f.inflight.Add(-1)
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	var user string
	for _, m := range req.Messages {
		if m.Role == "user" {
			user = m.Content
		}
	}
	f.mu.Lock()
	fx := f.faults
	f.mu.Unlock()
	switch p := rand.Float64(); {
	case p < fx.serverError:
		f.inject5.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"error":{"message":"injected failure","type":"server_error"}}`)
		return
	case p < fx.serverError+fx.rateLimit:
		f.inject429.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"error":{"message":"injected rate limit","type":"rate_limit_exceeded"}}`)
		return
	case p < fx.serverError+fx.rateLimit+fx.timeout:
		f.injectHang.Add(1)
		select {
		case <-time.After(fx.hang):
		case <-r.Context().Done():
			return
		}
	}
	if f.latency > 0 {
		select {
		case <-time.After(f.latency):
		case <-r.Context().Done():
			return
		}
	}
	start := strings.Index(user, "```json\n")
	end := strings.LastIndex(user, "\n```")
	if start < 0 || end <= start {
		http.Error(w, `{"error":{"message":"no profile"}}`, http.StatusBadRequest)
		return
	}
	profile := user[start+len("```json\n") : end]
	if c, _ := f.perJob.LoadOrStore(user[end:], new(atomic.Int64)); c != nil {
		c.(*atomic.Int64).Add(1)
	}
	body, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-bench", "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
		"choices": []any{map[string]any{
			"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": profile},
		}},
		"usage": map[string]int{"prompt_tokens": len(user) / 4, "completion_tokens": len(profile) / 4, "total_tokens": (len(user) + len(profile)) / 4},
	})
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}
