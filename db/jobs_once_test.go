package db

import (
	"context"
	"strings"
	"testing"
)

// TestCreateOnceLooksUpItsIndex: the check for the same inputs is a lookup
// in jobs_inputs, never a walk over the owner's recent jobs (an enqueue
// burst made that walk tens of thousands of rows per insert: 140 requests
// a second instead of thousands).
func TestCreateOnceLooksUpItsIndex(t *testing.T) {
	d := MustOpen(t)
	rows, err := d.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+insertJobOnceQuery[strings.Index(insertJobOnceQuery, "SELECT 1"):len(insertJobOnceQuery)-1],
		"owner", int64(0), "hash", nil, "", "", "interactive")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if got := strings.Join(plan, "; "); !strings.Contains(got, "USING INDEX jobs_inputs (owner_id=? AND inputs_hash=? AND created_at>?)") {
		t.Errorf("the same-inputs check plans %q, want a lookup in jobs_inputs", got)
	}
}
