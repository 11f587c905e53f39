package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Sessions stores web sessions for scs (it implements scs.CtxStore and
// scs.IterableCtxStore). The table has the schema of scs's sqlite3store; this
// store differs only in reading through the read pool, so a page view never
// queues behind the single writer.
type Sessions struct{ db *DB }

// julianDay converts a time to SQLite's julianday() scale.
func julianDay(t time.Time) float64 {
	return float64(t.UnixMilli())/86400000.0 + 2440587.5
}

// FindCtx returns the data of a live session.
func (s *Sessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.db.read.QueryRowContext(ctx,
		"SELECT data FROM sessions WHERE token = ? AND ? < expiry", token, julianDay(s.db.Now())).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	return b, true, nil
}

// CommitCtx stores or replaces a session.
func (s *Sessions) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.db.write.ExecContext(ctx,
		"INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?) ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry",
		token, b, julianDay(expiry))
	if err != nil {
		return fmt.Errorf("commit session: %w", err)
	}
	return nil
}

// DeleteCtx removes a session; an unknown token is not an error.
func (s *Sessions) DeleteCtx(ctx context.Context, token string) error {
	if _, err := s.db.write.ExecContext(ctx, "DELETE FROM sessions WHERE token = ?", token); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// AllCtx returns every live session's data, keyed by token.
func (s *Sessions) AllCtx(ctx context.Context) (map[string][]byte, error) {
	rows, err := s.db.read.QueryContext(ctx, "SELECT token, data FROM sessions WHERE ? < expiry", julianDay(s.db.Now()))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var token string
		var b []byte
		if err := rows.Scan(&token, &b); err != nil {
			return nil, err
		}
		out[token] = b
	}
	return out, rows.Err()
}

// DeleteExpired removes sessions past their expiry.
func (s *Sessions) DeleteExpired(ctx context.Context) (int64, error) {
	res, err := s.db.write.ExecContext(ctx, "DELETE FROM sessions WHERE expiry < ?", julianDay(s.db.Now()))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// The context-free methods complete scs.Store.

func (s *Sessions) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *Sessions) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s *Sessions) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

func (s *Sessions) All() (map[string][]byte, error) { return s.AllCtx(context.Background()) }
