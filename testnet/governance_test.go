package testnet_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/app"
	"github.com/publica/publica/audit"
	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/testnet"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/governance"
)

// network is a generated testnet whose nodes run in the test process.
type network_ struct {
	t       *testing.T
	tn      *testnet.Testnet
	nodes   []*node.Node
	clients []*client.Client
	// committed is the height of the last transaction sent; a node is
	// asked for an account's sequence only once it has that block, or a
	// lagging node would hand out a sequence already used.
	committed int64
}

func generate(t *testing.T, validators int, version uint64) *network_ {
	t.Helper()
	base, err := testnet.FreeBasePort(validators)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := testnet.Generate(testnet.Options{Validators: validators, Output: testnode.TempHome(t), BasePort: base,
		BlockInterval: 200 * time.Millisecond, EmptyBlockInterval: 300 * time.Millisecond, AppVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	nw := &network_{t: t, tn: tn, nodes: make([]*node.Node, validators), clients: make([]*client.Client, validators)}
	t.Cleanup(func() {
		for i := range nw.nodes {
			nw.stop(i)
		}
	})
	return nw
}

func (nw *network_) start(i int, maxProtocol uint64) {
	nw.t.Helper()
	n, err := node.Start(nw.tn.Nodes[i].Home, node.Options{Store: store.DefaultOptions(), MaxProtocol: maxProtocol})
	if err != nil {
		nw.t.Fatalf("start %s: %v", nw.tn.Nodes[i].Name, err)
	}
	nw.nodes[i] = n
	if nw.clients[i], err = client.New(nw.tn.Nodes[i].RPCAddr()); err != nil {
		nw.t.Fatal(err)
	}
}

func (nw *network_) stop(i int) {
	if n := nw.nodes[i]; n != nil {
		if err := n.Stop(); err != nil {
			nw.t.Errorf("stop %s: %v", nw.tn.Nodes[i].Name, err)
		}
		nw.nodes[i] = nil
	}
}

// consensusKey is node i's validator key, base64 as in its key file.
func (nw *network_) consensusKey(i int) string {
	conf, err := node.LoadConfig(nw.tn.Nodes[i].Home)
	if err != nil {
		nw.t.Fatal(err)
	}
	pv := privval.LoadFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
	return base64.StdEncoding.EncodeToString(pv.Key.PubKey.Bytes())
}

func (nw *network_) address(i int) types.Address {
	pub, _ := governance.ParseConsensusKey(nw.consensusKey(i))
	return pub.Address()
}

// send has authority-1 and authority-2 (2 of 3) sign msg and sends it to
// node from; it returns the height of its block.
func (nw *network_) send(from int, msgType string, msg any) int64 {
	nw.t.Helper()
	h, err := nw.sendAs(from, msgType, msg, "authority-1", "authority-2")
	if err != nil {
		nw.t.Fatalf("%s: %v", msgType, err)
	}
	return h
}

// sendAs has the named demo keys sign msg (the first is primary).
func (nw *network_) sendAs(from int, msgType string, msg any, signers ...string) (int64, error) {
	nw.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var keys []ed25519.PrivateKey
	for _, s := range signers {
		keys = append(keys, testnode.DemoKey(nw.t, s))
	}
	testnode.WaitHeight(nw.t, nw.clients[from], nw.committed)
	x, err := nw.clients[from].Build(ctx, keys[0].Public().(ed25519.PublicKey), msgType, msg, 100)
	if err != nil {
		nw.t.Fatal(err)
	}
	res, err := nw.clients[from].Send(ctx, x, keys...)
	if err != nil {
		return 0, err
	}
	nw.committed = max(nw.committed, res.Height)
	return res.Height, nil
}

// signers are the validator addresses whose signatures commit block h.
func (nw *network_) signers(c *client.Client, h int64) map[string]bool {
	nw.t.Helper()
	commit, err := c.RPC.Commit(context.Background(), &h)
	if err != nil {
		nw.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range commit.Commit.Signatures {
		if s.BlockIDFlag == types.BlockIDFlagCommit {
			out[s.ValidatorAddress.String()] = true
		}
	}
	return out
}

func (nw *network_) validators(c *client.Client, h int64) map[string]int64 {
	nw.t.Helper()
	res, err := c.RPC.Validators(context.Background(), &h, nil, nil)
	if err != nil {
		nw.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, v := range res.Validators {
		out[v.Address.String()] = v.VotingPower
	}
	return out
}

// TestValidatorSetChanges: on a 4-validator network the authority adds a
// fifth validator (a node that was following the chain), which then signs
// blocks, and removes one, which is stopped; the chain keeps going; then
// the authority set rotates and changes its threshold, and roles keep
// working; the audit replay checks every change against the headers.
func TestValidatorSetChanges(t *testing.T) {
	nw := generate(t, 5, 0)
	// node4 is not in the genesis: it follows the chain until it is added.
	for _, n := range nw.tn.Nodes {
		conf, err := node.LoadConfig(n.Home)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := types.GenesisDocFromFile(conf.GenesisFile())
		if err != nil {
			t.Fatal(err)
		}
		doc.Validators = doc.Validators[:4]
		if err := node.WriteGenesis(conf, doc); err != nil {
			t.Fatal(err)
		}
	}
	for i := range nw.nodes {
		nw.start(i, 0)
	}
	for _, c := range nw.clients {
		testnode.WaitHeight(t, c, 2)
	}

	fifth := nw.address(4).String()
	added := nw.send(0, governance.TypeSetValidator, governance.MsgSetValidator{PubKey: nw.consensusKey(4), Power: testnet.ValidatorPower, Name: "node4"})
	if vals := nw.validators(nw.clients[0], added+1); len(vals) != 4 {
		t.Fatalf("validators at %d (before the change is effective): %v", added+1, vals)
	}
	testnode.WaitHeight(t, nw.clients[0], added+2)
	if vals := nw.validators(nw.clients[0], added+2); len(vals) != 5 || vals[fifth] != testnet.ValidatorPower {
		t.Fatalf("validators at %d: %v, want 5 with %s", added+2, vals, fifth)
	}
	// The new validator signs.
	signed := false
	for h := added + 2; h < added+30 && !signed; h++ {
		testnode.WaitHeight(t, nw.clients[0], h+1)
		signed = nw.signers(nw.clients[0], h)[fifth]
	}
	if !signed {
		t.Fatalf("node4 signed none of the blocks after it became a validator at %d", added+2)
	}

	removedAddr := nw.address(1).String()
	removed := nw.send(4, governance.TypeSetValidator, governance.MsgSetValidator{PubKey: nw.consensusKey(1), Power: 0})
	testnode.WaitHeight(t, nw.clients[4], removed+2)
	if vals := nw.validators(nw.clients[4], removed+2); len(vals) != 4 || vals[removedAddr] != 0 {
		t.Fatalf("validators at %d: %v, want 4 without %s", removed+2, vals, removedAddr)
	}
	nw.stop(1)
	// The chain goes on without it, every block signed by the others.
	last := removed + 8
	testnode.WaitHeight(t, nw.clients[0], last+1)
	if s := nw.signers(nw.clients[0], last); s[removedAddr] || len(s) < 3 {
		t.Fatalf("block %d signed by %v", last, s)
	}
	var history []governance.ValidatorChange
	res, err := nw.clients[0].Query(context.Background(), "/governance/history", nil, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := jsonUnmarshal(res.Value, &history); err != nil || len(history) != 4+2 {
		t.Fatalf("history %s (%v)", res.Value, err)
	}

	// The authority set rotates (authority-2 leaves, citizen-alice joins)
	// and its threshold goes to 3 of 3; the old quorum no longer grants
	// roles, the new one does, and roles granted before keep working.
	id := func(name string) string { return tx.AccountID(testnode.DemoKey(t, name).Public().(ed25519.PublicKey)) }
	nw.send(0, authority.TypeSetAuthority, authority.MsgSetAuthority{Threshold: 3,
		Members: []string{id("authority-1"), id("authority-3"), id("citizen-alice")}})
	grant := authority.MsgGrantRole{Account: id("citizen-bob"), Role: authority.RoleClerk}
	if _, err := nw.sendAs(2, authority.TypeGrantRole, grant, "authority-1", "authority-2", "authority-3"); err == nil ||
		!strings.Contains(err.Error(), "2 of 3 authority signatures, 3 required") {
		t.Fatalf("grant by the old quorum: %v", err)
	}
	if _, err := nw.sendAs(3, authority.TypeGrantRole, grant, "citizen-alice", "authority-1", "authority-3"); err != nil {
		t.Fatalf("grant by the new quorum: %v", err)
	}
	if a, err := nw.clients[3].Account(context.Background(), id("clerk")); err != nil || a == nil || !a.HasRole(authority.RoleClerk) {
		t.Fatalf("the clerk's role after the rotation: %+v %v", a, err)
	}

	for i := range nw.nodes {
		nw.stop(i)
	}
	rep, err := audit.Replay(context.Background(), nw.tn.Nodes[0].Home, nil)
	if err != nil {
		t.Fatalf("audit replay: %v", err)
	}
	if rep.ValidatorChanges != 2 {
		t.Fatalf("the replay checked %d validator changes, want 2", rep.ValidatorChanges)
	}
	t.Logf("added at %d, removed at %d; replay: %s", added, removed, rep.Summary())
}

// TestUpgradeAtScheduledHeight runs a 4-validator network at protocol 2 on
// "old" software (the same binary limited to protocol 2, node.Options
// MaxProtocol) through an upgrade to protocol 3: every node stops at the
// upgrade height saying what to run; restarted as the new software on the
// same homes, they continue from the same state with one chain (no fork),
// headers carry the new version, and the audit replay crosses the upgrade.
func TestUpgradeAtScheduledHeight(t *testing.T) {
	const old, next = governance.ProtocolGovernance, governance.ProtocolPowerLimit
	nw := generate(t, 4, old)
	for i := range nw.nodes {
		nw.start(i, old)
	}
	for _, c := range nw.clients {
		testnode.WaitHeight(t, c, 2)
	}
	h, err := nw.clients[0].LatestHeight(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	at := h + 8
	plan := governance.Plan{Name: "power-limit", Height: at, Version: next, Info: "publica " + app.Version}
	nw.send(0, governance.TypeScheduleUpgrade, governance.MsgScheduleUpgrade{Plan: plan})

	for i, n := range nw.nodes {
		select {
		case <-n.Faulted():
		case <-time.After(60 * time.Second):
			t.Fatalf("%s did not stop at the upgrade height %d (at %d)", nw.tn.Nodes[i].Name, at, n.App.Store().Version())
		}
		need := n.App.UpgradeNeeded()
		if need == nil || need.Plan.Name != plan.Name || !strings.Contains(n.Health().Error(), "UPGRADE NEEDED") {
			t.Fatalf("%s halted with %v", nw.tn.Nodes[i].Name, n.Health())
		}
		if v := n.App.Store().Version(); v != at-1 {
			t.Fatalf("%s stopped with height %d committed, want %d", nw.tn.Nodes[i].Name, v, at-1)
		}
	}
	t.Logf("old software: %v", nw.nodes[0].Health())
	for i := range nw.nodes {
		nw.stop(i)
	}
	// The old software refuses nothing yet (the chain is still at 2), the
	// new continues.
	for i := range nw.nodes {
		nw.start(i, 0)
	}
	for _, c := range nw.clients {
		testnode.WaitHeight(t, c, at+3)
	}
	ctx := context.Background()
	for _, height := range []int64{at - 1, at, at + 1, at + 2} {
		var want []byte
		for i, c := range nw.clients {
			b, err := c.RPC.Block(ctx, &height)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				want = b.BlockID.Hash
			} else if !bytesEqual(b.BlockID.Hash, want) {
				t.Fatalf("fork at %d: %s has %X, node0 %X", height, nw.tn.Nodes[i].Name, b.BlockID.Hash, want)
			}
			wantVersion := uint64(old)
			if height > at {
				wantVersion = next
			}
			if b.Block.Version.App != wantVersion {
				t.Fatalf("block %d header version.app %d, want %d", height, b.Block.Version.App, wantVersion)
			}
		}
	}
	info, err := nw.clients[2].RPC.ABCIInfo(ctx)
	if err != nil || info.Response.AppVersion != next {
		t.Fatalf("ABCI info after the upgrade: %v %v", info, err)
	}
	for i := range nw.nodes {
		nw.stop(i)
	}
	// Old software on the upgraded homes is refused at start.
	if _, err := node.Start(nw.tn.Nodes[3].Home, node.Options{Store: store.DefaultOptions(), MaxProtocol: old}); err == nil ||
		!strings.Contains(err.Error(), fmt.Sprintf("runs protocol version %d", next)) {
		t.Fatalf("old software on an upgraded home: %v", err)
	}
	rep, err := audit.Replay(ctx, nw.tn.Nodes[0].Home, nil)
	if err != nil {
		t.Fatalf("audit replay: %v", err)
	}
	if len(rep.Versions) != 2 || rep.Versions[1].Version != next || rep.Versions[1].FirstHeight != at+1 {
		t.Fatalf("replay versions %+v, want %d from %d", rep.Versions, next, at+1)
	}
	t.Logf("upgrade at %d; replay: %s, versions %+v", at, rep.Summary(), rep.Versions)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func bytesEqual(a, b []byte) bool { return bytes.Equal(a, b) }
