package db

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
	"golang.org/x/crypto/argon2"
)

// Roles a user can have.
const (
	RoleRecruiter = "recruiter"
	RoleAdmin     = "admin"
)

// User is someone who signs in.
type User struct {
	ID        string
	Email     string
	Role      string
	Disabled  bool
	CreatedAt time.Time
}

// IsAdmin reports whether the user may see every object.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

// Users stores users and checks their passwords.
type Users struct{ db *DB }

// ErrBadCredentials is returned for a wrong password and an unknown email alike.
var ErrBadCredentials = errors.New("invalid email or password")

// Create adds a user with an argon2id hash of password. It returns ErrBusy
// when too many passwords are being hashed (sign-up is open to anyone).
func (s *Users) Create(ctx context.Context, email, role, password string) (User, error) {
	email = strings.TrimSpace(email)
	if !strings.Contains(email, "@") || len(email) > 254 {
		return User{}, fmt.Errorf("invalid email %q", email)
	}
	if role != RoleRecruiter && role != RoleAdmin {
		return User{}, fmt.Errorf("role must be recruiter or admin, not %q", role)
	}
	if len(password) < 8 {
		return User{}, errors.New("password must be at least 8 characters")
	}
	hash, err := s.db.Argon.hash(ctx, true, password)
	if err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	u := User{ID: NewID(), Email: email, Role: role, CreatedAt: s.db.Now().UTC()}
	_, err = s.db.write.ExecContext(ctx,
		"INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)",
		u.ID, u.Email, hash, u.Role, u.CreatedAt.UnixMilli())
	var se sqlite3.Error
	if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
		return User{}, fmt.Errorf("user %s: %w", email, ErrConflict)
	}
	if err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// Get returns a user by id.
func (s *Users) Get(ctx context.Context, id string) (User, error) {
	return s.scanOne(s.db.read.QueryRowContext(ctx,
		"SELECT id, email, role, disabled, created_at FROM users WHERE id = ?", id))
}

// ByEmail returns a user by email (case-insensitive).
func (s *Users) ByEmail(ctx context.Context, email string) (User, error) {
	return s.scanOne(s.db.read.QueryRowContext(ctx,
		"SELECT id, email, role, disabled, created_at FROM users WHERE email = ?", strings.TrimSpace(email)))
}

// Count returns how many users exist.
func (s *Users) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	return n, err
}

// Authenticate returns the user whose email and password match. A disabled
// user, an unknown email and a wrong password all give ErrBadCredentials,
// after the same argon2 work. It returns ErrBusy when too many passwords
// are being checked at once.
func (s *Users) Authenticate(ctx context.Context, email, password string) (User, error) {
	var u User
	var hash string
	var created int64
	err := s.db.read.QueryRowContext(ctx,
		"SELECT id, email, role, disabled, created_at, password_hash FROM users WHERE email = ?",
		strings.TrimSpace(email)).Scan(&u.ID, &u.Email, &u.Role, &u.Disabled, &created, &hash)
	known := err == nil
	if errors.Is(err, sql.ErrNoRows) {
		hash = dummyHash // the same work as a real check, so response time reveals nothing
	} else if err != nil {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	ok, err := s.db.Argon.check(ctx, hash, password)
	if err != nil {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	if !known || !ok || u.Disabled {
		return User{}, ErrBadCredentials
	}
	u.CreatedAt = time.UnixMilli(created).UTC()
	return u, nil
}

func (s *Users) scanOne(row *sql.Row) (User, error) {
	var u User
	var created int64
	err := row.Scan(&u.ID, &u.Email, &u.Role, &u.Disabled, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("get user: %w", err)
	}
	u.CreatedAt = time.UnixMilli(created).UTC()
	return u, nil
}

// argon2id parameters as recommended by RFC 9106's second choice (64 MiB is
// too much for a 256 MB Fly machine serving several logins at once).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// dummyHash is checked for an unknown email: its parameters, which set the
// cost, are a real hash's; no password matches its all-zero key.
var dummyHash = encodeHash(make([]byte, 16), make([]byte, argonKeyLen))

// hash returns an encoded argon2id hash of password in the PHC string
// format; bounded as in key (admins and the command line are not).
func (a *Argon) hash(ctx context.Context, bounded bool, password string) (string, error) {
	salt := make([]byte, 16)
	rand.Read(salt)
	key, err := a.key(ctx, bounded, []byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	if err != nil {
		return "", err
	}
	return encodeHash(salt, key), nil
}

func encodeHash(salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// check reports whether password matches an encoded argon2id hash. It
// returns ErrBusy as key does for a bounded caller.
func (a *Argon) check(ctx context.Context, encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, nil
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, nil
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, nil
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, nil
	}
	got, err := a.key(ctx, true, []byte(password), salt, t, m, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
