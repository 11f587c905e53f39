package main

import (
	"strings"
	"testing"
)

// Go profiles (/debug/pprof/cmdline among them) must not be on every
// interface unless the operator says so (issue 10, finding 7).
func TestMetricsAddrDefaultLoopback(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"default", nil, "127.0.0.1:9091"},
		{"default on Fly too: fly.toml opens it", map[string]string{"FLY_APP_NAME": "tailor"}, "127.0.0.1:9091"},
		{"explicit", map[string]string{"METRICS_ADDR": ":9091"}, ":9091"},
		{"off", map[string]string{"METRICS_ADDR": "off"}, "off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if c.MetricsAddr != tt.want {
				t.Errorf("MetricsAddr %q, want %q", c.MetricsAddr, tt.want)
			}
		})
	}
}

// Proxy headers are trusted only behind a named proxy; Fly's by default on
// Fly alone (issue 10, finding 5).
func TestTrustedProxyDefault(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{"default: none", nil, "none", false},
		{"on Fly: fly", map[string]string{"FLY_APP_NAME": "tailor"}, "fly", false},
		{"on Fly, turned off", map[string]string{"FLY_APP_NAME": "tailor", "TRUSTED_PROXY": "none"}, "none", false},
		{"CIDRs", map[string]string{"TRUSTED_PROXY": "10.0.0.0/8, 127.0.0.1"}, "10.0.0.0/8,127.0.0.1/32", false},
		{"bad", map[string]string{"TRUSTED_PROXY": "nginx"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(func(k string) string { return tt.env[k] })
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "TRUSTED_PROXY") {
					t.Fatalf("err %v, want one about TRUSTED_PROXY", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.TrustedProxy.String(); got != tt.want {
				t.Errorf("TrustedProxy %s, want %s", got, tt.want)
			}
		})
	}
}
