package demo_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/web"
)

// TestNoGuidedVisitOffTheDevelopmentChain: on a chain whose id is not the
// development chain's, /demo does not exist, even with the same genesis
// keys.
func TestNoGuidedVisitOffTheDevelopmentChain(t *testing.T) {
	home := testnode.TempHome(t)
	if err := node.Init(home, node.InitOptions{ChainID: "publica-town", AppState: genesis.DevAppState(),
		BlockInterval: 100 * time.Millisecond, EmptyBlockInterval: 200 * time.Millisecond,
		RPCAddr: "tcp://" + testnode.FreeAddr(t), P2PAddr: "tcp://" + testnode.FreeAddr(t), MetricsAddr: "off"}); err != nil {
		t.Fatal(err)
	}
	n, _ := testnode.Start(t, home)
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	r, err := http.Get(base + "/demo")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	body := string(b)
	if r.StatusCode != http.StatusNotFound || strings.Contains(body, "data-demo-pkcs8") {
		t.Fatalf("/demo on chain publica-town: %s\n%s", r.Status, body)
	}
}
