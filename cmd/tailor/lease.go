package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/lease"
)

// openWriter opens and migrates the database as its one writer: with
// WRITER_LEASE on, the writer lease is taken before the first write (the
// migrations of a database that has an identity already), else right
// after the migration that creates the identity. The stage it returns
// renews the lease and stops the process when it is lost (nil when the
// lease is off).
func (p *process) openWriter(ctx context.Context) (*db.DB, *stage, error) {
	if !p.cfg.WriterLease {
		database, err := openDatabase(ctx, p.cfg.DatabasePath, p.logger)
		return database, nil, err
	}
	database, err := db.Open(p.cfg.DatabasePath)
	if err != nil {
		return nil, nil, err
	}
	var l *lease.Lease
	if id, err := database.Settings.DatabaseID(ctx); err == nil {
		if l, err = p.acquireLease(ctx, database, id); err != nil {
			database.Close()
			return nil, nil, err
		}
	}
	applied, err := database.Migrate(ctx)
	if err != nil {
		database.Close()
		return nil, nil, err
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
			database.Close()
			return nil, nil, err
		}
	}
	return database, &stage{"writer lease", func(ctx context.Context) error {
		return l.Run(ctx, func() {
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := database.StopWrites(stopCtx); err != nil {
				p.logger.Error("stop writes after losing the writer lease", "err", err)
			}
		})
	}}, nil
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
