package api_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/ballot"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/land"
)

// chain is what the API test registers: a parcel and its title, a
// credential schema, an accredited issuer with signed status lists, and a
// citizen's DID services.
type chain struct {
	base, title, parcel, issuer, citizen string
	// rpc is the node's RPC address and chainID its chain (for
	// CometBFT's light client).
	rpc, chainID string
	// owned is an instant when citizen owned the parcel; transferred is
	// the block height from which bob owns it.
	owned       time.Time
	transferred int64
	bob         string
	// credential is an anchored credential's digest; election an
	// election with published results.
	credential, election string
}

func startChain(t *testing.T) chain {
	n, cl := testnode.Start(t, testnode.InitHome(t))
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	send := func(msgType string, msg any, keys ...ed25519.PrivateKey) string {
		t.Helper()
		x, err := cl.Build(ctx, apptest.Pub(keys[0]), msgType, msg, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := cl.Send(ctx, x, keys...)
		if err != nil {
			t.Fatalf("%s: %v", msgType, err)
		}
		return string(res.Data)
	}
	clerk, reg, alice := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "registrar"), apptest.DemoKey(t, "citizen-alice")
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	h := sha256.Sum256([]byte("deed"))
	d := hex.EncodeToString(h[:])
	const x0, y0 = 40_000_000, 580_000_000
	ring := func(w int64) string {
		return strings.NewReplacer("X0", itoa(x0), "X1", itoa(x0+w), "Y0", itoa(y0), "Y1", itoa(y0+w)).
			Replace("[[[X0,Y0],[X1,Y0],[X1,Y1],[X0,Y1],[X0,Y0]]]")
	}
	send(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "API-1", Address: "1 API Street", Document: d,
		Geometry: land.Geometry{Type: "Polygon", Coordinates: json.RawMessage(ring(10_000))}}, clerk)
	tid := send(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: apptest.Account(alice), Share: "1"}}, Tenure: "freehold", Document: d}, clerk)
	regID := apptest.Account(reg)
	send(identity.TypeRegisterSchema, identity.MsgRegisterSchema{ID: "residence", Version: 1, Claims: []identity.ClaimDef{
		{Name: "age_band", Type: "integer"}, {Name: "district", Type: "integer"}}, JSONSchemaHash: strings.Repeat("ab", 32)}, a1, a2)
	send(identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: regID, Schemas: []string{"residence"}}, a1, a2)
	for _, p := range []string{identity.PurposeRevocation, identity.PurposeSuspension} {
		doc, err := identity.SignStatusList(base, regID, p, 1, make([]byte, identity.MinStatusListBits/8), time.Now().Add(-time.Minute), reg)
		if err != nil {
			t.Fatal(err)
		}
		send(identity.TypePublishStatusList, identity.MsgPublishStatusList{Purpose: p, List: doc}, reg)
	}
	send(identity.TypeUpdateDID, identity.MsgUpdateDID{Services: []identity.Service{
		{ID: "web", Type: "LinkedDomains", Endpoint: "https://alice.example"}}}, alice)
	// A credential anchored by the issuer (the chain keeps its digest).
	cd := sha256.Sum256([]byte("a credential"))
	send(identity.TypeAnchorCredential, identity.MsgAnchorCredential{Digest: hex.EncodeToString(cd[:]),
		SchemaID: "residence", Version: 1, StatusIndex: 5}, reg)
	// The title passes to Bob (a court order); Alice owned it before.
	waitNext(t, cl)
	owned := time.Now()
	waitNext(t, cl)
	bob := apptest.Account(apptest.DemoKey(t, "citizen-bob"))
	res, err := cl.Send(ctx, mustBuild(t, cl, clerk, land.TypeTransmit, land.MsgTransmit{Title: tid,
		Owners: []land.Share{{Party: bob, Share: "1"}}, Reason: "court-order", Document: d}), clerk)
	if err != nil {
		t.Fatal(err)
	}
	election := runElection(t, cl)
	waitNext(t, cl)
	chainID, err := cl.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return chain{chainID: chainID, base: base, title: tid, parcel: "P1", issuer: regID, citizen: apptest.Account(alice), rpc: n.RPCAddress(),
		owned: owned, transferred: res.Height, bob: bob, credential: hex.EncodeToString(cd[:]), election: election}
}

