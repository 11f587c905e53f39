package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobs"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/views"
)

// eventsTicketTTL bounds a signed /embed/events URL: the embedded card that
// carries it is fetched again by its poll long before.
const eventsTicketTTL = 24 * time.Hour

// GET /events: the signed-in user's job updates as server-sent events. Each
// event ("job") is the job's card with hx-swap-oob, for the page's sse
// extension; its id is the update's stream id, so a reconnection resumes
// after it (Last-Event-ID header, or ?last= when the sse extension opens a
// new EventSource after an error, which sends no header).
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	s.serveEvents(w, r, currentUser(r).ID, false)
}

// GET /embed/events?o=&e=&s=: the same for a page that embeds Tailor's
// cards. EventSource cannot send an Authorization header, so the embedded
// card carries this signed, expiring URL for its token's owner; a bearer
// token in the header is accepted too. CORS as for the fragments.
func (s *Server) embedEvents(w http.ResponseWriter, r *http.Request) {
	s.embedEventsCORS(w, r)
	owner := ""
	q := r.URL.Query()
	if sig := q.Get("s"); sig != "" {
		ok, expired := s.verify(sig, q.Get("e"), "events", q.Get("o"))
		if ok && !expired {
			owner = q.Get("o")
		}
	} else if token := bearer(r); token != "" {
		if u, err := s.DB.Tokens.Authenticate(r.Context(), token); err == nil {
			owner = u.ID
		}
	}
	if owner == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tailor"`)
		http.Error(w, "Live updates need a valid signed link or API token.", http.StatusUnauthorized)
		return
	}
	s.serveEvents(w, r, owner, true)
}

// embedEventsCORS admits EMBED_ORIGINS: the sse extension opens its
// EventSource withCredentials, which needs the exact origin and
// Allow-Credentials (no cookie is read here: the ticket is the credential).
func (s *Server) embedEventsCORS(w http.ResponseWriter, r *http.Request) {
	addVary(w.Header(), "Origin")
	if origin := r.Header.Get("Origin"); origin != "" && s.api.origins[origin] {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
}

// eventsURL is the signed /embed/events URL for the owner of an API token.
func (s *Server) eventsURL(r *http.Request, owner string) string {
	exp := strconv.FormatInt(s.now().Add(eventsTicketTTL).Unix(), 10)
	return s.absURL(r, "/embed/events?o="+url.QueryEscape(owner)+"&e="+exp+"&s="+s.mac("events", owner, exp))
}

func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request, owner string, embed bool) {
	if s.Live == nil || owner == "" {
		http.Error(w, "Live updates are not served here: job cards keep polling.", http.StatusNotFound)
		return
	}
	l := s.Live
	if err := l.reserve(owner); err != nil {
		s.refuseEvents(w, r, err)
		return
	}
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last")
	}
	if !jobs.ValidID(last) {
		last = ""
	}
	st, head, err := s.openStream(w, r, owner)
	if err != nil {
		l.release(owner)
		s.logger(r).Warn("open live stream", "err", err)
		return
	}
	if embed {
		st.embed = &http.Request{Host: r.Host, Header: http.Header{}, URL: &url.URL{}, TLS: r.TLS}
	}
	// Registered before its first byte goes out, so a client that has seen
	// the head misses no update; the hub's writes wait for the head on mu.
	st.mu.Lock()
	if !l.add(st) {
		st.mu.Unlock()
		st.close() // shutting down since the reservation: the client retries
		return
	}
	err = st.writeLocked(head, time.Now().Add(liveWriteTimeout))
	st.mu.Unlock()
	if err != nil {
		l.drop(st)
		return
	}
	if last != "" {
		s.replay(r.Context(), st, last)
	}
	if st.conn == nil {
		// The Flusher path: this handler holds the response until the
		// stream ends (hub shutdown, write failure) or the client leaves.
		select {
		case <-st.done:
		case <-r.Context().Done():
			l.drop(st)
		}
	}
}

