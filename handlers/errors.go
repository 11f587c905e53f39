package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

// Error is a failure the client can act on: its message is shown as is.
type Error struct {
	Status  int
	Message string
	Fields  map[string]string // per-field messages, for 422
	// RetryAfter, in seconds, tells a client when to try again (503, 429).
	RetryAfter string
}

// header sets what the error says beside its body.
func (e *Error) header(w http.ResponseWriter) {
	if e.RetryAfter != "" {
		w.Header().Set("Retry-After", e.RetryAfter)
	}
}

func (e *Error) Error() string { return e.Message }

func errorf(status int, msg string) *Error { return &Error{Status: status, Message: msg} }

// classify maps any error to a status and a message safe to show. Errors
// it does not know are internal: the user sees "Internal error." and the
// log sees the cause.
func classify(err error) *Error {
	var e *Error
	var se *resume.SyntaxError
	var ve resume.ValidationErrors
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &mbe):
		return errorf(http.StatusRequestEntityTooLarge, "request body is larger than "+strconv.FormatInt(mbe.Limit/1024, 10)+" KB")
	case errors.As(err, &se):
		return errorf(http.StatusBadRequest, se.Error())
	case errors.As(err, &ve):
		return &Error{Status: http.StatusUnprocessableEntity, Message: ve.Error(), Fields: ve.Fields()}
	case errors.Is(err, db.ErrNotFound):
		return errorf(http.StatusNotFound, "not found")
	case errors.Is(err, db.ErrConflict):
		return errorf(http.StatusConflict, err.Error())
	case errors.Is(err, db.ErrBusy):
		return &Error{Status: http.StatusServiceUnavailable, Message: busyMessage, RetryAfter: busyRetryAfter}
	default:
		return nil
	}
}

// jsonError answers a JSON error for err, logging it once if internal.
func (s *Server) jsonError(w http.ResponseWriter, r *http.Request, err error) {
	if e := classify(err); e != nil {
		e.header(w)
		writeJSON(w, e.Status, errorBody{Error: e.Message, Fields: e.Fields})
		return
	}
	s.logger(r).Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	writeJSONError(w, http.StatusInternalServerError, "Internal error.")
}

type errorBody struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// writeJSON encodes into memory first so a failure never sends half a body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"Internal error."}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// decodeJSON reads a JSON body strictly: unknown fields and trailing data
// are errors, and the body is limited to limit bytes.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errorf(http.StatusBadRequest, "invalid JSON body: "+jsonErrorText(err))
	}
	// Read to the end: a body cut short after a whole value is still cut short.
	switch _, err := dec.Token(); {
	case err == io.EOF:
		return nil
	case errors.As(err, new(*http.MaxBytesError)):
		return err
	case err != nil && !errors.As(err, new(*json.SyntaxError)):
		return errorf(http.StatusBadRequest, "invalid JSON body: "+bodyReadError)
	}
	return errorf(http.StatusBadRequest, "invalid JSON body: unexpected data after the JSON value")
}

// bodyReadError is the message for a body that could not be read to its
// end: shorter than its Content-Length, or with broken chunked framing.
const bodyReadError = "the body was cut short or malformed; send it again"

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		return "field " + strconv.Quote(te.Field) + " must be " + te.Type.String()
	case err.Error() == "EOF":
		return "empty body"
	default:
		return err.Error()
	}
}
