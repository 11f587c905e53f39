package static

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestAccepts(t *testing.T) {
	tests := []struct {
		header, coding string
		want           bool
	}{
		{"gzip, deflate, br", "br", true},
		{"gzip, deflate, br", "gzip", true},
		{"GZIP", "gzip", true},
		{"deflate", "gzip", false},
		{"", "gzip", false},
		{"*", "gzip", false}, // a wildcard is not taken as gzip (as gzhttp)
		{"gzip;q=0", "gzip", false},
		{"gzip; q=0.000", "gzip", false},
		{"gzip;Q=0", "gzip", false},
		{"gzip;q=0.5", "gzip", true},
		{"gzip;q=abc", "gzip", false},
		{"br;q=0, gzip", "gzip", true},
		{"br;q=0, gzip", "br", false},
		{"xgzip", "gzip", false},
	}
	for _, tt := range tests {
		if got := accepts(tt.header, tt.coding); got != tt.want {
			t.Errorf("accepts(%q, %q) = %v, want %v", tt.header, tt.coding, got, tt.want)
		}
	}
}

func TestHandlerRevalidatesAndAnswersHEAD(t *testing.T) {
	h := Handler()
	get := func(method string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, Path(CSS), nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	first := get("GET", "Accept-Encoding", "br")
	if first.Code != 200 || first.Header().Get("Content-Encoding") != "br" || first.Header().Get("Content-Length") != strconv.Itoa(first.Body.Len()) {
		t.Fatalf("GET: %d, %v", first.Code, first.Header())
	}
	for _, inm := range []string{first.Header().Get("ETag"), "W/" + first.Header().Get("ETag"), `"other", ` + first.Header().Get("ETag")} {
		if w := get("GET", "Accept-Encoding", "br", "If-None-Match", inm); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
			t.Errorf("If-None-Match %s: %d with %d bytes", inm, w.Code, w.Body.Len())
		}
	}
	if w := get("GET", "If-None-Match", `"other"`); w.Code != 200 {
		t.Errorf("another ETag: %d", w.Code)
	}
	if w := get("HEAD"); w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != strconv.Itoa(Size(CSS)) {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %s", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
}
