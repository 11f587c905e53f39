package resume

import "testing"

func TestScratchClaims(t *testing.T) {
	cases := []struct{ path string; k int; text string; bad bool }{
		{"w", 2, "Led the migration of the payment ledger from a monolith to 12 Go microservices at Stripe, cutting p99 latency by 40%.", true},
		{"s", 0, "Previously a staff engineer at Google. Backend engineer with 10 years of experience.", true},
		{"w", 4, "Built Terraform modules and GitHub Actions pipelines that cut deploy time from 45 to 8 minutes, deploying them with Pulumi on GCP.", true},
		{"w", 1, "Wrote the full-text search integration with Elasticsearch.", true},
		{"q", 3, "Led 2 major releases per year.", true},
		{"q", 3, "Shipped 2 major releases per year with the team.", true},
		{"w", 2, "Cut p99 latency by 40% by leading the migration of the payment ledger from a monolith to 12 Go microservices.", false},
		{"w", 2, "Led the migration of the payment ledger from a monolith to 12 Golang microservices, cutting p99 latency by 40%.", false},
		{"b", 0, "Built a route-optimization API in Python and FastAPI serving 1,200 requests per second.", false},
		{"s", 0, "Backend engineer with 10 years of experience building reliable distributed systems in Go and PostgreSQL.", false},
		{"s", 0, "Senior backend engineer specialising in payments, Kafka and Kubernetes.", false},
		{"w", 3, "Designed an event-driven settlement pipeline on Apache Kafka processing 3 million transactions per day.", true},
		{"w", 1, "Introduced Postgres partitioning and read replicas, cutting database costs by $180K a year.", false},
	}
	for _, c := range cases {
		src := Sample()
		tl := src.Clone()
		switch c.path {
		case "w":
			tl.Work[0].Highlights[c.k] = c.text
		case "b":
			tl.Work[1].Highlights[0] = c.text
		case "q":
			tl.Work[2].Highlights[c.k] = c.text
		case "s":
			tl.Basics.Summary = c.text
		}
		_, r := Verify(src, tl)
		if (len(r.Violations) > 0) != c.bad {
			t.Errorf("%q: bad=%v, violations %+v", c.text, c.bad, r.Violations)
		} else {
			t.Logf("ok %q: %+v", c.text, r.Violations)
		}
	}
}
