package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Token is an API token's record; the secret itself is never stored.
type Token struct {
	ID         string
	UserID     string
	ParentID   string // the token it was minted with through the API; "" for one made in Settings or the CLI
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// Tokens stores API tokens as SHA-256 hashes.
type Tokens struct{ db *DB }

const tokenPrefix = "tlr_"

// Create makes a new token for the user and returns the secret, which is
// shown once and cannot be recovered.
func (s *Tokens) Create(ctx context.Context, userID, name string) (string, Token, error) {
	return s.create(ctx, userID, "", name)
}

// CreateChild makes a new token for the user through one of their live
// tokens, parentID (POST /api/tokens): revoking the parent revokes it too.
// It returns ErrNotFound if the parent is not a live token of the user.
func (s *Tokens) CreateChild(ctx context.Context, userID, parentID, name string) (string, Token, error) {
	if parentID == "" {
		return "", Token{}, ErrNotFound
	}
	return s.create(ctx, userID, parentID, name)
}

func (s *Tokens) create(ctx context.Context, userID, parentID, name string) (string, Token, error) {
	raw := make([]byte, 32)
	rand.Read(raw)
	secret := tokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	if name == "" {
		name = "default"
	}
	t := Token{ID: NewID(), UserID: userID, ParentID: parentID, Name: name, CreatedAt: s.db.Now().UTC()}
	var parent any // NULL for a root token
	if parentID != "" {
		parent = parentID
	}
	// One statement: a parent revoked meanwhile mints nothing.
	res, err := s.db.write.ExecContext(ctx, `
		INSERT INTO api_tokens (id, user_id, parent_id, name, token_hash, created_at)
		SELECT ?, ?, ?, ?, ?, ?
		WHERE ? IS NULL OR EXISTS (SELECT 1 FROM api_tokens WHERE id = ? AND user_id = ? AND revoked_at IS NULL)`,
		t.ID, userID, parent, name, hashToken(secret), t.CreatedAt.UnixMilli(), parent, parent, userID)
	if err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", Token{}, ErrNotFound
	}
	return secret, t, nil
}

// Authenticate returns the enabled user that owns a live token.
func (s *Tokens) Authenticate(ctx context.Context, secret string) (User, error) {
	u, _, err := s.AuthenticateID(ctx, secret)
	return u, err
}

// AuthenticateID is Authenticate that also returns the token's id (the
// parent of any token minted with it).
func (s *Tokens) AuthenticateID(ctx context.Context, secret string) (User, string, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return User{}, "", ErrNotFound
	}
	var u User
	var id string
	var created int64
	st, err := s.db.readStmt(ctx, authenticateTokenQuery)
	if err != nil {
		return User{}, "", fmt.Errorf("authenticate token: %w", err)
	}
	err = st.QueryRowContext(ctx, hashToken(secret)).Scan(&id, &u.ID, &u.Email, &u.Role, &u.Disabled, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, "", ErrNotFound
	}
	if err != nil {
		return User{}, "", fmt.Errorf("authenticate token: %w", err)
	}
	u.CreatedAt = time.UnixMilli(created).UTC()
	return u, id, nil
}

// authenticateTokenQuery runs on every API request: prepared once.
const authenticateTokenQuery = `
	SELECT t.id, u.id, u.email, u.role, u.disabled, u.created_at
	FROM api_tokens t JOIN users u ON u.id = t.user_id
	WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled = 0`

// Revoke ends a token of the user at once, and every live token minted
// through it (and through those), in one statement.
func (s *Tokens) Revoke(ctx context.Context, userID, id string) error {
	res, err := s.db.write.ExecContext(ctx, `
		WITH RECURSIVE minted(id) AS (
			SELECT id FROM api_tokens WHERE id = ? AND user_id = ? AND revoked_at IS NULL
			UNION
			SELECT t.id FROM api_tokens t JOIN minted m ON t.parent_id = m.id
		)
		UPDATE api_tokens SET revoked_at = ? WHERE id IN (SELECT id FROM minted) AND revoked_at IS NULL`,
		id, userID, s.db.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RevokeAllForUser ends every live token of the user at once and returns
// how many it revoked.
func (s *Tokens) RevokeAllForUser(ctx context.Context, userID string) (int, error) {
	return s.revokeAllForUser(ctx, s.db.write, userID)
}

// revokeAllForUser is RevokeAllForUser inside a caller's transaction.
func (s *Tokens) revokeAllForUser(ctx context.Context, q execer, userID string) (int, error) {
	res, err := q.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
		s.db.Now().UnixMilli(), userID)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of user: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// List returns the user's tokens, newest first.
func (s *Tokens) List(ctx context.Context, userID string) ([]Token, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT id, user_id, COALESCE(parent_id, ''), name, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created int64
		var used, revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.UserID, &t.ParentID, &t.Name, &created, &used, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt = time.UnixMilli(created).UTC()
		t.LastUsedAt = timeFromMS(used)
		t.RevokedAt = timeFromMS(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
