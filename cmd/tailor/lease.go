package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/lease"
)

// openWriter opens and migrates the database as its one writer: with
// WRITER_LEASE on, the writer lease is taken before the first write (the
// migrations of a database that has an identity already), else right
// after the migration that creates the identity. With WRITER_LEASE off it
// is openDatabase: no lease, and the migrations applied are only logged.
func (p *process) openWriter(ctx context.Context) (*db.DB, *lease.Lease, []int, error) {
	if !p.cfg.WriterLease {
		database, err := openDatabase(ctx, p.cfg.DatabasePath, p.cfg.DBOptions(), p.logger)
		return database, nil, nil, err
	}
	database, err := db.OpenWith(p.cfg.DatabasePath, p.cfg.DBOptions())
	if err != nil {
		return nil, nil, nil, err
	}
	fail := func(err error) (*db.DB, *lease.Lease, []int, error) {
		database.Close()
		return nil, nil, nil, err
	}
	var l *lease.Lease
	if id, err := database.Settings.DatabaseID(ctx); err == nil {
		if l, err = p.acquireLease(ctx, database, id); err != nil {
			return fail(err)
		}
	}
	applied, err := database.Migrate(ctx)
	if err != nil {
		return fail(err)
	}
	if len(applied) > 0 {
		p.logger.Info("database migrated", "path", p.cfg.DatabasePath, "applied", applied)
	}
	if l == nil {
		id, err := database.Settings.DatabaseID(ctx)
		if err == nil {
			l, err = p.acquireLease(ctx, database, id)
		}
		if err != nil {
			return fail(err)
		}
	}
	return database, l, applied, nil
}

// leaseStage renews the writer lease and stops the process when it is
// lost, after stopping the database's writes; stopped, it releases it.
func (p *process) leaseStage(l *lease.Lease, database *db.DB) stage {
	return stage{"writer lease", func(ctx context.Context) error {
		return l.Run(ctx, func() {
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := database.StopWrites(stopCtx); err != nil {
				p.logger.Error("stop writes after losing the writer lease", "err", err)
			}
		})
	}}
}

func (p *process) acquireLease(ctx context.Context, database *db.DB, id string) (*lease.Lease, error) {
	l, err := lease.Acquire(ctx, p.rdb, database.Settings, lease.Options{
		DatabaseID: id, Path: p.cfg.DatabasePath, TTL: p.cfg.WriterLeaseTTL, Logger: p.logger,
	})
	if errors.Is(err, lease.ErrHeld) || errors.Is(err, lease.ErrStale) {
		p.logger.Error("refusing to start as the writer of this database", "database_id", id, "err", err)
		return nil, fmt.Errorf("refusing to start: %w", err)
	}
	if err != nil {
		return nil, err
	}
	p.logger.Info("writer lease taken", "database_id", id, "fence", l.Token, "ttl", p.cfg.WriterLeaseTTL.String())
	return l, nil
}

// migrateAsWriter is `tailor migrate` with WRITER_LEASE on: migrations are
// writes, so a migration run beside a live writer (a release_command on a
// Machine restored from the replica) must not write either.
func migrateAsWriter(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	logger := newLogger(stderr, cfg.LogLevel)
	rdb, closeRedis, err := connectRedis(ctx, cfg.RedisURL, logger)
	if err != nil {
		return err
	}
	defer closeRedis()
	p := &process{mode: "migrate", cfg: cfg, logger: logger, rdb: rdb}
	d, l, applied, err := p.openWriter(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	l.Release(context.WithoutCancel(ctx))
	fmt.Fprintf(stdout, "%s: %d migration(s) applied %v\n", cfg.DatabasePath, len(applied), applied)
	return nil
}
