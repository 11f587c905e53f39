package main

import (
	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/mail"
)

// newMailer builds the e-mail channel: SMTP_URL's server, or, when it is
// unset, the log sender that writes each mail to stdout (make run).
func (p *process) newMailer(database *db.DB) *mail.Notifier {
	var sender mail.Sender
	if smtp, err := mail.ParseSMTPURL(p.cfg.SMTPURL); p.cfg.SMTPURL != "" && err == nil {
		sender = &mail.SMTP{Config: smtp}
		p.logger.Info("e-mail notifications go through SMTP", "smtp", smtp.String(), "from", p.cfg.MailFrom)
	} else {
		sender = &mail.Log{W: p.out}
		p.logger.Info("SMTP_URL is unset: e-mail notifications are written to stdout, not sent")
	}
	n := mail.NewNotifier(database, asynq.NewClientFromRedisClient(p.rdb), sender, p.cfg.MailFrom, p.cfg.BaseURL, p.logger)
	n.Metrics = mail.NewMetrics(p.reg)
	return n
}
