package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/tasks"
	"github.com/tailor-app/tailor/views"
)

// GET /admin: the dashboard.
func (s *Server) adminDashboard(w http.ResponseWriter, r *http.Request) {
	d, err := s.dashboard(r.Context(), true, true)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AdminDashboardView(s.page(r, "Admin", "admin"), d))
}

// GET /admin/fragments/live: queues, workers, cache (Redis), every 5 s.
func (s *Server) adminLive(w http.ResponseWriter, r *http.Request) {
	d, err := s.dashboard(r.Context(), false, true)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AdminLive(d))
}

// GET /admin/fragments/jobs: job figures (SQLite), every 30 s.
func (s *Server) adminJobStats(w http.ResponseWriter, r *http.Request) {
	d, err := s.dashboard(r.Context(), true, false)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AdminJobStats(d))
}

// dashboard gathers the figures. SQLite errors fail the page; Redis errors
// become a banner, never a 500.
func (s *Server) dashboard(ctx context.Context, jobs, live bool) (views.Dashboard, error) {
	now := s.now()
	d := views.Dashboard{Now: now, PriceIn: s.Admin.PriceIn, PriceOut: s.Admin.PriceOut}
	if jobs {
		for _, w := range []struct {
			label string
			d     time.Duration
		}{{"Last hour", time.Hour}, {"Last 24 hours", 24 * time.Hour}, {"Last 7 days", 7 * 24 * time.Hour}} {
			c, err := s.DB.Jobs.CountByStatus(ctx, now.Add(-w.d))
			if err != nil {
				return d, err
			}
			d.Windows = append(d.Windows, views.WindowCounts{Label: w.label, Counts: c})
		}
		var err error
		if d.Timings, err = s.DB.Jobs.Timings(ctx, now.Add(-24*time.Hour)); err != nil {
			return d, err
		}
		if d.Hourly, err = s.DB.Jobs.Hourly(ctx, now.Add(-7*24*time.Hour), now); err != nil {
			return d, err
		}
		if d.UsageDays, err = s.DB.Jobs.UsageByDay(ctx, now.Add(-7*24*time.Hour)); err != nil {
			return d, err
		}
		if d.UsageUsers, err = s.DB.Jobs.UsageByUser(ctx, now.Add(-30*24*time.Hour)); err != nil {
			return d, err
		}
		if d.DBSize, err = s.DB.Size(ctx); err != nil {
			return d, err
		}
		if drill, err := s.DB.Settings.LastDrill(ctx); err == nil {
			d.Drill = &drill
		} else if !errors.Is(err, db.ErrNotFound) {
			return d, err
		}
	}
	if live {
		var err error
		if d.Alerts, err = s.alerts(ctx, now, jobs); err != nil {
			return d, err
		}
		if err := s.liveFigures(ctx, &d); err != nil {
			d.RedisErr = err.Error()
		}
	}
	return d, nil
}

// liveFigures reads queues, workers and counters from Redis, in at most 2 s.
func (s *Server) liveFigures(ctx context.Context, d *views.Dashboard) error {
	if s.Admin.Redis == nil || s.Admin.Inspector == nil {
		return errors.New("not configured")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.Admin.Redis.Ping(ctx).Err(); err != nil {
		return err
	}
	queues, err := s.queueRows()
	if err != nil {
		return err
	}
	d.Queues = queues
	servers, err := s.Admin.Inspector.Servers()
	if err != nil {
		return err
	}
	for _, sv := range servers {
		if !tasks.ServesGenerate(sv) {
			continue // a web process's notify worker: not a resume worker
		}
		d.Workers = append(d.Workers, views.WorkerRow{
			Host: sv.Host, PID: sv.PID, Concurrency: sv.Concurrency, Active: len(sv.ActiveWorkers),
			Started: sv.Started, Status: sv.Status,
		})
	}
	stats, err := tasks.NewCache(s.Admin.Redis, 0).Stats(ctx)
	if err != nil {
		return err
	}
	for _, c := range stats {
		d.Cache = append(d.Cache, views.CacheRow{Level: c.Level, Hits: c.Hits, Misses: c.Misses})
	}
	ws, err := tasks.WorkerStats(ctx, s.Admin.Redis)
	if err != nil {
		return err
	}
	for i, row := range d.Workers {
		name := row.Host + "-" + strconv.Itoa(row.PID)
		for _, w := range ws {
			if w.Name == name {
				d.Workers[i].LastSeen = w.UpdatedAt
			}
		}
	}
	for _, w := range ws {
		d.Chrome.Renders += w.ChromeRenders
		d.Chrome.Restarts += w.ChromeRestarts
		d.Chrome.Failures += w.ChromeFailures
		d.Chrome.RateWaitMS += w.RateWaitMS
	}
	return nil
}

// queueRows reads each of Tailor's queues; a queue asynq has not seen yet
// is shown empty.
func (s *Server) queueRows() ([]views.QueueRow, error) {
	known, err := s.Admin.Inspector.Queues()
	if err != nil {
		return nil, err
	}
	var out []views.QueueRow
	for _, name := range adminQueues() {
		if !slices.Contains(known, name) {
			out = append(out, views.QueueRow{Name: name})
			continue
		}
		info, err := s.Admin.Inspector.GetQueueInfo(name)
		if err != nil {
			return nil, err
		}
		out = append(out, views.QueueRow{
			Name: name, Paused: info.Paused, Size: info.Size, Pending: info.Pending, Active: info.Active,
			Scheduled: info.Scheduled, Retry: info.Retry, Archived: info.Archived, Latency: info.Latency,
			Processed: info.Processed, Failed: info.Failed,
		})
	}
	return out, nil
}
