package resume

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// mustJSON marshals v or fails the test.
func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("marshal: %v", err)
	}
	return b
}

// withBasics returns a minimal valid document with extra top-level members.
func withBasics(extra string) string {
	doc := `{"basics": {"name": "Ada Lovelace"}`
	if extra != "" {
		doc += ", " + extra
	}
	return doc + "}"
}

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		input     string
		wantField string // a ValidationErrors field, "" for none
		wantError string // a *SyntaxError message substring, "" for none
	}{
		{name: "minimal document", input: withBasics("")},
		{name: "full sample", input: string(mustJSON(t, Sample()))},
		{name: "schema and meta", input: withBasics(`"$schema": "https://example.com/schema.json", "meta": {"version": "v1.0.0"}`)},
		{name: "null section", input: withBasics(`"work": null`)},
		{name: "empty input", input: "", wantError: "empty document"},
		{name: "truncated", input: `{"basics": {"name": "A"`, wantError: "unexpected end of input"},
		{name: "trailing comma", input: `{"basics": {"name": "A",}}`, wantError: "invalid JSON at byte 25 (line 1, column 25)"},
		{name: "syntax error on a later line", input: "{\n  \"basics\": {\n    \"name\": 'A'\n  }\n}", wantError: "line 3, column"},
		{name: "unknown top-level field", input: withBasics(`"foo": 1`), wantError: `unknown field "foo"`},
		{name: "unknown nested field", input: withBasics(`"work": [{"name": "X", "salary": 1}]`), wantError: `unknown field "salary" in work[0]`},
		{name: "string for array", input: withBasics(`"work": [{"name": "X", "highlights": "one"}]`), wantError: "work[0].highlights: expected array of strings"},
		{name: "number in string array", input: withBasics(`"work": [{"name": "X", "highlights": ["a", 3]}]`), wantError: "work[0].highlights[1]: expected string"},
		{name: "array for object", input: `{"basics": []}`, wantError: "basics: expected object"},
		{name: "document is an array", input: `[]`, wantError: "expected object"},
		{name: "trailing document", input: withBasics("") + ` {}`, wantError: "unexpected data after the JSON document at byte 38 (line 1, column 38)"},
		{name: "trailing garbage", input: withBasics("") + "\n x", wantError: "unexpected data after the JSON document at byte 39 (line 2, column 2)"},
		{name: "missing name", input: `{"basics": {"label": "Engineer"}}`, wantField: "basics.name"},
		{name: "blank name", input: `{"basics": {"name": "   "}}`, wantField: "basics.name"},
		{name: "null document", input: `null`, wantField: "basics.name"},
		{name: "month 13", input: withBasics(`"work": [{"name": "X", "startDate": "2020-13"}]`), wantField: "work[0].startDate"},
		{name: "February 30", input: withBasics(`"education": [{"institution": "X", "endDate": "2023-02-30"}]`), wantField: "education[0].endDate"},
		{name: "present as end date", input: withBasics(`"work": [{"name": "X", "endDate": "Present"}]`), wantField: "work[0].endDate"},
		{name: "javascript url", input: `{"basics": {"name": "A", "url": "javascript:alert(1)"}}`, wantField: "basics.url"},
		{name: "data url in profile", input: `{"basics": {"name": "A", "profiles": [{"url": "data:text/html,hi"}]}}`, wantField: "basics.profiles[0].url"},
		{name: "file url", input: withBasics(`"work": [{"name": "X", "url": "file:///etc/passwd"}]`), wantField: "work[0].url"},
		{name: "bad email", input: `{"basics": {"name": "A", "email": "not-an-email"}}`, wantField: "basics.email"},
		{name: "missing company", input: withBasics(`"work": [{"position": "Engineer"}]`), wantField: "work[0].name"},
		{name: "missing skill name", input: withBasics(`"skills": [{"keywords": ["Go"]}]`), wantField: "skills[0].name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			var syn *SyntaxError
			var verrs ValidationErrors
			switch {
			case tt.wantError != "":
				if !errors.As(err, &syn) {
					t.Fatalf("got error %v (%T), want *SyntaxError", err, err)
				}
				if got := syn.Error(); !strings.Contains(got, tt.wantError) {
					t.Errorf("got message %q, want it to contain %q", got, tt.wantError)
				}
			case tt.wantField != "":
				if !errors.As(err, &verrs) {
					t.Fatalf("got error %v (%T), want ValidationErrors", err, err)
				}
				if _, ok := verrs.Fields()[tt.wantField]; !ok {
					t.Errorf("got fields %v, want %q among them", verrs.Fields(), tt.wantField)
				}
			case err != nil:
				t.Fatalf("got error %v, want none", err)
			}
		})
	}
}

