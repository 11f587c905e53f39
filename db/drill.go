package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Snapshot is what a restore drill compares between the live database and
// a copy restored from its replica.
type Snapshot struct {
	DatabaseID string
	Integrity  string           // "ok", or what PRAGMA integrity_check found; "" when not checked
	Counts     map[string]int64 // rows per table in drillTables
	NewestJob  string           // the most recently created job's id
	// NewestWrite is the latest time any row says it was written: how far
	// a copy reaches.
	NewestWrite time.Time
	Fence       Fence
}

// drillTables are the tables whose rows a drill counts, each with the
// column that says when a row was last written.
var drillTables = []struct{ name, written string }{
	{"users", "created_at"},
	{"candidates", "updated_at"},
	{"openings", "updated_at"},
	{"jobs", "updated_at"},
	{"results", "created_at"},
	{"settings", "updated_at"},
}

// DrillTables names the tables a Snapshot counts, in order.
func DrillTables() []string {
	names := make([]string, len(drillTables))
	for i, t := range drillTables {
		names[i] = t.name
	}
	return names
}

// Inspect reads a snapshot of the database file at path, read-only; with
// integrity, PRAGMA integrity_check runs first (it reads every page).
func Inspect(ctx context.Context, path string, integrity bool) (Snapshot, error) {
	conn, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return Snapshot{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	var s Snapshot
	if integrity {
		rows, err := conn.QueryContext(ctx, "PRAGMA integrity_check")
		if err != nil {
			return s, fmt.Errorf("integrity check of %s: %w", path, err)
		}
		var found []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				rows.Close()
				return s, fmt.Errorf("integrity check of %s: %w", path, err)
			}
			found = append(found, line)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s, fmt.Errorf("integrity check of %s: %w", path, err)
		}
		s.Integrity = strings.Join(found, "; ")
	}
	s.Counts = map[string]int64{}
	var newest int64
	for _, t := range drillTables {
		var n int64
		var written sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT COUNT(*), MAX("+t.written+") FROM "+t.name).Scan(&n, &written); err != nil {
			return s, fmt.Errorf("count %s in %s: %w", t.name, path, err)
		}
		s.Counts[t.name] = n
		newest = max(newest, written.Int64)
	}
	s.NewestWrite = time.UnixMilli(newest).UTC()
	err = conn.QueryRowContext(ctx, "SELECT id FROM jobs ORDER BY created_at DESC, id DESC LIMIT 1").Scan(&s.NewestJob)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("newest job in %s: %w", path, err)
	}
	var v string
	err = conn.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'database_id'").Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("database id in %s: %w", path, err)
	}
	s.DatabaseID = v
	v = ""
	err = conn.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", fenceKey).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("writer fence in %s: %w", path, err)
	}
	if v != "" {
		json.Unmarshal([]byte(v), &s.Fence)
	}
	return s, nil
}

// HasJob reports whether a job exists (of any owner).
func (s *Jobs) HasJob(ctx context.Context, id string) (bool, error) {
	var n int
	if err := s.db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs WHERE id = ?", id).Scan(&n); err != nil {
		return false, fmt.Errorf("has job: %w", err)
	}
	return n > 0, nil
}

// NewestCreatedAt is when the most recent job was created; zero when
// there is none.
func (s *Jobs) NewestCreatedAt(ctx context.Context) (time.Time, error) {
	var ms sql.NullInt64
	if err := s.db.read.QueryRowContext(ctx, "SELECT MAX(created_at) FROM jobs").Scan(&ms); err != nil {
		return time.Time{}, fmt.Errorf("newest job: %w", err)
	}
	return timeFromMS(ms), nil
}

// Drill is the outcome of a restore drill (package drill): the replica
// restored to a temporary file and compared with the live database. The
// last one is kept in settings for the admin dashboard, the metrics and
// alert rules (Settings.LastDrill).
type Drill struct {
	At          time.Time        `json:"at"`
	OK          bool             `json:"ok"`
	Message     string           `json:"message"` // what failed, or what was checked
	Took        time.Duration    `json:"took"`
	Lag         time.Duration    `json:"lag"` // how far the restored copy is behind the live database
	Counts      map[string]int64 `json:"counts,omitempty"`
	Restored    map[string]int64 `json:"restored,omitempty"`
	LastSuccess time.Time        `json:"last_success"` // of this or an earlier drill; zero: none yet
}

const drillKey = "restore_drill"

// LastDrill returns the last recorded drill; ErrNotFound before the first.
func (s *Settings) LastDrill(ctx context.Context) (Drill, error) {
	v, err := s.Get(ctx, drillKey)
	if err != nil {
		return Drill{}, err
	}
	var d Drill
	if err := json.Unmarshal([]byte(v), &d); err != nil {
		return Drill{}, fmt.Errorf("setting %s: %w", drillKey, err)
	}
	return d, nil
}

// RecordDrill stores a drill's outcome, carrying the last success forward.
func (s *Settings) RecordDrill(ctx context.Context, d Drill) (Drill, error) {
	if d.OK {
		d.LastSuccess = d.At
	} else if prev, err := s.LastDrill(ctx); err == nil {
		d.LastSuccess = prev.LastSuccess
	}
	b, _ := json.Marshal(d)
	return d, s.Set(ctx, drillKey, string(b))
}

// Problem says what an operator should be told about the last drill, or
// "" when nothing: it failed, or none has passed for twice the interval
// (drills stopped running). Alert rules call it on Settings.LastDrill.
func (d Drill) Problem(now time.Time, interval time.Duration) string {
	switch {
	case !d.OK:
		return "the last restore drill failed: " + d.Message
	case interval > 0 && now.Sub(d.LastSuccess) > 2*interval:
		return fmt.Sprintf("no restore drill has passed since %s", d.LastSuccess.Format(time.RFC3339))
	}
	return ""
}