// openStream prepares the answer: 200 and the stream's first lines, which
// it returns to be written once the stream is registered. On HTTP/1.1 it
// hijacks the connection, and the head is written by hand (with the headers
// the middleware set) without chunking, so the stream then costs a socket
// and a small struct, and no goroutine; otherwise (HTTP/2, tests with a
// recorder) it streams through the ResponseWriter with a flush per event.
func (s *Server) openStream(w http.ResponseWriter, r *http.Request, owner string) (*stream, []byte, error) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx and proxies like it: do not buffer
	h.Del("Content-Length")
	first := []byte("retry: " + strconv.Itoa(liveRetryMS) + "\n\n")
	st := &stream{user: owner, done: make(chan struct{})}
	st.lastWrite.Store(time.Now().UnixNano())
	rc := http.NewResponseController(w)
	if r.ProtoMajor == 1 {
		conn, brw, err := rc.Hijack()
		if err == nil {
			if brw.Reader.Buffered() > 0 {
				conn.Close() // a pipelined request: nothing sane to do with it
				return nil, nil, errors.New("client sent data after the request")
			}
			conn.SetDeadline(time.Time{}) // the server's read and write timeouts no longer apply
			var head bytes.Buffer
			head.WriteString("HTTP/1.1 200 OK\r\n")
			h.Set("Connection", "close")
			h.Write(&head)
			head.WriteString("\r\n")
			head.Write(first)
			st.w, st.conn, st.deadline = conn, conn, conn.SetWriteDeadline
			return st, head.Bytes(), nil
		}
		if !errors.Is(err, http.ErrNotSupported) {
			return nil, nil, fmt.Errorf("hijack: %w", err)
		}
	}
	rc.SetReadDeadline(time.Time{})
	wroteHeader := false
	st.w, st.flush, st.deadline = writerFunc(func(p []byte) (int, error) {
		if !wroteHeader {
			wroteHeader = true
			w.WriteHeader(http.StatusOK)
		}
		return w.Write(p)
	}), rc.Flush, rc.SetWriteDeadline
	return st, first, nil
}

// writerFunc is an io.Writer from a function.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// refuseEvents answers a stream the caps or a shutdown turn away: a
// readable text, Retry-After, and the page keeps polling meanwhile.
func (s *Server) refuseEvents(w http.ResponseWriter, r *http.Request, err error) {
	status, reason, wait := http.StatusServiceUnavailable, "process_cap", "30"
	switch {
	case errors.Is(err, errLiveUserFull):
		status, reason, wait = http.StatusTooManyRequests, "user_cap", "60"
	case errors.Is(err, errLiveClosed):
		reason, wait = "shutdown", "2"
	}
	s.Live.Metrics.refuse(reason)
	s.logger(r).Info("live stream refused", "reason", reason)
	w.Header().Set("Retry-After", wait)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "Live updates refused: "+err.Error()+". Job cards keep updating by polling.", status)
}

// replay sends what a reconnecting stream missed after last: the current
// card of each of its owner's jobs that changed, once, in order of their
// last change. When the stream no longer holds everything after last, a
// "resync" event asks the page to fetch its cards again.
func (s *Server) replay(ctx context.Context, st *stream, last string) {
	ups, complete, err := s.Live.Updates.Since(ctx, last, liveReplayLimit)
	if err != nil {
		s.Logger.Warn("live updates: replay", "err", err)
		complete = false
	}
	if !complete {
		s.Live.send(st, sseFrame("", "resync", []byte("resync")))
		return
	}
	lastOf := map[string]int{}
	for i, u := range ups {
		if u.OwnerID == st.user {
			lastOf[u.JobID] = i
		}
	}
	for i, u := range ups {
		if u.OwnerID != st.user || lastOf[u.JobID] != i {
			continue
		}
		data, err := s.liveCard(ctx, u.JobID, u.OwnerID, st.embed)
		if err != nil {
			continue // deleted since: nothing to show
		}
		if !s.Live.send(st, sseFrame(u.ID, "job", data)) {
			return
		}
	}
}

// liveCard is a job's card as a live update: the page card (or, for an
// embedding page, the embedded card) marked for an out-of-band swap.
func (s *Server) liveCard(ctx context.Context, jobID, owner string, embed *http.Request) ([]byte, error) {
	j, err := s.DB.Jobs.Get(ctx, db.OwnedBy(owner), jobID)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if embed != nil {
		c := s.embedCard(embed, j)
		c.OOB = true
		err = views.EmbedCardView(c).Render(ctx, &buf)
	} else {
		c := s.cardFor(j, db.OwnedBy(owner))
		c.OOB = true
		c.AutoDownload = j.Status == jobstate.StatusSucceeded
		err = views.JobCard(c).Render(ctx, &buf)
	}
	if err != nil {
		return nil, fmt.Errorf("render live card %s: %w", jobID, err)
	}
	return buf.Bytes(), nil
}
