package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tailor-app/tailor/handlers"
)

// Config is every setting, read from the environment (see README.md).
type Config struct {
	Addr              string
	MetricsAddr       string
	DatabasePath      string
	RedisURL          string
	OpenAIAPIKey      string
	OpenAIBaseURL     string
	OpenAIModel       string
	OpenAITimeout     time.Duration // bounds one LLM call (OPENAI_TIMEOUT)
	ChromePath        string
	WorkerConcurrency int
	LLMRatePerMinute  int
	LLMRatePeriod     time.Duration // the window LLM_RATE_PER_MINUTE counts in; tests shorten it
	CacheTTL          time.Duration
	JobRetention      time.Duration
	ReconcileInterval time.Duration // between reconciler passes (RECONCILE_INTERVAL)
	BaseURL           string
	EmbedOrigins      []string
	APIRatePerMinute  int                   // API_RATE_PER_MINUTE: requests per API token per minute
	TrustedProxy      handlers.TrustedProxy // TRUSTED_PROXY: whose headers name the client (default fly on Fly, else none)
	SMTPURL           string                // SMTP_URL: reserved for e-mail notifications, not built yet; nothing reads it
	LogLevel          string
	AllowSignup       bool    // ALLOW_SIGNUP=true: open sign-up for recruiters
	LLMPriceIn        float64 // USD per million input tokens (LLM_PRICE_IN), for cost estimates
	LLMPriceOut       float64 // USD per million output tokens (LLM_PRICE_OUT)
}

func loadConfig(getenv func(string) string) (Config, error) {
	env := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Addr:          env("ADDR", ":8080"),
		MetricsAddr:   env("METRICS_ADDR", "127.0.0.1:9091"), // Go profiles too: loopback unless set (fly.toml opens it on the private network)
		DatabasePath:  env("DATABASE_PATH", "./data/tailor.db"),
		RedisURL:      env("REDIS_URL", ""),
		OpenAIAPIKey:  env("OPENAI_API_KEY", ""),
		OpenAIBaseURL: env("OPENAI_BASE_URL", ""),
		OpenAIModel:   env("OPENAI_MODEL", ""),
		ChromePath:    env("CHROME_PATH", ""),
		BaseURL:       strings.TrimSuffix(env("BASE_URL", ""), "/"),
		SMTPURL:       env("SMTP_URL", ""),
		LogLevel:      env("LOG_LEVEL", "info"),
	}
	var err error
	if c.WorkerConcurrency, err = positiveInt(env("WORKER_CONCURRENCY", "2")); err != nil {
		return c, fmt.Errorf("WORKER_CONCURRENCY: %w", err)
	}
	if c.LLMRatePerMinute, err = positiveInt(env("LLM_RATE_PER_MINUTE", "10")); err != nil {
		return c, fmt.Errorf("LLM_RATE_PER_MINUTE: %w", err)
	}
	if c.LLMRatePeriod, err = duration(env("LLM_RATE_PERIOD", "1m")); err != nil {
		return c, fmt.Errorf("LLM_RATE_PERIOD: %w", err)
	}
	if c.OpenAITimeout, err = duration(env("OPENAI_TIMEOUT", "60s")); err != nil {
		return c, fmt.Errorf("OPENAI_TIMEOUT: %w", err)
	}
	if c.ReconcileInterval, err = duration(env("RECONCILE_INTERVAL", "30s")); err != nil {
		return c, fmt.Errorf("RECONCILE_INTERVAL: %w", err)
	}
	if c.LLMPriceIn, err = price(env("LLM_PRICE_IN", "0.15")); err != nil {
		return c, fmt.Errorf("LLM_PRICE_IN: %w", err)
	}
	if c.LLMPriceOut, err = price(env("LLM_PRICE_OUT", "0.60")); err != nil {
		return c, fmt.Errorf("LLM_PRICE_OUT: %w", err)
	}
	if c.CacheTTL, err = duration(env("CACHE_TTL", "1h")); err != nil {
		return c, fmt.Errorf("CACHE_TTL: %w", err)
	}
	if c.JobRetention, err = duration(env("JOB_RETENTION", "720h")); err != nil {
		return c, fmt.Errorf("JOB_RETENTION: %w", err)
	}
	switch v := strings.ToLower(env("ALLOW_SIGNUP", "false")); v {
	case "true", "1", "yes":
		c.AllowSignup = true
	case "false", "0", "no":
	default:
		return c, fmt.Errorf("ALLOW_SIGNUP: must be true or false, not %q", v)
	}
	for _, o := range strings.Split(env("EMBED_ORIGINS", ""), ",") {
		if o = strings.TrimSuffix(strings.TrimSpace(o), "/"); o != "" {
			if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
				return c, fmt.Errorf("EMBED_ORIGINS: %q is not an origin like https://intranet.example.com or http://127.0.0.1:8000", o)
			}
			c.EmbedOrigins = append(c.EmbedOrigins, o)
		}
	}
	if c.APIRatePerMinute, err = positiveInt(env("API_RATE_PER_MINUTE", "600")); err != nil {
		return c, fmt.Errorf("API_RATE_PER_MINUTE: %w", err)
	}
	// Fly's proxy is in front of every Fly app (FLY_APP_NAME is set there);
	// elsewhere no header is trusted unless the operator names the proxy.
	defProxy := "none"
	if env("FLY_APP_NAME", "") != "" {
		defProxy = "fly"
	}
	if c.TrustedProxy, err = handlers.ParseTrustedProxy(env("TRUSTED_PROXY", defProxy)); err != nil {
		return c, fmt.Errorf("TRUSTED_PROXY: %w", err)
	}
	return c, nil
}

// UsesLLM reports whether an OpenAI-compatible server is configured; else
// the offline tailor runs.
func (c Config) UsesLLM() bool { return c.OpenAIAPIKey != "" || c.OpenAIBaseURL != "" }

func positiveInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("must be a positive whole number, not %q", s)
	}
	return n, nil
}

// duration accepts Go durations (90m, 1h) and days (30d).
func duration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("invalid duration %q (examples: 90m, 1h, 30d)", s)
	}
	return d, nil
}

// price reads a non-negative amount of US dollars.
func price(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("must be a non-negative number of US dollars, not %q", s)
	}
	return f, nil
}