func mustBuild(t *testing.T, cl *client.Client, key ed25519.PrivateKey, msgType string, msg any) *tx.Tx {
	t.Helper()
	x, err := cl.Build(context.Background(), apptest.Pub(key), msgType, msg, 0)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// runElection runs a small election to its published results: three
// trustees (two decrypt), Alice and Bob on the roll, one yes and one no.
func runElection(t *testing.T, c *client.Client) string {
	t.Helper()
	const id = "api-vote"
	off := testnode.DemoKey(t, "election-official")
	tk := []ed25519.PrivateKey{testnode.DemoKey(t, "trustee-1"), testnode.DemoKey(t, "trustee-2"), testnode.DemoKey(t, "trustee-3")}
	voters := []ed25519.PrivateKey{testnode.DemoKey(t, "citizen-alice"), testnode.DemoKey(t, "citizen-bob")}
	var tids, roll []string
	for _, k := range tk {
		tids = append(tids, apptest.Account(k))
	}
	for _, k := range voters {
		roll = append(roll, apptest.Account(k))
	}
	slices.Sort(roll)
	opens := time.Now().Add(4 * time.Second)
	closes := opens.Add(8 * time.Second)
	testnode.Send(t, c, ballot.TypeCreateElection, &ballot.MsgCreateElection{
		ID: id, Title: "API vote", Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll},
		Questions: []ballot.Question{{Text: "Approve?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}}},
		Trustees:  tids, Threshold: 2, OpensAt: opens.Unix(), ClosesAt: closes.Unix(),
	}, off)
	testnode.Send(t, c, ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: id, Voters: roll}, off)
	for _, k := range tk {
		testnode.Send(t, c, ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, id), k)
	}
	e := record[ballot.Election](t, c, ballot.ElectionKey(id))
	trustees := func() []*ballot.Trustee {
		out := make([]*ballot.Trustee, len(e.Trustees))
		for i := range out {
			out[i] = record[ballot.Trustee](t, c, ballot.TrusteeKey(id, uint32(i+1)))
		}
		return out
	}
	trs := trustees()
	for i, k := range tk {
		d, err := ballot.DealMsg(k, e, uint32(i+1), trs)
		if err != nil {
			t.Fatal(err)
		}
		testnode.Send(t, c, ballot.TypeDeal, d, k)
	}
	testnode.Send(t, c, ballot.TypePublishKey, &ballot.MsgPublishKey{Election: id}, off)
	e = record[ballot.Election](t, c, ballot.ElectionKey(id))
	waitBlockTime(t, c, opens)
	for i, k := range voters {
		ch, err := ballot.Choices(e, [][]int{{i}})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := e.Params()
		b, _, err := elgamal.EncryptBallot(p, apptest.Account(k), ch, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := b.Encode()
		testnode.Send(t, c, ballot.TypeCast, &ballot.MsgCast{Election: id, Ballot: hex.EncodeToString(enc)}, k)
	}
	waitBlockTime(t, c, closes)
	for _, j := range []int{1, 3} {
		ks, err := ballot.KeyShareFor(tk[j-1], e, uint32(j), trustees(), nil)
		if err != nil {
			t.Fatal(err)
		}
		agg := record[ballot.Aggregate](t, c, ballot.AggregateKey(id))
		m, err := ballot.TallyMsg(ks, e, agg, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		testnode.Send(t, c, ballot.TypeTally, m, tk[j-1])
	}
	return id
}

// record reads a JSON state record (unproven: test setup).
func record[T any](t *testing.T, c *client.Client, key []byte) *T {
	t.Helper()
	res, err := c.Query(context.Background(), "/key", key, 0, false)
	if err != nil || res.Value == nil {
		t.Fatalf("read %s: %v (value %q)", key, err, res.GetValue())
	}
	v := new(T)
	if err := json.Unmarshal(res.Value, v); err != nil {
		t.Fatal(err)
	}
	return v
}

// waitBlockTime waits for a block made at or after at.
func waitBlockTime(t *testing.T, c *client.Client, at time.Time) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		st, err := c.RPC.Status(context.Background())
		if err == nil && !st.SyncInfo.LatestBlockTime.Before(at) {
			testnode.WaitHeight(t, c, st.SyncInfo.LatestBlockHeight)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no block at or after %s", at)
}

// waitNext waits for the block after the latest, so the portal's proven
// reads (which need header H+1) see everything sent.
func waitNext(t *testing.T, cl *client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := cl.LatestHeight(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if l, err := cl.LatestHeight(ctx); err == nil && l > h+1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no new block")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
