package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
)

// The OpenAPI 3 document of the JSON API and the embeddable fragments,
// written by hand next to the routes it describes. TestOpenAPICoversRoutes
// walks the router: every /api and /embed route must be here, and every
// path here must be routed. /api/openapi.json serves it; /docs/api renders
// it for people.

type apiDoc struct {
	OpenAPI    string                              `json:"openapi"`
	Info       apiInfo                             `json:"info"`
	Servers    []apiServer                         `json:"servers"`
	Security   []map[string][]string               `json:"security"`
	Tags       []apiTag                            `json:"tags"`
	Paths      map[string]map[string]*apiOperation `json:"paths"`
	Components apiComponents                       `json:"components"`

	ops []apiRoute // the operations in the order they were added, for the page
}

type apiRoute struct {
	Method, Path string
	Op           *apiOperation
}

type apiInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

type apiServer struct {
	URL string `json:"url"`
}

type apiTag struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type apiComponents struct {
	SecuritySchemes map[string]apiSecurityScheme `json:"securitySchemes"`
	Schemas         map[string]*apiSchema        `json:"schemas"`

	order []string // schema names in the order they were added
}

type apiSecurityScheme struct {
	Type        string `json:"type"`
	Scheme      string `json:"scheme"`
	Description string `json:"description"`
}

type apiOperation struct {
	Tags        []string               `json:"tags"`
	Summary     string                 `json:"summary"`
	Description string                 `json:"description,omitempty"`
	OperationID string                 `json:"operationId"`
	Parameters  []apiParameter         `json:"parameters,omitempty"`
	RequestBody *apiRequestBody        `json:"requestBody,omitempty"`
	Responses   map[string]apiResponse `json:"responses"`
	Security    *[]map[string][]string `json:"security,omitempty"` // &[]...{} for a public route
}

type apiParameter struct {
	Name        string     `json:"name"`
	In          string     `json:"in"`
	Description string     `json:"description,omitempty"`
	Required    bool       `json:"required,omitempty"`
	Schema      *apiSchema `json:"schema"`
}

type apiRequestBody struct {
	Description string              `json:"description,omitempty"`
	Required    bool                `json:"required"`
	Content     map[string]apiMedia `json:"content"`
}

type apiMedia struct {
	Schema *apiSchema `json:"schema"`
}

type apiResponse struct {
	Description string               `json:"description"`
	Headers     map[string]apiHeader `json:"headers,omitempty"`
	Content     map[string]apiMedia  `json:"content,omitempty"`
}

type apiHeader struct {
	Description string     `json:"description"`
	Schema      *apiSchema `json:"schema"`
}

type apiSchema struct {
	Ref                  string                `json:"$ref,omitempty"`
	Type                 string                `json:"type,omitempty"`
	Format               string                `json:"format,omitempty"`
	Description          string                `json:"description,omitempty"`
	Enum                 []string              `json:"enum,omitempty"`
	Nullable             bool                  `json:"nullable,omitempty"`
	Properties           map[string]*apiSchema `json:"properties,omitempty"`
	Required             []string              `json:"required,omitempty"`
	Items                *apiSchema            `json:"items,omitempty"`
	AdditionalProperties *bool                 `json:"additionalProperties,omitempty"`

	order []string // property names as declared
}

// Schema builders.

type apiProp struct {
	name     string
	schema   *apiSchema
	required bool
}

func object(desc string, props ...apiProp) *apiSchema {
	s := &apiSchema{Type: "object", Description: desc, Properties: map[string]*apiSchema{}}
	for _, p := range props {
		s.Properties[p.name] = p.schema
		s.order = append(s.order, p.name)
		if p.required {
			s.Required = append(s.Required, p.name)
		}
	}
	return s
}

func prop(name string, s *apiSchema) apiProp { return apiProp{name: name, schema: s} }
func must(name string, s *apiSchema) apiProp { return apiProp{name: name, schema: s, required: true} }

