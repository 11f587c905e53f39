package resume

import "testing"

func TestInUnitedStates(t *testing.T) {
	tests := []struct {
		loc  *Location
		want bool
	}{
		{nil, false},
		{&Location{}, false},
		{&Location{CountryCode: "US"}, true},
		{&Location{CountryCode: "usa"}, true},
		{&Location{CountryCode: "United States"}, true},
		{&Location{CountryCode: "GB", Region: "Texas"}, false}, // the country decides
		{&Location{CountryCode: "CA", Region: "ON"}, false},
		{&Location{Region: "California"}, true},
		{&Location{Region: "NY"}, true},
		{&Location{City: "Austin, TX"}, true},
		{&Location{Address: "1 Main St, Springfield, USA"}, true},
		{&Location{City: "Berlin"}, false},
		{&Location{City: "Paris, France"}, false},
	}
	for _, tt := range tests {
		if got := InUnitedStates(tt.loc); got != tt.want {
			t.Errorf("InUnitedStates(%+v) = %v, want %v", tt.loc, got, tt.want)
		}
	}
}
