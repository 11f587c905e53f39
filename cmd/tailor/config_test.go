package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/handlers"
)

func TestConfigDefaults(t *testing.T) {
	got, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr:              ":8080",
		MetricsAddr:       "127.0.0.1:9091", // Go profiles too: never public unless set (issue 10, finding 7)
		DatabasePath:      "./data/tailor.db",
		OpenAITimeout:     60 * time.Second,
		WorkerConcurrency: 2,
		LLMRatePerMinute:  10,
		LLMRatePeriod:     time.Minute,
		CacheTTL:          time.Hour,
		JobRetention:      30 * 24 * time.Hour,
		ReconcileInterval: 30 * time.Second,
		BatchPerBatch:     20,
		AlertInterval:     30 * time.Second,
		APIRatePerMinute:  600,
		SSEMaxStreams:     20000,
		SSEMaxUserStreams: 20,
		TrustedProxy:      handlers.TrustedProxy{}, // no header trusted off Fly (issue 10, finding 5)
		LogLevel:          slog.LevelInfo,
		LLMPriceIn:        0.15,
		LLMPriceOut:       0.60,
		MailFrom:          "Tailor <tailor@localhost>",
		WriterLeaseTTL:    30 * time.Second,
		LitestreamConfig:  "/etc/litestream.yml",
		DrillMaxLag:       time.Minute,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults\n got %+v\nwant %+v", got, want)
	}
}

