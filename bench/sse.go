package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/proc"
	"github.com/tailor-app/tailor/resume"
)

// sseTabs is how many streams each simulated recruiter holds: the default
// per-user cap (SSE_MAX_STREAMS_PER_USER).
const sseTabs = 20

// benchSSE connects clients live-update streams to one `tailor web`
// (tabs per recruiter, recruiters = clients/20), lets them idle to measure
// the memory of an idle stream, then finishes about jobsPerSec jobs a
// second (cache hits, spread over the recruiters, a `tailor worker` beside)
// and measures, for every event every client receives, the time from the
// update's commit (its stream id is the Redis time of the XADD made right
// after the SQLite commit) to its arrival at the client.
//
// The clients authenticate like an embedding page (/embed/events with the
// recruiter's API token): the sign-in throttle would refuse hundreds of
// password sign-ins from one address. Both paths share the hub and its
// writes; only the card rendered differs.
func benchSSE(ctx context.Context, o options, rep *report) error {
	clients, jobsPerSec := 10_000, 100
	if o.quick {
		clients = 2_000
	}
	if o.sseClients > 0 {
		clients = o.sseClients
	}
	users := max(clients/sseTabs, 1)
	h, err := newHarness(ctx, harnessOptions{concurrency: 8, llmLatency: o.llmLatency,
		extraEnv: []string{"SSE_MAX_STREAMS=" + strconv.Itoa(clients+1000), "BASE_URL=http://bench.invalid"}})
	if err != nil {
		return err
	}
	defer h.Close()
	if err := h.startWeb(); err != nil {
		return err
	}
	if _, err := h.startWorker(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: sse: creating %d recruiters...\n", users)
	tokens, err := sseRecruiters(ctx, h, users)
	if err != nil {
		return err
	}
	cands := make([]string, users)
	for i, tok := range tokens {
		body, _ := json.Marshal(resume.Sample())
		b, err := h.apiAs(tok, "POST", "/api/candidates", body)
		if err != nil {
			return err
		}
		var out struct{ ID string }
		json.Unmarshal(b, &out)
		cands[i] = out.ID
	}
	submit := func(i int) error {
		body, _ := json.Marshal(map[string]string{"candidate_id": cands[i], "job_description": resume.SampleJobDescription})
		_, err := h.apiAs(tokens[i], "POST", "/api/resume-async/generate-async", body)
		return err
	}
	// One job first, so every later one is a cache hit.
	if err := submit(0); err != nil {
		return err
	}
	time.Sleep(2 * time.Second)

	webPID := h.web.pid()
	rssBefore := proc.RSS(webPID)
	fmt.Fprintf(os.Stderr, "bench: sse: connecting %d streams...\n", clients)
	u, _ := url.Parse(h.baseURL)
	var lat latencies
	var connected, refused, broken atomic.Int64
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 100)
	t0 := time.Now()
	for i := range clients {
		sem <- struct{}{}
		wg.Go(func() {
			conn, err := sseDial(u.Host, tokens[i%users])
			<-sem
			if err != nil {
				refused.Add(1)
				return
			}
			connected.Add(1)
			go func() { <-cctx.Done(); conn.Close() }()
			sseRead(conn, &lat)
			if cctx.Err() == nil {
				broken.Add(1) // the server ended the stream during the run
			}
		})
	}
	for connected.Load()+refused.Load() < int64(clients) && time.Since(t0) < 2*time.Minute {
		time.Sleep(50 * time.Millisecond)
	}
	connectTime := time.Since(t0)
	time.Sleep(5 * time.Second) // idle: heartbeats do not fall due yet
	rssIdle := proc.RSS(webPID)
	n := connected.Load()
	perStream := float64(rssIdle-rssBefore) / float64(max(n, 1)) / 1024
	rep.add(fmt.Sprintf("SSE, %d clients", clients), "connected", float64(n), "streams", fmt.Sprintf(">= %d", clients),
		fmt.Sprintf("%d refused, in %.1f s; %d recruiters x %d tabs", refused.Load(), connectTime.Seconds(), users, sseTabs))
	rep.add(fmt.Sprintf("SSE, %d clients", clients), "RSS per idle stream", perStream, "KB", "< 20",
		fmt.Sprintf("web RSS %.0f MB before, %.0f MB with the streams", mb(rssBefore), mb(rssIdle)))

	// Jobs finishing at jobsPerSec, spread over the recruiters.
	lat.start()
	tick := time.NewTicker(time.Second / time.Duration(jobsPerSec))
	var submitted, failed atomic.Int64
	end := time.After(o.duration)
	i := 0
loop:
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-end:
			break loop
		case <-tick.C:
			i++
			who := i % users
			go func() {
				if err := submit(who); err != nil {
					failed.Add(1)
				} else {
					submitted.Add(1)
				}
			}()
		}
	}
	tick.Stop()
	time.Sleep(2 * time.Second) // the last jobs end
	d := lat.stop()
	elapsed := o.duration.Seconds()
	if len(d) == 0 {
		return fmt.Errorf("sse: no event reached a client (%d jobs submitted, %d failed)", submitted.Load(), failed.Load())
	}
	slices.Sort(d)
	pct := func(p float64) float64 { return ms(d[min(int(float64(len(d))*p), len(d)-1)]) }
	rep.add(fmt.Sprintf("SSE, %d clients", clients), "push p99", pct(0.99), "ms", "< 100",
		fmt.Sprintf("p50 %.1f p90 %.1f max %.1f ms; %d events received, %.0f jobs/s submitted (%d refused), %d streams broke",
			pct(0.50), pct(0.90), ms(d[len(d)-1]), len(d), float64(submitted.Load())/elapsed, failed.Load(), broken.Load()))
	rep.add(fmt.Sprintf("SSE, %d clients", clients), "push p50", pct(0.50), "ms", "", "commit (update stream id) to client, 1 ms resolution")
	rep.add(fmt.Sprintf("SSE, %d clients", clients), "web RSS under load", mb(proc.RSS(webPID)), "MB", "",
		fmt.Sprintf("%d streams open", connected.Load()-broken.Load()))
	stop()
	wg.Wait()
	return nil
}

