package handlers

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/alert"
	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/views"
)

// POST /admin/alerts/{kind}: enable, disable or set the thresholds of one
// alert rule. A value out of range answers 422 with the form as typed.
func (s *Server) adminAlertRuleSave(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, maxAuthForm); err != nil {
		s.pageError(w, r, err)
		return
	}
	kind := chi.URLParam(r, "kind")
	if !slices.Contains(alert.Kinds(), kind) {
		s.pageError(w, r, db.ErrNotFound)
		return
	}
	form, rule := parseAlertRule(kind, r.PostForm)
	if form.HasErrors() {
		d, err := s.dashboard(r.Context(), true, true)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for i, f := range d.Alerts.Rules {
			if f.Kind == kind {
				form.UpdatedBy, form.UpdatedAt = f.UpdatedBy, f.UpdatedAt
				d.Alerts.Rules[i] = form
			}
		}
		s.render(w, r, http.StatusUnprocessableEntity, views.AdminDashboardView(s.page(r, "Admin", "admin"), d))
		return
	}
	rule.UpdatedBy = currentUser(r).Email
	if err := s.DB.Alerts.SetRule(r.Context(), rule); err != nil {
		s.pageError(w, r, err)
		return
	}
	state := "enabled"
	if !rule.Enabled {
		state = "disabled"
	}
	s.flash(r, "Saved the alert rule "+strings.ToLower(alert.Title(kind))+" ("+state+"): "+alert.ThresholdText(kind, rule.Threshold)+".")
	http.Redirect(w, r, "/admin#alert-rules", http.StatusSeeOther)
}

// Bounds of what the rules form accepts.
const (
	maxAlertWindowMinutes = 24 * 60
	maxAlertMinJobs       = 100_000
	maxAlertSeconds       = 24 * 60 * 60
	// Workers publish a heartbeat every 10 s: a shorter silence is no news.
	minNoWorkerSeconds = 20
	maxAlertDrillHours = 24 * 31
)

// parseAlertRule reads a rule's form; the form carries the errors, if any.
func parseAlertRule(kind string, v url.Values) (views.AlertRuleForm, db.AlertRule) {
	f := alertRuleForm(db.AlertRule{Kind: kind})
	f.Enabled = v.Get("enabled") != ""
	f.Threshold = strings.TrimSpace(v.Get("threshold"))
	f.Window = strings.TrimSpace(v.Get("window_minutes"))
	f.MinJobs = strings.TrimSpace(v.Get("min_jobs"))
	f.Errors = map[string]string{}
	rule := db.AlertRule{Kind: kind, Enabled: f.Enabled}

	number := func(field, text string, lo, hi float64, what string) float64 {
		n, err := strconv.ParseFloat(strings.TrimSuffix(text, "%"), 64)
		switch {
		case text == "":
			f.Errors[field] = "Enter " + what + "."
		case err != nil || math.IsNaN(n) || math.IsInf(n, 0):
			f.Errors[field] = "Enter " + what + " as a number, e.g. " + strconv.FormatFloat(hi/2, 'f', -1, 64) + "."
		case n < lo || n > hi:
			f.Errors[field] = "Enter " + what + " from " + strconv.FormatFloat(lo, 'f', -1, 64) + " to " + strconv.FormatFloat(hi, 'f', -1, 64) + "."
		}
		return n
	}
	whole := func(field, text string, lo, hi int, what string) int {
		n := number(field, text, float64(lo), float64(hi), what)
		if _, bad := f.Errors[field]; !bad && n != math.Trunc(n) {
			f.Errors[field] = "Enter " + what + " as a whole number."
		}
		return int(n)
	}
	switch kind {
	case alert.KindSuccessRate:
		rule.Threshold = number("threshold", f.Threshold, 1, 100, "a success rate in percent")
		rule.Window = time.Duration(whole("window_minutes", f.Window, 1, maxAlertWindowMinutes, "a window in minutes")) * time.Minute
		rule.MinJobs = whole("min_jobs", f.MinJobs, 1, maxAlertMinJobs, "a number of jobs")
	case alert.KindQueueLatency:
		rule.Threshold = float64(whole("threshold", f.Threshold, 1, maxAlertSeconds, "a wait in seconds"))
	case alert.KindNoWorker:
		rule.Threshold = float64(whole("threshold", f.Threshold, minNoWorkerSeconds, maxAlertSeconds, "a silence in seconds"))
	case alert.KindRestoreDrill:
		rule.Threshold = float64(whole("threshold", f.Threshold, 1, maxAlertDrillHours, "a number of hours"))
	}
	return f, rule
}

