package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Opening is a saved job description a recruiter tailors resumes for.
type Opening struct {
	ID          string
	OwnerID     string
	Title       string
	Company     string
	Location    string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Openings stores openings.
type Openings struct{ db *DB }

// Create stores a new opening for its owner.
func (s *Openings) Create(ctx context.Context, o Opening) (Opening, error) {
	now := s.db.Now().UTC()
	o.ID, o.CreatedAt, o.UpdatedAt = NewID(), now, now
	_, err := s.db.write.ExecContext(ctx, `
		INSERT INTO openings (id, owner_id, title, company, location, description, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.OwnerID, o.Title, o.Company, o.Location, o.Description, now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return Opening{}, fmt.Errorf("create opening: %w", err)
	}
	return o, nil
}

// Update replaces an opening's fields; AllOwners may change any (admins).
func (s *Openings) Update(ctx context.Context, owner Owner, o Opening) (Opening, error) {
	res, err := s.db.write.ExecContext(ctx, `
		UPDATE openings SET title = ?, company = ?, location = ?, description = ?, updated_at = ?
		WHERE id = ? AND `+ownerMatch,
		owner.args(o.Title, o.Company, o.Location, o.Description, s.db.Now().UnixMilli(), o.ID)...)
	if err != nil {
		return Opening{}, fmt.Errorf("update opening: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Opening{}, ErrNotFound
	}
	return s.Get(ctx, owner, o.ID)
}

// Delete removes an opening; jobs keep their copy of the description.
func (s *Openings) Delete(ctx context.Context, owner Owner, id string) error {
	res, err := s.db.write.ExecContext(ctx, "DELETE FROM openings WHERE id = ? AND "+ownerMatch, owner.args(id)...)
	if err != nil {
		return fmt.Errorf("delete opening: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

const openingColumns = "id, owner_id, title, company, location, description, created_at, updated_at"

func scanOpening(row scanner) (Opening, error) {
	var o Opening
	var created, updated int64
	if err := row.Scan(&o.ID, &o.OwnerID, &o.Title, &o.Company, &o.Location, &o.Description, &created, &updated); err != nil {
		return Opening{}, err
	}
	o.CreatedAt = time.UnixMilli(created).UTC()
	o.UpdatedAt = time.UnixMilli(updated).UTC()
	return o, nil
}

// Get returns the owner's opening; another owner's id is ErrNotFound.
// AllOwners reads any opening (admins).
func (s *Openings) Get(ctx context.Context, owner Owner, id string) (Opening, error) {
	o, err := scanOpening(s.db.read.QueryRowContext(ctx,
		"SELECT "+openingColumns+" FROM openings WHERE id = ? AND "+ownerMatch, owner.args(id)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Opening{}, ErrNotFound
	}
	if err != nil {
		return Opening{}, fmt.Errorf("get opening: %w", err)
	}
	return o, nil
}

// List returns openings, most recently updated first.
func (s *Openings) List(ctx context.Context, owner Owner, limit, offset int) ([]Opening, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.read.QueryContext(ctx, "SELECT "+openingColumns+` FROM openings
		WHERE `+ownerMatch+` ORDER BY updated_at DESC, id LIMIT ? OFFSET ?`, append(owner.args(), limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("list openings: %w", err)
	}
	defer rows.Close()
	out := []Opening{}
	for rows.Next() {
		o, err := scanOpening(rows)
		if err != nil {
			return nil, fmt.Errorf("list openings: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
