package views

import (
	"fmt"
	"strconv"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
)

// Dashboard is everything /admin shows. Redis-backed parts carry their own
// error so an outage shows as a banner while SQLite figures stay.
type Dashboard struct {
	Now     time.Time
	Windows []WindowCounts
	Timings db.StageTimes
	Hourly  []db.HourStat
	DBSize  int64

	RedisErr string // non-empty: Redis is unreachable
	Queues   []QueueRow
	Workers  []WorkerRow
	Cache    []CacheRow
	Chrome   ChromeStats

	Alerts Alerts // firing and resolved alerts (live), rules and history (page)

	UsageDays  []db.Usage
	UsageUsers []db.Usage
	PriceIn    float64 // USD per million input tokens
	PriceOut   float64

	Drill *db.Drill // the last restore drill; nil before the first
}

// WindowCounts is a time window's jobs by status.
type WindowCounts struct {
	Label  string
	Counts db.StatusCounts
}

// Jobs in the window with each status.
func (w WindowCounts) Queued() int    { return w.Counts[jobstate.StatusQueued] }
func (w WindowCounts) Running() int   { return w.Counts[jobstate.StatusRunning] }
func (w WindowCounts) Succeeded() int { return w.Counts[jobstate.StatusSucceeded] }
func (w WindowCounts) Failed() int    { return w.Counts[jobstate.StatusFailed] }
func (w WindowCounts) Canceled() int  { return w.Counts[jobstate.StatusCanceled] }

// QueueRow is one asynq queue.
type QueueRow struct {
	Name                                              string
	Paused                                            bool
	Size, Pending, Active, Scheduled, Retry, Archived int
	Latency                                           time.Duration
	Processed, Failed                                 int // today
}

// WorkerRow is one worker process seen by asynq.
type WorkerRow struct {
	Host        string
	PID         int
	Concurrency int
	Active      int
	Started     time.Time
	Status      string
	LastSeen    time.Time // its last published counters (every 10 s); zero if none
}

// CacheRow is one cache level's hits and misses.
type CacheRow struct {
	Level        string
	Hits, Misses int64
}

// HitRate is hits / (hits + misses) as text.
func (c CacheRow) HitRate() string {
	if c.Hits+c.Misses == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", float64(c.Hits)*100/float64(c.Hits+c.Misses))
}

// ChromeStats sums the workers' Chrome counters.
type ChromeStats struct {
	Renders, Restarts, Failures int64
	RateWaitMS                  int64
}

// Cost estimates the USD cost of some usage.
func (d Dashboard) Cost(u db.Usage) string {
	c := float64(u.TokensIn)/1e6*d.PriceIn + float64(u.TokensOut)/1e6*d.PriceOut
	return fmt.Sprintf("$%.2f", c)
}

func rate(c db.StatusCounts) string {
	r := c.SuccessRate()
	if r < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", r)
}

func msText(ms int64) string {
	switch {
	case ms <= 0:
		return "–"
	case ms < 1000:
		return strconv.FormatInt(ms, 10) + " ms"
	case ms < 60_000:
		return fmt.Sprintf("%.1f s", float64(ms)/1000)
	default:
		return fmt.Sprintf("%.1f min", float64(ms)/60_000)
	}
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KB", n/1024)
	}
}

