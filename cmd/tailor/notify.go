package main

import (
	"slices"

	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/alert"
	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/mail"
	"github.com/tailor-app/tailor/notify"
	"github.com/tailor-app/tailor/webhook"
)

// notifyConcurrency is how many deliveries (mails, webhook calls) a web
// process makes at once; each mostly waits on the network.
const notifyConcurrency = 4

// notifier is what tells people and systems that jobs ended: the
// dispatcher reads the outbox of ended jobs and hands each end to the
// channels, whose deliveries the worker runs from the notify queue.
type notifier struct {
	dispatcher *notify.Dispatcher
	worker     *notify.Worker
	webhooks   *webhook.Service
	mail       *mail.Notifier // e-mail: also runs the daily digest (stage "mail")
}

// newNotifier builds the channels of a web process.
func (p *process) newNotifier(database *db.DB) *notifier {
	n := &notifier{worker: notify.NewWorker()}
	var channels []notify.Channel
	n.mail = p.newMailer(database)
	n.mail.Register(n.worker)
	channels = append(channels, n.mail)
	n.webhooks = &webhook.Service{DB: database, Queue: asynq.NewClientFromRedisClient(p.rdb), BaseURL: p.cfg.BaseURL,
		Policy: webhook.Policy{Allow: p.cfg.WebhookAllowNets}, Logger: p.logger, Metrics: webhook.NewMetrics(p.reg)}
	// Admins' webhooks may also subscribe to the alerts (cmd/tailor/alerts.go).
	n.webhooks.EventTypes = append(slices.Clone(webhook.JobEventTypes), webhook.BatchCompleted, alert.EventFired, alert.EventResolved)
	n.webhooks.Register(n.worker)
	channels = append(channels, n.webhooks)
	n.dispatcher = notify.NewDispatcher(database.JobEnds, p.logger, channels...)
	return n
}
