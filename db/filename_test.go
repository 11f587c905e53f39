package db

import (
	"strings"
	"testing"
)

func TestFilenames(t *testing.T) {
	tests := []struct {
		job         Job
		name, ascii string
	}{
		{Job{CandidateName: "Maya Okafor", Company: "Globex"}, "Maya Okafor - Globex.pdf", "Maya Okafor - Globex.pdf"},
		{Job{CandidateName: "Maya Okafor"}, "Maya Okafor.pdf", "Maya Okafor.pdf"},
		{Job{CandidateName: `Ma"ya/../\Ok;afor`, Company: "Acme\r\nX-Evil: 1"}, "Maya..Okafor - AcmeX-Evil 1.pdf", "Maya..Okafor - AcmeX-Evil 1.pdf"},
		{Job{CandidateName: "Sofía Álvarez", Company: "Northbeam"}, "Sofía Álvarez - Northbeam.pdf", "Sofia Alvarez - Northbeam.pdf"},
		{Job{CandidateName: "José Ñúñez"}, "José Ñúñez.pdf", "Jose Nunez.pdf"},
		{Job{CandidateName: "Sofi\u0301a"}, "Sofía.pdf", "Sofia.pdf"}, // decomposed: composed for the name
		{Job{CandidateName: "Søren Straße", Company: "Łódź Œuvre"}, "Søren Straße - Łódź Œuvre.pdf", "Soren Strasse - Lodz OEuvre.pdf"},
		{Job{CandidateName: "Liam O'Brien", Company: "AT&T (R&D)"}, "Liam O'Brien - AT&T (R&D).pdf", "Liam O'Brien - AT&T (R&D).pdf"},
		{Job{CandidateName: "  ", Company: ""}, "resume.pdf", "resume.pdf"},
		{Job{CandidateName: "李雷"}, "李雷.pdf", "resume.pdf"},
		{Job{CandidateName: "李雷", Company: "Globex"}, "李雷 - Globex.pdf", "Globex.pdf"},
		{Job{CandidateName: "..hidden"}, "hidden.pdf", "hidden.pdf"},
		{Job{CandidateName: "Ann 🚀 Lee"}, "Ann Lee.pdf", "Ann Lee.pdf"},
	}
	for _, tt := range tests {
		name := tt.job.PDFFilename()
		if name != tt.name {
			t.Errorf("PDFFilename(%q, %q) = %q, want %q", tt.job.CandidateName, tt.job.Company, name, tt.name)
		}
		if got := ASCIIFilename(name, "resume.pdf"); got != tt.ascii {
			t.Errorf("ASCIIFilename(%q) = %q, want %q", name, got, tt.ascii)
		}
	}
	if got := SafeFilename("<>", "candidate"); got != "candidate" {
		t.Errorf("SafeFilename fallback: %q", got)
	}
	if got := SafeFilename(strings.Repeat("é", 300), "x"); len([]rune(got)) != maxFilenameRunes {
		t.Errorf("SafeFilename of 300 letters keeps %d, want %d", len([]rune(got)), maxFilenameRunes)
	}
}