// sseRecruiters creates recruiters and an API token each, straight in the
// database (the sign-up form hashes one password per core at a time).
func sseRecruiters(ctx context.Context, h *harness, n int) ([]string, error) {
	d, err := db.Open(filepath.Join(h.dir, "data", "tailor.db"))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	tokens := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 2) // the store hashes one password per core at once
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			u, err := d.Users.Create(ctx, fmt.Sprintf("sse%d@example.com", i), db.RoleRecruiter, "a-long-password")
			if err != nil {
				errs <- err
				return
			}
			tokens[i], _, err = d.Tokens.Create(ctx, u.ID, "sse")
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("sse recruiters: %w", err)
	}
	return tokens, nil
}

// apiAs is harness.api with another token.
func (h *harness) apiAs(token, method, path string, body []byte) ([]byte, error) {
	req, _ := http.NewRequest(method, h.baseURL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	if res.StatusCode/100 != 2 {
		return b.Bytes(), fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b.String())
	}
	return b.Bytes(), nil
}

// sseDial opens a stream on a plain connection (a goroutine and a small
// buffer per client, so 10,000 fit beside the app) and reads its head.
func sseDial(host, token string) (net.Conn, error) {
	conn, err := net.DialTimeout("tcp", host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(conn, "GET /embed/events HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n", host, token)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var head [512]byte
	n, err := conn.Read(head[:])
	if err != nil || !bytes.HasPrefix(head[:n], []byte("HTTP/1.1 200")) {
		conn.Close()
		return nil, fmt.Errorf("stream refused: %q %v", head[:min(n, 40)], err)
	}
	conn.SetReadDeadline(time.Time{})
	return conn, nil
}

// sseRead records, for each event id, now minus the id's milliseconds,
// until the stream ends.
func sseRead(conn net.Conn, lat *latencies) {
	br := bufio.NewReaderSize(conn, 8192)
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return
		}
		if rest, ok := bytes.CutPrefix(line, []byte("id: ")); ok {
			msStr, _, _ := strings.Cut(string(rest), "-")
			if ms, err := strconv.ParseInt(msStr, 10, 64); err == nil {
				lat.add(time.Duration(time.Now().UnixMilli()-ms) * time.Millisecond)
			}
		}
	}
}

// latencies collects samples between start and stop.
type latencies struct {
	mu sync.Mutex
	on bool
	d  []time.Duration
}

func (l *latencies) start() { l.mu.Lock(); l.on = true; l.mu.Unlock() }

func (l *latencies) stop() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.d
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	if l.on {
		l.d = append(l.d, d)
	}
	l.mu.Unlock()
}
