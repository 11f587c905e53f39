package handlers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailor-app/tailor/jobs"
)

// Live-update defaults (README "Live updates").
const (
	DefaultMaxStreams     = 20_000 // SSE_MAX_STREAMS: streams one web process holds
	DefaultMaxUserStreams = 20     // streams one user holds in one process (tabs)
	liveHeartbeat         = 15 * time.Second
	// A write blocks only when the client's socket buffer is full, i.e. it
	// stopped reading: drop it soon (it reconnects and replays), since the
	// hub writes one stream after another.
	liveWriteTimeout = 250 * time.Millisecond
	liveRetryMS      = 2000 // the browser's reconnection delay
	liveReplayLimit  = 2000 // entries read for one reconnection
)

// Live fans job updates out to the SSE streams of this web process. Every
// process tails jobs.UpdateStream; for an update whose owner has streams
// here, it reads the job once, renders its card once and writes the frame
// to each of them. A stream is a hijacked connection written by the hub, so
// an idle stream costs no goroutine (see events_stream.go). Run it as a
// stage that stops before the HTTP server: its end closes every stream.
type Live struct {
	Updates    *jobs.Updates
	MaxStreams int           // per process (0: DefaultMaxStreams)
	MaxPerUser int           // per user (0: DefaultMaxUserStreams)
	Heartbeat  time.Duration // comment line on an idle stream (0: 15 s)
	Logger     *slog.Logger
	Metrics    *LiveMetrics // nil: none

	// render is the card of a job for its owner as an SSE data payload;
	// Routes sets it (it needs the Server's signing key and views).
	render func(ctx context.Context, jobID, ownerID string, embed *http.Request) ([]byte, error)

	started atomic.Bool // the tail knows where the stream ends: later updates reach streams

	mu      sync.Mutex
	byUser  map[string]map[*stream]struct{} // the streams that receive updates
	perUser map[string]int                  // streams and reservations, per user
	n       int                             // streams and reservations, in all
	closed  bool
}

// stream is one connected browser tab.
type stream struct {
	user     string
	w        io.Writer
	flush    func() error          // nil for a hijacked connection (unbuffered)
	deadline func(time.Time) error // the write deadline
	conn     net.Conn              // the hijacked connection, nil on the Flusher path
	embed    *http.Request         // an embedding page's stream: its cards' links are built from it
	done     chan struct{}         // closed when the stream ends (the Flusher path waits on it)
	closeOne sync.Once

	mu        sync.Mutex   // one frame at a time
	lastWrite atomic.Int64 // unix nanoseconds; read by the heartbeat without mu, which a slow write holds
	dead      bool
}

// errLiveFull and errLiveUserFull are the refusals of open.
var (
	errLiveFull     = errors.New("this server holds as many live streams as it can")
	errLiveUserFull = errors.New("too many live streams for this user")
	errLiveClosed   = errors.New("this server is shutting down")
)

func (l *Live) maxStreams() int {
	if l.MaxStreams > 0 {
		return l.MaxStreams
	}
	return DefaultMaxStreams
}

func (l *Live) maxPerUser() int {
	if l.MaxPerUser > 0 {
		return l.MaxPerUser
	}
	return DefaultMaxUserStreams
}

func (l *Live) heartbeat() time.Duration {
	if l.Heartbeat > 0 {
		return l.Heartbeat
	}
	return liveHeartbeat
}

