// Package jobs is the SQLite side of background work: the events consumer
// (the only writer of job state), the reconciler that makes SQLite and the
// queue agree, and the purger that enforces JOB_RETENTION. It runs beside
// the web server, in the process that holds the database file; the worker
// (package tasks) reports to it through Redis and never imports it.
package jobs
