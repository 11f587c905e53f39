package main

import "testing"

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
