package views

import "testing"

func TestFieldWords(t *testing.T) {
	for path, want := range map[string]string{
		"basics.summary":          "Summary",
		"work[0].highlights[2]":   "Job 1 · highlight 3",
		"work[1].position":        "Job 2 · job title",
		"skills[0].keywords[3]":   "Skill group 1 · keyword 4",
		"projects[0].description": "Project 1 · description",
		"education[1]":            "Education 2",
		"something[odd":           "something[odd",
	} {
		if got := fieldWords(path); got != want {
			t.Errorf("fieldWords(%q) = %q, want %q", path, got, want)
		}
	}
}
