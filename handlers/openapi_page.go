package handlers

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/tailor-app/tailor/views"
)

// GET /docs/api: the API reference for people, from the same document as
// /api/openapi.json. It is the same for everyone, so it is served without
// a session and may be cached by a CDN.
func (s *Server) apiDocsPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	s.render(w, r, http.StatusOK, views.APIDocsView(views.Page{Title: "API"}, s.api.docsPage))
}

// apiDocsData turns the OpenAPI document into the page's data.
func apiDocsData(d *apiDoc) views.APIDocs {
	out := views.APIDocs{Intro: d.Info.Description, Server: strings.TrimSuffix(d.Servers[0].URL, "/")}
	groups := map[string]*views.APIGroup{}
	for _, t := range d.Tags {
		out.Groups = append(out.Groups, views.APIGroup{Name: t.Name, Description: t.Description})
	}
	for i := range out.Groups {
		groups[out.Groups[i].Name] = &out.Groups[i]
	}
	for _, rt := range d.ops {
		op := views.APIOp{Method: rt.Method, Path: rt.Path, Summary: rt.Op.Summary, Description: rt.Op.Description,
			Public: rt.Op.Security != nil && len(*rt.Op.Security) == 0}
		for _, p := range rt.Op.Parameters {
			op.Params = append(op.Params, views.APIField{Name: p.Name, In: p.In, Type: schemaWords(p.Schema), Required: p.Required, Description: p.Description})
		}
		if b := rt.Op.RequestBody; b != nil {
			for mt, m := range b.Content {
				op.BodyType, op.Body = mt, schemaWords(m.Schema)
				if m.Schema.Ref == "" && len(m.Schema.order) > 0 {
					names := make([]string, len(m.Schema.order))
					copy(names, m.Schema.order)
					op.Body = "fields " + strings.Join(names, ", ")
				}
			}
		}
		codes := make([]string, 0, len(rt.Op.Responses))
		for c := range rt.Op.Responses {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		for _, c := range codes {
			rs := rt.Op.Responses[c]
			resp := views.APIResponse{Status: c, Description: rs.Description}
			for mt, m := range rs.Content {
				resp.Type = mt
				if w := schemaWords(m.Schema); m.Schema.Ref != "" || m.Schema.Type == "object" && len(m.Schema.order) > 0 {
					resp.Type += ", " + w
				}
			}
			op.Responses = append(op.Responses, resp)
		}
		g := groups[rt.Op.Tags[0]]
		g.Ops = append(g.Ops, op)
	}
	for _, name := range d.Components.order {
		sc := d.Components.Schemas[name]
		v := views.APISchema{Name: name, Description: sc.Description}
		for _, p := range sc.order {
			v.Fields = append(v.Fields, views.APIField{Name: p, Type: schemaWords(sc.Properties[p]),
				Required: slices.Contains(sc.Required, p), Description: sc.Properties[p].Description})
		}
		out.Schemas = append(out.Schemas, v)
	}
	return out
}

// schemaWords says what a schema is, briefly: "string (date-time)",
// "array of Job", "object with jobs".
func schemaWords(s *apiSchema) string {
	switch {
	case s == nil:
		return ""
	case s.Ref != "":
		return s.Ref[strings.LastIndex(s.Ref, "/")+1:]
	case s.Type == "array":
		return "array of " + schemaWords(s.Items)
	case s.Type == "object" && len(s.order) > 0:
		return "object with " + strings.Join(s.order, ", ")
	}
	w := s.Type
	if s.Format != "" {
		w += " (" + s.Format + ")"
	}
	if len(s.Enum) > 0 {
		w += ": " + strings.Join(s.Enum, ", ")
	}
	if s.Nullable {
		w += " or null"
	}
	return w
}
