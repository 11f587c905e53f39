package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Candidate is a person whose resume recruiters tailor. Profile holds the
// JSON Resume document as validated by the caller.
type Candidate struct {
	ID        string
	OwnerID   string
	Name      string
	Headline  string // basics.label of the profile; only List fills it
	Profile   []byte
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Candidates stores candidates.
type Candidates struct{ db *DB }

// Create stores a new candidate at version 1.
func (s *Candidates) Create(ctx context.Context, ownerID, name string, profile []byte) (Candidate, error) {
	now := s.db.Now().UTC()
	c := Candidate{ID: NewID(), OwnerID: ownerID, Name: name, Profile: profile, Version: 1, CreatedAt: now, UpdatedAt: now}
	_, err := s.db.write.ExecContext(ctx, `
		INSERT INTO candidates (id, owner_id, name, profile, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, 1, ?, ?)`,
		c.ID, ownerID, name, string(profile), now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return Candidate{}, fmt.Errorf("create candidate: %w", err)
	}
	return c, nil
}

// Update replaces the profile and bumps the version.
func (s *Candidates) Update(ctx context.Context, ownerID, id, name string, profile []byte) (Candidate, error) {
	now := s.db.Now().UTC()
	res, err := s.db.write.ExecContext(ctx, `
		UPDATE candidates SET name = ?, profile = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND owner_id = ?`, name, string(profile), now.UnixMilli(), id, ownerID)
	if err != nil {
		return Candidate{}, fmt.Errorf("update candidate: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Candidate{}, ErrNotFound
	}
	return s.Get(ctx, OwnedBy(ownerID), id)
}

// Delete removes a candidate; its jobs keep their copies of the inputs.
func (s *Candidates) Delete(ctx context.Context, ownerID, id string) error {
	res, err := s.db.write.ExecContext(ctx, "DELETE FROM candidates WHERE id = ? AND owner_id = ?", id, ownerID)
	if err != nil {
		return fmt.Errorf("delete candidate: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Get returns the owner's candidate; another owner's id is ErrNotFound.
// AllOwners reads any candidate (admins).
func (s *Candidates) Get(ctx context.Context, owner Owner, id string) (Candidate, error) {
	var c Candidate
	var profile string
	var created, updated int64
	st, err := s.db.readStmt(ctx, `
		SELECT id, owner_id, name, profile, version, created_at, updated_at
		FROM candidates WHERE id = ? AND `+ownerMatch)
	if err != nil {
		return Candidate{}, fmt.Errorf("get candidate: %w", err)
	}
	err = st.QueryRowContext(ctx, owner.args(id)...).
		Scan(&c.ID, &c.OwnerID, &c.Name, &profile, &c.Version, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Candidate{}, ErrNotFound
	}
	if err != nil {
		return Candidate{}, fmt.Errorf("get candidate: %w", err)
	}
	c.Profile = []byte(profile)
	c.CreatedAt = time.UnixMilli(created).UTC()
	c.UpdatedAt = time.UnixMilli(updated).UTC()
	return c, nil
}

// CandidateFilter narrows List.
type CandidateFilter struct {
	Owner Owner // whose candidates; the zero Owner lists none
	// Query finds candidates by name, headline, skill, employer or job
	// title, ignoring case and accents; every word must match, the last
	// one as a prefix. A query of punctuation only matches nothing.
	Query  string
	Limit  int
	Offset int
}

// List returns candidates, most recently updated first, with their
// headlines but without profiles.
func (s *Candidates) List(ctx context.Context, f CandidateFilter) ([]Candidate, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	where, args := ownerMatch, f.Owner.args()
	if strings.TrimSpace(f.Query) != "" {
		match := searchMatch(f.Query)
		if match == "" {
			return []Candidate{}, nil
		}
		where += " AND id IN (SELECT candidate_id FROM candidate_search WHERE candidate_search MATCH ?)"
		args = append(args, match)
	}
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT id, owner_id, name, version, created_at, updated_at,
			CASE WHEN NOT json_valid(profile) THEN ''
				WHEN json_type(profile, '$.basics.label') = 'text' THEN json_extract(profile, '$.basics.label') ELSE '' END
		FROM candidates WHERE `+where+`
		ORDER BY updated_at DESC, id LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("list candidates: %w", err)
	}
	defer rows.Close()
	out := []Candidate{}
	for rows.Next() {
		var c Candidate
		var created, updated int64
		if err := rows.Scan(&c.ID, &c.OwnerID, &c.Name, &c.Version, &created, &updated, &c.Headline); err != nil {
			return nil, err
		}
		c.CreatedAt = time.UnixMilli(created).UTC()
		c.UpdatedAt = time.UnixMilli(updated).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