// reserve counts a stream for user before it is opened, or says why not.
// At the user's cap, streams whose client has gone (a closed tab whose
// connection nobody read) are found and dropped first.
func (l *Live) reserve(user string) error {
	l.mu.Lock()
	err := l.reserveLocked(user)
	if err != errLiveUserFull {
		l.mu.Unlock()
		return err
	}
	mine := make([]*stream, 0, len(l.byUser[user]))
	for s := range l.byUser[user] {
		mine = append(mine, s)
	}
	l.mu.Unlock()
	for _, s := range mine {
		if s.gone() {
			l.drop(s)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reserveLocked(user)
}

func (l *Live) reserveLocked(user string) error {
	switch {
	case l.closed:
		return errLiveClosed
	case l.n >= l.maxStreams():
		return errLiveFull
	case l.perUser[user] >= l.maxPerUser():
		return errLiveUserFull
	}
	if l.perUser == nil {
		l.byUser, l.perUser = map[string]map[*stream]struct{}{}, map[string]int{}
	}
	l.perUser[user]++
	l.n++
	return nil
}

// add makes a reserved stream receive updates; false if the hub closed
// meanwhile (the caller then closes the stream).
func (l *Live) add(s *stream) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		l.unreserveLocked(s.user)
		return false
	}
	if l.byUser[s.user] == nil {
		l.byUser[s.user] = map[*stream]struct{}{}
	}
	l.byUser[s.user][s] = struct{}{}
	l.Metrics.opened()
	return true
}

// release gives back a reservation that never became a stream.
func (l *Live) release(user string) {
	l.mu.Lock()
	l.unreserveLocked(user)
	l.mu.Unlock()
}

func (l *Live) unreserveLocked(user string) {
	l.n--
	if l.perUser[user]--; l.perUser[user] <= 0 {
		delete(l.perUser, user)
	}
}

// drop removes a stream and closes it; safe to call more than once.
func (l *Live) drop(s *stream) {
	l.mu.Lock()
	if set, ok := l.byUser[s.user]; ok {
		if _, ok := set[s]; ok {
			delete(set, s)
			l.unreserveLocked(s.user)
			l.Metrics.closed()
			if len(set) == 0 {
				delete(l.byUser, s.user)
			}
		}
	}
	l.mu.Unlock()
	s.close()
}

// Run tails the update stream until ctx is done, then closes every stream
// with a retry hint, so browsers reconnect (to another process, or to this
// one restarted) and resume from their last event.
func (l *Live) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		l.beat(ctx)
	}()
	go func() {
		defer wg.Done()
		l.tail(ctx)
	}()
	<-ctx.Done()
	l.closeAll() // at once: the tail may be in a blocking read for up to a second
	wg.Wait()
	return nil
}

