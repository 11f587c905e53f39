package handlers

import (
	"context"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

// dispositionNames reads a Content-Disposition header: its type, the name
// of filename* (UTF-8) and the plain filename fallback.
func dispositionNames(t *testing.T, h string) (disposition, name, fallback string) {
	t.Helper()
	disposition, params, err := mime.ParseMediaType(h)
	if err != nil {
		t.Fatalf("Content-Disposition %q: %v", h, err)
	}
	plain, _, found := strings.Cut(h, "; filename*=UTF-8''")
	if !found {
		t.Fatalf("Content-Disposition %q has no filename*=UTF-8''", h)
	}
	_, plainParams, err := mime.ParseMediaType(plain)
	if err != nil {
		t.Fatalf("Content-Disposition %q: %v", plain, err)
	}
	return disposition, params["filename"], plainParams["filename"]
}

// Files are named after the candidate as written ("Sofía Álvarez"), with
// a plain ASCII fallback that keeps the letters ("Sofia Alvarez"), in the
// download, the share link, the API and the export.
func TestDownloadNamesKeepAccents(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	profile := resume.Sample()
	profile.Basics.Name = "Sofía Álvarez"
	cand := e.candidate(ann, profile)
	c := e.client()
	c.signIn("ann@example.com")
	r := c.post("/candidates/"+cand.ID+"/generate", url.Values{"job_description": {resume.SampleJobDescription}, "company": {"Northbeam"}})
	wantStatus(t, r, http.StatusSeeOther)
	jobs, err := e.db.Jobs.ByCandidate(context.Background(), db.AllOwners, cand.ID, 1)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs: %v %v", jobs, err)
	}
	j := jobs[0]
	e.succeed(j, profile)
	share, _ := e.srv.shareURL(httptest.NewRequest("GET", "/", nil), j.ID)

	tests := []struct {
		name, path, token        string
		disposition, utf8, ascii string
	}{
		{"download", "/jobs/" + j.ID + "/download", "", "attachment", "Sofía Álvarez - Northbeam.pdf", "Sofia Alvarez - Northbeam.pdf"},
		{"share link", share, "", "inline", "Sofía Álvarez - Northbeam.pdf", "Sofia Alvarez - Northbeam.pdf"},
		{"API download", "/api/resume-async/download/" + j.ID, e.token(ann), "attachment", "Sofía Álvarez - Northbeam.pdf", "Sofia Alvarez - Northbeam.pdf"},
		{"export", "/candidates/" + cand.ID + "/export", "", "attachment", "Sofía Álvarez.json", "Sofia Alvarez.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r resp
			if tt.token != "" {
				r = e.client().do("GET", tt.path, nil, map[string]string{"Authorization": "Bearer " + tt.token})
			} else {
				r = c.get(tt.path)
			}
			wantStatus(t, r, http.StatusOK)
			disposition, name, fallback := dispositionNames(t, r.header.Get("Content-Disposition"))
			if disposition != tt.disposition || name != tt.utf8 || fallback != tt.ascii {
				t.Errorf("Content-Disposition %q: %s, %q, fallback %q; want %s, %q, fallback %q",
					r.header.Get("Content-Disposition"), disposition, name, fallback, tt.disposition, tt.utf8, tt.ascii)
			}
		})
	}
}
