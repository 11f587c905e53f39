package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Settings stores server-wide values that must survive restarts.
type Settings struct{ db *DB }

// Get returns a setting's value, ErrNotFound if it was never set.
func (s *Settings) Get(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.read.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("get setting %s: %w", key, err)
	}
	return v, nil
}

// Set stores a setting's value.
func (s *Settings) Set(ctx context.Context, key, value string) error {
	_, err := s.db.write.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, s.db.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("set setting %s: %w", key, err)
	}
	return nil
}

// SigningKey returns the server's random 32-byte key that signs poll and
// share links, creating it on first use. Every web process that shares the
// database shares the key.
func (s *Settings) SigningKey(ctx context.Context) ([]byte, error) {
	const key = "signing_key"
	fresh := make([]byte, 32)
	rand.Read(fresh)
	// INSERT OR IGNORE then read: two processes starting at once agree.
	if _, err := s.db.write.ExecContext(ctx,
		"INSERT OR IGNORE INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
		key, hex.EncodeToString(fresh), s.db.Now().UnixMilli()); err != nil {
		return nil, fmt.Errorf("create signing key: %w", err)
	}
	v, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) < 16 {
		return nil, fmt.Errorf("setting %s is not a hex key of 16 bytes or more", key)
	}
	return b, nil
}

// DatabaseID returns the database's identity, created by migration 0010:
// the same for every copy of the file (a restore keeps it), so it names
// the writer lease that lets only one copy write.
func (s *Settings) DatabaseID(ctx context.Context) (string, error) {
	id, err := s.Get(ctx, "database_id")
	if err != nil {
		return "", fmt.Errorf("database identity (run the migrations): %w", err)
	}
	return id, nil
}

// Fence is the writer lease's fencing token as this database last
// recorded it: the token the last writer of this file was granted, and who
// that was. It replicates with the data, so a copy that another writer has
// moved past shows an older token than Redis's last grant.
type Fence struct {
	Token  int64  `json:"token"`
	Holder string `json:"holder"`
}

const fenceKey = "writer_fence"

// WriterFence returns the last recorded fence; the zero Fence when no
// writer ever recorded one.
func (s *Settings) WriterFence(ctx context.Context) (Fence, error) {
	v, err := s.Get(ctx, fenceKey)
	if errors.Is(err, ErrNotFound) {
		return Fence{}, nil
	}
	if err != nil {
		return Fence{}, err
	}
	var f Fence
	if err := json.Unmarshal([]byte(v), &f); err != nil {
		return Fence{}, fmt.Errorf("setting %s: %w", fenceKey, err)
	}
	return f, nil
}

// RecordWriterFence stores the fence a new writer was granted.
func (s *Settings) RecordWriterFence(ctx context.Context, f Fence) error {
	b, _ := json.Marshal(f)
	return s.Set(ctx, fenceKey, string(b))
}
