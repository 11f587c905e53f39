package views

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
)

func render(t *testing.T, c templ.Component) string {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// The pages decide what a job offers from its status through the view
// models; each status shows the actions it allows and no other.
func TestJobActionsFollowStatus(t *testing.T) {
	for _, tc := range []struct {
		status                string
		cancel, retry, reason bool // admin page: Cancel, Retry; card: the failure reason
		download, embedReason bool
	}{
		{status: jobstate.StatusQueued, cancel: true},
		{status: jobstate.StatusRunning, cancel: true},
		{status: jobstate.StatusSucceeded, download: true},
		{status: jobstate.StatusFailed, retry: true, reason: true, embedReason: true},
		{status: jobstate.StatusCanceled, retry: true},
	} {
		t.Run(tc.status, func(t *testing.T) {
			j := db.Job{ID: "j1", Status: tc.status, Attempts: 2}
			j.Error = "LLM unreachable"
			admin := render(t, AdminJobView(Page{}, AdminJob{Job: j, MaxAttempts: 4}))
			if got := strings.Contains(admin, "/admin/jobs/j1/cancel"); got != tc.cancel {
				t.Errorf("admin page offers cancel = %v, want %v", got, tc.cancel)
			}
			if got := strings.Contains(admin, "/admin/jobs/j1/retry"); got != tc.retry {
				t.Errorf("admin page offers retry = %v, want %v", got, tc.retry)
			}
			if !strings.Contains(admin, "2 of 4") {
				t.Error("admin page does not show the attempts as 2 of 4")
			}
			card := render(t, JobCard(Card{Job: j}))
			if got := strings.Contains(card, `data-testid="job-error"`); got != tc.reason {
				t.Errorf("card shows the reason = %v, want %v", got, tc.reason)
			}
			if got := strings.Contains(card, `data-testid="job-download"`); got != tc.download {
				t.Errorf("card offers the download = %v, want %v", got, tc.download)
			}
			embed := render(t, EmbedCardView(EmbedCard{Job: j}))
			if got := strings.Contains(embed, "could not reach the AI service"); got != tc.embedReason {
				t.Errorf("embedded card shows the reason = %v, want %v", got, tc.embedReason)
			}
		})
	}
}

func TestWindowCountsByStatus(t *testing.T) {
	w := WindowCounts{Label: "Last hour", Counts: db.StatusCounts{
		jobstate.StatusQueued: 1, jobstate.StatusRunning: 2, jobstate.StatusSucceeded: 3,
		jobstate.StatusFailed: 4, jobstate.StatusCanceled: 5,
	}}
	html := render(t, AdminJobStats(Dashboard{Windows: []WindowCounts{w}}))
	row := html[strings.Index(html, `data-testid="window-row"`):]
	row = row[:strings.Index(row, "</tr>")]
	var cells []string
	for _, part := range strings.Split(row, "<td")[1:] {
		cell := part[strings.Index(part, ">")+1:]
		cell = strings.TrimSuffix(cell[:strings.LastIndex(cell, "</td>")], "</a>")
		cells = append(cells, cell[strings.LastIndex(cell, ">")+1:])
	}
	// Window, all, succeeded, failed, canceled, running, queued, success rate.
	want := "Last hour|15|3|4|5|2|1|42.9%"
	if got := strings.Join(cells, "|"); got != want {
		t.Errorf("window row = %s, want %s", got, want)
	}
}
