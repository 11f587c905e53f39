package resume

// Sample returns a realistic, fictional candidate: a senior backend
// engineer. It seeds demos, the "try it" page and tests. Each call returns
// a fresh value that the caller may modify.
func Sample() Resume {
	return Resume{
		Basics: Basics{
			Name:  "Maya Okafor",
			Label: "Senior Backend Engineer",
			Email: "maya.okafor@example.com",
			Phone: "+44 20 7946 0958",
			URL:   "https://maya-okafor.example.com",
			Summary: "Backend engineer with 10 years of experience building reliable distributed systems. " +
				"Enjoys mentoring engineers and making on-call calmer. " +
				"Specialises in Go, PostgreSQL and event-driven architectures for payments.",
			Location: &Location{City: "Manchester", CountryCode: "GB"},
			Profiles: []Profile{
				{Network: "GitHub", Username: "mayaokafor", URL: "https://github.com/mayaokafor"},
				{Network: "LinkedIn", Username: "maya-okafor", URL: "https://www.linkedin.com/in/maya-okafor"},
			},
		},
		Work: []Work{
			{
				Name:      "Northwind Payments",
				Position:  "Senior Backend Engineer",
				URL:       "https://northwind-payments.example.com",
				Location:  "Manchester, UK",
				StartDate: "2021-03",
				Summary:   "Card and bank-transfer processing for 9,000 online merchants.",
				Highlights: []string{
					"Mentored 4 engineers and ran the backend guild's design reviews.",
					"Introduced PostgreSQL partitioning and read replicas, reducing database costs by $180K per year.",
					"Led the migration of the payment ledger from a monolith to 12 Go microservices, cutting p99 latency by 40%.",
					"Designed an event-driven settlement pipeline on Kafka processing 3 million transactions per day.",
					"Built Terraform modules and GitHub Actions pipelines that cut deploy time from 45 to 8 minutes.",
				},
			},
			{
				Name:      "Brightline Logistics",
				Position:  "Backend Engineer",
				Location:  "Leeds, UK",
				StartDate: "2017-06",
				EndDate:   "2021-02",
				Highlights: []string{
					"Built a route-optimisation API in Python and FastAPI serving 1,200 requests per second.",
					"On-call lead for a rota of 6; halved pages through SLOs and runbooks.",
					"Moved 30 services to Kubernetes on AWS (EKS), with Helm charts and Prometheus alerting.",
					"Cut nightly batch runtime by 65% by rewriting ETL jobs in Go with Redis.",
				},
			},
			{
				Name:      "Quillsoft",
				Position:  "Software Engineer",
				Location:  "Manchester, UK",
				StartDate: "2014-09",
				EndDate:   "2017-05",
				Highlights: []string{
					"Developed REST APIs in Java and Spring Boot for a document-management product used by 200 customers.",
					"Raised unit test coverage from 35% to 80%.",
					"Wrote the full-text search integration with Elasticsearch.",
					"Shipped 2 major releases per year with a team of 8.",
				},
			},
		},
		Education: []Education{
			{
				Institution: "University of Manchester",
				Area:        "Computer Science",
				StudyType:   "Bachelor of Science",
				StartDate:   "2010-09",
				EndDate:     "2014-06",
				Score:       "First-class honours",
			},
		},
		Certificates: []Certificate{
			{
				Name:   "AWS Certified Solutions Architect – Associate",
				Date:   "2022-04",
				Issuer: "Amazon Web Services",
			},
		},
		Skills: []Skill{
			{Name: "Java", Level: "Intermediate", Keywords: []string{"Spring Boot", "JUnit"}},
			{Name: "Python", Level: "Advanced", Keywords: []string{"FastAPI", "Celery", "pytest"}},
			{Name: "Go", Level: "Expert", Keywords: []string{"Goroutines", "gRPC", "Testing"}},
			{Name: "Databases", Level: "Expert", Keywords: []string{"Redis", "PostgreSQL", "Elasticsearch"}},
			{Name: "Messaging", Level: "Advanced", Keywords: []string{"RabbitMQ", "Kafka"}},
			{Name: "Cloud", Level: "Advanced", Keywords: []string{"AWS", "EKS", "Terraform"}},
			{Name: "Containers", Level: "Advanced", Keywords: []string{"Docker", "Kubernetes", "Helm"}},
			{Name: "Observability", Level: "Advanced", Keywords: []string{"Prometheus", "Grafana", "OpenTelemetry"}},
		},
		Languages: []Language{
			{Language: "English", Fluency: "Native speaker"},
			{Language: "Yoruba", Fluency: "Conversational"},
		},
		Projects: []Project{
			{
				Name:        "ledgerlite",
				Description: "An open-source Go library for double-entry bookkeeping on PostgreSQL.",
				Highlights: []string{
					"Used in production by 3 fintech start-ups.",
					"Over 400 stars on GitHub.",
				},
				Keywords:  []string{"Go", "PostgreSQL", "Ledger"},
				StartDate: "2020-01",
				URL:       "https://github.com/mayaokafor/ledgerlite",
				Roles:     []string{"Author", "Maintainer"},
			},
		},
	}
}

// SampleJobDescription is a realistic posting that Sample partly matches:
// it covers Go, PostgreSQL, Kafka and Kubernetes but lacks Rust, GCP and
// Protocol Buffers.
const SampleJobDescription = `Senior Backend Engineer, Payments Platform

Fernhill builds the payments infrastructure behind thousands of online marketplaces. We are looking for a senior backend engineer to help us scale our platform as transaction volume grows tenfold over the next two years.

What you'll do
- Design and build Go services that move money reliably and idempotently.
- Own your services end to end: design, code review, deployment and on-call.
- Evolve our event-driven architecture on Kafka and keep the ledger consistent.
- Partner with product and compliance teams on new payment methods.
- Mentor engineers and raise the bar for testing and observability.

Requirements
- 5+ years building backend systems in production.
- Strong Go experience; some Python is useful, as parts of our tooling use it.
- Solid PostgreSQL skills: schema design, query tuning and safe migrations.
- Experience running services on Kubernetes with Docker.
- Distributed systems fundamentals: idempotency, retries, consistency.
- CI/CD and infrastructure as code with Terraform.

Preferred
- Payments, fintech or ledger experience.
- gRPC and Protocol Buffers.
- Observability with OpenTelemetry and Grafana.
- GCP experience (we are migrating from AWS).
- Rust is a plus.

Benefits
- Remote-first within UTC±3 hours, a yearly learning budget and 30 days of leave.
- Equity for every employee.
`