// TestConfigVariables sets one variable at a time: a valid value changes
// only its field; an invalid one is an error that names the variable.
func TestConfigVariables(t *testing.T) {
	cidrs, _ := handlers.ParseTrustedProxy("10.0.0.0/8,127.0.0.1")
	tests := []struct {
		env  map[string]string
		want func(c *Config) // nil: the value is invalid
	}{
		{env: map[string]string{"ADDR": "127.0.0.1:0"}, want: func(c *Config) { c.Addr = "127.0.0.1:0" }},
		{env: map[string]string{"ADDR": "8080"}},
		{env: map[string]string{"METRICS_ADDR": ":9091"}, want: func(c *Config) { c.MetricsAddr = ":9091" }},
		{env: map[string]string{"METRICS_ADDR": "off"}, want: func(c *Config) { c.MetricsAddr = "off" }},
		{env: map[string]string{"METRICS_ADDR": "localhost"}},
		{env: map[string]string{"FLY_APP_NAME": "tailor"}, want: func(c *Config) { c.TrustedProxy = handlers.TrustedProxy{Fly: true} }}, // and METRICS_ADDR stays loopback: fly.toml opens it
		{env: map[string]string{"DATABASE_PATH": "/data/tailor.db"}, want: func(c *Config) { c.DatabasePath = "/data/tailor.db" }},
		{env: map[string]string{"REDIS_URL": "redis://:pw@redis.internal:6379/1"}, want: func(c *Config) { c.RedisURL = "redis://:pw@redis.internal:6379/1" }},
		{env: map[string]string{"REDIS_URL": "http://redis.internal"}},
		{env: map[string]string{"OPENAI_API_KEY": "sk-test"}, want: func(c *Config) { c.OpenAIAPIKey = "sk-test" }},
		{env: map[string]string{"OPENAI_BASE_URL": "http://localhost:11434/v1/"}, want: func(c *Config) { c.OpenAIBaseURL = "http://localhost:11434/v1" }},
		{env: map[string]string{"OPENAI_BASE_URL": "localhost:11434/v1"}},
		{env: map[string]string{"OPENAI_MODEL": "llama3"}, want: func(c *Config) { c.OpenAIModel = "llama3" }},
		{env: map[string]string{"OPENAI_TIMEOUT": "90s"}, want: func(c *Config) { c.OpenAITimeout = 90 * time.Second }},
		{env: map[string]string{"OPENAI_TIMEOUT": "0s"}},
		{env: map[string]string{"CHROME_PATH": "/usr/bin/chromium"}, want: func(c *Config) { c.ChromePath = "/usr/bin/chromium" }},
		{env: map[string]string{"WORKER_CONCURRENCY": " 8 "}, want: func(c *Config) { c.WorkerConcurrency = 8 }},
		{env: map[string]string{"WORKER_CONCURRENCY": "0"}},
		{env: map[string]string{"LLM_RATE_PER_MINUTE": "60"}, want: func(c *Config) { c.LLMRatePerMinute = 60 }},
		{env: map[string]string{"LLM_RATE_PER_MINUTE": "ten"}},
		{env: map[string]string{"LLM_RATE_PERIOD": "2s"}, want: func(c *Config) { c.LLMRatePeriod = 2 * time.Second }},
		{env: map[string]string{"LLM_RATE_PERIOD": "-1m"}},
		{env: map[string]string{"CACHE_TTL": "2d"}, want: func(c *Config) { c.CacheTTL = 48 * time.Hour }},
		{env: map[string]string{"CACHE_TTL": "0d"}},
		{env: map[string]string{"RECONCILE_INTERVAL": "500ms"}, want: func(c *Config) { c.ReconcileInterval = 500 * time.Millisecond }},
		{env: map[string]string{"RECONCILE_INTERVAL": "often"}},
		{env: map[string]string{"BATCH_QUEUE_DEPTH": "50"}, want: func(c *Config) { c.BatchPerBatch = 50 }},
		{env: map[string]string{"BATCH_QUEUE_DEPTH": "0"}},
		{env: map[string]string{"ALERT_INTERVAL": "2s"}, want: func(c *Config) { c.AlertInterval = 2 * time.Second }},
		{env: map[string]string{"ALERT_INTERVAL": "0s"}},
		{env: map[string]string{"JOB_RETENTION": "90m"}, want: func(c *Config) { c.JobRetention = 90 * time.Minute }},
		{env: map[string]string{"JOB_RETENTION": "30"}},
		{env: map[string]string{"BASE_URL": "https://tailor.example.com/"}, want: func(c *Config) { c.BaseURL = "https://tailor.example.com" }},
		{env: map[string]string{"BASE_URL": "tailor.example.com"}},
		{env: map[string]string{"ALLOW_SIGNUP": "Yes"}, want: func(c *Config) { c.AllowSignup = true }},
		{env: map[string]string{"ALLOW_SIGNUP": "0"}, want: func(c *Config) {}},
		{env: map[string]string{"ALLOW_SIGNUP": "maybe"}},
		{env: map[string]string{"EMBED_ORIGINS": " https://intranet.example.com/, http://127.0.0.1:8001 "},
			want: func(c *Config) { c.EmbedOrigins = []string{"https://intranet.example.com", "http://127.0.0.1:8001"} }},
		{env: map[string]string{"EMBED_ORIGINS": "https://ats.example.com/jobs"}}, // a URL with a path is not an origin
		{env: map[string]string{"EMBED_ORIGINS": "intranet.example.com"}},         // nor is a bare host
		{env: map[string]string{"API_RATE_PER_MINUTE": "60"}, want: func(c *Config) { c.APIRatePerMinute = 60 }},
		{env: map[string]string{"API_RATE_PER_MINUTE": "0"}},
		{env: map[string]string{"SSE_MAX_STREAMS": "500"}, want: func(c *Config) { c.SSEMaxStreams = 500 }},
		{env: map[string]string{"SSE_MAX_STREAMS": "-1"}},
		{env: map[string]string{"SSE_MAX_STREAMS_PER_USER": "5"}, want: func(c *Config) { c.SSEMaxUserStreams = 5 }},
		{env: map[string]string{"SSE_MAX_STREAMS_PER_USER": "many"}},
		{env: map[string]string{"TRUSTED_PROXY": "fly"}, want: func(c *Config) { c.TrustedProxy = handlers.TrustedProxy{Fly: true} }},
		{env: map[string]string{"TRUSTED_PROXY": "10.0.0.0/8, 127.0.0.1"}, want: func(c *Config) { c.TrustedProxy = cidrs }},
		{env: map[string]string{"TRUSTED_PROXY": "none", "FLY_APP_NAME": "tailor"}, want: func(c *Config) {}},
		{env: map[string]string{"TRUSTED_PROXY": "nginx"}},
		{env: map[string]string{"SMTP_URL": "smtp://mail.internal:25"}, want: func(c *Config) { c.SMTPURL = "smtp://mail.internal:25" }},
		{env: map[string]string{"WEBHOOK_ALLOW_NETS": "10.20.0.0/16, 192.168.1.5"}, want: func(c *Config) {
			c.WebhookAllowNets = []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("192.168.1.5/32")}
		}},
		{env: map[string]string{"WEBHOOK_ALLOW_NETS": "10.0.0.0/8,intranet"}},
		{env: map[string]string{"SMTP_URL": "smtps://ann:s3cret@mail.example.com"}, want: func(c *Config) { c.SMTPURL = "smtps://ann:s3cret@mail.example.com" }},
		{env: map[string]string{"SMTP_URL": "mail.example.com:25"}}, // no scheme: which TLS?
		{env: map[string]string{"MAIL_FROM": "Tailor <noreply@tailor.example.com>"}, want: func(c *Config) { c.MailFrom = "Tailor <noreply@tailor.example.com>" }},
		{env: map[string]string{"MAIL_FROM": "Tailor"}},
		{env: map[string]string{"LOG_LEVEL": "DEBUG"}, want: func(c *Config) { c.LogLevel = slog.LevelDebug }},
		{env: map[string]string{"LOG_LEVEL": "warn"}, want: func(c *Config) { c.LogLevel = slog.LevelWarn }},
		{env: map[string]string{"LOG_LEVEL": "verbose"}},
		{env: map[string]string{"LLM_PRICE_IN": "0"}, want: func(c *Config) { c.LLMPriceIn = 0 }},
		{env: map[string]string{"LLM_PRICE_IN": "-1"}},
		{env: map[string]string{"LLM_PRICE_OUT": "2.5"}, want: func(c *Config) { c.LLMPriceOut = 2.5 }},
		{env: map[string]string{"LLM_PRICE_OUT": "$1"}},
		{env: map[string]string{"LITESTREAM": "on"}, want: func(c *Config) { c.Litestream, c.DrillInterval = true, 24*time.Hour }},
		{env: map[string]string{"LITESTREAM": "yes please"}},
		{env: map[string]string{"WRITER_LEASE": "off"}, want: func(c *Config) {}},
		{env: map[string]string{"WRITER_LEASE": "on"}}, // needs REDIS_URL
		{env: map[string]string{"WRITER_LEASE_TTL": "5s"}, want: func(c *Config) { c.WriterLeaseTTL = 5 * time.Second }},
		{env: map[string]string{"WRITER_LEASE_TTL": "soon"}},
		{env: map[string]string{"LITESTREAM_CONFIG": "/app/litestream.yml"}, want: func(c *Config) { c.LitestreamConfig = "/app/litestream.yml" }},
		{env: map[string]string{"DRILL_INTERVAL": "6h"}, want: func(c *Config) { c.DrillInterval = 6 * time.Hour }},
		{env: map[string]string{"DRILL_INTERVAL": "off"}, want: func(c *Config) {}},
		{env: map[string]string{"DRILL_INTERVAL": "daily"}},
		{env: map[string]string{"DRILL_MAX_LAG": "10s"}, want: func(c *Config) { c.DrillMaxLag = 10 * time.Second }},
		{env: map[string]string{"DRILL_MAX_LAG": "-1s"}},
		{env: map[string]string{"LITESTREAM": "off"}, want: func(c *Config) { c.Litestream = false }},
	}
	defaults, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	valid, invalid := map[string]bool{}, map[string]bool{}
	for _, tt := range tests {
		var name []string
		for k, v := range tt.env {
			name = append(name, k+"="+v)
		}
		slices.Sort(name)
		t.Run(strings.Join(name, " "), func(t *testing.T) {
			got, err := loadConfig(func(k string) string { return tt.env[k] })
			if tt.want == nil {
				invalid[only(tt.env)] = true
				if err == nil || !strings.HasPrefix(err.Error(), only(tt.env)+": ") {
					t.Fatalf("err %v, want one that starts with the variable's name", err)
				}
				return
			}
			valid[only(tt.env)] = true
			if err != nil {
				t.Fatal(err)
			}
			want := defaults
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("\n got %+v\nwant %+v", got, want)
			}
		})
	}
	// Every variable has a valid value here, and an invalid one if it can have any.
	freeText := map[string]bool{"DATABASE_PATH": true, "OPENAI_API_KEY": true, "OPENAI_MODEL": true, "CHROME_PATH": true, "SMTP_URL": true, "LITESTREAM_CONFIG": true}
	for _, s := range new(Config).settings(false) {
		if !valid[s.name] {
			t.Errorf("%s: no valid value tested", s.name)
		}
		if !invalid[s.name] && !freeText[s.name] {
			t.Errorf("%s: no invalid value tested", s.name)
		}
	}
}

