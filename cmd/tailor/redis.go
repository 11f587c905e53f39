package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// connectRedis returns a client for REDIS_URL, or for an embedded
// in-process Redis when it is unset. The returned stop func releases both.
func connectRedis(ctx context.Context, url string, logger *slog.Logger) (redis.UniversalClient, func(), error) {
	if url != "" {
		opts, err := redis.ParseURL(url)
		if err != nil {
			return nil, nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		rdb := redis.NewClient(opts)
		pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := rdb.Ping(pingCtx).Err(); err != nil {
			rdb.Close()
			return nil, nil, fmt.Errorf("connect to REDIS_URL %s: %w", opts.Addr, err)
		}
		return rdb, func() { rdb.Close() }, nil
	}
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, nil, fmt.Errorf("start embedded redis: %w", err)
	}
	logger.Warn("REDIS_URL is not set: using an embedded in-process Redis. NOT FOR PRODUCTION: " +
		"queued jobs live in memory (the reconciler re-enqueues them from SQLite after a restart) and " +
		"only this process can run workers. Set REDIS_URL for a real deployment.")
	// miniredis only expires keys when told time has passed: tell it every
	// second, so cache and result keys with a TTL do expire.
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	return rdb, func() { close(done); rdb.Close(); m.Close() }, nil
}