// alertRuleForm shows a stored rule in its form.
func alertRuleForm(r db.AlertRule) views.AlertRuleForm {
	f := views.AlertRuleForm{Kind: r.Kind, Title: alert.Title(r.Kind), Enabled: r.Enabled,
		Threshold: strconv.FormatFloat(r.Threshold, 'f', -1, 64), UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt,
		ThresholdUnit: "seconds"}
	switch r.Kind {
	case alert.KindSuccessRate:
		f.Help = "Fires when, of the jobs that ended (succeeded or failed) in the window, fewer than this share succeeded, once at least the minimum of jobs ended."
		f.ThresholdUnit, f.HasWindow = "%", true
		f.Window, f.MinJobs = strconv.Itoa(int(r.Window/time.Minute)), strconv.Itoa(r.MinJobs)
	case alert.KindQueueLatency:
		f.Help = "Fires when the oldest job waiting in the interactive queue has waited longer than this."
	case alert.KindNoWorker:
		f.Help = "Fires when jobs are in the queues and no worker has sent a heartbeat for this long."
	case alert.KindRestoreDrill:
		f.Help = "Fires when the last restore drill failed (the replica could not be restored, was corrupt or too far behind), or when none has passed for this long (the drills stopped)."
		f.ThresholdUnit = "hours"
	}
	return f
}

// alerts reads the alerts part of /admin: the firing and recently resolved
// alerts always, the rules and the history for the whole page.
func (s *Server) alerts(ctx context.Context, now time.Time, page bool) (views.Alerts, error) {
	var a views.Alerts
	open, err := s.DB.Alerts.Open(ctx)
	if err != nil {
		return a, err
	}
	for _, e := range open {
		a.Firing = append(a.Firing, alertRow(e))
	}
	recent, err := s.DB.Alerts.Recent(ctx, 20)
	if err != nil {
		return a, err
	}
	for _, e := range recent {
		if !e.Firing() && now.Sub(e.ResolvedAt) < time.Hour {
			a.Resolved = append(a.Resolved, alertRow(e))
		}
	}
	if !page {
		return a, nil
	}
	for _, e := range recent {
		a.History = append(a.History, alertRow(e))
	}
	rules, err := s.DB.Alerts.Rules(ctx)
	if err != nil {
		return a, err
	}
	for _, k := range alert.Kinds() {
		for _, r := range rules {
			if r.Kind == k {
				a.Rules = append(a.Rules, alertRuleForm(r))
			}
		}
	}
	return a, nil
}

func alertRow(e db.AlertEvent) views.AlertRow {
	row := views.AlertRow{ID: e.ID, Title: alert.Title(e.Rule), Message: e.Message,
		Threshold: alert.ThresholdText(e.Rule, e.Threshold), FiredAt: e.FiredAt, ResolvedAt: e.ResolvedAt}
	switch e.Rule {
	case alert.KindSuccessRate:
		row.Value = alert.Percent(e.Value)
		row.Link, row.LinkText = "/admin/jobs?status=failed", "See the failed jobs"
	case alert.KindRestoreDrill:
		row.Value = alert.Hours(e.Value) + " since a drill passed"
		row.Link, row.LinkText = "/admin#drill", "See the restore drill"
	default:
		row.Value = alert.Seconds(e.Value)
		row.Link, row.LinkText = "/admin/queues", "See the queues"
	}
	return row
}
