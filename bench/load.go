package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// sample is the outcome of a load run.
type sample struct {
	requests int64
	errors   int64
	status5x int64
	elapsed  time.Duration
	lat      []time.Duration // every successful request's latency
}

func (s *sample) rate() float64 { return float64(s.requests) / s.elapsed.Seconds() }

// pct returns the p-th percentile latency in milliseconds.
func (s *sample) pct(p float64) float64 {
	if len(s.lat) == 0 {
		return 0
	}
	i := min(len(s.lat)-1, int(float64(len(s.lat))*p))
	return float64(s.lat[i].Microseconds()) / 1000
}

func (s *sample) maxMS() float64 {
	if len(s.lat) == 0 {
		return 0
	}
	return float64(s.lat[len(s.lat)-1].Microseconds()) / 1000
}

// recorder collects latencies from many goroutines.
type recorder struct {
	mu       sync.Mutex
	lat      []time.Duration
	errors   atomic.Int64
	status5x atomic.Int64
	requests atomic.Int64
}

func (r *recorder) add(d time.Duration) {
	r.mu.Lock()
	r.lat = append(r.lat, d)
	r.mu.Unlock()
}

func (r *recorder) sample(elapsed time.Duration) *sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	lat := slices.Clone(r.lat)
	slices.Sort(lat)
	return &sample{requests: r.requests.Load(), errors: r.errors.Load(), status5x: r.status5x.Load(), elapsed: elapsed, lat: lat}
}

// do sends one request and records it: a non-2xx answer (286 included as
// success for polls) counts as an error.
func (r *recorder) do(client *http.Client, req func() *http.Request) {
	start := time.Now()
	res, err := client.Do(req())
	r.requests.Add(1)
	if err != nil {
		r.errors.Add(1)
		return
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode >= 500 {
		r.status5x.Add(1)
	}
	if res.StatusCode/100 != 2 && res.StatusCode != 286 {
		r.errors.Add(1)
		return
	}
	r.add(time.Since(start))
}

// closedLoop runs conns workers that each send requests back to back for
// warmup + d, like wrk; only the last d is measured.
func closedLoop(ctx context.Context, client *http.Client, conns int, warmup, d time.Duration, req func(i int64) *http.Request) *sample {
	var n atomic.Int64
	run := func(d time.Duration, rec *recorder) {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		var wg sync.WaitGroup
		for range conns {
			wg.Go(func() {
				for ctx.Err() == nil {
					i := n.Add(1)
					rec.do(client, func() *http.Request { return req(i) })
				}
			})
		}
		wg.Wait()
	}
	if warmup > 0 {
		run(warmup, &recorder{})
	}
	rec := &recorder{}
	start := time.Now()
	run(d, rec)
	return rec.sample(time.Since(start))
}

// doer sends and records one request.
type doer interface {
	do(client *http.Client, req func() *http.Request)
}

// openLoop fires requests on a schedule regardless of how fast answers
// come (no coordinated omission): each of n users sends one request every
// period, their phases spread evenly.
func openLoop(ctx context.Context, client *http.Client, users int, period, d time.Duration, req func(user int, tick int64) *http.Request, rec doer) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	for u := range users {
		wg.Go(func() {
			offset := period * time.Duration(u) / time.Duration(users)
			select {
			case <-ctx.Done():
				return
			case <-time.After(offset):
			}
			t := time.NewTicker(period)
			defer t.Stop()
			for tick := int64(0); ; tick++ {
				if r := req(u, tick); r != nil { // nil: nothing to send this tick
					go rec.do(client, func() *http.Request { return r })
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	wg.Wait()
}
