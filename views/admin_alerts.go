package views

import "time"

// Alerts is the alerts part of /admin: the banner of firing alerts (and
// those resolved in the last hour), the rules form and the history.
type Alerts struct {
	Firing   []AlertRow
	Resolved []AlertRow // resolved in the last hour
	History  []AlertRow // the last 20 firings
	Rules    []AlertRuleForm
}

// AlertRow is one firing of a rule, in words.
type AlertRow struct {
	ID         string
	Title      string
	Message    string // what was measured
	Value      string // e.g. 40%, 75 s
	Threshold  string // e.g. success rate below 95%
	FiredAt    time.Time
	ResolvedAt time.Time // zero while firing
	Link       string    // where to look: the failed jobs, the queues
	LinkText   string
}

// AlertRuleForm is a rule as shown and typed in its form; values stay text
// so a form with errors keeps what was typed.
type AlertRuleForm struct {
	Kind          string
	Title         string
	Help          string
	Enabled       bool
	Threshold     string
	ThresholdUnit string // "%" or "seconds"
	HasWindow     bool   // the success rate also has a window and a minimum of jobs
	Window        string // minutes
	MinJobs       string
	UpdatedBy     string
	UpdatedAt     time.Time
	Errors        map[string]string
}

func (f AlertRuleForm) id(field string) string { return "alert-" + f.Kind + "-" + field }

// HasErrors reports whether the form was refused.
func (f AlertRuleForm) HasErrors() bool { return len(f.Errors) > 0 }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
