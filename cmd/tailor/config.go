package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/alert"
	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/handlers"
	"github.com/tailor-app/tailor/jobs"
	"github.com/tailor-app/tailor/lease"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/mail"
	"github.com/tailor-app/tailor/webhook"
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
	BatchPerBatch     int           // jobs of one batch on the queue at most (BATCH_QUEUE_DEPTH)
	AlertInterval     time.Duration // between evaluations of the alert rules (ALERT_INTERVAL)
	BaseURL           string
	EmbedOrigins      []string
	APIRatePerMinute  int                   // API_RATE_PER_MINUTE: requests per API token per minute
	SSEMaxStreams     int                   // SSE_MAX_STREAMS: live-update streams per web process
	SSEMaxUserStreams int                   // SSE_MAX_STREAMS_PER_USER: per user, in each web process
	TrustedProxy      handlers.TrustedProxy // TRUSTED_PROXY: whose headers name the client (default fly on Fly, else none)
	SMTPURL           string                // SMTP_URL: the mail server of e-mail notifications; "": mails written to stdout
	MailFrom          string                // MAIL_FROM: the From of e-mail notifications
	WebhookAllowNets  []netip.Prefix        // WEBHOOK_ALLOW_NETS: private networks webhooks may reach (an intranet ATS)
	LogLevel          slog.Level
	AllowSignup       bool    // ALLOW_SIGNUP=true: open sign-up for recruiters
	LLMPriceIn        float64 // USD per million input tokens (LLM_PRICE_IN), for cost estimates
	LLMPriceOut       float64 // USD per million output tokens (LLM_PRICE_OUT)
	Litestream        bool    // LITESTREAM=on: Litestream replicates DATABASE_PATH (the image's entrypoint sets it)
	// WriterLease: web processes hold the writer lease (WRITER_LEASE, resolved: auto is on with
	// REDIS_URL and Litestream or Fly), for WriterLeaseTTL after each renewal.
	WriterLease      bool
	WriterLeaseTTL   time.Duration
	LitestreamConfig string        // LITESTREAM_CONFIG: the config `tailor drill` restores with
	DrillInterval    time.Duration // DRILL_INTERVAL resolved: 0 is off (auto: 24h with Litestream)
	DrillMaxLag      time.Duration // DRILL_MAX_LAG: how far behind the live database a restore may be
}

// DBOptions are the database settings that follow from the configuration.
func (c Config) DBOptions() db.Options { return db.Options{ExternalCheckpoints: c.Litestream} }

// setting is one environment variable: its default, written here and
// nowhere else in the code (README's table repeats it for readers), and how
// its value is stored in the Config.
type setting struct {
	name  string
	def   string
	parse func(v string) error // says what is wrong with v; the caller names the variable
}

