package resume

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// SyntaxError reports a document that is not a well-formed JSON Resume:
// invalid JSON, a value of the wrong type, an unknown field or trailing data.
// Callers answer it with 400.
type SyntaxError struct {
	Message string
}

func (e *SyntaxError) Error() string { return e.Message }

// FieldError is one broken rule, located by a JSON path such as
// "work[2].startDate" or "skills[0].keywords[3]".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationErrors lists every broken rule of a well-formed document, in
// document order. Callers answer it with 422.
type ValidationErrors []FieldError

func (e ValidationErrors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		parts[i] = fe.Field + ": " + fe.Message
	}
	return strings.Join(parts, "; ")
}

// Fields maps each field to its first message, the shape a form wants.
func (e ValidationErrors) Fields() map[string]string {
	m := make(map[string]string, len(e))
	for _, fe := range e {
		if _, ok := m[fe.Field]; !ok {
			m[fe.Field] = fe.Message
		}
	}
	return m
}

func (e *ValidationErrors) add(field, format string, args ...any) {
	*e = append(*e, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Parse decodes, normalizes and validates a JSON Resume document. A
// malformed document returns a *SyntaxError; a well-formed one that breaks a
// rule returns the normalized resume together with ValidationErrors, so a
// form can show the input again next to the messages.
func Parse(data []byte) (Resume, error) {
	var r Resume
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Resume{}, decodeError(data, err)
	}
	// Decode stops after the first value; "{...} {...}" or "{...} x" is a
	// client bug we refuse rather than silently ignore.
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		rest := bytes.TrimLeft(data[end:], " \t\r\n")
		at := int64(len(data)-len(rest)) + 1 // 1-based, like json.SyntaxError.Offset
		line, col := lineColumn(data, at)
		return Resume{}, &SyntaxError{Message: fmt.Sprintf(
			"unexpected data after the JSON document at byte %d (line %d, column %d)", at, line, col)}
	}
	r.Normalize()
	if err := Validate(r); err != nil {
		return r, err
	}
	return r, nil
}

func decodeError(data []byte, err error) *SyntaxError {
	var syn *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return &SyntaxError{Message: "empty document"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &SyntaxError{Message: "invalid JSON: unexpected end of input"}
	case errors.As(err, &syn):
		line, col := lineColumn(data, syn.Offset)
		return &SyntaxError{Message: fmt.Sprintf("invalid JSON at byte %d (line %d, column %d): %s",
			syn.Offset, line, col, syn.Error())}
	}
	// Wrong types and unknown fields: encoding/json names the field without
	// array indices, so walk the document again to say exactly where.
	var doc any
	if json.Unmarshal(data, &doc) == nil {
		if msg := mismatch(doc, reflect.TypeFor[Resume](), ""); msg != "" {
			return &SyntaxError{Message: msg}
		}
	}
	return &SyntaxError{Message: strings.TrimPrefix(err.Error(), "json: ")}
}

// lineColumn locates a 1-based byte offset, the offending byte included,
// as json.SyntaxError reports it.
func lineColumn(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}

// mismatch returns the first place where doc does not fit t, or "".
func mismatch(doc any, t reflect.Type, path string) string {
	if doc == nil { // null leaves the Go zero value, as encoding/json does
		return ""
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	at := func(msg string) string {
		if path == "" {
			return msg
		}
		return path + ": " + msg
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := doc.(string); !ok {
			return at("expected string")
		}
	case reflect.Slice:
		arr, ok := doc.([]any)
		if !ok {
			return at("expected " + jsonTypeName(t))
		}
		for i, el := range arr {
			if msg := mismatch(el, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); msg != "" {
				return msg
			}
		}
	case reflect.Struct:
		obj, ok := doc.(map[string]any)
		if !ok {
			return at("expected object")
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, ok := fieldByJSONName(t, k)
			if !ok {
				if path == "" {
					return fmt.Sprintf("unknown field %q", k)
				}
				return fmt.Sprintf("unknown field %q in %s", k, path)
			}
			if msg := mismatch(obj[k], f.Type, joinPath(path, jsonName(f))); msg != "" {
				return msg
			}
		}
	}
	return ""
}

func jsonTypeName(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Slice:
		return "array of " + jsonTypeName(t.Elem()) + "s"
	default:
		return "object"
	}
}

// fieldByJSONName matches keys the way encoding/json does: exact name
// first, then case-insensitively.
func fieldByJSONName(t reflect.Type, key string) (reflect.StructField, bool) {
	for _, f := range reflect.VisibleFields(t) {
		if jsonName(f) == key {
			return f, true
		}
	}
	for _, f := range reflect.VisibleFields(t) {
		if strings.EqualFold(jsonName(f), key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// walk calls fn for every value under v, parent before children, with its
// JSON path ("work[2].highlights[0]") and the JSON key that holds it
// ("highlights" for the list and for each of its items). Reflection keeps
// every rule applying to fields added to the schema later.
func walk(v reflect.Value, path, key string, fn func(path, key string, v reflect.Value)) {
	fn(path, key, v)
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			walk(v.Elem(), path, key, fn)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			name := jsonName(t.Field(i))
			walk(v.Field(i), joinPath(path, name), name, fn)
		}
	case reflect.Slice:
		for i := range v.Len() {
			walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), key, fn)
		}
	}
}

// eachString calls fn with every string of r, editable in place.
func (r *Resume) eachString(fn func(path, key string, s *string)) {
	walk(reflect.ValueOf(r).Elem(), "", "", func(path, key string, v reflect.Value) {
		if v.Kind() == reflect.String {
			fn(path, key, v.Addr().Interface().(*string))
		}
	})
}