func durText(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return msText(d.Milliseconds())
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// chart is a small server-rendered SVG bar chart with its axes' labels
// and figures in words, so nothing needs hovering (issue 15, item 13).
type chart struct {
	Bars   []bar
	Max    string   // label of the top of the scale
	Zero   string   // label of its bottom
	XTicks []string // times along the bottom, oldest first, evenly spaced
	Values string   // the figures in words: this hour's and the highest
	Width  int
	Height int
}

type bar struct {
	X, Y, W, H string
	Title      string
}

// chartTicks is how many time labels the x-axis has: few enough for a phone.
const chartTicks = 5

// barChart draws one bar per hour; value picks the figure.
func barChart(hours []db.HourStat, value func(db.HourStat) int64, unit func(int64) string) chart {
	const width, height = 720, 120
	c := chart{Width: width, Height: height, Zero: "0"}
	var top int64
	var peak db.HourStat
	for _, h := range hours {
		if v := value(h); v > top {
			top, peak = v, h
		}
	}
	c.Max = unit(top)
	if len(hours) == 0 {
		return c
	}
	for i := range chartTicks {
		h := hours[i*(len(hours)-1)/(chartTicks-1)]
		c.XTicks = append(c.XTicks, h.Hour.UTC().Format("2 Jan 15:04"))
	}
	last := hours[len(hours)-1]
	c.Values = "This hour (since " + last.Hour.UTC().Format("15:04") + " UTC): " + unitOrNone(value(last), unit) + "."
	if top == 0 {
		return c
	}
	c.Values += " Highest: " + unit(top) + ", " + peak.Hour.UTC().Format("Mon 2 Jan 15:04") + " UTC."
	w := float64(width) / float64(len(hours))
	for i, h := range hours {
		v := value(h)
		if v == 0 {
			continue
		}
		bh := float64(v) / float64(top) * (height - 4)
		c.Bars = append(c.Bars, bar{
			X: fmt.Sprintf("%.1f", float64(i)*w), Y: fmt.Sprintf("%.1f", height-bh),
			W: fmt.Sprintf("%.1f", max(w-0.5, 0.5)), H: fmt.Sprintf("%.1f", bh),
			Title: h.Hour.Format("Mon 2 Jan 15:00") + ": " + unit(v),
		})
	}
	return c
}

// unitOrNone says a figure, or "none" for zero (msText shows 0 as "–").
func unitOrNone(v int64, unit func(int64) string) string {
	if v == 0 {
		return "none"
	}
	return unit(v)
}

func jobsChart(h []db.HourStat) chart {
	return barChart(h, func(s db.HourStat) int64 { return int64(s.Jobs) }, func(n int64) string { return i64(n) + " jobs" })
}

func p95Chart(h []db.HourStat) chart {
	return barChart(h, func(s db.HourStat) int64 { return s.P95MS }, msText)
}

// AdminUserReset is the page that sets a user's password.
type AdminUserReset struct {
	User         db.User
	Error        string // the password's problem, after a failed try
	RevokeTokens bool
}

// AdminJobs is the /admin/jobs page.
type AdminJobs struct {
	Jobs    []db.Job
	Users   []db.User
	Filter  AdminJobFilter
	Page    int
	HasMore bool
}

// AdminJobFilter is the filter form's values, as typed.
type AdminJobFilter struct {
	Status, User, Candidate, From, To, Q string
	Slow                                 bool
}

// Query returns the filter as URL parameters for paging links.
func (f AdminJobFilter) Query() map[string]string {
	m := map[string]string{"status": f.Status, "user": f.User, "candidate": f.Candidate, "from": f.From, "to": f.To, "q": f.Q}
	if f.Slow {
		m["slow"] = "1"
	}
	return m
}

func userEmail(users []db.User, id string) string {
	for _, u := range users {
		if u.ID == id {
			return u.Email
		}
	}
	return id
}

func jobDuration(j db.Job) string {
	if j.FinishedAt.IsZero() {
		return "–"
	}
	return msText(j.FinishedAt.Sub(j.CreatedAt).Milliseconds())
}

// AdminJob is one job's admin detail page.
type AdminJob struct {
	Job         db.Job
	Owner       string
	Task        string        // asynq's view of the task, or why it is unknown
	Report      resume.Report // the fact check, read from Job.Verification
	HasReport   bool
	MaxAttempts int // the first attempt and its retries
}

// Cancelable reports whether the job can still be canceled.
func (a AdminJob) Cancelable() bool { return !jobstate.IsFinal(a.Job.Status) }

// Retryable reports whether the job ended without a resume, so that a new
// job with its inputs may be started.
func (a AdminJob) Retryable() bool {
	return a.Job.Status == jobstate.StatusFailed || a.Job.Status == jobstate.StatusCanceled
}

// statusOptions are the admin job filter's statuses.
func statusOptions() []string { return jobstate.Statuses() }

// AdminQueues is /admin/queues.
type AdminQueues struct {
	RedisErr string
	Queues   []QueueRow
	Archived []ArchivedTask
}

// ArchivedTask is a task asynq gave up on.
type ArchivedTask struct {
	Queue, ID, LastErr string
	Retried            int
	LastFailed         time.Time
}

// AdminTokens is a user's API tokens for an admin.
type AdminTokens struct {
	User   db.User
	Tokens []db.Token
}

func tokenState(t db.Token) string {
	if !t.RevokedAt.IsZero() {
		return "revoked " + fmtDate(t.RevokedAt)
	}
	return "active"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func fmtPrice(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) }

// clock shows a recent time to the second ("14:05:09 UTC"), or "–".
func clock(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("15:04:05 UTC")
}