// settings lists every variable that loadConfig reads into c. onFly (the
// FLY_APP_NAME variable is set) changes TRUSTED_PROXY's default.
func (c *Config) settings(onFly bool) []setting {
	// Fly's proxy is in front of every Fly app; elsewhere no header is
	// trusted unless the operator names the proxy.
	proxy := "none"
	if onFly {
		proxy = "fly"
	}
	return []setting{
		{"ADDR", ":8080", listenAddr(&c.Addr)},
		// Go profiles too: loopback unless set (fly.toml opens it on the private network).
		{"METRICS_ADDR", "127.0.0.1:9091", func(v string) error {
			if v == "off" {
				c.MetricsAddr = v
				return nil
			}
			return listenAddr(&c.MetricsAddr)(v)
		}},
		{"DATABASE_PATH", "./data/tailor.db", text(&c.DatabasePath)},
		{"REDIS_URL", "", func(v string) error {
			if _, err := redis.ParseURL(v); v != "" && err != nil {
				return fmt.Errorf("not a Redis URL like redis://:password@host:6379/0: %w", err) // the value may hold a password
			}
			c.RedisURL = v
			return nil
		}},
		{"OPENAI_API_KEY", "", text(&c.OpenAIAPIKey)},
		{"OPENAI_BASE_URL", "", httpURL(&c.OpenAIBaseURL)},
		{"OPENAI_MODEL", "", text(&c.OpenAIModel)}, // "": llm.DefaultModel
		{"OPENAI_TIMEOUT", llm.DefaultTimeout.String(), duration(&c.OpenAITimeout)},
		{"CHROME_PATH", "", text(&c.ChromePath)},
		{"WORKER_CONCURRENCY", "2", positiveInt(&c.WorkerConcurrency)},
		{"LLM_RATE_PER_MINUTE", "10", positiveInt(&c.LLMRatePerMinute)},
		{"LLM_RATE_PERIOD", "1m", duration(&c.LLMRatePeriod)},
		{"CACHE_TTL", "1h", duration(&c.CacheTTL)},
		{"RECONCILE_INTERVAL", jobs.DefaultReconcileInterval.String(), duration(&c.ReconcileInterval)},
		{"JOB_RETENTION", "30d", duration(&c.JobRetention)},
		{"BATCH_QUEUE_DEPTH", strconv.Itoa(jobs.DefaultPerBatch), positiveInt(&c.BatchPerBatch)},
		{"ALERT_INTERVAL", alert.DefaultInterval.String(), duration(&c.AlertInterval)},
		{"BASE_URL", "", httpURL(&c.BaseURL)},
		{"ALLOW_SIGNUP", "false", boolean(&c.AllowSignup)},
		{"EMBED_ORIGINS", "", origins(&c.EmbedOrigins)},
		// Ten requests a second per token, with a minute's worth as a burst: a
		// page embedding a few job cards (one poll every 2 s each) stays far below.
		{"API_RATE_PER_MINUTE", "600", positiveInt(&c.APIRatePerMinute)},
		{"SSE_MAX_STREAMS", strconv.Itoa(handlers.DefaultMaxStreams), positiveInt(&c.SSEMaxStreams)},
		{"SSE_MAX_STREAMS_PER_USER", strconv.Itoa(handlers.DefaultMaxUserStreams), positiveInt(&c.SSEMaxUserStreams)},
		{"TRUSTED_PROXY", proxy, func(v string) (err error) { c.TrustedProxy, err = handlers.ParseTrustedProxy(v); return err }},
		{"SMTP_URL", "", func(v string) error {
			if _, err := mail.ParseSMTPURL(v); v != "" && err != nil {
				return err // never the value: it holds a password
			}
			c.SMTPURL = v
			return nil
		}},
		{"MAIL_FROM", "Tailor <tailor@localhost>", func(v string) error {
			if _, err := netmail.ParseAddress(v); err != nil {
				return fmt.Errorf("must be an address like Tailor <tailor@example.com>, not %q", v)
			}
			c.MailFrom = v
			return nil
		}},
		{"WEBHOOK_ALLOW_NETS", "", func(v string) (err error) { c.WebhookAllowNets, err = webhook.ParseNets(v); return err }},
		{"LOG_LEVEL", "info", logLevel(&c.LogLevel)},
		{"LLM_PRICE_IN", "0.15", price(&c.LLMPriceIn)},
		{"LLM_PRICE_OUT", "0.60", price(&c.LLMPriceOut)},
		// After REDIS_URL: WRITER_LEASE and DRILL_INTERVAL read what these say.
		{"LITESTREAM", "off", onOff(&c.Litestream)},
		{"WRITER_LEASE", "auto", func(v string) error {
			switch v {
			case "auto":
				c.WriterLease = c.RedisURL != "" && (c.Litestream || onFly)
			case "on":
				if c.RedisURL == "" {
					return errors.New("on needs REDIS_URL: the embedded Redis is not shared with another process")
				}
				c.WriterLease = true
			case "off":
				c.WriterLease = false
			default:
				return fmt.Errorf("must be auto, on or off, not %q", v)
			}
			return nil
		}},
		{"WRITER_LEASE_TTL", lease.DefaultTTL.String(), duration(&c.WriterLeaseTTL)},
		{"LITESTREAM_CONFIG", "/etc/litestream.yml", text(&c.LitestreamConfig)},
		{"DRILL_INTERVAL", "auto", func(v string) error {
			switch v {
			case "auto":
				if c.DrillInterval = 0; c.Litestream {
					c.DrillInterval = 24 * time.Hour
				}
				return nil
			case "off":
				c.DrillInterval = 0
				return nil
			}
			return duration(&c.DrillInterval)(v)
		}},
		{"DRILL_MAX_LAG", "1m", duration(&c.DrillMaxLag)},
	}
}

