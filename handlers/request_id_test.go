package handlers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// logBuffer is an io.Writer safe for the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the JSON log lines whose msg is msg.
func (b *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func TestRequestIDOnResponseAndLogLine(t *testing.T) {
	logs := &logBuffer{}
	e := newWebEnv(t, func(s *Server) {
		s.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	generated := regexp.MustCompile(`^[0-9a-f]{16}$`)
	tests := []struct {
		name    string
		header  map[string]string
		want    string         // exact id, or
		wantRe  *regexp.Regexp // a new one
		notWant string
	}{
		{"caller's X-Request-Id", map[string]string{"X-Request-Id": "req-42.a_b:c"}, "req-42.a_b:c", nil, ""},
		{"Fly-Request-Id", map[string]string{"Fly-Request-Id": "01HZFLY"}, "01HZFLY", nil, ""},
		{"X-Request-Id wins", map[string]string{"X-Request-Id": "mine", "Fly-Request-Id": "fly"}, "mine", nil, ""},
		{"none: a new id", nil, "", generated, ""},
		{"forged id replaced", map[string]string{"X-Request-Id": `x" msg="evil`}, "", generated, `x" msg="evil`},
		{"overlong id replaced", map[string]string{"X-Request-Id": strings.Repeat("a", 129)}, "", generated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/healthz?case=" + strings.ReplaceAll(tt.name, " ", "-")
			req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			got := res.Header.Get("X-Request-Id")
			if tt.want != "" && got != tt.want {
				t.Errorf("X-Request-Id = %q, want %q", got, tt.want)
			}
			if tt.wantRe != nil && !tt.wantRe.MatchString(got) {
				t.Errorf("X-Request-Id = %q, want a new id", got)
			}
			var line map[string]any
			for _, l := range logs.lines(t, "http") {
				if l["path"] == "/healthz" && l["request_id"] == got {
					line = l
				}
			}
			if line == nil {
				t.Fatalf("no http log line with request_id %q", got)
			}
			if tt.notWant != "" && strings.Contains(logs.String(), tt.notWant) {
				t.Errorf("the forged id reached the log")
			}
		})
	}
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestHTTPMetricsUseRoutePatterns(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newWebEnv(t, func(s *Server) { s.Metrics = NewHTTPMetrics(reg) })
	for _, path := range []string{"/jobs/aaa/card", "/jobs/bbb/card", "/healthz", "/no/such/page"} {
		res, err := http.Get(e.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{} // route method status -> count
	var observed uint64
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch f.GetName() {
			case "tailor_http_requests_total":
				counts[labels["route"]+" "+labels["method"]+" "+labels["status"]] += m.GetCounter().GetValue()
			case "tailor_http_request_duration_seconds":
				observed += m.GetHistogram().GetSampleCount()
			}
		}
	}
	for key, want := range map[string]float64{
		"/healthz GET 200":  1,
		"unmatched GET 404": 1,
	} {
		if counts[key] != want {
			t.Errorf("tailor_http_requests_total{%s} = %v, want %v (all: %v)", key, counts[key], want, counts)
		}
	}
	cards := 0.0
	for key, n := range counts {
		if strings.HasPrefix(key, "/jobs/{id}/card GET ") {
			cards += n
		}
		if strings.Contains(key, "aaa") || strings.Contains(key, "bbb") {
			t.Errorf("a raw id reached a label: %q", key)
		}
	}
	if cards != 2 {
		t.Errorf("/jobs/{id}/card counted %v times, want 2 (all: %v)", cards, counts)
	}
	if observed != 4 {
		t.Errorf("duration histogram has %d samples, want 4", observed)
	}
}
