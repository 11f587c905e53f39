package handlers

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/tailor-app/tailor/views"
)

// GET /docs/api: the API reference for people, from the same document as
// /api/openapi.json. Signed in, it has the usual top bar (and is private);
// signed out, it is the same for everyone and a CDN may cache it.
func (s *Server) apiDocsPage(w http.ResponseWriter, r *http.Request) {
	addVary(w.Header(), "Cookie")
	if currentUser(r).ID != "" {
		w.Header().Set("Cache-Control", "private, no-cache")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	s.render(w, r, http.StatusOK, views.APIDocsView(s.page(r, "API", "docs"), s.api.docsPage))
}

// apiDocsData turns the OpenAPI document into the page's data.
func apiDocsData(d *apiDoc) views.APIDocs {
	out := views.APIDocs{Intro: d.Info.Description, Server: strings.TrimSuffix(d.server, "/")}
	groups := map[string]*views.APIGroup{}
	for _, t := range d.Tags {
		out.Groups = append(out.Groups, views.APIGroup{Name: t.Name, Description: t.Description})
	}
	for i := range out.Groups {
		groups[out.Groups[i].Name] = &out.Groups[i]
	}
	for _, path := range d.Paths.keys {
		methods := d.Paths.m[path]
		for _, method := range methods.keys {
			g := groups[methods.m[method].Tags[0]]
			g.Ops = append(g.Ops, apiOpView(d, strings.ToUpper(method), path, methods.m[method]))
		}
	}
	for _, name := range d.Components.Schemas.keys {
		sc := d.Components.Schemas.m[name]
		v := views.APISchema{Name: name, Description: sc.Description}
		for _, p := range sc.Properties.keys {
			ps := sc.Properties.m[p]
			v.Fields = append(v.Fields, views.APIField{Name: p, Type: schemaWords(ps),
				Required: slices.Contains(sc.Required, p), Description: ps.Description})
		}
		out.Schemas = append(out.Schemas, v)
	}
	return out
}

func apiOpView(d *apiDoc, method, path string, o *apiOperation) views.APIOp {
	op := views.APIOp{Method: method, Path: path, Summary: o.Summary, Description: o.Description,
		Public: o.Security != nil && len(*o.Security) == 0}
	for _, p := range o.Parameters {
		p = d.parameter(p)
		op.Params = append(op.Params, views.APIField{Name: p.Name, In: p.In, Type: schemaWords(p.Schema), Required: p.Required, Description: p.Description})
	}
	if b := o.RequestBody; b != nil {
		for mt, m := range b.Content {
			op.BodyType, op.Body = mt, schemaWords(m.Schema)
			if m.Schema.Ref == "" && len(m.Schema.Properties.keys) > 0 {
				op.Body = "fields " + strings.Join(m.Schema.Properties.keys, ", ")
			}
		}
	}
	codes := make([]string, 0, len(o.Responses))
	for c := range o.Responses {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		rs := d.response(o.Responses[c])
		resp := views.APIResponse{Status: c, Description: rs.Description}
		for mt, m := range rs.Content {
			resp.Type = mt
			if w := schemaWords(m.Schema); m.Schema.Ref != "" || m.Schema.Type == "object" && len(m.Schema.Properties.keys) > 0 {
				resp.Type += ", " + w
			}
		}
		op.Responses = append(op.Responses, resp)
	}
	return op
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
	case s.Type == "object" && len(s.Properties.keys) > 0:
		return "object with " + strings.Join(s.Properties.keys, ", ")
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
