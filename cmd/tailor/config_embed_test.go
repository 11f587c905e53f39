package main

import (
	"slices"
	"strings"
	"testing"
)

func TestConfigEmbedOriginsAndAPIRate(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		wantOrigins []string
		wantRate    int
		wantErr     string
	}{
		{"defaults", nil, nil, 600, ""},
		{"origins, trailing slash dropped", map[string]string{"EMBED_ORIGINS": " https://intranet.example.com/, http://127.0.0.1:8001 "},
			[]string{"https://intranet.example.com", "http://127.0.0.1:8001"}, 600, ""},
		{"a URL with a path is not an origin", map[string]string{"EMBED_ORIGINS": "https://ats.example.com/jobs"}, nil, 0, "EMBED_ORIGINS"},
		{"a bare host is not an origin", map[string]string{"EMBED_ORIGINS": "intranet.example.com"}, nil, 0, "EMBED_ORIGINS"},
		{"rate", map[string]string{"API_RATE_PER_MINUTE": "60"}, nil, 60, ""},
		{"bad rate", map[string]string{"API_RATE_PER_MINUTE": "0"}, nil, 0, "API_RATE_PER_MINUTE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one about %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.EmbedOrigins, tt.wantOrigins) || c.APIRatePerMinute != tt.wantRate {
				t.Errorf("origins %q rate %d, want %q %d", c.EmbedOrigins, c.APIRatePerMinute, tt.wantOrigins, tt.wantRate)
			}
		})
	}
}
