package resume

import (
	"reflect"
	"testing"
)

// The web app stores Sample() as it is ("Load a sample candidate"), and a
// job parses its stored profile: a sample that Parse rejects, or that comes
// back different, fails every first try. (Its counts and wording are
// fixture data, left untested.)
func TestSampleIsWhatParseAccepts(t *testing.T) {
	r := Sample()
	parsed, err := Parse(mustJSON(t, r))
	if err != nil {
		t.Fatalf("Parse(Sample()) = %v", err)
	}
	if !reflect.DeepEqual(parsed, r) {
		t.Errorf("Sample does not round-trip through JSON:\n%+v\n%+v", parsed, r)
	}
}

// Callers edit the sample they get (tests, the demo), so each call must
// return a value that shares nothing with the next.
func TestSampleSharesNothingBetweenCalls(t *testing.T) {
	want := string(mustJSON(t, Sample()))
	r := Sample()
	r.Basics.Profiles[0].URL = "changed"
	r.Work[0].Highlights[0] = "changed"
	r.Skills[0].Keywords[0] = "changed"
	if got := string(mustJSON(t, Sample())); got != want {
		t.Error("editing one Sample() changed the next one")
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
