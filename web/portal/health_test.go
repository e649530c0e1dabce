package portal_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/web/portal"
)

// /healthz on a real node: 200 while it makes blocks, 503 with the reason
// once its consensus has stopped, although its RPC still answers.
func TestHealthzStalledNode(t *testing.T) {
	home := testnode.InitHome(t)
	n, err := node.Start(home, node.Options{Store: store.DefaultOptions(), StallAfter: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	c, err := client.New(n.RPCAddress())
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, 2)
	s, err := portal.NewForNode(n, portal.Options{}, portal.RegisterCore)
	if err != nil {
		t.Fatal(err)
	}
	get := func(method string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest(method, "/healthz", nil))
		return w
	}
	if w := get("GET"); w.Code != http.StatusOK || w.Body.String() != "ok" {
		t.Fatalf("healthy node: %d %q", w.Code, w.Body)
	}

	if err := n.Comet.ConsensusReactor().Stop(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	w := get("GET")
	for w.Code == http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/healthz still 200 10 s after consensus stopped")
		}
		time.Sleep(200 * time.Millisecond)
		w = get("GET")
	}
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "consensus stalled: no new block for") ||
		w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("stalled node: %d %q", w.Code, w.Body)
	}
	if w := get("HEAD"); w.Code != http.StatusServiceUnavailable || w.Body.Len() != 0 {
		t.Errorf("HEAD on a stalled node: %d %q", w.Code, w.Body)
	}
}
