package handlers

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

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

	r := e.client().get("/api/openapi.json")
	wantStatus(t, r, http.StatusOK)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
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

// TestOpenAPIDocumentIsConsistent checks what a client generator relies
// on: unique operation ids, resolvable $refs, path parameters declared.
func TestOpenAPIDocumentIsConsistent(t *testing.T) {
	d := openAPI("https://tailor.example.com")
	ids := map[string]bool{}
	var refs []string
	var walk func(s *apiSchema)
	walk = func(s *apiSchema) {
		if s == nil {
			return
		}
		if s.Ref != "" {
			refs = append(refs, s.Ref)
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
	}
	for _, rt := range d.ops {
		if ids[rt.Op.OperationID] {
			t.Errorf("operationId %s twice", rt.Op.OperationID)
		}
		ids[rt.Op.OperationID] = true
		if len(rt.Op.Tags) == 0 || rt.Op.Summary == "" || len(rt.Op.Responses) == 0 {
			t.Errorf("%s %s lacks a tag, summary or responses", rt.Method, rt.Path)
		}
		if strings.Contains(rt.Path, "{id}") {
			found := false
			for _, p := range rt.Op.Parameters {
				found = found || p.Name == "id" && p.In == "path" && p.Required
			}
			if !found {
				t.Errorf("%s %s does not declare its {id}", rt.Method, rt.Path)
			}
		}
		for _, p := range rt.Op.Parameters {
			walk(p.Schema)
		}
		if rt.Op.RequestBody != nil {
			for _, m := range rt.Op.RequestBody.Content {
				walk(m.Schema)
			}
		}
		for _, rs := range rt.Op.Responses {
			for _, m := range rs.Content {
				walk(m.Schema)
			}
		}
	}
	for _, s := range d.Components.Schemas {
		walk(s)
	}
	for _, ref := range refs {
		if d.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")] == nil {
			t.Errorf("unresolved $ref %s", ref)
		}
	}
}

func TestAPIDocsPage(t *testing.T) {
	e := newWebEnv(t)
	r := e.client().get("/docs/api")
	wantStatus(t, r, http.StatusOK)
	d := openAPI("")
	if n := strings.Count(r.body, `data-testid="api-op"`); n != len(d.ops) {
		t.Errorf("the page shows %d operations, the document has %d", n, len(d.ops))
	}
	wantBody(t, r, "POST /api/resume-async/generate-async", "GenerateRequest", "Retry-After", "/api/openapi.json", `id="schema-Job"`)
	// The document itself needs no token and revalidates.
	doc := e.client().get("/api/openapi.json")
	wantStatus(t, doc, http.StatusOK)
	again := e.client().do("GET", "/api/openapi.json", nil, map[string]string{"If-None-Match": doc.header.Get("ETag")})
	wantStatus(t, again, http.StatusNotModified)
}
