package db

import "testing"

func TestFilenames(t *testing.T) {
	tests := []struct {
		job  Job
		want string
	}{
		{Job{CandidateName: "Maya Okafor", Company: "Globex"}, "Maya Okafor - Globex.pdf"},
		{Job{CandidateName: "Maya Okafor"}, "Maya Okafor.pdf"},
		{Job{CandidateName: `Ma"ya/../\Ok;afor`, Company: "Acme\r\nX-Evil: 1"}, "Maya..Okafor - AcmeX-Evil 1.pdf"},
		{Job{CandidateName: "José Ñúñez"}, "Jos ez.pdf"},
		{Job{CandidateName: "  ", Company: ""}, "resume.pdf"},
		{Job{CandidateName: "李雷"}, "resume.pdf"},
	}
	for _, tt := range tests {
		if got := tt.job.PDFFilename(); got != tt.want {
			t.Errorf("PDFFilename(%q, %q) = %q, want %q", tt.job.CandidateName, tt.job.Company, got, tt.want)
		}
	}
	if got := SafeFilename("<>", "candidate"); got != "candidate" {
		t.Errorf("SafeFilename fallback: %q", got)
	}
}
