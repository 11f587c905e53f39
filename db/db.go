// Package db is Tailor's system of record: one SQLite file in WAL mode, one
// writer connection and a pool of readers, embedded numbered migrations and
// a store per table. Of the project it imports only jobstate, the statuses
// and event kinds it shares with the worker.
package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/base32"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3" // also registers the "sqlite3" driver the readers use
)

// ErrNotFound is returned when a row does not exist or belongs to another user.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a row cannot change as asked (a unique key, a
// job that already ended).
var ErrConflict = errors.New("conflict")

//go:embed migrations/*.sql
var migrations embed.FS

// DB holds the two connection pools and the stores built on them.
type DB struct {
	write *sql.DB // exactly one connection: SQLite has one writer anyway
	read  *sql.DB
	path  string

	// Now returns the current time; tests replace it.
	Now func() time.Time

	// Argon bounds the argon2 work of every password hash and check; tests
	// set their own.
	Argon *Argon

	Users      *Users
	Tokens     *Tokens
	Candidates *Candidates
	Jobs       *Jobs
	Batches    *Batches
	Openings   *Openings
	Sessions   *Sessions
	Settings   *Settings
	JobEnds    *JobEnds
	Webhooks   *Webhooks
	Alerts     *Alerts
	Prefs      *Prefs

	readStmts  sync.Map // query -> *sql.Stmt on the read pool (hot paths only)
	writeStmts sync.Map // query -> *sql.Stmt on the writer (hot paths only)
}

// Options change how Open sets up the connections; the zero value suits a
// database no other process replicates.
type Options struct {
	// ExternalCheckpoints turns SQLite's automatic checkpoints off on the
	// writer (PRAGMA wal_autocheckpoint=0) because Litestream checkpoints,
	// after it has read the WAL: an automatic checkpoint right after a crash
	// can fold unshipped frames into the database and restart the WAL before
	// Litestream's first sync, and the replica silently misses those pages
	// (issue 16; https://github.com/benbjohnson/litestream/issues/1164).
	ExternalCheckpoints bool
}

// Open opens (creating if needed) the database at path with the pragmas
// Tailor relies on. Call Migrate before use.
func Open(path string) (*DB, error) { return OpenWith(path, Options{}) }

// OpenWith is Open with options.
func OpenWith(path string, opts Options) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	// _txlock=immediate makes every BeginTx a BEGIN IMMEDIATE, so a write
	// transaction takes the lock up front instead of failing on upgrade.
	pragmas := "_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on&_synchronous=NORMAL"
	// go-sqlite3 has no DSN parameter for wal_autocheckpoint: a connect hook
	// sets it on every connection the writer pool opens, reopened ones too.
	writer := &sqlite3.SQLiteDriver{}
	if opts.ExternalCheckpoints {
		writer.ConnectHook = func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec("PRAGMA wal_autocheckpoint=0", nil)
			return err
		}
	}
	write := sql.OpenDB(connector{dsn: "file:" + path + "?" + pragmas + "&_txlock=immediate", driver: writer})
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	if err := write.Ping(); err != nil {
		write.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	read, err := sql.Open("sqlite3", "file:"+path+"?"+pragmas+"&_query_only=true")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	n := max(4, runtime.NumCPU()*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)

	d := &DB{write: write, read: read, path: path, Now: time.Now, Argon: NewArgon(ArgonLimits{})}
	d.Users = &Users{db: d}
	d.Tokens = &Tokens{db: d}
	d.Candidates = &Candidates{db: d}
	d.Jobs = &Jobs{db: d}
	d.Openings = &Openings{db: d}
	d.Batches = &Batches{db: d}
	d.Sessions = &Sessions{db: d}
	d.Settings = &Settings{db: d}
	d.JobEnds = &JobEnds{db: d}
	d.Webhooks = &Webhooks{db: d}
	d.Alerts = &Alerts{db: d}
	d.Prefs = &Prefs{db: d}
	return d, nil
}

// connector opens connections of one DSN with a configured driver, so a
// connect hook needs no global sql.Register.
type connector struct {
	dsn    string
	driver *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.driver }

// Close closes both pools.
func (d *DB) Close() error {
	for _, m := range []*sync.Map{&d.readStmts, &d.writeStmts} {
		m.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	}
	return errors.Join(d.read.Close(), d.write.Close())
}

