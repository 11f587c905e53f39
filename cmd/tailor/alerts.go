package main

import (
	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/alert"
	"github.com/tailor-app/tailor/db"
)

// alertEvaluator checks the alert rules every ALERT_INTERVAL in a web
// process (several web processes may: one open firing per rule, and one
// sender per notification, are kept in SQLite).
func (p *process) alertEvaluator(database *db.DB, inspector *asynq.Inspector) stage {
	ev := &alert.Evaluator{
		Alerts: database.Alerts, Jobs: database.Jobs, Redis: p.rdb, Inspector: inspector,
		Metrics: alert.NewMetrics(p.reg), Logger: p.logger, Interval: p.cfg.AlertInterval,
		Notifiers: p.alertNotifiers(database),
		Drills:    database.Settings.LastDrill, DrillInterval: p.cfg.DrillInterval,
	}
	return stage{"alerts", ev.Run}
}

// alertNotifiers are told when an alert fires and resolves (the banner on
// /admin needs none): an e-mail to the admins who chose alert e-mails, and
// an alert.fired / alert.resolved event to admins' webhooks subscribed to it.
// Both are idempotent by the change's key, so a retried change sends once.
func (p *process) alertNotifiers(database *db.DB) []alert.Notifier {
	return []alert.Notifier{
		// No link here: the mail composer adds "Admin console: BASE_URL/admin"
		// (and none without BASE_URL, where "/admin" could not be clicked).
		alert.Mail(p.notifier.mail.SendToAdmins, ""),
		alert.Webhooks(alert.AdminIDs(database.Users), p.notifier.webhooks.Emit),
	}
}