// Normalize trims the spaces around every string and drops empty items from
// every list of strings (highlights, keywords, courses, roles).
func (r *Resume) Normalize() {
	walk(reflect.ValueOf(r).Elem(), "", "", func(_, _ string, v reflect.Value) {
		switch {
		case v.Kind() == reflect.String:
			v.SetString(strings.TrimSpace(v.String()))
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
			var kept []string
			for _, s := range v.Interface().([]string) {
				if s = strings.TrimSpace(s); s != "" {
					kept = append(kept, s)
				}
			}
			v.Set(reflect.ValueOf(kept))
		}
	})
}

// Limits on what a profile may hold; they keep prompts, PDFs and the
// database bounded and catch documents that are not really resumes.
const (
	maxNameLen  = 200  // basics.name
	maxShortLen = 300  // names, titles, keywords
	maxURLLen   = 2048 // URLs
	maxTextLen  = 5000 // summaries, descriptions, highlights
	maxListLen  = 100  // any list without its own limit
)

// listLimits caps lists by their JSON key.
var listLimits = map[string]int{
	"work":       50,
	"highlights": 30,
	"skills":     100,
	"keywords":   50,
}

// shortKeys are fields that hold a name or a title, not prose.
var shortKeys = wordSet(`name label position institution area studyType title
	issuer awarder publisher network username organization language fluency
	level entity type score email phone location city region countryCode postalCode
	keywords roles courses version`)

var urlKeys = wordSet("url image canonical")

var dateKeys = wordSet("startDate endDate date releaseDate")

// Validate checks the rules a profile must satisfy before it is stored or
// tailored. It returns ValidationErrors, or nil.
func Validate(r Resume) error {
	var errs ValidationErrors
	walk(reflect.ValueOf(&r).Elem(), "", "", func(path, key string, v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			validateString(&errs, path, key, v.String())
		case reflect.Slice:
			limit, ok := listLimits[key]
			if !ok {
				limit = maxListLen
			}
			if n := v.Len(); n > limit {
				errs.add(path, "must have at most %d entries, has %d", limit, n)
			}
		case reflect.Struct:
			validateEntry(&errs, path, v.Interface())
		}
	})
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// validateEntry checks the rules of one section entry that involve more
// than one of its fields, or a field that must be present.
func validateEntry(errs *ValidationErrors, path string, entry any) {
	required := func(value, field, msg string) {
		if strings.TrimSpace(value) == "" {
			errs.add(joinPath(path, field), "%s", msg)
		}
	}
	switch e := entry.(type) {
	case Basics:
		required(e.Name, "name", "is required")
	case Work:
		required(e.Name, "name", "company name is required")
		checkDateOrder(errs, path, e.StartDate, e.EndDate)
	case Education:
		required(e.Institution, "institution", "institution is required")
		checkDateOrder(errs, path, e.StartDate, e.EndDate)
	case Skill:
		required(e.Name, "name", "skill name is required")
	case Certificate:
		required(e.Name, "name", "certificate name is required")
	case Volunteer:
		checkDateOrder(errs, path, e.StartDate, e.EndDate)
	case Project:
		checkDateOrder(errs, path, e.StartDate, e.EndDate)
	}
}

func validateString(errs *ValidationErrors, path, key, s string) {
	limit := maxTextLen
	switch {
	case path == "basics.name":
		limit = maxNameLen
	case shortKeys[key]:
		limit = maxShortLen
	case urlKeys[key]:
		limit = maxURLLen
	}
	if n := utf8.RuneCountInString(s); n > limit {
		errs.add(path, "must be at most %d characters, has %d", limit, n)
		return
	}
	if s == "" {
		return
	}
	switch {
	case dateKeys[key]:
		if !validDate(s) {
			msg := "must be a date as YYYY, YYYY-MM or YYYY-MM-DD"
			if key == "endDate" {
				msg += " (leave it empty for a current role)"
			}
			errs.add(path, "%s", msg)
		}
	case urlKeys[key]:
		if !validURL(s) {
			errs.add(path, "must be an http or https URL")
		}
	case key == "email" && path == "basics.email":
		if !validEmail(s) {
			errs.add(path, "must be an email address")
		}
	}
}

var dateLayouts = map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}

// validDate accepts the ISO 8601 precisions JSON Resume uses; time.Parse
// rejects impossible months and days such as 2023-02-30.
func validDate(s string) bool {
	layout, ok := dateLayouts[len(s)]
	if !ok {
		return false
	}
	_, err := time.Parse(layout, s)
	return err == nil
}

// checkDateOrder compares two dates at their common precision, so that
// "2020" to "2020-05" is fine.
func checkDateOrder(errs *ValidationErrors, path, start, end string) {
	if !validDate(start) || !validDate(end) {
		return
	}
	n := min(len(start), len(end))
	if end[:n] < start[:n] {
		errs.add(joinPath(path, "endDate"), "must not be before startDate")
	}
}

// validURL accepts absolute http(s) URLs only: anything else (javascript:,
// data:, file:) could run or read something when the resume is rendered.
func validURL(s string) bool {
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return (scheme == "http" || scheme == "https") && u.Host != ""
}

// validEmail is a plausibility check, not RFC 5322: one @, something
// before it, a dotted domain after it, no spaces.
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return false
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '<' || r == '>' }) {
		return false
	}
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1 && !strings.Contains(domain, "..")
}

// wordSet builds a set from space-separated words.
func wordSet(words string) map[string]bool {
	set := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}