// StopWrites makes every later write of this process fail ("attempt to
// write a readonly database"): the writer connection, the only one that
// writes, is switched to query_only. A writer that lost its lease calls it
// before it exits, so nothing it still runs reaches the file. It waits for
// a transaction in progress to end.
func (d *DB) StopWrites(ctx context.Context) error {
	if _, err := d.write.ExecContext(ctx, "PRAGMA query_only = ON"); err != nil {
		return fmt.Errorf("stop writes: %w", err)
	}
	return nil
}

// Path is the database file.
func (d *DB) Path() string { return d.path }

// Ping checks that both pools answer a query.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	if err := d.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite read: %w", err)
	}
	if err := d.write.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite write: %w", err)
	}
	return nil
}

// Migrate applies the embedded migrations that are not yet recorded in
// schema_migrations, each in its own transaction, in file-name order.
// It returns the versions it applied.
func (d *DB) Migrate(ctx context.Context) ([]int, error) {
	return d.migrate(ctx, math.MaxInt)
}

// migrate applies the migrations up to version last (a test can start from
// an older schema).
func (d *DB) migrate(ctx context.Context, last int) ([]int, error) {
	if _, err := d.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var applied []int
	for _, name := range names {
		base := filepath.Base(name)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return applied, fmt.Errorf("migration %s: name must start with a number", base)
		}
		if version > last {
			break
		}
		done, err := d.applyMigration(ctx, version, name)
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", base, err)
		}
		if done {
			applied = append(applied, version)
		}
	}
	return applied, nil
}

func (d *DB) applyMigration(ctx context.Context, version int, name string) (bool, error) {
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		version, filepath.Base(name), d.Now().UnixMilli()); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// readStmt returns a statement prepared once on the read pool. go-sqlite3
// parses the SQL on every Query otherwise: a third of a status poll's cost.
func (d *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	return cachedStmt(ctx, d.read, &d.readStmts, query)
}

// writeStmt is readStmt for the writer connection.
func (d *DB) writeStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	return cachedStmt(ctx, d.write, &d.writeStmts, query)
}

// execer runs a statement on the writer or in a transaction on it, so a
// store's write can join another store's transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func cachedStmt(ctx context.Context, pool *sql.DB, cache *sync.Map, query string) (*sql.Stmt, error) {
	if st, ok := cache.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := cache.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// NewID returns an opaque, unguessable identifier (20 characters of base32).
func NewID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// ValidID reports whether id has the form of a NewID: 20 characters of
// lower-case base32. It says nothing of whether the row exists.
func ValidID(id string) bool {
	if len(id) != 20 {
		return false
	}
	for _, c := range id {
		if !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

func timeFromMS(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64).UTC()
}

// Scan and value adapters for the columns whose Go zero value is stored as
// NULL. Each wraps a pointer to the field, so it scans in place and inserts
// the field's value.

// nullString is a TEXT column where NULL is "".
type nullString struct{ p *string }

func (n nullString) Scan(src any) error {
	var s sql.NullString
	err := s.Scan(src)
	*n.p = s.String
	return err
}

func (n nullString) Value() (driver.Value, error) {
	if *n.p == "" {
		return nil, nil
	}
	return *n.p, nil
}

// nullInt is an INTEGER column where NULL is a nil *int.
type nullInt struct{ p **int }

func (n nullInt) Scan(src any) error {
	var v sql.NullInt64
	if err := v.Scan(src); err != nil {
		return err
	}
	*n.p = nil
	if v.Valid {
		i := int(v.Int64)
		*n.p = &i
	}
	return nil
}

func (n nullInt) Value() (driver.Value, error) {
	if *n.p == nil {
		return nil, nil
	}
	return int64(**n.p), nil
}

// unixMS is an INTEGER column of Unix milliseconds where NULL is the zero
// time; times read back in UTC.
type unixMS struct{ p *time.Time }

func (u unixMS) Scan(src any) error {
	var v sql.NullInt64
	if err := v.Scan(src); err != nil {
		return err
	}
	*u.p = timeFromMS(v)
	return nil
}

func (u unixMS) Value() (driver.Value, error) {
	if u.p.IsZero() {
		return nil, nil
	}
	return u.p.UnixMilli(), nil
}
