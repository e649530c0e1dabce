package portal

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
)

// TestRateLimitPerClient: past its burst a client gets 429 with
// Retry-After and the error page, for static files as for pages; another
// address is unaffected; writes have their own, smaller bucket; Off turns
// it off.
func TestRateLimitPerClient(t *testing.T) {
	rpc, err := rpchttp.New("http://127.0.0.1:1", "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	newServer := func(rl RateLimit) *Server {
		s, err := New(rpc, Options{Logger: slog.New(slog.DiscardHandler), RateLimit: rl}, RegisterCore)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	do := func(s *Server, method, path, addr string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = addr
		s.Handler().ServeHTTP(w, r)
		return w
	}
	// A tiny rate so the bucket does not refill during the test.
	s := newServer(RateLimit{ReadsPerSecond: 0.001, ReadBurst: 3, WritesPerSecond: 0.001, WriteBurst: 2})
	for i := range 3 {
		if w := do(s, "GET", "/keys", "10.0.0.1:1000"); w.Code != http.StatusOK {
			t.Fatalf("read %d within the burst: %d", i, w.Code)
		}
	}
	w := do(s, "GET", "/keys", "10.0.0.1:1001")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "Too many requests") {
		t.Fatalf("read past the burst: %d %q\n%s", w.Code, w.Header().Get("Retry-After"), w.Body.String())
	}
	if w := do(s, "GET", "/static/site.css", "10.0.0.1:1002"); w.Code != http.StatusTooManyRequests {
		t.Errorf("static file while limited: %d, want 429", w.Code)
	}
	for i := range 3 {
		if w := do(s, "GET", "/static/site.css", "10.0.0.4:1000"); w.Code != http.StatusOK {
			t.Fatalf("static file %d within the burst: %d", i, w.Code)
		}
	}
	if w := do(s, "GET", "/static/site.css", "10.0.0.4:1000"); w.Code != http.StatusTooManyRequests {
		t.Errorf("static files past the burst: %d, want 429", w.Code)
	}
	if w := do(s, "GET", "/keys", "10.0.0.2:1000"); w.Code != http.StatusOK {
		t.Errorf("another client: %d", w.Code)
	}
	// Writes: the limiter answers before CSRF, so a limited client gets
	// 429, not 403, once its write bucket is empty.
	codes := []int{}
	for range 3 {
		codes = append(codes, do(s, "POST", "/signout", "10.0.0.3:1000").Code)
	}
	if codes[0] == http.StatusTooManyRequests || codes[1] == http.StatusTooManyRequests || codes[2] != http.StatusTooManyRequests {
		t.Errorf("writes %v: want the third refused with 429", codes)
	}

	off := newServer(RateLimit{Off: true})
	for i := range 50 {
		if w := do(off, "GET", "/keys", "10.0.0.1:1000"); w.Code != http.StatusOK {
			t.Fatalf("limit off, request %d: %d", i, w.Code)
		}
	}
}
