package explorer_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/publica/publica/web"
)

// TestNodeDownIs503: the status page and its JSON answer 503 when the
// node does not (an unreachable node: a closed port).
func TestNodeDownIs503(t *testing.T) {
	rpc, err := rpchttp.New("http://127.0.0.1:1", "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	s, err := web.New(rpc, web.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/status": "Node unavailable", "/api/status": `"error"`} {
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), want) {
			t.Errorf("GET %s = %d %q", path, w.Code, w.Body)
		}
	}
}
