package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"
)

// A stage is one long-running part of a tailor process (the HTTP server,
// the worker, the events consumer...). run works until its ctx is done,
// then stops what it started and returns once all of that has ended, so
// nothing a stage started outlives it.
type stage struct {
	name string
	run  func(ctx context.Context) error
}

// runStages runs every stage until ctx is done or one of them fails, then
// stops them one at a time in reverse order: a stage is told to stop only
// after every stage listed after it has returned. It returns the first
// failure. A stage that returns early with no error just leaves the others
// running.
func runStages(ctx context.Context, logger *slog.Logger, stages []stage) error {
	g, failed := errgroup.WithContext(ctx)
	stops := make([]func(), len(stages))
	for i, s := range stages {
		// Not derived from ctx: a signal must not stop every stage at once.
		sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		stops[i] = func() {
			start := time.Now()
			cancel()
			<-done
			logger.Debug("stopped", "stage", s.name, "took", time.Since(start).String())
		}
		g.Go(func() error {
			defer close(done)
			return s.run(sctx)
		})
	}
	<-failed.Done()
	if ctx.Err() != nil {
		logger.Info("shutting down")
	} else {
		logger.Error("stopping after error", "err", context.Cause(failed))
	}
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	return g.Wait()
}

// serveHTTP serves on ln until ctx is done, then shuts srv down: no new
// connections, and requests in flight get timeout to finish. Those still
// running then have their context canceled and their connections closed.
// An error of Serve is returned; a slow shutdown is only logged.
func serveHTTP(ctx context.Context, srv *http.Server, ln net.Listener, timeout time.Duration, logger *slog.Logger) error {
	// Requests outlive ctx (they get timeout to finish) but not the server.
	reqCtx, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	srv.BaseContext = func(net.Listener) context.Context { return reqCtx }
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err // never http.ErrServerClosed: only Shutdown and Close cause that
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("requests still running at shutdown: canceling them", "addr", ln.Addr().String(), "err", err)
		cancelRequests()
		srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
