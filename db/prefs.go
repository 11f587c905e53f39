package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Pref is what a user chose last on the Generate form; "" is no choice yet.
type Pref struct {
	Theme string
	Paper string
}

// Prefs stores each user's last choices.
type Prefs struct{ db *DB }

// Get returns the user's last choices, the zero Pref if none was stored.
func (s *Prefs) Get(ctx context.Context, userID string) (Pref, error) {
	var p Pref
	err := s.db.read.QueryRowContext(ctx, "SELECT theme, paper FROM user_prefs WHERE user_id = ?", userID).Scan(&p.Theme, &p.Paper)
	if errors.Is(err, sql.ErrNoRows) {
		return Pref{}, nil
	}
	if err != nil {
		return Pref{}, fmt.Errorf("get prefs: %w", err)
	}
	return p, nil
}

// Set remembers the user's choices.
func (s *Prefs) Set(ctx context.Context, userID string, p Pref) error {
	_, err := s.db.write.ExecContext(ctx, `INSERT INTO user_prefs (user_id, theme, paper, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET theme = excluded.theme, paper = excluded.paper, updated_at = excluded.updated_at`,
		userID, p.Theme, p.Paper, s.db.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("set prefs: %w", err)
	}
	return nil
}
