package node_test

import (
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
)

// A real node whose consensus stops is reported stalled within its
// StallAfter, while its RPC keeps answering.
func TestHealthStalledNode(t *testing.T) {
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
	if err := n.Health(); err != nil {
		t.Fatalf("running node: %v", err)
	}
	if err := n.Comet.ConsensusReactor().Stop(); err != nil { // consensus halts; RPC stays up
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for n.Health() == nil {
		if time.Now().After(deadline) {
			t.Fatal("stalled node still healthy after 10 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := n.Health(); !strings.Contains(err.Error(), "consensus stalled: no new block for") {
		t.Errorf("reason: %v", err)
	}
}
