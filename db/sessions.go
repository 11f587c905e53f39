package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Sessions stores web sessions for scs (it implements scs.CtxStore). A row is
// keyed by a SHA-256 of the session token, so the table, a backup or a
// Litestream replica holds no cookie that works; and it carries its user, so
// a password change or a disable ends every session of that user in one
// indexed statement. Reads go through the read pool, so a page view never
// queues behind the single writer.
//
// A session ended early (logout, a new token, DeleteForUser) stays as an
// empty row until its expiry: a request already in flight with that token
// would otherwise write it back when scs commits at the end.
type Sessions struct{ db *DB }

type sessionUserKey struct{}

// WithSessionUser returns a context under which a committed session is
// stored as the user's (scs hands CommitCtx the context given to Commit).
// The code that signs a user in commits with it; later commits keep the user.
// The store never decodes scs's data to find out.
func WithSessionUser(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, sessionUserKey{}, userID)
}

// julianDay converts a time to SQLite's julianday() scale.
func julianDay(t time.Time) float64 {
	return float64(t.UnixMilli())/86400000.0 + 2440587.5
}

// FindCtx returns the data of a live session.
func (s *Sessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.db.read.QueryRowContext(ctx,
		"SELECT data FROM sessions WHERE token_hash = ? AND ended = 0 AND ? < expiry",
		hashToken(token), julianDay(s.db.Now())).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	return b, true, nil
}

// CommitCtx stores or replaces a session; an ended session stays ended.
func (s *Sessions) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	var userID any // NULL: keep the user the row has, if any
	if id, ok := ctx.Value(sessionUserKey{}).(string); ok && id != "" {
		userID = id
	}
	_, err := s.db.write.ExecContext(ctx, `
		INSERT INTO sessions (token_hash, user_id, data, expiry) VALUES (?, ?, ?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, expiry = excluded.expiry,
			user_id = COALESCE(excluded.user_id, sessions.user_id)
		WHERE sessions.ended = 0`,
		hashToken(token), userID, b, julianDay(expiry))
	if err != nil {
		return fmt.Errorf("commit session: %w", err)
	}
	return nil
}

// DeleteCtx ends a session; an unknown token is not an error.
func (s *Sessions) DeleteCtx(ctx context.Context, token string) error {
	if _, err := s.db.write.ExecContext(ctx,
		"UPDATE sessions SET ended = 1, data = x'' WHERE token_hash = ?", hashToken(token)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteForUser ends every session of the user: each of their cookies
// signs nobody in from now on.
func (s *Sessions) DeleteForUser(ctx context.Context, userID string) error {
	return s.deleteForUser(ctx, s.db.write, userID)
}

// deleteForUser is DeleteForUser inside a caller's transaction.
func (s *Sessions) deleteForUser(ctx context.Context, q execer, userID string) error {
	if _, err := q.ExecContext(ctx,
		"UPDATE sessions SET ended = 1, data = x'' WHERE user_id = ? AND ended = 0", userID); err != nil {
		return fmt.Errorf("end sessions of user: %w", err)
	}
	return nil
}

// DeleteExpired removes sessions past their expiry, ended ones included.
func (s *Sessions) DeleteExpired(ctx context.Context) (int64, error) {
	res, err := s.db.write.ExecContext(ctx, "DELETE FROM sessions WHERE expiry < ?", julianDay(s.db.Now()))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// The context-free methods complete scs.Store. There is no All: the store
// cannot return tokens it only keeps hashes of (scs.IterableStore is unused).

func (s *Sessions) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *Sessions) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s *Sessions) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }
