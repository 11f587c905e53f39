package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/mail"
)

func TestNotificationSettingsSaveTheChoices(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	root := e.user("root@example.com", db.RoleAdmin)
	rec, adm := e.client(), e.client()
	rec.signIn("ann@example.com")
	adm.signIn("root@example.com")
	ctx := context.Background()

	page := rec.get("/settings/notifications")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, `name="job_ready"`, `name="job_failed"`, `name="attach_pdf"`, `name="batch_done"`, "ann@example.com")
	if strings.Contains(page.body, `name="daily_digest"`) || strings.Contains(page.body, " checked") {
		t.Errorf("a recruiter's page offers admin mails, or starts with a box checked:\n%s", snippet(page.body))
	}
	wantBody(t, rec.get("/settings/tokens"), `href="/settings/notifications"`)

	// A recruiter cannot choose admin mails by posting them.
	r := rec.post("/settings/notifications", url.Values{"job_ready": {"on"}, "attach_pdf": {"on"}, "batch_done": {"on"},
		"daily_digest": {"on"}, "alert_mail": {"on"}})
	wantStatus(t, r, http.StatusSeeOther)
	if got, _ := e.db.Mail().Prefs(ctx, ann.ID); got != (db.MailPrefs{JobReady: true, AttachPDF: true, BatchDone: true}) {
		t.Errorf("prefs %+v", got)
	}
	wantBody(t, rec.get("/settings/notifications"), "Saved your e-mail choices.", `value="on" checked`)

	wantBody(t, adm.get("/settings/notifications"), `name="daily_digest"`, `name="alert_mail"`)
	adm.post("/settings/notifications", url.Values{"daily_digest": {"on"}, "alert_mail": {"on"}})
	if got, _ := e.db.Mail().Prefs(ctx, root.ID); got != (db.MailPrefs{DailyDigest: true, AlertMail: true}) {
		t.Errorf("admin prefs %+v", got)
	}
	// Unchecking is saving without the box.
	rec.post("/settings/notifications", url.Values{})
	if got, _ := e.db.Mail().Prefs(ctx, ann.ID); got != (db.MailPrefs{}) {
		t.Errorf("prefs after unchecking all %+v", got)
	}
	wantStatus(t, e.client().post("/settings/notifications", url.Values{"job_ready": {"on"}}), http.StatusSeeOther) // to /login
	wantStatus(t, rec.post("/settings/notifications", url.Values{"job_ready": {"on"}}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	if got, _ := e.db.Mail().Prefs(ctx, ann.ID); got != (db.MailPrefs{}) {
		t.Errorf("a signed-out or cross-site post changed the prefs: %+v", got)
	}
}

// The link of a mail works without a session; GET only asks, POST (the
// button, or the mail client's one-click) turns the kind off, and only it.
func TestUnsubscribeLink(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	ctx := context.Background()
	e.db.Mail().SetPrefs(ctx, ann.ID, db.MailPrefs{JobReady: true, JobFailed: true})
	anon := e.client()
	link := mail.UnsubscribePath + "?" + mail.UnsubscribeQuery(e.srv.SigningKey, ann.ID, db.MailReady)

	for range 2 {
		r := anon.get(link)
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "Stop these e-mails?", "mails when a resume you started is ready", `method="post"`)
	}
	if got, _ := e.db.Mail().Prefs(ctx, ann.ID); !got.JobReady {
		t.Fatal("a GET unsubscribed")
	}
	for name, bad := range map[string]string{
		"forged":          mail.UnsubscribePath + "?u=" + ann.ID + "&k=ready&s=forged",
		"another kind":    strings.Replace(link, "k=ready", "k=failed", 1),
		"another user":    strings.Replace(link, "u="+ann.ID, "u=someone", 1),
		"no signature":    mail.UnsubscribePath,
		"an unknown kind": mail.UnsubscribePath + "?" + mail.UnsubscribeQuery(e.srv.SigningKey, ann.ID, "everything"),
		"an unknown user": mail.UnsubscribePath + "?" + mail.UnsubscribeQuery(e.srv.SigningKey, "nobody", db.MailReady),
	} {
		if r := anon.post(bad, url.Values{"List-Unsubscribe": {"One-Click"}}); r.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", name, r.status)
		}
	}
	// RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the link, with no cookie.
	req, _ := http.NewRequest("POST", e.ts.URL+link, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("one-click: %d", res.StatusCode)
	}
	if got, _ := e.db.Mail().Prefs(ctx, ann.ID); got != (db.MailPrefs{JobFailed: true}) {
		t.Errorf("prefs after unsubscribing from ready mails: %+v", got)
	}
	wantBody(t, anon.post(link, url.Values{}), "Unsubscribed") // again: still fine
}