// tail reads the update stream from its current end and dispatches.
func (l *Live) tail(ctx context.Context) {
	for ctx.Err() == nil {
		last, err := l.Updates.Last(ctx)
		if err == nil {
			l.started.Store(true)
			l.Updates.Tail(ctx, last, l.dispatch)
			return
		}
		l.Logger.Warn("live updates: read the stream's end", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// closeAll ends every stream and refuses new ones.
func (l *Live) closeAll() {
	l.mu.Lock()
	l.closed = true
	var all []*stream
	for _, set := range l.byUser {
		for s := range set {
			all = append(all, s)
		}
	}
	l.mu.Unlock()
	bye := []byte("retry: " + strconv.Itoa(liveRetryMS) + "\n\n")
	for _, s := range all {
		s.write(bye, time.Now().Add(200*time.Millisecond))
		l.drop(s)
	}
}

// streamsOf is a snapshot of a user's streams.
func (l *Live) streamsOf(user string) []*stream {
	l.mu.Lock()
	defer l.mu.Unlock()
	set := l.byUser[user]
	if len(set) == 0 {
		return nil
	}
	out := make([]*stream, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	return out
}

// dispatch renders each update whose owner has streams here, once, and
// writes it to those streams.
func (l *Live) dispatch(ups []jobs.Update) {
	for _, u := range ups {
		targets := l.streamsOf(u.OwnerID)
		if len(targets) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		// Rendered once per form of card: the app's, and the embedded one
		// per host its links are built for.
		frames := map[string][]byte{}
		for _, s := range targets {
			key := ""
			if s.embed != nil {
				key = "embed " + s.embed.Host
			}
			frame, ok := frames[key]
			if !ok {
				data, err := l.render(ctx, u.JobID, u.OwnerID, s.embed)
				if err != nil {
					l.Logger.Warn("live updates: render card", "job_id", u.JobID, "err", err)
					break
				}
				frame = sseFrame(u.ID, "job", data)
				frames[key] = frame
			}
			l.send(s, frame)
		}
		cancel()
	}
}

// send writes one frame; a stream that fails is dropped (its browser
// reconnects with its last event id and replays what it missed).
func (l *Live) send(s *stream, frame []byte) bool {
	if err := s.write(frame, time.Now().Add(liveWriteTimeout)); err != nil {
		l.drop(s)
		return false
	}
	l.Metrics.sent()
	return true
}

// beat writes a comment line to each stream idle for a heartbeat, which
// keeps proxies from closing it and finds the clients that went away.
func (l *Live) beat(ctx context.Context) {
	every := l.heartbeat()
	// A short tick spreads the heartbeats of streams opened together.
	tick := time.NewTicker(min(every/4, 250*time.Millisecond))
	defer tick.Stop()
	ping := []byte(":\n\n")
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			var idle []*stream
			l.mu.Lock()
			for _, set := range l.byUser {
				for s := range set {
					if s.idleSince(now) >= every {
						idle = append(idle, s)
					}
				}
			}
			l.mu.Unlock()
			for _, s := range idle {
				if err := s.write(ping, now.Add(liveWriteTimeout)); err != nil {
					l.drop(s)
				}
			}
		}
	}
}

// tailing reports whether updates from now on reach the streams.
func (l *Live) tailing() bool { return l.started.Load() }

// Streams is the number of open streams.
func (l *Live) Streams() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func (s *stream) idleSince(now time.Time) time.Duration {
	return time.Duration(now.UnixNano() - s.lastWrite.Load())
}

func (s *stream) write(p []byte, deadline time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked(p, deadline)
}

func (s *stream) writeLocked(p []byte, deadline time.Time) error {
	if s.dead {
		return net.ErrClosed
	}
	s.deadline(deadline)
	_, err := s.w.Write(p)
	if err == nil && s.flush != nil {
		err = s.flush()
	}
	if err != nil {
		s.dead = true
		return err
	}
	s.lastWrite.Store(time.Now().UnixNano())
	return nil
}

// gone reports whether the client closed the connection: a read that
// returns at once with EOF. Only a hijacked connection can tell; on the
// Flusher path net/http notices by itself and ends the request.
func (s *stream) gone() bool {
	if s.conn == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var b [1]byte
	s.conn.SetReadDeadline(time.Now().Add(time.Millisecond))
	_, err := s.conn.Read(b[:])
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

func (s *stream) close() {
	s.closeOne.Do(func() {
		s.mu.Lock()
		s.dead = true
		s.mu.Unlock()
		if s.conn != nil {
			s.conn.Close()
		}
		close(s.done)
	})
}

// sseFrame is one server-sent event; each line of data becomes a data line.
func sseFrame(id, event string, data []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(data) + len(id) + len(event) + 32)
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	if event != "" {
		b.WriteString("event: " + event + "\n")
	}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		b.WriteString("data: ")
		b.Write(bytes.TrimSuffix(line, []byte("\r")))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// LiveMetrics counts streams and events; a nil *LiveMetrics records nothing.
type LiveMetrics struct {
	streams prometheus.Gauge
	events  prometheus.Counter
	refused *prometheus.CounterVec
}

// NewLiveMetrics registers the live-update metrics on reg.
func NewLiveMetrics(reg prometheus.Registerer) *LiveMetrics {
	m := &LiveMetrics{
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tailor_sse_streams", Help: "Open live-update (SSE) streams in this process.",
		}),
		events: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tailor_sse_events_sent_total", Help: "Job updates written to live-update streams.",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tailor_sse_refused_total", Help: "Live-update streams refused, by reason (user_cap, process_cap, shutdown).",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.streams, m.events, m.refused)
	return m
}

func (m *LiveMetrics) opened() {
	if m != nil {
		m.streams.Inc()
	}
}

func (m *LiveMetrics) closed() {
	if m != nil {
		m.streams.Dec()
	}
}

func (m *LiveMetrics) sent() {
	if m != nil {
		m.events.Inc()
	}
}

func (m *LiveMetrics) refuse(reason string) {
	if m != nil {
		m.refused.WithLabelValues(reason).Inc()
	}
}
