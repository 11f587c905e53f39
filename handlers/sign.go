package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/sign"
)

// Signed links let a request prove what it may read without a session:
// the job card's poll (every 2 s, so it must stay cheap) and the share link
// a recruiter sends to a hiring manager. The MAC covers a purpose, the job,
// the owner scope and the expiry, with the server's signing key.

const (
	pollLinkTTL  = 24 * time.Hour
	shareLinkTTL = 7 * 24 * time.Hour
)

func (s *Server) mac(parts ...string) string { return sign.MAC(s.SigningKey, parts...) }

// verify checks a MAC and an expiry (unix seconds); expired is reported
// apart so a stale card can say so.
func (s *Server) verify(sig, exp string, parts ...string) (ok, expired bool) {
	if !sign.Valid(s.SigningKey, sig, append(parts, exp)...) {
		return false, false
	}
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return false, false
	}
	return true, s.now().Unix() > e
}

// pollURL is the card's fragment URL for a viewer with the given scope
// (their own jobs, or every owner's for an admin).
func (s *Server) pollURL(jobID string, scope db.Owner) string {
	exp := strconv.FormatInt(s.now().Add(pollLinkTTL).Unix(), 10)
	o := scope.String()
	return "/jobs/" + jobID + "/card?o=" + url.QueryEscape(o) + "&e=" + exp + "&s=" + s.mac("card", jobID, o, exp)
}

// shareURL is the public, read-only link to a job's PDF.
func (s *Server) shareURL(r *http.Request, jobID string) (string, time.Time) {
	expires := s.now().Add(shareLinkTTL)
	exp := strconv.FormatInt(expires.Unix(), 10)
	return s.absURL(r, "/share/"+jobID+"?e="+exp+"&s="+s.mac("share", jobID, exp)), expires
}
