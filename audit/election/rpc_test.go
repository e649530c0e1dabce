package election_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/libs/bytes"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/client"
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/ballot"
)

// lyingRPC serves a real node's RPC but passes every ABCI query answer
// through alter first.
type lyingRPC struct {
	rpcclient.Client
	alter func(path string, data []byte, res *ctypes.ResultABCIQuery)
}

func (l lyingRPC) ABCIQueryWithOptions(ctx context.Context, path string, data bytes.HexBytes, opts rpcclient.ABCIQueryOptions) (*ctypes.ResultABCIQuery, error) {
	res, err := l.Client.ABCIQueryWithOptions(ctx, path, data, opts)
	if err == nil && l.alter != nil {
		l.alter(path, data, res)
	}
	return res, err
}

func getRecord[T any](t *testing.T, c *client.Client, key []byte) *T {
	t.Helper()
	res, err := c.Query(context.Background(), "/key", key, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Value == nil {
		return nil
	}
	v := new(T)
	if err := json.Unmarshal(res.Value, v); err != nil {
		t.Fatal(err)
	}
	return v
}

func waitBlockTime(t *testing.T, c *client.Client, at time.Time) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		st, err := c.RPC.Status(context.Background())
		if err == nil && !st.SyncInfo.LatestBlockTime.Before(at) {
			h := st.SyncInfo.LatestBlockHeight
			testnode.WaitHeight(t, c, h)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no block at or after %s", at)
}

// TestVerifyOverRPCWithProofs runs a small election on a real node and
// verifies it over RPC with proofs: PASS from the honest node; a node that
// changes a value, hides a record, or answers for another height makes
// the reads fail instead of passing a fake election.
func TestVerifyOverRPCWithProofs(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	const id = "rpc-vote"
	off := testnode.DemoKey(t, "election-official")
	tk := []ed25519.PrivateKey{testnode.DemoKey(t, "trustee-1"), testnode.DemoKey(t, "trustee-2"), testnode.DemoKey(t, "trustee-3")}
	voters := []ed25519.PrivateKey{testnode.DemoKey(t, "citizen-alice"), testnode.DemoKey(t, "citizen-bob")}
	acct := func(k ed25519.PrivateKey) string { return tx.AccountID(k.Public().(ed25519.PublicKey)) }
	var tids, roll []string
	for _, k := range tk {
		tids = append(tids, acct(k))
	}
	for _, k := range voters {
		roll = append(roll, acct(k))
	}
	slices.Sort(roll)
	opens := time.Now().Add(4 * time.Second)
	closes := opens.Add(10 * time.Second) // room for two casts on a loaded machine
	testnode.Send(t, c, ballot.TypeCreateElection, &ballot.MsgCreateElection{
		ID: id, Title: "RPC vote", Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll},
		Questions: []ballot.Question{{Text: "Approve?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}}},
		Trustees:  tids, Threshold: 2, OpensAt: opens.Unix(), ClosesAt: closes.Unix(),
	}, off)
	testnode.Send(t, c, ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: id, Voters: roll}, off)
	for _, k := range tk {
		testnode.Send(t, c, ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, id), k)
	}
	getElection := func() *ballot.Election { return getRecord[ballot.Election](t, c, ballot.ElectionKey(id)) }
	trustees := func(e *ballot.Election) []*ballot.Trustee {
		out := make([]*ballot.Trustee, len(e.Trustees))
		for i := range out {
			out[i] = getRecord[ballot.Trustee](t, c, ballot.TrusteeKey(id, uint32(i+1)))
		}
		return out
	}
	e := getElection()
	trs := trustees(e)
	for i, k := range tk {
		d, err := ballot.DealMsg(k, e, uint32(i+1), trs)
		if err != nil {
			t.Fatal(err)
		}
		testnode.Send(t, c, ballot.TypeDeal, d, k)
	}
	testnode.Send(t, c, ballot.TypePublishKey, &ballot.MsgPublishKey{Election: id}, off)
	e = getElection()
	waitBlockTime(t, c, opens)
	for i, k := range voters {
		ch, err := ballot.Choices(e, [][]int{{i}})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := e.Params()
		b, _, err := elgamal.EncryptBallot(p, acct(k), ch, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := b.Encode()
		testnode.Send(t, c, ballot.TypeCast, &ballot.MsgCast{Election: id, Ballot: hex.EncodeToString(enc)}, k)
	}
	waitBlockTime(t, c, closes)
	for _, j := range []int{1, 3} {
		ks, err := ballot.KeyShareFor(tk[j-1], e, uint32(j), trustees(e), nil)
		if err != nil {
			t.Fatal(err)
		}
		agg := getRecord[ballot.Aggregate](t, c, ballot.AggregateKey(id))
		m, err := ballot.TallyMsg(ks, e, agg, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		testnode.Send(t, c, ballot.TypeTally, m, tk[j-1])
	}
	ctx := context.Background()
	info, err := c.RPC.ABCIInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	height := info.Response.LastBlockHeight // the proofs wait for header height+1
	source := func(alter func(string, []byte, *ctypes.ResultABCIQuery)) election.RPCSource {
		return election.RPCSource{Ctx: ctx, Client: client.NewFromRPC(lyingRPC{c.RPC, alter}), Height: height, Prove: true}
	}

	rep, err := election.Verify(source(nil), id)
	if err != nil || !rep.OK || rep.Ballots != 2 || rep.PartialsVerified != 4 {
		t.Fatalf("honest node: %v\n%+v", err, rep)
	}

	changed := false
	voteKey := string(ballot.VoteKey(id, acct(voters[0])))
	firstVote := slices.Min([]string{voteKey, string(ballot.VoteKey(id, acct(voters[1])))})
	votePrefix := "ballot/vote/" + id + "/"
	for name, alter := range map[string]func(string, []byte, *ctypes.ResultABCIQuery){
		// The ballot reaches the verifier as the right neighbour in a
		// non-membership proof; the node changes its value there.
		"a changed ballot": func(_ string, data []byte, res *ctypes.ResultABCIQuery) {
			if !strings.HasPrefix(string(data), votePrefix) || res.Response.ProofOps == nil || len(res.Response.ProofOps.Ops) != 1 {
				return
			}
			var p ics23.CommitmentProof
			if err := p.Unmarshal(res.Response.ProofOps.Ops[0].Data); err != nil {
				t.Error(err)
				return
			}
			if ne := p.GetNonexist(); ne != nil && ne.Right != nil && string(ne.Right.Key) == voteKey {
				ne.Right.Value = append([]byte(nil), ne.Right.Value...)
				ne.Right.Value[len(ne.Right.Value)-1] ^= 1
				b, _ := p.Marshal()
				res.Response.ProofOps.Ops[0].Data = b
				changed = true
			}
		},
		// Asked for the first vote, the node proves what follows it instead.
		"a hidden ballot": func(path string, data []byte, res *ctypes.ResultABCIQuery) {
			if string(data) == votePrefix {
				other, err := c.RPC.ABCIQueryWithOptions(ctx, path, append([]byte(firstVote), 0), rpcclient.ABCIQueryOptions{Height: res.Response.Height, Prove: true})
				if err != nil {
					t.Error(err)
					return
				}
				key := res.Response.Key
				res.Response = other.Response
				res.Response.Key = key
			}
		},
		"a voter said to be off the roll": func(_ string, data []byte, res *ctypes.ResultABCIQuery) {
			if string(data) == string(ballot.RollKey(id, acct(voters[0]))) {
				res.Response.Value = nil
			}
		},
		"a changed result": func(_ string, data []byte, res *ctypes.ResultABCIQuery) {
			if string(data) == string(ballot.ResultKey(id)) {
				res.Response.Value = bytes.HexBytes(strings.Replace(string(res.Response.Value), `"counts":[[1,1]]`, `"counts":[[2,0]]`, 1))
			}
		},
		"another height": func(_ string, data []byte, res *ctypes.ResultABCIQuery) {
			if strings.HasPrefix(string(data), "ballot/partial/") {
				res.Response.Height--
			}
		},
		"no proof": func(_ string, data []byte, res *ctypes.ResultABCIQuery) {
			if strings.HasPrefix(string(data), "ballot/tracker/") {
				res.Response.ProofOps = nil
			}
		},
	} {
		rep, err := election.Verify(source(alter), id)
		if err == nil {
			t.Errorf("lying node, %s: verified without an error: %+v", name, rep)
			continue
		}
		t.Logf("lying node, %s: %v", name, err)
	}
	if !changed {
		t.Error("the lie about a ballot was never told: no proof carried it")
	}

	// Headers verified by CometBFT's light client from a root the user
	// gives (block 2's header hash, as if published elsewhere) instead of
	// the validator set the node reports.
	two := int64(2)
	blk, err := c.RPC.Block(ctx, &two)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.RPC.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lc, err := client.New(n.RPCAddress())
	if err != nil {
		t.Fatal(err)
	}
	root := client.TrustRoot{Height: 2, Hash: blk.BlockID.Hash}
	if err := lc.UseLightClient(ctx, st.NodeInfo.Network, n.RPCAddress(), nil, root); err != nil {
		t.Fatal(err)
	}
	rep, err = election.Verify(election.RPCSource{Ctx: ctx, Client: lc, Height: height, Prove: true}, id)
	if err != nil || !rep.OK || rep.Ballots != 2 {
		t.Fatalf("light client from a trusted root: %v\n%+v", err, rep)
	}
	wrong := client.TrustRoot{Height: 2, Hash: slices.Clone(blk.BlockID.Hash)}
	wrong.Hash[0] ^= 1
	lc2, _ := client.New(n.RPCAddress())
	if err := lc2.UseLightClient(ctx, st.NodeInfo.Network, n.RPCAddress(), nil, wrong); err == nil {
		t.Fatal("a light client from a root the chain does not have started")
	}

	// Without proofs the same lie about the result is not caught as a
	// broken read: the verifier can only find the result inconsistent.
	unproven := election.RPCSource{Ctx: ctx, Client: client.NewFromRPC(lyingRPC{c.RPC, func(_ string, data []byte, res *ctypes.ResultABCIQuery) {
		if string(data) == string(ballot.ResultKey(id)) {
			res.Response.Value = bytes.HexBytes(strings.Replace(string(res.Response.Value), `"counts":[[1,1]]`, `"counts":[[2,0]]`, 1))
		}
	}}), Height: height}
	if rep, err := election.Verify(unproven, id); err != nil || rep.OK {
		t.Fatalf("unproven read of a changed result: %v, ok=%v", err, rep != nil && rep.OK)
	}
}
