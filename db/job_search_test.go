package db

import (
	"context"
	"slices"
	"testing"

	"github.com/tailor-app/tailor/jobstate"
)

// mustJobFor creates a queued job of owner for a candidate, title and company.
func mustJobFor(t *testing.T, d *DB, owner, name, title, company string) Job {
	t.Helper()
	j, err := d.Jobs.Create(context.Background(), Job{OwnerID: owner, CandidateVersion: 1, CandidateName: name,
		JobTitle: title, Company: company, JobDescription: "Go", Theme: "classic", Paper: "a4", Queue: "interactive", InputsHash: "h"},
		[]byte(`{"basics":{"name":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func names(jobs []Job) []string {
	var out []string
	for _, j := range jobs {
		out = append(out, j.CandidateName)
	}
	slices.Sort(out)
	return out
}

func TestJobSearch(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	bob := MustUser(t, d, "bob@example.com", RoleRecruiter)
	mustJobFor(t, d, ann.ID, "José Álvarez", "Backend Engineer", "Globex")
	mustJobFor(t, d, ann.ID, "Siobhán O'Brien", "C++ Developer", "Initech")
	mustJobFor(t, d, ann.ID, "Zoë Ng", "Data Engineer", "Åkerlund & Co")
	mustJobFor(t, d, ann.ID, "Or And", "Not Near", "Tëst")
	mustJobFor(t, d, bob.ID, "Jose Alvarez", "Backend Engineer", "Globex") // another owner's

	tests := []struct {
		query string
		want  []string
	}{
		{"alvarez", []string{"José Álvarez"}},
		{"ÁLVAREZ", []string{"José Álvarez"}},
		{"alv", []string{"José Álvarez"}}, // a prefix
		{"jose backend", []string{"José Álvarez"}},
		{"jose initech", nil}, // every word is required
		{"engineer", []string{"José Álvarez", "Zoë Ng"}},
		{"zoe", []string{"Zoë Ng"}},
		{"akerlund", []string{"Zoë Ng"}},
		{"globex", []string{"José Álvarez"}},
		// Hostile input: FTS syntax is read as words or separators.
		{"O'Brien", []string{"Siobhán O'Brien"}},
		{"siobhan", []string{"Siobhán O'Brien"}},
		{"obrien", []string{"Siobhán O'Brien"}}, // the apostrophe left out
		{"obri", []string{"Siobhán O'Brien"}},
		{"C++", []string{"Siobhán O'Brien"}}, // the word "c" whole: a word ending in punctuation is no prefix
		{`"`, nil},
		{`*`, nil},
		{`"alvarez`, []string{"José Álvarez"}},
		{"AND", []string{"Or And"}},
		{"OR", []string{"Or And"}},
		{"NOT near", []string{"Or And"}},
		{"-globex", []string{"José Álvarez"}},
		{"(initech", []string{"Siobhán O'Brien"}},
		{"NEAR/ test", []string{"Or And"}},
		{"x AND y OR z NOT w a b c d e f g", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			jobs, err := d.Jobs.List(ctx, JobFilter{Owner: OwnedBy(ann.ID), Query: tt.query})
			if err != nil {
				t.Fatal(err)
			}
			if got := names(jobs); !slices.Equal(got, tt.want) {
				t.Errorf("search %q found %q, want %q", tt.query, got, tt.want)
			}
		})
	}
}

func TestJobSearchFollowsWritesAndMigration(t *testing.T) {
	ctx := context.Background()
	d, err := Open(t.TempDir() + "/tailor.db")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// Jobs stored before the search existed are found after it is added.
	if _, err := d.migrate(ctx, 13); err != nil {
		t.Fatal(err)
	}
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	// The row as a release of that time wrote it (Jobs.Create writes the
	// columns of later migrations).
	old := Job{ID: NewID(), CandidateName: "Renée Müller"}
	if _, err := d.write.ExecContext(ctx, `INSERT INTO jobs (id, owner_id, candidate_version, candidate_name, job_title,
		company, job_description, profile, theme, paper, queue, status, inputs_hash, created_at, updated_at)
		VALUES (?, ?, 1, ?, 'SRE', 'Du-Bois', 'Go', '{}', 'classic', 'a4', 'interactive', 'queued', 'h', 1, 1)`,
		old.ID, ann.ID, old.CandidateName); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	search := func(q string) []string {
		t.Helper()
		jobs, err := d.Jobs.List(ctx, JobFilter{Owner: AllOwners, Query: q})
		if err != nil {
			t.Fatal(err)
		}
		return names(jobs)
	}
	if got := search("renee muller"); !slices.Equal(got, []string{"Renée Müller"}) {
		t.Errorf("a job stored before the migration: found %q", got)
	}
	if got := search("dubois"); !slices.Equal(got, []string{"Renée Müller"}) {
		t.Errorf("a job stored before the migration: found %q", got)
	}

	// A deleted job leaves the search; a user's deletion takes their jobs' words.
	mustJobFor(t, d, ann.ID, "Renée Faure", "SRE", "Hooli")
	if _, err := d.write.Exec("DELETE FROM jobs WHERE id = ?", old.ID); err != nil {
		t.Fatal(err)
	}
	if got := search("renee"); !slices.Equal(got, []string{"Renée Faure"}) {
		t.Errorf("after a delete: found %q", got)
	}
	if _, err := d.write.Exec("DELETE FROM users WHERE id = ?", ann.ID); err != nil {
		t.Fatal(err)
	}
	var docs, words int
	d.read.QueryRow("SELECT COUNT(*) FROM job_search_docs").Scan(&docs)
	d.read.QueryRow("SELECT COUNT(*) FROM job_search").Scan(&words)
	if docs != 0 || words != 0 {
		t.Errorf("after the owner's deletion: %d search docs and %d documents left, want none", docs, words)
	}
}