func str(desc string) *apiSchema { return &apiSchema{Type: "string", Description: desc} }
func strEnum(desc string, values ...string) *apiSchema {
	return &apiSchema{Type: "string", Description: desc, Enum: values}
}
func integer(desc string) *apiSchema { return &apiSchema{Type: "integer", Description: desc} }
func boolean(desc string) *apiSchema { return &apiSchema{Type: "boolean", Description: desc} }
func dateTime(desc string) *apiSchema {
	return &apiSchema{Type: "string", Format: "date-time", Description: desc}
}
func nullable(s *apiSchema) *apiSchema {
	s.Nullable = true
	return s
}
func arrayOf(items *apiSchema) *apiSchema { return &apiSchema{Type: "array", Items: items} }
func ref(name string) *apiSchema          { return &apiSchema{Ref: "#/components/schemas/" + name} }

func jsonBody(desc string, s *apiSchema) *apiRequestBody {
	return &apiRequestBody{Description: desc, Required: true, Content: map[string]apiMedia{"application/json": {Schema: s}}}
}

func jsonResponse(desc string, s *apiSchema) apiResponse {
	return apiResponse{Description: desc, Content: map[string]apiMedia{"application/json": {Schema: s}}}
}

func htmlResponse(desc string) apiResponse {
	return apiResponse{Description: desc, Content: map[string]apiMedia{"text/html": {Schema: str("an HTML fragment")}}}
}

var errorMeanings = map[string]string{
	"400": "Malformed JSON or unknown fields.",
	"401": "Missing, wrong or revoked token.",
	"404": "No such object, or another user's.",
	"409": "Not possible in the job's current state.",
	"413": "Body or job description over its limit.",
	"422": "A field is invalid; `fields` names each one.",
	"429": "Too many requests for this token; see Retry-After.",
}

// withErrors adds the JSON error responses for codes (always 401 and 429).
func withErrors(rs map[string]apiResponse, codes ...string) map[string]apiResponse {
	for _, c := range append([]string{"401", "429"}, codes...) {
		r := jsonResponse(errorMeanings[c], ref("Error"))
		if c == "429" {
			r.Headers = map[string]apiHeader{"Retry-After": {Description: "Seconds until the token may send again.", Schema: integer("")}}
		}
		rs[c] = r
	}
	return rs
}

func idParam(what string) apiParameter {
	return apiParameter{Name: "id", In: "path", Required: true, Description: "The " + what + "'s id (an opaque string).", Schema: str("")}
}

func queryParam(name, desc string, s *apiSchema) apiParameter {
	return apiParameter{Name: name, In: "query", Description: desc, Schema: s}
}

var pageParamsDoc = []apiParameter{
	queryParam("limit", "At most this many (1 to 200, default 50).", integer("")),
	queryParam("offset", "Skip this many.", integer("")),
}

var etagHeaders = map[string]apiHeader{
	"ETag":          {Description: "Send it back in If-None-Match: 304 while nothing changed.", Schema: str("")},
	"Cache-Control": {Description: "private, no-cache", Schema: str("")},
}

func (d *apiDoc) add(method, path string, op *apiOperation) {
	if d.Paths[path] == nil {
		d.Paths[path] = map[string]*apiOperation{}
	}
	d.Paths[path][strings.ToLower(method)] = op
	d.ops = append(d.ops, apiRoute{Method: method, Path: path, Op: op})
}

func (d *apiDoc) schema(name string, s *apiSchema) {
	d.Components.Schemas[name] = s
	d.Components.order = append(d.Components.order, name)
}

var noAuth = &[]map[string][]string{}