func TestParseNormalizes(t *testing.T) {
	got, err := Parse([]byte(`{"basics": {"name": "  Ada Lovelace "},
		"work": [{"name": " Analytical Engines ", "highlights": ["  Wrote the first program ", "", "  "]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Resume{
		Basics: Basics{Name: "Ada Lovelace"},
		Work:   []Work{{Name: "Analytical Engines", Highlights: []string{"Wrote the first program"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParseReturnsResumeWithValidationErrors(t *testing.T) {
	got, err := Parse([]byte(`{"basics": {"name": "A", "email": "nope"}}`))
	if _, ok := err.(ValidationErrors); !ok {
		t.Fatalf("got error %v, want ValidationErrors", err)
	}
	if got.Basics.Email != "nope" {
		t.Errorf("got email %q, want the parsed document returned for a form", got.Basics.Email)
	}
}

func TestNormalize(t *testing.T) {
	r := Resume{
		Basics: Basics{Name: " A ", Location: &Location{City: "\tLeeds\n"}},
		Skills: []Skill{{Name: " Go ", Keywords: []string{" gRPC", "", " "}}},
		Projects: []Project{{
			Name: "p", Roles: []string{""}, Keywords: []string{"x "},
		}},
		Meta: &Meta{Version: " v1 "},
	}
	r.Normalize()
	want := Resume{
		Basics:   Basics{Name: "A", Location: &Location{City: "Leeds"}},
		Skills:   []Skill{{Name: "Go", Keywords: []string{"gRPC"}}},
		Projects: []Project{{Name: "p", Keywords: []string{"x"}}},
		Meta:     &Meta{Version: "v1"},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got %+v, want %+v", r, want)
	}
}

func TestValidate(t *testing.T) {
	valid := func() Resume { return Sample() }
	tests := []struct {
		name   string
		mutate func(*Resume)
		want   map[string]string // field -> message substring; empty means valid
	}{
		{name: "sample is valid", mutate: func(*Resume) {}},
		{name: "name too long", mutate: func(r *Resume) { r.Basics.Name = strings.Repeat("a", 201) },
			want: map[string]string{"basics.name": "at most 200 characters"}},
		{name: "summary too long", mutate: func(r *Resume) { r.Basics.Summary = strings.Repeat("é", 5001) },
			want: map[string]string{"basics.summary": "at most 5000 characters"}},
		{name: "summary at the limit", mutate: func(r *Resume) { r.Basics.Summary = strings.Repeat("é", 5000) }},
		{name: "position too long", mutate: func(r *Resume) { r.Work[1].Position = strings.Repeat("a", 301) },
			want: map[string]string{"work[1].position": "at most 300 characters"}},
		{name: "keyword too long", mutate: func(r *Resume) { r.Skills[0].Keywords[1] = strings.Repeat("a", 301) },
			want: map[string]string{"skills[0].keywords[1]": "at most 300 characters"}},
		{name: "company required", mutate: func(r *Resume) { r.Work[2].Name = "" },
			want: map[string]string{"work[2].name": "company name is required"}},
		{name: "institution required", mutate: func(r *Resume) { r.Education[0].Institution = "" },
			want: map[string]string{"education[0].institution": "institution is required"}},
		{name: "certificate name required", mutate: func(r *Resume) { r.Certificates[0].Name = "" },
			want: map[string]string{"certificates[0].name": "certificate name is required"}},
		{name: "bad dates", mutate: func(r *Resume) {
			r.Work[0].StartDate = "2021-3"
			r.Certificates[0].Date = "April 2022"
		}, want: map[string]string{"work[0].startDate": "YYYY-MM", "certificates[0].date": "YYYY-MM"}},
		{name: "end before start", mutate: func(r *Resume) { r.Work[1].EndDate = "2016" },
			want: map[string]string{"work[1].endDate": "before startDate"}},
		{name: "end in the start year at lower precision", mutate: func(r *Resume) { r.Work[1].EndDate = "2017" }},
		{name: "too many work entries", mutate: func(r *Resume) {
			for len(r.Work) <= 50 {
				r.Work = append(r.Work, Work{Name: "X"})
			}
		}, want: map[string]string{"work": "at most 50 entries, has 51"}},
		{name: "too many highlights", mutate: func(r *Resume) {
			for len(r.Work[0].Highlights) <= 30 {
				r.Work[0].Highlights = append(r.Work[0].Highlights, "x")
			}
		}, want: map[string]string{"work[0].highlights": "at most 30 entries"}},
		{name: "too many keywords", mutate: func(r *Resume) {
			for len(r.Skills[3].Keywords) <= 50 {
				r.Skills[3].Keywords = append(r.Skills[3].Keywords, "x")
			}
		}, want: map[string]string{"skills[3].keywords": "at most 50 entries"}},
		{name: "too many skills", mutate: func(r *Resume) {
			for len(r.Skills) <= 100 {
				r.Skills = append(r.Skills, Skill{Name: "x"})
			}
		}, want: map[string]string{"skills": "at most 100 entries"}},
		{name: "image must be http", mutate: func(r *Resume) { r.Basics.Image = "data:image/png;base64,AAAA" },
			want: map[string]string{"basics.image": "http or https URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.mutate(&r)
			err := Validate(r)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				return
			}
			verrs, ok := err.(ValidationErrors)
			if !ok {
				t.Fatalf("got error %v (%T), want ValidationErrors", err, err)
			}
			got := verrs.Fields()
			if len(got) != len(tt.want) {
				t.Errorf("got fields %v, want %v", got, tt.want)
			}
			for field, msg := range tt.want {
				if !strings.Contains(got[field], msg) {
					t.Errorf("field %s: got message %q, want it to contain %q", field, got[field], msg)
				}
			}
		})
	}
}

func TestValidDate(t *testing.T) {
	tests := []struct {
		date string
		want bool
	}{
		{"2020", true},
		{"2020-01", true},
		{"2020-12-31", true},
		{"2020-02-29", true},
		{"2021-02-29", false},
		{"2020-00", false},
		{"2020-1", false},
		{"2020-01-1", false},
		{"20", false},
		{"2020/01", false},
		{"2020-01-01T00:00:00Z", false},
		{"present", false},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			if got := validDate(tt.date); got != tt.want {
				t.Errorf("validDate(%q) = %v, want %v", tt.date, got, tt.want)
			}
		})
	}
}

func TestValidURL(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"https://example.com", true},
		{"http://example.com/a?b=c", true},
		{"HTTPS://EXAMPLE.COM", true},
		{"javascript:alert(1)", false},
		{"JavaScript:alert(1)", false},
		{"data:text/html,<script>", false},
		{"file:///etc/passwd", false},
		{"//example.com", false},
		{"example.com", false},
		{"https://", false},
		{"https://exa mple.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if got := validURL(tt.url); got != tt.want {
				t.Errorf("validURL(%q) = %v, want %v", tt.url, got, tt.want)
			}
		})
	}
}

func TestValidEmail(t *testing.T) {
	tests := []struct {
		email string
		want  bool
	}{
		{"ada@example.com", true},
		{"ada.lovelace+cv@mail.example.co.uk", true},
		{"ada", false},
		{"@example.com", false},
		{"ada@example", false},
		{"ada@@example.com", false},
		{"ada @example.com", false},
		{"Ada <ada@example.com>", false},
		{"ada@example..com", false},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			if got := validEmail(tt.email); got != tt.want {
				t.Errorf("validEmail(%q) = %v, want %v", tt.email, got, tt.want)
			}
		})
	}
}

func TestValidationErrors(t *testing.T) {
	errs := ValidationErrors{
		{Field: "basics.name", Message: "is required"},
		{Field: "work[0].startDate", Message: "must be a date"},
		{Field: "basics.name", Message: "second message"},
	}
	if got, want := errs.Error(), "basics.name: is required; work[0].startDate: must be a date; basics.name: second message"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	got := errs.Fields()
	want := map[string]string{"basics.name": "is required", "work[0].startDate": "must be a date"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Fields() = %v, want %v", got, want)
	}
}

func BenchmarkParse(b *testing.B) {
	data := mustJSON(b, Sample())
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
