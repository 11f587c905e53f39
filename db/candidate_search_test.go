package db

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

const sofiaProfile = `{"basics":{"name":"Sofía Álvarez","label":"Platform Engineer"},
	"work":[{"name":"Northbeam","position":"Site Reliability Engineer"},{"company":"Zürich Versicherung","position":"Développeuse"}],
	"skills":[{"name":"Cloud","keywords":["Kubernetes","Terraform"]},{"name":"C++"}]}`

// searchNames lists the names of ann's candidates matching q.
func searchNames(t *testing.T, d *DB, owner Owner, q string) []string {
	t.Helper()
	list, err := d.Candidates.List(context.Background(), CandidateFilter{Owner: owner, Query: q})
	if err != nil {
		t.Fatalf("List(%q): %v", q, err)
	}
	names := []string{}
	for _, c := range list {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	return names
}

func TestCandidateSearch(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	bob := MustUser(t, d, "bob@example.com", RoleRecruiter)
	for _, c := range []struct{ name, profile string }{
		{"Sofía Álvarez", sofiaProfile},
		{"Liam O'Brien", `{"basics":{"name":"Liam O'Brien","label":"Data Analyst"},"work":[{"name":"Globex","position":"Analyst"}],"skills":[{"name":"SQL"}]}`},
		{"Alvar Aalto", `{"basics":{"name":"Alvar Aalto"}}`},
		{"Broken Profile", `not json`},
	} {
		if _, err := d.Candidates.Create(ctx, ann.ID, c.name, []byte(c.profile)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Candidates.Create(ctx, bob.ID, "Pablo Álvarez", []byte(`{"basics":{"name":"Pablo Álvarez"}}`)); err != nil {
		t.Fatal(err)
	}

	sofia := []string{"Sofía Álvarez"}
	tests := []struct {
		q    string
		want []string
	}{
		{"álvarez", sofia},
		{"Alvarez", sofia},
		{"ALVAREZ", sofia},
		{"alvarez sofia", sofia},
		{"SOFÍA", sofia},
		{"alva", []string{"Alvar Aalto", "Sofía Álvarez"}}, // the last word is a prefix
		{"alvar aalto", []string{"Alvar Aalto"}},
		{"kubernetes", sofia},        // a skill's keyword
		{"cloud", sofia},             // a skill's name
		{"platform engineer", sofia}, // the headline
		{"northbeam", sofia},         // an employer
		{"zurich", sofia},            // an employer in the old "company" field
		{"reliability", sofia},       // a job title
		{"developpeuse", sofia},      // a job title, accents typed or not
		{"globex analyst", []string{"Liam O'Brien"}},
		{"O'Brien", []string{"Liam O'Brien"}},
		{"o'b", []string{"Liam O'Brien"}},
		{"obrien", []string{}},
		{"C++", sofia},
		{"broken", []string{"Broken Profile"}},
		{"pablo", []string{}}, // bob's
		{"nobody", []string{}},
		// Punctuation and FTS syntax are plain text, never an error.
		{`"`, []string{}},
		{`*`, []string{}},
		{`AND`, []string{}},
		{`alvarez AND`, []string{}},
		{`alvarez OR kubernetes`, []string{}},
		{`NOT alvarez`, []string{}},
		{`-alvarez`, sofia},
		{`"alvarez`, sofia},
		{`alv*`, []string{"Alvar Aalto", "Sofía Álvarez"}}, // a typed * is a prefix too
		{`name:alvarez`, []string{}},
		{`(alvarez`, sofia},
		{`alvarez NEAR/2 sofia`, []string{}},
		{`^sofia`, sofia},
		{`%`, []string{}},
		{`'; DROP TABLE candidates; --`, []string{}},
	}
	for _, tt := range tests {
		if got := searchNames(t, d, OwnedBy(ann.ID), tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("search %q = %q, want %q", tt.q, got, tt.want)
		}
	}
	if got, want := searchNames(t, d, AllOwners, "álvarez"), []string{"Pablo Álvarez", "Sofía Álvarez"}; !slices.Equal(got, want) {
		t.Errorf("admin search = %q, want %q", got, want)
	}
	if got := searchNames(t, d, OwnedBy(ann.ID), ""); len(got) != 4 {
		t.Errorf("no query lists %q, want all 4", got)
	}
	list, err := d.Candidates.List(ctx, CandidateFilter{Owner: OwnedBy(ann.ID), Query: "sofia"})
	if err != nil || len(list) != 1 || list[0].Headline != "Platform Engineer" {
		t.Errorf("List gives %+v, %v; want Sofía with her headline", list, err)
	}
}

// An update re-indexes the candidate and a delete (also the cascade from a
// removed user) drops it from the index.
func TestCandidateSearchFollowsWrites(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	c, err := d.Candidates.Create(ctx, ann.ID, "Sofía Álvarez", []byte(sofiaProfile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Candidates.Update(ctx, ann.ID, c.ID, "Sofía Álvarez Ruiz", []byte(`{"basics":{"name":"Sofía Álvarez Ruiz"},"skills":[{"name":"Go"}]}`)); err != nil {
		t.Fatal(err)
	}
	if got := searchNames(t, d, OwnedBy(ann.ID), "ruiz"); !slices.Equal(got, []string{"Sofía Álvarez Ruiz"}) {
		t.Errorf("after update, ruiz = %q", got)
	}
	if got := searchNames(t, d, OwnedBy(ann.ID), "kubernetes"); len(got) != 0 {
		t.Errorf("after update, the old skill still matches: %q", got)
	}
	if err := d.Candidates.Delete(ctx, ann.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM candidate_search").Scan(&n); err != nil || n != 0 {
		t.Errorf("index rows after delete = %d, %v; want 0", n, err)
	}
	if _, err := d.Candidates.Create(ctx, ann.ID, "Liam O'Brien", []byte(`{"basics":{"name":"Liam O'Brien"}}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.write.ExecContext(ctx, "DELETE FROM users WHERE id = ?", ann.ID); err != nil {
		t.Fatal(err)
	}
	if err := d.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM candidate_search").Scan(&n); err != nil || n != 0 {
		t.Errorf("index rows after the owner's removal = %d, %v; want 0", n, err)
	}
}

// Candidates made before the index existed are found after the migration.
func TestCandidateSearchBackfill(t *testing.T) {
	ctx := context.Background()
	d, err := Open(filepath.Join(t.TempDir(), "tailor.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.migrate(ctx, 11); err != nil {
		t.Fatal(err)
	}
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	if _, err := d.Candidates.Create(ctx, ann.ID, "Sofía Álvarez", []byte(sofiaProfile)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"alvarez", "kubernetes", "northbeam"} {
		if got := searchNames(t, d, OwnedBy(ann.ID), q); !slices.Equal(got, []string{"Sofía Álvarez"}) {
			t.Errorf("after backfill, %q = %q", q, got)
		}
	}
}
