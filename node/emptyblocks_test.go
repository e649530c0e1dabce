package node_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/authority"
)

// A quiet chain makes no block between heartbeats; a transaction gets its
// block at once, and the block after it (which carries its app hash)
// follows at once too.
func TestBlocksOnlyForTransactions(t *testing.T) {
	const heartbeat = 3 * time.Second
	home := testnode.TempHome(t)
	err := node.Init(home, node.InitOptions{
		ChainID: genesis.DevChainID, AppState: genesis.DevAppState(),
		BlockInterval: 100 * time.Millisecond, EmptyBlockInterval: heartbeat,
		RPCAddr: "tcp://" + testnode.FreeAddr(t), P2PAddr: "tcp://" + testnode.FreeAddr(t), MetricsAddr: "off",
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(home, node.Options{Store: store.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	c, err := client.New(n.RPCAddress())
	if err != nil {
		t.Fatal(err)
	}
	if got := n.StallAfter(); got != 3*heartbeat+n.Config.Consensus.TimeoutPropose {
		t.Errorf("stall threshold %s", got)
	}
	testnode.WaitHeight(t, c, 2) // the first block and the one carrying its app hash
	height := func() int64 { return n.Comet.BlockStore().Height() }
	quiet := height()
	time.Sleep(heartbeat / 2)
	if h := height(); h != quiet {
		t.Fatalf("quiet chain went from height %d to %d within half a heartbeat", quiet, h)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	reg, err := c.Build(ctx, key.Public().(ed25519.PublicKey), authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	res, err := c.Send(ctx, reg, key)
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(sent); waited > heartbeat/2 {
		t.Errorf("transaction waited %s for its block", waited)
	}
	testnode.WaitHeight(t, c, res.Height+1)
	if waited := time.Since(sent); waited > heartbeat/2 {
		t.Errorf("the block carrying the transaction's app hash came after %s", waited)
	}
	after := height()
	time.Sleep(heartbeat / 2)
	if h := height(); h != after {
		t.Errorf("after the transaction the chain went on from %d to %d within half a heartbeat", after, h)
	}
	// The heartbeat: an empty block within one interval (and a bit).
	deadline := time.Now().Add(heartbeat + 2*time.Second)
	for height() == after {
		if time.Now().After(deadline) {
			t.Fatalf("no empty block %s after height %d", heartbeat+2*time.Second, after)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := n.Health(); err != nil {
		t.Errorf("quiet chain is not healthy: %v", err)
	}
}
