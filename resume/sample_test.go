package resume

import (
	"reflect"
	"strings"
	"testing"
)

func TestSample(t *testing.T) {
	r := Sample()
	if err := Validate(r); err != nil {
		t.Fatalf("Validate(Sample()) = %v", err)
	}
	parsed, err := Parse(mustJSON(t, r))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if !reflect.DeepEqual(parsed, r) {
		t.Errorf("Sample does not round-trip through JSON:\n%+v\n%+v", parsed, r)
	}
	if got, want := len(r.Work), 3; got != want {
		t.Errorf("got %d work entries, want %d", got, want)
	}
	if got, want := len(r.Skills), 8; got != want {
		t.Errorf("got %d skills, want %d", got, want)
	}
	r.Work[0].Highlights[0] = "changed"
	if Sample().Work[0].Highlights[0] == "changed" {
		t.Error("Sample shares state between calls")
	}
}

func TestSampleJobDescription(t *testing.T) {
	for _, section := range []string{"Requirements", "Preferred"} {
		if !strings.Contains(SampleJobDescription, "\n"+section+"\n") {
			t.Errorf("SampleJobDescription lacks a %q section", section)
		}
	}
	if n := len(strings.Fields(SampleJobDescription)); n < 180 || n > 320 {
		t.Errorf("SampleJobDescription has %d words, want about 250", n)
	}
}

func TestClone(t *testing.T) {
	r := Sample()
	r.Meta = &Meta{Version: "v1"}
	r.Volunteer = []Volunteer{{Organization: "o", Highlights: []string{"h"}}}
	r.Interests = []Interest{{Name: "i", Keywords: []string{"k"}}}
	c := r.Clone()
	if !reflect.DeepEqual(c, r) {
		t.Fatal("clone differs from original")
	}
	c.Basics.Location.City = "x"
	c.Basics.Profiles[0].URL = "x"
	c.Work[0].Highlights[0] = "x"
	c.Education[0].Courses = append(c.Education[0].Courses, "x")
	c.Skills[0].Keywords[0] = "x"
	c.Projects[0].Roles[0] = "x"
	c.Projects[0].Keywords[0] = "x"
	c.Volunteer[0].Highlights[0] = "x"
	c.Interests[0].Keywords[0] = "x"
	c.Meta.Version = "x"
	want := Sample()
	want.Meta = &Meta{Version: "v1"}
	want.Volunteer = []Volunteer{{Organization: "o", Highlights: []string{"h"}}}
	want.Interests = []Interest{{Name: "i", Keywords: []string{"k"}}}
	if !reflect.DeepEqual(r, want) {
		t.Error("editing the clone changed the original")
	}
}

// FuzzParse checks that no input panics and that every failure is one of
// the two error types callers map to 400 and 422.
func FuzzParse(f *testing.F) {
	f.Add(string(mustJSON(f, Sample())))
	f.Add(`{"basics": {"name": "A"}, "work": [{"name": "X", "highlights": ["a", 3]}]}`)
	f.Add(`{"basics": {"name": "A"}} trailing`)
	f.Add(`[`)
	f.Fuzz(func(t *testing.T, data string) {
		_, err := Parse([]byte(data))
		if err == nil {
			return
		}
		switch err.(type) {
		case *SyntaxError, ValidationErrors:
		default:
			t.Fatalf("Parse(%q) returned %T: %v", data, err, err)
		}
	})
}
