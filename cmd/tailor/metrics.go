package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsServer serves operator endpoints on METRICS_ADDR: Prometheus
// metrics from reg on /metrics and Go profiles under /debug/pprof/ (`make
// bench` reads them). The profiles show the command line and memory, so the
// address is loopback unless set; fly.toml opens it on Fly's private
// network only. A busy port is logged, not fatal, so two processes on one
// host still start. ok is false when addr is "off".
func metricsServer(addr string, reg *prometheus.Registry, logger *slog.Logger) (s stage, ok bool) {
	if addr == "" || addr == "off" {
		return stage{}, false
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return stage{"metrics", func(ctx context.Context) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			logger.Warn("metrics endpoint not started", "addr", addr, "err", err)
			return nil
		}
		logger.Info("metrics endpoint listening", "addr", ln.Addr().String())
		if err := serveHTTP(ctx, srv, ln, 2*time.Second, logger); err != nil {
			logger.Warn("metrics endpoint stopped", "err", err)
		}
		return nil
	}}, true
}
