package main

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tailor-app/tailor/llm/llmtest"
)

// fakeLLM is the tests' OpenAI-compatible server (llmtest) on loopback,
// answering with the candidate's profile unchanged after a configurable
// latency, and injecting faults (chaos).
type fakeLLM struct {
	*llmtest.Server
	latency time.Duration

	mu     sync.Mutex
	faults faults

	perJob sync.Map // job description -> *atomic.Int64 (calls answered)
	// chaos: injected 500s, 429s and hangs
	inject5, inject429, injectHang atomic.Int64
}

// faults are probabilities (0..1) of each injected failure.
type faults struct {
	serverError float64       // answer 500
	timeout     float64       // hang for hang, then answer
	rateLimit   float64       // answer 429 with Retry-After: 1
	hang        time.Duration // how long a "timeout" hangs
}

func newFakeLLM(latency time.Duration) *fakeLLM {
	f := &fakeLLM{latency: latency}
	s, err := llmtest.Start(f.answer)
	if err != nil {
		panic(err)
	}
	f.Server = s
	return f
}

func (f *fakeLLM) setFaults(x faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = x
}

func (f *fakeLLM) answer(req llmtest.ChatRequest) llmtest.Reply {
	f.mu.Lock()
	fx := f.faults
	f.mu.Unlock()
	wait := f.latency
	switch p := rand.Float64(); {
	case p < fx.serverError:
		f.inject5.Add(1)
		return llmtest.Reply{Status: http.StatusInternalServerError, Content: "injected failure"}
	case p < fx.serverError+fx.rateLimit:
		f.inject429.Add(1)
		return llmtest.Reply{Status: http.StatusTooManyRequests, Content: "injected rate limit",
			Header: http.Header{"Retry-After": {"1"}}}
	case p < fx.serverError+fx.rateLimit+fx.timeout:
		f.injectHang.Add(1)
		wait += fx.hang
	}
	if wait > 0 {
		select {
		case <-time.After(wait):
		case <-req.Context.Done():
			return llmtest.Reply{} // the client left: nobody reads it, and it is not counted as answered
		}
	}
	c, _ := f.perJob.LoadOrStore(req.JobDescription, new(atomic.Int64))
	c.(*atomic.Int64).Add(1)
	return llmtest.Reply{} // the profile unchanged
}
