package testnet_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"os"
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
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/authority"
)

// TestFullNodesFollowAndServeProvenReads: a 4-validator network with one
// full node from `testnet --full-nodes 1`, and a second full node made as
// `init --join` makes one (its own keys, the network's genesis file, one
// validator as its peer). Both follow the chain without validating, and
// serve a read whose proof CometBFT's light client verifies against the
// validators' headers, and the portal's proven account page.
func TestFullNodesFollowAndServeProvenReads(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six nodes")
	}
	base, err := testnet.FreeBasePort(5)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := testnet.Generate(testnet.Options{Validators: 4, FullNodes: 1, Output: testnode.TempHome(t), BasePort: base,
		BlockInterval: 200 * time.Millisecond, EmptyBlockInterval: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	full := tn.Nodes[4]
	if full.Name != "full0" || full.Validator {
		t.Fatalf("fifth node: %+v", full)
	}
	conf, err := node.LoadConfig(full.Home)
	if err != nil {
		t.Fatal(err)
	}
	genesisJSON, err := os.ReadFile(conf.GenesisFile())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := node.ParseGenesis(genesisJSON)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Validators) != 4 {
		t.Fatalf("genesis has %d validators, want 4", len(doc.Validators))
	}
	if i, err := node.ValidatorIndex(full.Home, doc); err != nil || i != -1 {
		t.Fatalf("full0 is validator %d (%v)", i, err)
	}

	// The joiner: what `publica init --join --genesis FILE --peers node0` does.
	joinHome := testnode.TempHome(t)
	joinRPC := "tcp://" + testnode.FreeAddr(t)
	if _, _, err := node.InitKeys(joinHome, node.InitOptions{BlockInterval: 200 * time.Millisecond, EmptyBlockInterval: 300 * time.Millisecond,
		RPCAddr: joinRPC, P2PAddr: "tcp://" + testnode.FreeAddr(t), MetricsAddr: testnode.FreeAddr(t)}); err != nil {
		t.Fatal(err)
	}
	if _, err := node.InstallGenesis(joinHome, genesisJSON, tn.Nodes[0].Peer()); err != nil {
		t.Fatal(err)
	}
	if _, err := node.InstallGenesis(joinHome, append(bytes.Clone(genesisJSON), ' '), tn.Nodes[0].Peer()); err == nil || !strings.Contains(err.Error(), "another genesis") {
		t.Fatalf("a second, different genesis: %v", err)
	}

	homes := []string{}
	rpcs := []string{}
	for _, n := range tn.Nodes {
		homes, rpcs = append(homes, n.Home), append(rpcs, n.RPCAddr())
	}
	homes, rpcs = append(homes, joinHome), append(rpcs, joinRPC)
	nodes := make([]*node.Node, len(homes))
	clients := make([]*client.Client, len(homes))
	for i, h := range homes {
		n, err := node.Start(h, node.Options{Store: store.DefaultOptions()})
		if err != nil {
			t.Fatalf("start %s: %v", h, err)
		}
		t.Cleanup(func() { n.Stop() })
		nodes[i] = n
		if clients[i], err = client.New(rpcs[i]); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// A transaction through a validator ...
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	pub := key.Public().(ed25519.PublicKey)
	testnode.WaitHeight(t, clients[0], 2)
	reg, err := clients[0].Build(ctx, pub, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := clients[0].Send(ctx, reg, key)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	id := tx.AccountID(pub)
	trust, err := clients[0].RPC.Block(ctx, ptr(int64(1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{4, 5} {
		name := []string{4: "full0", 5: "joiner"}[i]
		// ... is on each full node, read with a proof that CometBFT's
		// light client checks against the validators' headers (node0 as
		// witness).
		testnode.WaitHeight(t, clients[i], res.Height+1)
		if err := clients[i].UseLightClient(ctx, tn.ChainID, rpcs[i], []string{rpcs[0]},
			client.TrustRoot{Height: 1, Hash: trust.BlockID.Hash, Period: time.Hour}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p, err := clients[i].QueryProven(ctx, "/authority/account/"+id, nil, res.Height)
		if err != nil {
			t.Fatalf("%s: proven read: %v", name, err)
		}
		var a authority.Account
		if err := json.Unmarshal(p.Value, &a); err != nil || a.ID != id {
			t.Fatalf("%s: account %s read as %s (%v)", name, id, p.Value, err)
		}
		// It follows but does not validate: its key signs no commit.
		st, err := clients[i].RPC.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.SyncInfo.CatchingUp || st.ValidatorInfo.VotingPower != 0 {
			t.Fatalf("%s: catching up %v, voting power %d", name, st.SyncInfo.CatchingUp, st.ValidatorInfo.VotingPower)
		}
		h := res.Height
		commit, err := clients[i].RPC.Commit(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range commit.Commit.Signatures {
			if s.BlockIDFlag == types.BlockIDFlagCommit && bytes.Equal(s.ValidatorAddress, st.ValidatorInfo.Address) {
				t.Fatalf("%s signed block %d", name, h)
			}
		}
	}

	// The full node's portal serves the proven account page.
	srv, err := web.NewForNode(nodes[4], web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(testnode.FreeAddr(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	resp, err := http.Get("http://" + srv.Addr() + "/accounts/" + id)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), id) {
		t.Fatalf("full0's portal /accounts/%s: %d\n%.600s", id, resp.StatusCode, body)
	}
}