// loadConfig reads every setting; the first bad one is an error that names it.
func loadConfig(getenv func(string) string) (Config, error) {
	var c Config
	for _, s := range c.settings(strings.TrimSpace(getenv("FLY_APP_NAME")) != "") {
		v := strings.TrimSpace(getenv(s.name))
		if v == "" {
			v = s.def
		}
		if err := s.parse(v); err != nil {
			return Config{}, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return c, nil
}

// UsesLLM reports whether an OpenAI-compatible server is configured; else
// the offline tailor runs.
func (c Config) UsesLLM() bool { return c.OpenAIAPIKey != "" || c.OpenAIBaseURL != "" }

// onOff reads on or off (or true/false).
func onOff(p *bool) func(string) error {
	return func(v string) error {
		switch strings.ToLower(v) {
		case "on", "true", "1", "yes":
			*p = true
		case "off", "false", "0", "no":
			*p = false
		default:
			return fmt.Errorf("must be on or off, not %q", v)
		}
		return nil
	}
}

func text(p *string) func(string) error {
	return func(v string) error { *p = v; return nil }
}

// listenAddr reads host:port, where host may be empty (every interface).
func listenAddr(p *string) func(string) error {
	return func(v string) error {
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			return fmt.Errorf("must be host:port like :8080 or 127.0.0.1:9091, not %q", v)
		}
		*p = v
		return nil
	}
}

// httpURL reads an absolute http(s) URL, or nothing; a trailing slash is dropped.
func httpURL(p *string) func(string) error {
	return func(v string) error {
		if u, err := url.Parse(v); v != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			return fmt.Errorf("must be an http(s) URL like https://tailor.example.com, not %q", v)
		}
		*p = strings.TrimSuffix(v, "/")
		return nil
	}
}

func positiveInt(p *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("must be a positive whole number, not %q", v)
		}
		*p = n
		return nil
	}
}

// duration accepts Go durations (90m, 1h) and days (30d).
func duration(p *time.Duration) func(string) error {
	return func(v string) error {
		if days, ok := strings.CutSuffix(v, "d"); ok {
			n, err := strconv.Atoi(days)
			if err != nil || n < 1 {
				return fmt.Errorf("invalid duration %q", v)
			}
			*p = time.Duration(n) * 24 * time.Hour
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("invalid duration %q (examples: 90m, 1h, 30d)", v)
		}
		*p = d
		return nil
	}
}

// price reads a non-negative amount of US dollars.
func price(p *float64) func(string) error {
	return func(v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			return fmt.Errorf("must be a non-negative number of US dollars, not %q", v)
		}
		*p = f
		return nil
	}
}

func boolean(p *bool) func(string) error {
	return func(v string) error {
		switch v = strings.ToLower(v); v {
		case "true", "1", "yes":
			*p = true
		case "false", "0", "no":
			*p = false
		default:
			return fmt.Errorf("must be true or false, not %q", v)
		}
		return nil
	}
}

// origins reads a comma-separated list of exact origins (scheme://host[:port]).
func origins(p *[]string) func(string) error {
	return func(v string) error {
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSuffix(strings.TrimSpace(o), "/"); o != "" {
				if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
					return fmt.Errorf("%q is not an origin like https://intranet.example.com or http://127.0.0.1:8000", o)
				}
				*p = append(*p, o)
			}
		}
		return nil
	}
}

// logLevel reads one of the four levels README names, in any case.
func logLevel(p *slog.Level) func(string) error {
	return func(v string) error {
		switch strings.ToLower(v) {
		case "debug", "info", "warn", "error":
			return p.UnmarshalText([]byte(v))
		}
		return fmt.Errorf("must be debug, info, warn or error, not %q", v)
	}
}
