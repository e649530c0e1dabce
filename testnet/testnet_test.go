package testnet_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/testnet"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// TestFourValidators runs a generated 4-validator network in-process: the
// nodes agree on blocks and app hashes, and a transaction sent to node0
// is visible on node3.
func TestFourValidators(t *testing.T) {
	base, err := testnet.FreeBasePort(4)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tn, err := testnet.Generate(testnet.Options{Validators: 4, Output: dir, BasePort: base, BlockInterval: 200 * time.Millisecond,
		EmptyBlockInterval: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(tn.Nodes) != 4 {
		t.Fatalf("got %d nodes, want 4", len(tn.Nodes))
	}

	clients := make([]*client.Client, len(tn.Nodes))
	for i, n := range tn.Nodes {
		nd, err := node.Start(n.Home, node.Options{Store: store.DefaultOptions()})
		if err != nil {
			t.Fatalf("start %s: %v", n.Name, err)
		}
		t.Cleanup(func() {
			if err := nd.Stop(); err != nil {
				t.Errorf("stop %s: %v", n.Name, err)
			}
		})
		if got := len(nd.Comet.GenesisDoc().Validators); got != 4 {
			t.Fatalf("%s genesis has %d validators, want 4", n.Name, got)
		}
		if clients[i], err = client.New(n.RPCAddr()); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range clients {
		testnode.WaitHeight(t, c, 3)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Every node has the same block 3 (hence the same app hash after
	// block 2) and the same app hash for block 3 in block 4's header.
	for _, h := range []int64{3, 4} {
		var wantHash, wantApp []byte
		for i, c := range clients {
			if h == 4 {
				testnode.WaitHeight(t, c, 4)
			}
			b, err := c.RPC.Block(ctx, &h)
			if err != nil {
				t.Fatalf("%s block %d: %v", tn.Nodes[i].Name, h, err)
			}
			if len(b.Block.AppHash) == 0 {
				t.Fatalf("%s block %d has an empty app hash", tn.Nodes[i].Name, h)
			}
			if i == 0 {
				wantHash, wantApp = b.BlockID.Hash, b.Block.AppHash
				continue
			}
			if !bytes.Equal(b.BlockID.Hash, wantHash) || !bytes.Equal(b.Block.AppHash, wantApp) {
				t.Fatalf("%s block %d: hash %X app hash %X; node0 has %X / %X",
					tn.Nodes[i].Name, h, b.BlockID.Hash, b.Block.AppHash, wantHash, wantApp)
			}
		}
	}
	// Some recent block carries all four signatures: every validator is
	// connected and voting (three alone would already commit blocks).
	allSigned := false
	for h := int64(2); h <= 30 && !allSigned; h++ {
		testnode.WaitHeight(t, clients[0], h+1)
		commit, err := clients[0].RPC.Commit(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		signed := 0
		for _, s := range commit.Commit.Signatures {
			if s.BlockIDFlag == types.BlockIDFlagCommit {
				signed++
			}
		}
		allSigned = signed == 4
	}
	if !allSigned {
		t.Fatal("no block up to height 30 was signed by all four validators")
	}

	_, key, _ := ed25519.GenerateKey(rand.Reader)
	pub := key.Public().(ed25519.PublicKey)
	reg, err := clients[0].Build(ctx, pub, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := clients[0].Send(ctx, reg, key)
	if err != nil {
		t.Fatalf("register on node0: %v", err)
	}
	testnode.WaitHeight(t, clients[3], res.Height)
	id := tx.AccountID(pub)
	acct, err := clients[3].Account(ctx, id)
	if err != nil {
		t.Fatalf("account on node3: %v", err)
	}
	if acct == nil {
		t.Fatalf("account %s registered at height %d is missing on node3", id, res.Height)
	}
}

func TestGenerateFiles(t *testing.T) {
	dir := t.TempDir()
	tn, err := testnet.Generate(testnet.Options{Validators: 3, Output: dir, BasePort: 30000})
	if err != nil {
		t.Fatal(err)
	}
	var genesis []byte
	for i, n := range tn.Nodes {
		g, err := os.ReadFile(filepath.Join(n.Home, "config", "genesis.json"))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			genesis = g
		} else if !bytes.Equal(g, genesis) {
			t.Fatalf("%s genesis differs from node0's", n.Name)
		}
		conf, err := node.LoadConfig(n.Home)
		if err != nil {
			t.Fatal(err)
		}
		if conf.RPC.ListenAddress != n.RPCAddr() || n.RPCPort != 30000+10*i+1 || n.P2PPort != 30000+10*i {
			t.Fatalf("%s listens on %s / %d, want rpc port %d", n.Name, conf.RPC.ListenAddress, n.P2PPort, 30000+10*i+1)
		}
		peers := strings.Split(conf.P2P.PersistentPeers, ",")
		if len(peers) != 2 {
			t.Fatalf("%s has peers %q, want the 2 others", n.Name, conf.P2P.PersistentPeers)
		}
		for j, o := range tn.Nodes {
			has := strings.Contains(conf.P2P.PersistentPeers, o.Peer())
			if has != (i != j) {
				t.Fatalf("%s persistent peers %q: contains %s = %v", n.Name, conf.P2P.PersistentPeers, o.Name, has)
			}
		}
	}
	ports, err := os.ReadFile(filepath.Join(dir, testnet.PortsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ports), "node2 30020 30021 30022\n") {
		t.Fatalf("ports file:\n%s", ports)
	}

	// A second run must not overwrite the network.
	_, err = testnet.Generate(testnet.Options{Validators: 3, Output: dir, BasePort: 30000})
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second generate: want 'already exists', got %v", err)
	}
	g, _ := os.ReadFile(filepath.Join(dir, "node0", "config", "genesis.json"))
	if !bytes.Equal(g, genesis) {
		t.Fatal("second generate changed node0's genesis")
	}
}

func TestGenerateBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts testnet.Options
		want string
	}{
		{"zero validators", testnet.Options{Validators: 0}, "between 1 and 16"},
		{"too many", testnet.Options{Validators: 17}, "between 1 and 16"},
		{"too many full nodes", testnet.Options{Validators: 1, FullNodes: 9}, "between 0 and 8"},
		{"negative full nodes", testnet.Options{Validators: 1, FullNodes: -1}, "between 0 and 8"},
		{"no output", testnet.Options{Validators: 1}, "output directory"},
		{"port overflow", testnet.Options{Validators: 4, BasePort: 65530}, "does not leave room"},
		{"negative port", testnet.Options{Validators: 1, BasePort: -5}, "does not leave room"},
		{"bad app state", testnet.Options{Validators: 1, AppState: []byte("{")}, "not valid JSON"},
		{"negative interval", testnet.Options{Validators: 1, BlockInterval: -time.Second}, "must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.Output == "" && tc.name != "no output" {
				tc.opts.Output = t.TempDir()
			}
			_, err := testnet.Generate(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
			if tc.opts.Output != "" {
				if _, err := os.Stat(filepath.Join(tc.opts.Output, "node0")); err == nil {
					t.Fatal("a failed generate left node0 behind")
				}
			}
		})
	}
}
