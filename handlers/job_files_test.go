package handlers

import (
	"testing"

	"github.com/tailor-app/tailor/db"
)

func TestFilenames(t *testing.T) {
	tests := []struct {
		job  db.Job
		want string
	}{
		{db.Job{CandidateName: "Maya Okafor", Company: "Globex"}, "Maya Okafor - Globex.pdf"},
		{db.Job{CandidateName: "Maya Okafor"}, "Maya Okafor.pdf"},
		{db.Job{CandidateName: `Ma"ya/../\Ok;afor`, Company: "Acme\r\nX-Evil: 1"}, "Maya..Okafor - AcmeX-Evil 1.pdf"},
		{db.Job{CandidateName: "José Ñúñez"}, "Jos ez.pdf"},
		{db.Job{CandidateName: "  ", Company: ""}, "resume.pdf"},
		{db.Job{CandidateName: "李雷"}, "resume.pdf"},
	}
	for _, tt := range tests {
		if got := pdfFilename(tt.job); got != tt.want {
			t.Errorf("pdfFilename(%q, %q) = %q, want %q", tt.job.CandidateName, tt.job.Company, got, tt.want)
		}
	}
	if got := safeFilename("<>", "candidate"); got != "candidate" {
		t.Errorf("safeFilename fallback: %q", got)
	}
}