// openAPI builds the document; baseURL ("" = relative) is its server.
func openAPI(baseURL string) *apiDoc {
	server := baseURL
	if server == "" {
		server = "/"
	}
	d := &apiDoc{
		OpenAPI: "3.0.3",
		Info: apiInfo{Title: "Tailor API", Version: "1",
			Description: "Tailor turns a candidate's profile (a JSON Resume document) and a job description into a tailored, " +
				"truthful resume PDF. Every request carries `Authorization: Bearer <token>`; create tokens under Settings, API " +
				"tokens, or with `tailor token create`. Ids are opaque strings. Errors are JSON `{\"error\": \"...\"}`. " +
				"Each token may send API_RATE_PER_MINUTE requests a minute (600 by default), then gets 429 with Retry-After."},
		Servers:  []apiServer{{URL: server}},
		Security: []map[string][]string{{"bearer": {}}},
		Tags: []apiTag{
			{Name: "Candidates", Description: "People and their profiles, as JSON Resume documents. Every save is a new version."},
			{Name: "Openings", Description: "Saved job descriptions."},
			{Name: "Jobs", Description: "Tailored resumes: start one, follow it, download or share its PDF."},
			{Name: "Tokens", Description: "The caller's own API tokens."},
			{Name: "Embed", Description: "HTML fragments another site's page loads with htmx (hx-get, hx-post), the token in " +
				"hx-headers; CORS admits only the origins in EMBED_ORIGINS."},
			{Name: "Meta", Description: "This document."},
		},
		Paths: map[string]map[string]*apiOperation{},
		Components: apiComponents{
			SecuritySchemes: map[string]apiSecurityScheme{"bearer": {Type: "http", Scheme: "bearer",
				Description: "An API token, tlr_...: revoked tokens are refused at once."}},
			Schemas: map[string]*apiSchema{},
		},
	}
	yes := true

	d.schema("Error", object("An error; the status says what kind.",
		must("error", str("What went wrong, for a person.")),
		prop("fields", &apiSchema{Type: "object", Description: "422 only: a message per field path, e.g. basics.name.",
			AdditionalProperties: &yes})))
	d.schema("JSONResume", &apiSchema{Type: "object", AdditionalProperties: &yes,
		Description: "A JSON Resume document (https://jsonresume.org/schema); basics.name is required. Max 1 MB."})
	d.schema("CandidateSaved", object("A candidate as saved.",
		must("id", str("")), must("name", str("basics.name")), must("version", integer("1 on create, +1 on every update."))))
	d.schema("CandidateSummary", object("A candidate in a list.",
		must("id", str("")), must("name", str("")), must("version", integer("")),
		must("created_at", dateTime("")), must("updated_at", dateTime(""))))
	d.schema("Opening", object("A saved job description.",
		must("id", str("")), must("title", str("")), must("company", str("")), must("location", str("")),
		prop("description", str("The job description; left out of lists.")),
		must("created_at", dateTime("")), must("updated_at", dateTime(""))))
	d.schema("OpeningInput", object("An opening's fields.",
		must("title", str("At most 300 characters.")), prop("company", str("At most 300 characters.")),
		prop("location", str("At most 300 characters.")), must("description", str("At most 100 KB.")),
	))
	d.schema("GenerateRequest", object("What to tailor, for whom.",
		must("candidate_id", str("")),
		must("job_description", str("At most 100 KB.")),
		prop("job_title", str("At most 300 characters.")),
		prop("company", str("At most 300 characters.")),
		prop("theme", strEnum("Default classic.", "classic", "modern", "compact")),
		prop("paper", strEnum("Default a4.", "a4", "letter")),
		prop("priority", strEnum("Batch jobs wait for interactive ones. Default interactive.", "interactive", "batch"))))
	d.schema("RegenerateRequest", object("Another print of a job's tailoring; each field defaults to the job's.",
		prop("theme", strEnum("", "classic", "modern", "compact")),
		prop("paper", strEnum("", "a4", "letter")),
		prop("priority", strEnum("", "interactive", "batch"))))
	d.schema("JobAccepted", object("A job was accepted (its row is committed before it is queued).",
		must("job_id", str("")), must("status", strEnum("", "queued")),
		must("status_url", str("")), must("download_url", str("")),
		must("cached", boolean("True when the result came from the cache."))))
	d.schema("Job", object("A job and where it is.",
		must("job_id", str("")),
		must("status", strEnum("", "queued", "running", "succeeded", "failed", "canceled")),
		must("stage", str("In words: queued, tailoring, checking facts, printing PDF, waiting for LLM capacity, done...")),
		must("progress", integer("0 to 100.")),
		must("attempts", integer("")),
		must("error", str("Why it failed, if it did.")),
		must("cached", boolean("The tailoring came from the cache (no LLM call).")),
		must("created_at", dateTime("")),
		must("started_at", nullable(dateTime(""))),
		must("finished_at", nullable(dateTime(""))),
		must("download_url", str("")),
		prop("candidate_id", str("Empty once the candidate is deleted.")),
		prop("candidate_name", str("")),
		prop("job_title", str("")),
		prop("company", str("")),
		prop("theme", str("")),
		prop("paper", str("")),
		prop("match_before", nullable(integer("Keyword match with the description before tailoring, in percent."))),
		prop("match_after", nullable(integer("The same after tailoring.")))))
	d.schema("ShareLink", object("A link that opens the PDF without a token.",
		must("job_id", str("")), must("url", str("Absolute, signed.")), must("expires_at", dateTime("7 days from now.")),
	))
	d.schema("Token", object("An API token; its secret is never shown again after creation.",
		must("id", str("")), must("name", str("")), must("created_at", dateTime("")),
		must("last_used_at", nullable(dateTime(""))), must("revoked_at", nullable(dateTime("")))))
	d.schema("TokenCreated", object("A new token: keep the secret, it is shown once.",
		must("id", str("")), must("name", str("")), must("token", str("The secret, tlr_...")),
		must("created_at", dateTime(""))))

	// Candidates.
	d.add("POST", "/api/candidates", &apiOperation{Tags: []string{"Candidates"}, OperationID: "createCandidate",
		Summary:     "Create a candidate",
		RequestBody: jsonBody("The profile.", ref("JSONResume")),
		Responses: withErrors(map[string]apiResponse{
			"201": jsonResponse("Created; Location is the candidate's URL.", ref("CandidateSaved"))}, "400", "413", "422")})
	d.add("GET", "/api/candidates", &apiOperation{Tags: []string{"Candidates"}, OperationID: "listCandidates",
		Summary:    "List candidates, most recently updated first",
		Parameters: append([]apiParameter{queryParam("q", "Part of the name.", str(""))}, pageParamsDoc...),
		Responses: withErrors(map[string]apiResponse{
			"200": jsonResponse("The candidates.", object("", must("candidates", arrayOf(ref("CandidateSummary")))))})})
	d.add("GET", "/api/candidates/{id}", &apiOperation{Tags: []string{"Candidates"}, OperationID: "getCandidate",
		Summary: "Export a candidate's profile", Description: "X-Candidate-Version says which version it is.",
		Parameters: []apiParameter{idParam("candidate")},
		Responses: withErrors(map[string]apiResponse{
			"200": {Description: "The JSON Resume document.", Headers: etagHeaders, Content: map[string]apiMedia{"application/json": {Schema: ref("JSONResume")}}},
			"304": {Description: "Not modified since the ETag sent in If-None-Match."}}, "404")})
	d.add("PUT", "/api/candidates/{id}", &apiOperation{Tags: []string{"Candidates"}, OperationID: "updateCandidate",
		Summary: "Replace a candidate's profile (a new version)", Parameters: []apiParameter{idParam("candidate")},
		RequestBody: jsonBody("The new profile.", ref("JSONResume")),
		Responses: withErrors(map[string]apiResponse{
			"200": jsonResponse("Saved.", ref("CandidateSaved"))}, "400", "404", "413", "422")})
	d.add("DELETE", "/api/candidates/{id}", &apiOperation{Tags: []string{"Candidates"}, OperationID: "deleteCandidate",
		Summary: "Delete a candidate", Description: "Jobs already run keep their copy of the profile.",
		Parameters: []apiParameter{idParam("candidate")},
		Responses:  withErrors(map[string]apiResponse{"204": {Description: "Deleted."}}, "404")})

	// Openings.
	d.add("GET", "/api/openings", &apiOperation{Tags: []string{"Openings"}, OperationID: "listOpenings",
		Summary: "List openings, most recently updated first", Parameters: pageParamsDoc,
		Responses: withErrors(map[string]apiResponse{
			"200": jsonResponse("The openings, without descriptions.", object("", must("openings", arrayOf(ref("Opening")))))})})
	d.add("POST", "/api/openings", &apiOperation{Tags: []string{"Openings"}, OperationID: "createOpening",
		Summary: "Save an opening", RequestBody: jsonBody("", ref("OpeningInput")),
		Responses: withErrors(map[string]apiResponse{
			"201": jsonResponse("Created; Location is its URL.", ref("Opening"))}, "400", "413", "422")})
	d.add("GET", "/api/openings/{id}", &apiOperation{Tags: []string{"Openings"}, OperationID: "getOpening",
		Summary: "Get an opening", Parameters: []apiParameter{idParam("opening")},
		Responses: withErrors(map[string]apiResponse{
			"200": jsonResponse("The opening.", ref("Opening")),
			"304": {Description: "Not modified."}}, "404")})
	d.add("PUT", "/api/openings/{id}", &apiOperation{Tags: []string{"Openings"}, OperationID: "updateOpening",
		Summary: "Replace an opening's fields", Parameters: []apiParameter{idParam("opening")},
		RequestBody: jsonBody("", ref("OpeningInput")),
		Responses: withErrors(map[string]apiResponse{
			"200": jsonResponse("Saved.", ref("Opening"))}, "400", "404", "413", "422")})
	d.add("DELETE", "/api/openings/{id}", &apiOperation{Tags: []string{"Openings"}, OperationID: "deleteOpening",
		Summary: "Delete an opening", Parameters: []apiParameter{idParam("opening")},
		Responses: withErrors(map[string]apiResponse{"204": {Description: "Deleted."}}, "404")})

	// Jobs.
	accepted := jsonResponse("Accepted; Location is the status URL.", ref("JobAccepted"))
	d.add("POST", "/api/resume-async/generate-async", &apiOperation{Tags: []string{"Jobs"}, OperationID: "generate",
		Summary: "Start a tailored resume", Description: "Answers at once; follow the job at status_url.",
		RequestBody: jsonBody("", ref("GenerateRequest")),
		Responses:   withErrors(map[string]apiResponse{"202": accepted}, "400", "404", "413", "422")})
	d.add("GET", "/api/resume-async/job-status/{id}", &apiOperation{Tags: []string{"Jobs"}, OperationID: "jobStatus",
		Summary:     "A job's status",
		Description: "The ETag is the job's version: poll with If-None-Match and get 304 until something changes.",
		Parameters:  []apiParameter{idParam("job")},
		Responses: withErrors(map[string]apiResponse{
			"200": {Description: "The job.", Headers: etagHeaders, Content: map[string]apiMedia{"application/json": {Schema: ref("Job")}}},
			"304": {Description: "Not modified since the ETag sent in If-None-Match."}}, "404")})
	d.add("GET", "/api/resume-async/download/{id}", &apiOperation{Tags: []string{"Jobs"}, OperationID: "download",
		Summary:     "Download a job's PDF",
		Description: "A PDF never changes once written: strong ETag, private, max-age=31536000, immutable.",
		Parameters:  []apiParameter{idParam("job")},
		Responses: withErrors(map[string]apiResponse{
			"200": {Description: "The PDF.", Content: map[string]apiMedia{"application/pdf": {Schema: &apiSchema{Type: "string", Format: "binary"}}}},
			"304": {Description: "Not modified."}}, "404", "409")})
	d.add("GET", "/api/resume-async/my-jobs", &apiOperation{Tags: []string{"Jobs"}, OperationID: "myJobs",
		Summary: "The caller's jobs, newest first",
		Parameters: append([]apiParameter{queryParam("status", "Comma-separated statuses, e.g. running,queued.", str(""))},
			pageParamsDoc...),
		Responses: withErrors(map[string]apiResponse{
			"200": jsonResponse("The jobs.", object("", must("jobs", arrayOf(ref("Job")))))})})
	d.add("POST", "/api/resume-async/cancel/{id}", &apiOperation{Tags: []string{"Jobs"}, OperationID: "cancel",
		Summary: "Cancel a queued or running job", Parameters: []apiParameter{idParam("job")},
		Responses: withErrors(map[string]apiResponse{
			"200": jsonResponse("The job, status canceled.", ref("Job"))}, "404", "409")})
	d.add("POST", "/api/resume-async/regenerate/{id}", &apiOperation{Tags: []string{"Jobs"}, OperationID: "regenerate",
		Summary: "Print a job's tailoring again, in another theme or paper",
		Description: "A new job with the same profile (as it was) and description: the tailoring comes from the cache, " +
			"only the printing runs. The body may be empty.",
		Parameters: []apiParameter{idParam("job")}, RequestBody: &apiRequestBody{Content: map[string]apiMedia{"application/json": {Schema: ref("RegenerateRequest")}}},
		Responses: withErrors(map[string]apiResponse{"202": accepted}, "400", "404", "422")})
	d.add("POST", "/api/resume-async/share/{id}", &apiOperation{Tags: []string{"Jobs"}, OperationID: "share",
		Summary:     "A share link to a job's PDF",
		Description: "Anyone with the link can open the PDF, without a token, for 7 days; it is cacheable by a CDN until then.",
		Parameters:  []apiParameter{idParam("job")},
		Responses: withErrors(map[string]apiResponse{
			"200": jsonResponse("The link.", ref("ShareLink"))}, "404", "409")})

	// Tokens.
	d.add("GET", "/api/tokens", &apiOperation{Tags: []string{"Tokens"}, OperationID: "listTokens",
		Summary: "The caller's tokens, newest first",
		Responses: withErrors(map[string]apiResponse{
			"200": jsonResponse("The tokens.", object("", must("tokens", arrayOf(ref("Token")))))})})
	d.add("POST", "/api/tokens", &apiOperation{Tags: []string{"Tokens"}, OperationID: "createToken",
		Summary:     "Create a token for the caller",
		RequestBody: jsonBody("", object("", prop("name", str("To recognise it by; at most 100 characters.")))),
		Responses: withErrors(map[string]apiResponse{
			"201": jsonResponse("The token and its secret.", ref("TokenCreated"))}, "400", "422")})
	d.add("DELETE", "/api/tokens/{id}", &apiOperation{Tags: []string{"Tokens"}, OperationID: "revokeToken",
		Summary: "Revoke one of the caller's tokens", Description: "At once: its next request is 401.",
		Parameters: []apiParameter{idParam("token")},
		Responses:  withErrors(map[string]apiResponse{"204": {Description: "Revoked."}}, "404")})

	// Meta.
	d.add("GET", "/api/openapi.json", &apiOperation{Tags: []string{"Meta"}, OperationID: "openapi",
		Summary: "This document", Security: noAuth,
		Responses: map[string]apiResponse{"200": jsonResponse("OpenAPI 3.", &apiSchema{Type: "object"})}})

	// Embed.
	fragmentErrors := func(rs map[string]apiResponse) map[string]apiResponse {
		rs["401"] = htmlResponse("Missing, wrong or revoked token.")
		rs["404"] = htmlResponse("No such object, or another user's.")
		rs["429"] = htmlResponse("Too many requests for this token; see Retry-After.")
		return rs
	}
	d.add("GET", "/embed/candidates/{id}/generate", &apiOperation{Tags: []string{"Embed"}, OperationID: "embedGenerateForm",
		Summary: "The generate form for a candidate", Parameters: []apiParameter{idParam("candidate")},
		Responses: fragmentErrors(map[string]apiResponse{"200": htmlResponse("The form; new cards appear under it.")})})
	d.add("POST", "/embed/candidates/{id}/generate", &apiOperation{Tags: []string{"Embed"}, OperationID: "embedGenerate",
		Summary:     "Start a job from the form",
		Description: "The new job's card; a form with errors comes back in place of itself (HX-Retarget), still 200.",
		Parameters:  []apiParameter{idParam("candidate")},
		RequestBody: &apiRequestBody{Required: true, Content: map[string]apiMedia{"application/x-www-form-urlencoded": {Schema: object("",
			prop("opening_id", str("")), prop("job_description", str("")), prop("job_title", str("")), prop("company", str("")),
			prop("theme", str("")), prop("paper", str("")))}}},
		Responses: fragmentErrors(map[string]apiResponse{"200": htmlResponse("The job's card, or the form with errors.")})})
	d.add("GET", "/embed/candidates/{id}/jobs", &apiOperation{Tags: []string{"Embed"}, OperationID: "embedJobs",
		Summary: "A candidate's latest jobs, as cards", Parameters: []apiParameter{idParam("candidate")},
		Responses: fragmentErrors(map[string]apiResponse{"200": htmlResponse("The cards; running ones poll by themselves."),
			"304": {Description: "Not modified."}})})
	d.add("GET", "/embed/jobs/{id}/card", &apiOperation{Tags: []string{"Embed"}, OperationID: "embedCard",
		Summary:     "A job's status card",
		Description: "Polls itself every 2 s; 286 (the final card) stops htmx polling. ETag from the job's version, private, no-cache.",
		Parameters:  []apiParameter{idParam("job")},
		Responses: fragmentErrors(map[string]apiResponse{
			"200": htmlResponse("The card of a running job."), "286": htmlResponse("The final card."),
			"304": {Description: "Not modified."}})})
	d.add("POST", "/embed/jobs/{id}/cancel", &apiOperation{Tags: []string{"Embed"}, OperationID: "embedCancel",
		Summary: "Cancel a job from its card", Parameters: []apiParameter{idParam("job")},
		Responses: fragmentErrors(map[string]apiResponse{"200": htmlResponse("The final card.")})})
	d.add("GET", "/embed/embed.css", &apiOperation{Tags: []string{"Embed"}, OperationID: "embedCSS",
		Summary: "The optional stylesheet for the fragments (tailor-* classes only)", Security: noAuth,
		Responses: map[string]apiResponse{"200": {Description: "CSS, public, max-age=3600, with an ETag."}}})
	d.add("GET", "/embed/htmx.min.js", &apiOperation{Tags: []string{"Embed"}, OperationID: "embedHTMX",
		Summary: "htmx 2, for host pages that do not have it", Security: noAuth,
		Responses: map[string]apiResponse{"200": {Description: "JavaScript, public, max-age=3600, with an ETag."}}})
	d.add("GET", "/embed/example", &apiOperation{Tags: []string{"Embed"}, OperationID: "embedExample",
		Summary:     "An example host page",
		Description: "Give it a token and ids after # (it asks); it shows the fragments of this Tailor only.", Security: noAuth,
		Responses: map[string]apiResponse{"200": {Description: "HTML."}}})
	d.add("GET", "/embed/example.js", &apiOperation{Tags: []string{"Embed"}, OperationID: "embedExampleJS",
		Summary: "The example host page's script", Security: noAuth,
		Responses: map[string]apiResponse{"200": {Description: "JavaScript, public, max-age=3600, with an ETag."}}})
	d.add("GET", "/embed/example.css", &apiOperation{Tags: []string{"Embed"}, OperationID: "embedExampleCSS",
		Summary: "The example host page's stylesheet", Security: noAuth,
		Responses: map[string]apiResponse{"200": {Description: "CSS, public, max-age=3600, with an ETag."}}})
	return d
}

// GET /api/openapi.json: public (no token), like any API description.
func (s *Server) openAPIJSON(w http.ResponseWriter, r *http.Request) {
	if etagMatch(r.Header.Get("If-None-Match"), s.api.docETag) {
		w.Header().Set("ETag", s.api.docETag)
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("ETag", s.api.docETag)
	h.Set("Access-Control-Allow-Origin", "*") // a public document: API tools on any origin may read it
	w.Write(s.api.doc)
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic("openapi: " + err.Error())
	}
	return b
}
