package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// List returns every user, oldest first.
func (s *Users) List(ctx context.Context) ([]User, error) {
	rows, err := s.db.read.QueryContext(ctx, "SELECT id, email, role, disabled, created_at FROM users ORDER BY created_at, email")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var created int64
		if err := rows.Scan(&u.ID, &u.Email, &u.Role, &u.Disabled, &created); err != nil {
			return nil, err
		}
		u.CreatedAt = time.UnixMilli(created).UTC()
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetDisabled disables or enables a user. A disabled user cannot sign in
// and their API tokens stop working (Tokens.Authenticate checks); disabling
// also ends every session of theirs, in the same transaction, so enabling
// them again brings no old cookie back.
func (s *Users) SetDisabled(ctx context.Context, id string, disabled bool) error {
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("disable user: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "UPDATE users SET disabled = ? WHERE id = ?", disabled, id)
	if err != nil {
		return fmt.Errorf("disable user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if disabled {
		if err := s.db.Sessions.deleteForUser(ctx, tx, id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// SetPassword replaces a user's password and ends every session of theirs;
// with revokeTokens it also revokes their API tokens and says how many. It
// is one transaction: the old password's sessions never outlive it.
func (s *Users) SetPassword(ctx context.Context, id, password string, revokeTokens bool) (revoked int, err error) {
	if len(password) < 8 {
		return 0, errors.New("password must be at least 8 characters")
	}
	hash, err := s.db.Argon.hash(ctx, false, password) // before the write lock: argon2 takes a while
	if err != nil {
		return 0, fmt.Errorf("set password: %w", err)
	}
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("set password: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", hash, id)
	if err != nil {
		return 0, fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, ErrNotFound
	}
	if err := s.db.Sessions.deleteForUser(ctx, tx, id); err != nil {
		return 0, err
	}
	if revokeTokens {
		if revoked, err = s.db.Tokens.revokeAllForUser(ctx, tx, id); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("set password: %w", err)
	}
	return revoked, nil
}

// CreateFirstAdmin creates an admin only while no user exists, in one
// statement, so two people racing for a fresh deployment cannot both win.
// It returns ErrConflict once any user exists.
func (s *Users) CreateFirstAdmin(ctx context.Context, email, password string) (User, error) {
	email = strings.TrimSpace(email)
	if !strings.Contains(email, "@") || len(email) > 254 {
		return User{}, fmt.Errorf("invalid email %q", email)
	}
	if len(password) < 8 {
		return User{}, errors.New("password must be at least 8 characters")
	}
	hash, err := s.db.Argon.hash(ctx, false, password)
	if err != nil {
		return User{}, fmt.Errorf("create first admin: %w", err)
	}
	u := User{ID: NewID(), Email: email, Role: RoleAdmin, CreatedAt: s.db.Now().UTC()}
	res, err := s.db.write.ExecContext(ctx, `
		INSERT INTO users (id, email, password_hash, role, created_at)
		SELECT ?, ?, ?, 'admin', ? WHERE NOT EXISTS (SELECT 1 FROM users)`,
		u.ID, u.Email, hash, u.CreatedAt.UnixMilli())
	var se sqlite3.Error
	if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
		return User{}, fmt.Errorf("user %s: %w", email, ErrConflict)
	}
	if err != nil {
		return User{}, fmt.Errorf("create first admin: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return User{}, fmt.Errorf("a user already exists: %w", ErrConflict)
	}
	return u, nil
}
