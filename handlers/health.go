package handlers

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/tailor-app/tailor/db"
)

// GET /healthz: the process is alive.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// GET /readyz: every dependency answers (SQLite, Redis, Chrome), in parallel.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	results := make(map[string]string, len(s.Checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	ok := true
	for _, c := range s.Checks {
		wg.Go(func() {
			msg := "ok"
			if err := c.Fn(ctx); err != nil {
				// The endpoint is public: the cause goes to the log only.
				s.logger(r).Warn("readiness check failed", "check", c.Name, "err", err)
				msg = "failing"
			}
			mu.Lock()
			defer mu.Unlock()
			results[c.Name] = msg
			if msg != "ok" {
				ok = false
			}
		})
	}
	wg.Wait()
	status, code := "ok", http.StatusOK
	if !ok {
		status, code = "unavailable", http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"status": status, "checks": results})
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func candidateFilter(r *http.Request, limit, offset int) db.CandidateFilter {
	return db.CandidateFilter{
		Owner: ownerScope(currentUser(r)), Query: r.URL.Query().Get("q"), Limit: limit, Offset: offset,
	}
}