// only returns the variable a row is about: the one that is not FLY_APP_NAME,
// unless that is all it sets.
func only(env map[string]string) string {
	for k := range env {
		if k != "FLY_APP_NAME" {
			return k
		}
	}
	return "FLY_APP_NAME"
}

// A bad setting stops `tailor serve` before it opens or starts anything,
// with a message that names the variable and the value.
func TestBadSettingStopsStart(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "tailor.db")
	env := map[string]string{"DATABASE_PATH": dbPath, "ADDR": "127.0.0.1:0", "METRICS_ADDR": "off", "LOG_LEVEL": "verbose"}
	var out, logs bytes.Buffer
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, nil, &out, &logs)
	if err == nil || err.Error() != `LOG_LEVEL: must be debug, info, warn or error, not "verbose"` {
		t.Errorf("err %v", err)
	}
	if _, err := os.Stat(dbPath); !os.IsNotExist(err) {
		t.Errorf("the database was created: %v", err)
	}
}

// WRITER_LEASE=auto takes the lease where two volumes could overwrite one
// replica: a shared Redis, and Litestream or Fly (issue 16).
func TestWriterLeaseAuto(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"LITESTREAM": "on"}, false}, // the embedded Redis is this process's own
		{map[string]string{"REDIS_URL": "redis://r:6379"}, false},
		{map[string]string{"REDIS_URL": "redis://r:6379", "LITESTREAM": "on"}, true},
		{map[string]string{"REDIS_URL": "redis://r:6379", "FLY_APP_NAME": "tailor"}, true},
		{map[string]string{"REDIS_URL": "redis://r:6379", "FLY_APP_NAME": "tailor", "WRITER_LEASE": "off"}, false},
		{map[string]string{"REDIS_URL": "redis://r:6379", "WRITER_LEASE": "on"}, true},
	}
	for _, tt := range tests {
		c, err := loadConfig(func(k string) string { return tt.env[k] })
		if err != nil {
			t.Fatal(err)
		}
		if c.WriterLease != tt.want {
			t.Errorf("%v: WriterLease %v, want %v", tt.env, c.WriterLease, tt.want)
		}
	}
}
