package portal

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/static"
)

// syncBuffer is a log sink the server's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newOffline builds a portal whose node is unreachable (a closed port), for
// the parts of the server that do not need a chain.
func newOffline(t *testing.T) (*Server, *syncBuffer) {
	t.Helper()
	rpc, err := rpchttp.New("http://127.0.0.1:1", "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	s, err := New(rpc, Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}, RegisterCore)
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

func serve(s *Server, method, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w
}

func TestPanicShowsErrorPageAndIsLogged(t *testing.T) {
	s, logs := newOffline(t)
	s.echo.GET("/boom", func(echo.Context) error { panic("kaboom in handler") })
	s.echo.GET("/api/boom", func(echo.Context) error { return errors.New("secret internal detail") })

	w := serve(s, "GET", "/boom")
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("panic gave %d", w.Code)
	}
	body := w.Body.String()
	id := w.Header().Get(echo.HeaderXRequestID)
	for _, want := range []string{"Something went wrong", `<main id="main"`, id} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	if strings.Contains(body, "kaboom") {
		t.Error("panic value leaked to the user")
	}
	if w.Header().Get("Content-Security-Policy") != ContentSecurityPolicy {
		t.Error("error page without CSP")
	}
	if l := logs.String(); !strings.Contains(l, "kaboom in handler") || !strings.Contains(l, "server_test.go") || !strings.Contains(l, id) {
		t.Errorf("panic not logged with stack and request id:\n%s", l)
	}

	w = serve(s, "GET", "/api/boom")
	if w.Code != http.StatusInternalServerError || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") ||
		strings.Contains(w.Body.String(), "secret") {
		t.Errorf("api error = %d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
}

func TestNodeDownIs503(t *testing.T) {
	s, _ := newOffline(t)
	for path, want := range map[string]string{"/healthz": "node unavailable"} {
		w := serve(s, "GET", path)
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), want) {
			t.Errorf("GET %s = %d %q", path, w.Code, w.Body)
		}
	}
	if w := serve(s, "HEAD", "/healthz"); w.Code != http.StatusServiceUnavailable || w.Body.Len() != 0 {
		t.Errorf("HEAD /healthz = %d %q", w.Code, w.Body)
	}
}

func TestStaticAssets(t *testing.T) {
	s, _ := newOffline(t)
	w := serve(s, "GET", static.URL("site.css"))
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") ||
		!strings.Contains(w.Header().Get("Cache-Control"), "immutable") || !strings.Contains(w.Body.String(), "skip-link") {
		t.Errorf("site.css = %d %v", w.Code, w.Header())
	}
	if w := serve(s, "GET", "/static/refresh.js"); w.Code != 200 || w.Header().Get("Cache-Control") != "no-cache" ||
		!strings.Contains(w.Header().Get("Content-Type"), "javascript") {
		t.Errorf("unversioned refresh.js = %d %v", w.Code, w.Header())
	}
	for _, p := range []string{"/static/", "/static/nope.css", "/static/../server.go", "/static/static.go", "/static/%2e%2e/go.mod"} {
		if w := serve(s, "GET", p); w.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d", p, w.Code)
		}
	}
}

func TestStartShutdown(t *testing.T) {
	s, _ := newOffline(t)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err == nil {
		t.Error("second Start succeeded")
	}
	other, _ := newOffline(t)
	if err := other.Start(s.Addr()); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("Start on a busy port: %v", err)
	}
	res, err := http.Get("http://" + s.Addr() + "/no-such")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("404 over the network = %d", res.StatusCode)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + s.Addr() + "/healthz"); err == nil {
		t.Error("still serving after Shutdown")
	}
}

func TestNewRejectsNil(t *testing.T) {
	if _, err := New(nil, Options{}, nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	if _, err := NewForNode(nil, Options{}, nil); err == nil {
		t.Error("NewForNode(nil) succeeded")
	}
}

func TestErrorHandledOnce(t *testing.T) {
	s, logs := newOffline(t)
	if w := serve(s, "GET", "/missing"); w.Code != http.StatusNotFound || strings.Count(w.Body.String(), "<!doctype html>") != 1 {
		t.Fatalf("404 = %d, body written %d times", w.Code, strings.Count(w.Body.String(), "<!doctype html>"))
	}
	l := logs.String()
	if strings.Count(l, "msg=request ") != 1 || !strings.Contains(l, "status=404") || strings.Contains(l, "level=ERROR") {
		t.Errorf("404 log:\n%s", l)
	}
}
