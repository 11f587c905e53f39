package handlers

import (
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

// loadServedDoc reads /api/openapi.json as a client would and validates it
// (kin-openapi: $refs resolve, operation ids are unique, path parameters
// are declared, schemas are well formed).
func loadServedDoc(t *testing.T, e *webEnv) *openapi3.T {
	t.Helper()
	r := e.client().get("/api/openapi.json")
	wantStatus(t, r, http.StatusOK)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(r.body))
	if err != nil {
		t.Fatalf("load /api/openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("/api/openapi.json is not valid OpenAPI: %v", err)
	}
	return doc
}

// TestOpenAPICoversRoutes walks the router: every /api and /embed route is
// in the OpenAPI document, and every operation in it is routed.
func TestOpenAPICoversRoutes(t *testing.T) {
	e := newWebEnv(t)
	routed := map[string]bool{}
	err := chi.Walk(e.srv.Routes().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.TrimSuffix(route, "/") // chi writes a Route's root as /api/
		if strings.HasPrefix(route, "/api/") || strings.HasPrefix(route, "/embed/") {
			routed[method+" "+route] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	doc := loadServedDoc(t, e)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	var missing, stale []string
	for k := range routed {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !routed[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("routes missing from the OpenAPI document:\n%s", strings.Join(missing, "\n"))
	}
	if len(stale) > 0 {
		t.Errorf("documented but not routed:\n%s", strings.Join(stale, "\n"))
	}
	if len(routed) < 25 {
		t.Errorf("walked only %d routes", len(routed))
	}
}

// TestOpenAPIDescribesResponses sends the main flow's requests and checks
// each answer against the document: its status is documented, its JSON
// matches the schema (required fields, types, enums, nullability).
func TestOpenAPIDescribesResponses(t *testing.T) {
	e := newWebEnv(t)
	doc := loadServedDoc(t, e)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	tok := e.token(ann)

	check := func(method, pattern, path string, body any) map[string]any {
		t.Helper()
		r := e.api(method, path, tok, body)
		item := doc.Paths.Value(pattern)
		if item == nil || item.GetOperation(method) == nil {
			t.Fatalf("%s %s is not documented", method, pattern)
		}
		req, _ := http.NewRequest(method, path, nil)
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req,
				Route: &routers.Route{Spec: doc, Path: pattern, PathItem: item, Method: method, Operation: item.GetOperation(method)}},
			Status:  r.status,
			Header:  r.header,
			Body:    io.NopCloser(strings.NewReader(r.body)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s %s answered %d, not as documented: %v\n%s", method, path, r.status, err, snippet(r.body))
		}
		if r.status >= 300 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			return nil
		}
		return jsonOf(t, r)
	}

	cand := check("POST", "/api/candidates", "/api/candidates", resume.Sample())
	id, _ := cand["id"].(string)
	check("GET", "/api/candidates", "/api/candidates", nil)
	check("GET", "/api/candidates/{id}", "/api/candidates/"+id, nil)
	check("GET", "/api/candidates/{id}", "/api/candidates/nope", nil)
	check("POST", "/api/candidates", "/api/candidates", map[string]any{"basics": map[string]any{}})
	op := check("POST", "/api/openings", "/api/openings", map[string]any{"title": "Go lead", "description": resume.SampleJobDescription})
	check("GET", "/api/openings", "/api/openings", nil)
	check("GET", "/api/openings/{id}", "/api/openings/"+op["id"].(string), nil)
	job := check("POST", "/api/resume-async/generate-async", "/api/resume-async/generate-async",
		map[string]any{"candidate_id": id, "job_description": resume.SampleJobDescription, "theme": "modern"})
	jobID, _ := job["job_id"].(string)
	check("GET", "/api/resume-async/job-status/{id}", "/api/resume-async/job-status/"+jobID, nil)
	check("GET", "/api/resume-async/my-jobs", "/api/resume-async/my-jobs", nil)
	check("GET", "/api/resume-async/download/{id}", "/api/resume-async/download/"+jobID, nil) // 409: not ready
	check("POST", "/api/resume-async/cancel/{id}", "/api/resume-async/cancel/"+jobID, nil)
	check("POST", "/api/tokens", "/api/tokens", map[string]any{"name": "ci"})
	check("GET", "/api/tokens", "/api/tokens", nil)
	batch := check("POST", "/api/batches", "/api/batches", map[string]any{"opening_id": op["id"], "candidate_ids": []string{id}})
	batchID, _ := batch["id"].(string)
	check("POST", "/api/batches", "/api/batches", map[string]any{"candidate_ids": []string{id}})
	check("GET", "/api/batches", "/api/batches", nil)
	check("GET", "/api/batches/{id}", "/api/batches/"+batchID, nil)
	check("GET", "/api/batches/{id}/zip", "/api/batches/"+batchID+"/zip", nil) // 409: none ready
	check("POST", "/api/batches/{id}/cancel", "/api/batches/"+batchID+"/cancel", nil)
	check("POST", "/api/batches/{id}/retry-failed", "/api/batches/"+batchID+"/retry-failed", nil)
	check("GET", "/api/batches/{id}", "/api/batches/nope", nil)
	check("DELETE", "/api/candidates/{id}", "/api/candidates/"+id, nil)

	hook := check("POST", "/api/webhooks", "/api/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"job.failed"}})
	hookID, _ := hook["id"].(string)
	check("POST", "/api/webhooks", "/api/webhooks", map[string]any{"url": "http://10.0.0.1/"})
	check("GET", "/api/webhooks", "/api/webhooks", nil)
	check("POST", "/api/webhooks/{id}/test", "/api/webhooks/"+hookID+"/test", nil)
	e.hooks.run(t, e, true)
	check("GET", "/api/webhooks/{id}/deliveries", "/api/webhooks/"+hookID+"/deliveries", nil)
	check("DELETE", "/api/webhooks/{id}", "/api/webhooks/"+hookID, nil)
	check("GET", "/api/webhooks/{id}/deliveries", "/api/webhooks/"+hookID+"/deliveries", nil)
}

func TestAPIDocsPage(t *testing.T) {
	e := newWebEnv(t)
	r := e.client().get("/docs/api")
	wantStatus(t, r, http.StatusOK)
	d, _, err := openAPI("")
	if err != nil {
		t.Fatal(err)
	}
	ops := 0
	for _, p := range d.Paths.keys {
		ops += len(d.Paths.m[p].keys)
	}
	if n := strings.Count(r.body, `data-testid="api-op"`); n != ops || ops < 25 {
		t.Errorf("the page shows %d operations, the document has %d", n, ops)
	}
	wantBody(t, r, "POST /api/resume-async/generate-async", "GenerateRequest", "Retry-After", "/api/openapi.json", `id="schema-Job"`,
		"Missing, wrong or revoked token.", "The job&#39;s id (an opaque string).") // through components' $refs
	// The document itself needs no token and revalidates.
	doc := e.client().get("/api/openapi.json")
	wantStatus(t, doc, http.StatusOK)
	again := e.client().do("GET", "/api/openapi.json", nil, map[string]string{"If-None-Match": doc.header.Get("ETag")})
	wantStatus(t, again, http.StatusNotModified)
}

// TestAPIDocsPageSignedIn: signed in, the API page keeps the top bar with
// the user's menu, and it is private; each response's status code stands
// apart from its words, in a table (issue 15, item 13).
func TestAPIDocsPageSignedIn(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	r := c.get("/docs/api")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `data-testid="signed-in-as">ann@example.com<`, `data-testid="logout"`, `href="/docs/api" aria-current="page"`,
		`data-testid="api-responses"`, "<td><code>201</code> Created</td>", "<td><code>202</code> Accepted</td>")
	if cc := r.header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
		t.Errorf("signed in, /docs/api is Cache-Control %q, want private", cc)
	}
	if strings.Contains(r.body, "</code>Created") {
		t.Error("a status code runs into its text")
	}
}
