package handlers

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"go.yaml.in/yaml/v4"
)

// openAPIYAML is the OpenAPI 3 document of the JSON API and the embeddable
// fragments, written by hand next to the routes (openapi.yaml says how it
// is checked). /api/openapi.json serves it; /docs/api renders it.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// apiDoc is what the /docs/api page shows of the document, in its order.
type apiDoc struct {
	Info struct {
		Description string
	}
	Tags []struct {
		Name, Description string
	}
	Paths      ordered[ordered[*apiOperation]] // path -> method -> operation
	Components struct {
		Schemas    ordered[*apiSchema]
		Parameters map[string]*apiParameter
		Responses  map[string]*apiResponse
	}
	server string // servers[0], as served
}

type apiOperation struct {
	Tags                 []string
	Summary, Description string
	Security             *[]map[string][]string // present and empty: a public route
	Parameters           []*apiParameter
	RequestBody          *apiRequestBody `yaml:"requestBody"`
	Responses            map[string]*apiResponse
}

type apiParameter struct {
	Ref                   string `yaml:"$ref"`
	Name, In, Description string
	Required              bool
	Schema                *apiSchema
}

type apiRequestBody struct {
	Content map[string]apiMedia
}

type apiMedia struct {
	Schema *apiSchema
}

type apiResponse struct {
	Ref         string `yaml:"$ref"`
	Description string
	Content     map[string]apiMedia
}

type apiSchema struct {
	Ref                       string `yaml:"$ref"`
	Type, Format, Description string
	Enum                      []string
	Nullable                  bool
	Properties                ordered[*apiSchema]
	Required                  []string
	Items                     *apiSchema
}

// ordered is a YAML mapping that keeps its keys' order.
type ordered[T any] struct {
	keys []string
	m    map[string]T
}

func (o *ordered[T]) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: not a mapping", n.Line)
	}
	o.m = make(map[string]T, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		var v T
		if err := n.Content[i+1].Decode(&v); err != nil {
			return err
		}
		o.keys = append(o.keys, n.Content[i].Value)
		o.m[n.Content[i].Value] = v
	}
	return nil
}

// parameter and response follow a $ref into components.
func (d *apiDoc) parameter(p *apiParameter) *apiParameter {
	if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
		return d.Components.Parameters[name]
	}
	return p
}

func (d *apiDoc) response(r *apiResponse) *apiResponse {
	if name, ok := strings.CutPrefix(r.Ref, "#/components/responses/"); ok {
		return d.Components.Responses[name]
	}
	return r
}

// openAPI reads the embedded document for the page, and as JSON for
// /api/openapi.json; baseURL ("" = relative) is its server.
func openAPI(baseURL string) (*apiDoc, []byte, error) {
	server := baseURL
	if server == "" {
		server = "/"
	}
	d := &apiDoc{server: server}
	var raw map[string]any
	if err := yaml.Unmarshal(openAPIYAML, d); err != nil {
		return nil, nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	if err := yaml.Unmarshal(openAPIYAML, &raw); err != nil {
		return nil, nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	raw["servers"] = []any{map[string]any{"url": server}}
	doc, err := json.MarshalIndent(raw, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("openapi.yaml as JSON: %w", err)
	}
	return d, doc, nil
}

// GET /api/openapi.json: public (no token), like any API description.
func (s *Server) openAPIJSON(w http.ResponseWriter, r *http.Request) {
	if notModified(w, r, s.api.docETag, "public, max-age=300") {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Access-Control-Allow-Origin", "*") // a public document: API tools on any origin may read it
	w.Write(s.api.doc)
}