func TestCountOwned(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	bob := MustUser(t, d, "bob@example.com", RoleRecruiter)
	a := mustJobFor(t, d, ann.ID, "Ana Lima", "Go", "Globex")
	mustJobFor(t, d, ann.ID, "Ana Souza", "Go", "Initech")
	b := mustJobFor(t, d, ann.ID, "Bruno Costa", "Go", "Globex")
	mustJobFor(t, d, bob.ID, "Ana Bob", "Go", "Globex")
	if _, err := d.Jobs.Apply(ctx, a.ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 1, Change: jobstate.Change{Error: "x"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Jobs.Cancel(ctx, OwnedBy(ann.ID), b.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  StatusCounts
	}{
		{"", StatusCounts{"queued": 1, "failed": 1, "canceled": 1}},
		{"ana", StatusCounts{"queued": 1, "failed": 1}},
		{"globex", StatusCounts{"failed": 1, "canceled": 1}},
		{`"*"`, StatusCounts{}},
	}
	for _, tt := range tests {
		got, err := d.Jobs.CountOwned(ctx, OwnedBy(ann.ID), tt.query)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tt.want) {
			t.Errorf("counts for %q: %v, want %v", tt.query, got, tt.want)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("counts for %q: %v, want %v", tt.query, got, tt.want)
			}
		}
	}
	if got, _ := d.Jobs.CountOwned(ctx, Owner{}, ""); len(got) != 0 {
		t.Errorf("the zero Owner counts %v", got)
	}
}

func TestJobOpenings(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	o, err := d.Openings.Create(ctx, Opening{OwnerID: ann.ID, Title: "Go", Company: "Globex", Description: "Go"})
	if err != nil {
		t.Fatal(err)
	}
	from := mustJobFor(t, d, ann.ID, "Ana", "Go", "Globex")    // title, company, description "Go"
	pasted := mustJobFor(t, d, ann.ID, "Ana", "Go", "Initech") // another company
	got, err := d.Jobs.Openings(ctx, []Job{from, pasted})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[from.ID] != o.ID {
		t.Errorf("openings %v, want only %s -> %s", got, from.ID, o.ID)
	}
}

// TestJobSearchIndexesPendingJobsOnSearch: a new job writes no words to
// the search index (an FTS4 write in each insert cost a third of it); the
// next search indexes every pending job at once, as it is then: renamed
// since it was created, or gone.
func TestJobSearchIndexesPendingJobsOnSearch(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	count := func(q string) int {
		t.Helper()
		var n int
		if err := d.read.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	kept := mustJobFor(t, d, ann.ID, "Amara Okoye", "SRE", "Hooli")
	renamed := mustJobFor(t, d, ann.ID, "Bo Chen", "SRE", "Hooli")
	gone := mustJobFor(t, d, ann.ID, "Cleo Diaz", "SRE", "Hooli")
	if n := count("SELECT COUNT(*) FROM job_search"); n != 0 {
		t.Fatalf("%d documents in the index before a search, want none (the inserts only mark them pending)", n)
	}
	if _, err := d.write.Exec("UPDATE jobs SET candidate_name = 'Bo Chen-Larsen' WHERE id = ?", renamed.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.write.Exec("DELETE FROM jobs WHERE id = ?", gone.ID); err != nil {
		t.Fatal(err)
	}

	jobs, err := d.Jobs.List(ctx, JobFilter{Owner: OwnedBy(ann.ID), Query: "hooli"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(jobs); !slices.Equal(got, []string{"Amara Okoye", "Bo Chen-Larsen"}) {
		t.Errorf("search after new jobs found %q", got)
	}
	if n := count("SELECT COUNT(*) FROM job_search_docs WHERE pending = 1"); n != 0 {
		t.Errorf("%d documents still pending after a search", n)
	}
	if n := count("SELECT COUNT(*) FROM job_search"); n != 2 {
		t.Errorf("%d documents in the index, want 2", n)
	}
	counts, err := d.Jobs.CountOwned(ctx, OwnedBy(ann.ID), "larsen")
	if err != nil {
		t.Fatal(err)
	}
	if counts[jobstate.StatusQueued] != 1 {
		t.Errorf("counts for the renamed job's new name: %v", counts)
	}
	// Indexed since: later changes go through the update and delete triggers.
	if _, err := d.write.Exec("UPDATE jobs SET company = 'Initech' WHERE id = ?", kept.ID); err != nil {
		t.Fatal(err)
	}
	jobs, _ = d.Jobs.List(ctx, JobFilter{Owner: OwnedBy(ann.ID), Query: "initech"})
	if got := names(jobs); !slices.Equal(got, []string{"Amara Okoye"}) {
		t.Errorf("search after an indexed job changed found %q", got)
	}
}
