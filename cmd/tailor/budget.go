package main

import (
	"time"

	"github.com/tailor-app/tailor/notify"
)

// Timeouts of the shutdown that have no constant of their own in serve.go.
const (
	eventsReadTimeout = time.Second     // the events consumer's blocking read ends before its drain
	closeTimeout      = 3 * time.Second // Chrome, the database and Redis close after the stages
	liveStopTimeout   = time.Second     // the live streams end; their blocking read of Redis (1 s) returns
)

// shutdownBudget is the longest `tailor serve` takes to exit after SIGTERM:
// runStages stops the stages one after the other, each within its own
// timeout, so their timeouts add up. Litestream's shutdown-timeout
// (litestream.yml) and Fly's kill_timeout (fly.toml) must stay above it
// (issue 16, item 3; TestShutdownBudgetFits). A stage added to serve with
// a timeout of its own adds it here.
func shutdownBudget() time.Duration {
	return liveStopTimeout + // web: live-update streams end first
		notify.ShutdownTimeout + // web: deliveries in flight
		httpShutdownTimeout + // web: requests in flight
		workerShutdownTimeout + abandonedTaskTimeout + // worker: tasks in flight, then handed-back ones
		eventsReadTimeout + drainTimeout + // events consumer: the last events reach SQLite
		closeTimeout
}
