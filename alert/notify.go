package alert

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tailor-app/tailor/db"
)

// Notifier is told when an alert fires and when it resolves. The evaluator
// calls it at least once per change and, across processes, not again once
// it returned nil; a change that comes back after an error or a crash has
// the same Key, so an implementation that keys its deliveries on it sends
// each once.
type Notifier interface {
	AlertChanged(ctx context.Context, c Change) error
}

// NotifierFunc is a Notifier made of a function.
type NotifierFunc func(ctx context.Context, c Change) error

// AlertChanged implements Notifier.
func (f NotifierFunc) AlertChanged(ctx context.Context, c Change) error { return f(ctx, c) }

// Event types of a Change, as webhooks name them.
const (
	EventFired    = "alert.fired"
	EventResolved = "alert.resolved"
)

// Change is an alert that fired or resolved.
type Change struct {
	Key      string // "alert:<firing id>:fired" or ":resolved": unique per (rule, firing, change)
	Type     string // EventFired or EventResolved
	Resolved bool
	Alert    db.AlertEvent
}

// NewChange describes the firing ev, or its resolution.
func NewChange(ev db.AlertEvent, resolved bool) Change {
	c := Change{Key: "alert:" + ev.ID + ":fired", Type: EventFired, Alert: ev}
	if resolved {
		c.Key, c.Type, c.Resolved = "alert:"+ev.ID+":resolved", EventResolved, true
	}
	return c
}

// Subject is a one-line summary, for an e-mail's subject.
func (c Change) Subject() string {
	if c.Resolved {
		return "Resolved: " + Title(c.Alert.Rule)
	}
	return "Alert: " + Title(c.Alert.Rule)
}

// Text is the plain-text body of a message about the change; adminURL is
// the console's address ("" leaves the link out).
func (c Change) Text(adminURL string) string {
	a := c.Alert
	s := fmt.Sprintf("%s fired at %s: %s\nThreshold: %s.\n", Title(a.Rule), a.FiredAt.UTC().Format(time.RFC3339), a.Message,
		ThresholdText(a.Rule, a.Threshold))
	if c.Resolved {
		s = fmt.Sprintf("%s resolved by itself at %s, after %s.\nIt had fired at %s: %s\n", Title(a.Rule),
			a.ResolvedAt.UTC().Format(time.RFC3339), a.ResolvedAt.Sub(a.FiredAt).Round(time.Second),
			a.FiredAt.UTC().Format(time.RFC3339), a.Message)
	}
	if adminURL != "" {
		s += "\nSee " + adminURL + "\n"
	}
	return s
}

// Data is the change as a webhook's data object.
func (c Change) Data() map[string]any {
	a := c.Alert
	d := map[string]any{
		"alert_id": a.ID, "rule": a.Rule, "title": Title(a.Rule), "status": "firing",
		"value": a.Value, "threshold": a.Threshold, "message": a.Message,
		"fired_at": a.FiredAt.UTC().Format(time.RFC3339),
	}
	if c.Resolved {
		d["status"], d["resolved_at"] = "resolved", a.ResolvedAt.UTC().Format(time.RFC3339)
	}
	return d
}

// ThresholdText writes a rule's threshold with its unit.
func ThresholdText(kind string, v float64) string {
	switch kind {
	case KindSuccessRate:
		return "success rate below " + Percent(v)
	case KindQueueLatency:
		return "oldest interactive job waiting over " + Seconds(v)
	case KindNoWorker:
		return "no worker heartbeat for " + Seconds(v) + " while jobs wait"
	case KindRestoreDrill:
		return "a failed restore drill, or none passed for " + Hours(v)
	}
	return fmt.Sprint(v)
}

// Mail is the notifier that e-mails the admins who opted in: send is the
// e-mail part's SendToAdmins (idempotent by key); adminURL goes in the text.
func Mail(send func(ctx context.Context, key, subject, text string) error, adminURL string) Notifier {
	return NotifierFunc(func(ctx context.Context, c Change) error {
		return send(ctx, c.Key, c.Subject(), c.Text(adminURL))
	})
}

// Webhooks is the notifier that emits alert.fired and alert.resolved to the
// webhooks of every admin: admins lists their ids (AdminIDs), emit is the
// webhook part's Emit (idempotent by event id, here the change's key).
func Webhooks(admins func(ctx context.Context) ([]string, error),
	emit func(ctx context.Context, ownerID, eventType, eventID string, data any) error) Notifier {
	return NotifierFunc(func(ctx context.Context, c Change) error {
		ids, err := admins(ctx)
		if err != nil {
			return err
		}
		var errs []error
		for _, id := range ids {
			if err := emit(ctx, id, c.Type, c.Key, c.Data()); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
}

// AdminIDs lists the enabled admins of users, for Webhooks.
func AdminIDs(users *db.Users) func(ctx context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		all, err := users.List(ctx)
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, u := range all {
			if u.IsAdmin() && !u.Disabled {
				ids = append(ids, u.ID)
			}
		}
		return ids, nil
	}
}
