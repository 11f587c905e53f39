package resume

import (
	"strings"
)

// usStates holds the names and postal codes of the US states, DC and the
// territories, lower case.
var usStates = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Split("alabama al|alaska ak|arizona az|arkansas ar|california ca|colorado co|connecticut ct|"+
		"delaware de|district of columbia dc|florida fl|georgia ga|hawaii hi|idaho id|illinois il|indiana in|iowa ia|"+
		"kansas ks|kentucky ky|louisiana la|maine me|maryland md|massachusetts ma|michigan mi|minnesota mn|"+
		"mississippi ms|missouri mo|montana mt|nebraska ne|nevada nv|new hampshire nh|new jersey nj|new mexico nm|"+
		"new york ny|north carolina nc|north dakota nd|ohio oh|oklahoma ok|oregon or|pennsylvania pa|"+
		"rhode island ri|south carolina sc|south dakota sd|tennessee tn|texas tx|utah ut|vermont vt|virginia va|"+
		"washington wa|west virginia wv|wisconsin wi|wyoming wy|puerto rico pr|guam gu", "|") {
		i := strings.LastIndexByte(s, ' ')
		m[s[:i]], m[s[i+1:]] = true, true
	}
	return m
}()

var usCountry = map[string]bool{"us": true, "usa": true, "u.s.": true, "u.s.a.": true,
	"united states": true, "united states of america": true}

// InUnitedStates reports whether a location is in the US: its country code
// or country says so, or, with no country, its region (or the last part of
// "Austin, TX") is a US state. Letter paper is the default there.
func InUnitedStates(l *Location) bool {
	if l == nil {
		return false
	}
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	if c := norm(l.CountryCode); c != "" {
		return usCountry[c]
	}
	if usStates[norm(l.Region)] {
		return true
	}
	for _, f := range []string{l.City, l.Address} {
		parts := strings.Split(f, ",")
		last := norm(parts[len(parts)-1])
		if len(parts) > 1 && (usCountry[last] || usStates[last]) {
			return true
		}
	}
	return false
}
