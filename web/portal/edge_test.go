package portal

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/labstack/echo/v4"
)

// TestOriginNeverFromHost: the origin the portal writes into links (QR
// codes, co-signing links, status lists) is --public-url, or else the
// address it listens on; a request with a forged Host header changes
// neither. HSTS is sent when asked for, over TLS or for an https public
// origin only.
func TestOriginNeverFromHost(t *testing.T) {
	rpc, err := rpchttp.New("http://127.0.0.1:1", "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	newServer := func(o Options) *Server {
		o.Logger = slog.New(slog.DiscardHandler)
		s, err := New(rpc, o, func(e *echo.Echo, p *Server) {
			e.GET("/origin", func(c echo.Context) error { return c.String(http.StatusOK, p.Origin(c)) })
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	forged := func(s *Server, tlsOn bool) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/origin", nil)
		r.Host = "registry.example.gov.evil.example"
		if tlsOn {
			r.TLS = &tls.ConnectionState{}
		}
		s.Handler().ServeHTTP(w, r)
		return w
	}

	pub := newServer(Options{PublicOrigin: "https://registry.example.gov/", HSTS: true})
	w := forged(pub, false)
	if w.Body.String() != "https://registry.example.gov" {
		t.Fatalf("with --public-url and a forged Host, the origin is %q", w.Body.String())
	}
	if got := w.Header().Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
		t.Fatalf("HSTS behind a TLS proxy (https public URL): %q", got)
	}

	// No public URL: the listen address, whatever the Host says.
	plain := newServer(Options{HSTS: true})
	if err := plain.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plain.Shutdown(t.Context()) })
	req, _ := http.NewRequest("GET", "http://"+plain.Addr()+"/origin", nil)
	req.Host = "registry.example.gov"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "http://"+plain.Addr() {
		t.Fatalf("a forged Host over the wire: origin %q, want http://%s", body, plain.Addr())
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Fatalf("HSTS over plain HTTP without an https public URL: %q", got)
	}
	if got := forged(plain, true).Header().Get("Strict-Transport-Security"); got == "" {
		t.Fatal("no HSTS on a request served over TLS")
	}
	if got := forged(newServer(Options{PublicOrigin: "https://registry.example.gov"}), true).Header().Get("Strict-Transport-Security"); got != "" {
		t.Fatalf("HSTS without the flag: %q", got)
	}

	for addr, want := range map[string]string{
		"0.0.0.0:8080":   "http://localhost:8080",
		"[::]:8080":      "http://localhost:8080",
		"10.1.2.3:80":    "http://10.1.2.3:80",
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"":               "http://localhost",
	} {
		if got := ListenOrigin(addr); got != want {
			t.Errorf("ListenOrigin(%q) = %q, want %q", addr, got, want)
		}
	}
}
