package ballot_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

// richChain holds every kind of ballot record: a tallied election with a
// re-vote (superseded tracker), partial decryptions and a result; an open
// election whose revoked voter's ballot was withdrawn; and an election in
// its key ceremony with a dealing and an open complaint.
func richChain(t *testing.T) *chain {
	c, _, _ := runScenario(t, []int{1, 3})
	off := demo(t, "election-official")
	alice, bob := demo(t, "citizen-alice"), demo(t, "citizen-bob")
	e := c.setup("council", yesNoSingle(), []string{account(alice), account(bob)}, 10*time.Second, time.Hour)
	c.BlockAt(time.Unix(e.OpensAt, 0))
	for _, k := range []ed25519.PrivateKey{alice, bob} {
		m, _ := castMsg(t, e, account(k), []int{0}, []int{1})
		c.MustOK(ballot.TypeCast, m, k)
	}
	c.MustOK(ballot.TypeRemoveVoters, &ballot.MsgRemoveVoters{Election: "council", Voters: []string{account(bob)}}, off)

	tk := []ed25519.PrivateKey{demo(t, "trustee-1"), demo(t, "trustee-2"), demo(t, "trustee-3")}
	c.MustOK(ballot.TypeCreateElection, &ballot.MsgCreateElection{ID: "dkg", Title: "T", Questions: yesNoSingle(),
		Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll}, Trustees: []string{account(tk[0]), account(tk[1]), account(tk[2])},
		Threshold: 2, OpensAt: c.Time.Unix() + 10, ClosesAt: c.Time.Unix() + 1000}, off)
	for _, k := range tk {
		c.MustOK(ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, "dkg"), k)
	}
	d, err := ballot.DealMsg(tk[0], c.election("dkg"), 1, c.trustees(c.election("dkg")))
	if err != nil {
		t.Fatal(err)
	}
	c.MustOK(ballot.TypeDeal, d, tk[0])
	c.MustOK(ballot.TypeComplain, &ballot.MsgComplain{Election: "dkg", Dealer: 1}, tk[1])
	return c
}

// ballotState is every key and value under "ballot/".
func ballotState(kv store.KV) []ballot.Entry {
	var out []ballot.Entry
	p := []byte("ballot/")
	kv.Iterate(p, store.PrefixEnd(p), false, func(k, v []byte) bool {
		out = append(out, ballot.Entry{Key: string(k), Value: bytes.Clone(v)})
		return true
	})
	return out
}

// Export → Validate → Init reproduces the state exactly: the same keys and
// values, written in key order as the raw key/value genesis wrote them, so
// the same app hash; a second export is identical; a chain started from
// the export verifies the same election.
func TestGenesisRoundTrip(t *testing.T) {
	c := richChain(t)
	view := c.View()
	mod := ballot.New(authority.Keeper{}, nil)
	raw, err := mod.ExportGenesis(view)
	if err != nil {
		t.Fatal(err)
	}
	var g ballot.Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(g.Elections) != 3 || len(g.Complaints) != 1 || len(g.Partials) != 2 || len(g.Results) != 1 || len(g.Ballots) != 51 {
		t.Fatalf("export holds %d elections, %d complaints, %d partials, %d results, %d ballots",
			len(g.Elections), len(g.Complaints), len(g.Partials), len(g.Results), len(g.Ballots))
	}

	want := ballotState(view)
	imported := store.OpenMemory()
	if err := mod.InitGenesis(imported.Working(), raw); err != nil {
		t.Fatal(err)
	}
	written := store.OpenMemory()
	for _, e := range want {
		written.Working().Set([]byte(e.Key), e.Value)
	}
	if got := ballotState(imported.Working()); mustJSON(got) != mustJSON(want) {
		t.Fatalf("imported state differs: %d records, want %d", len(got), len(want))
	}
	if !bytes.Equal(imported.WorkingHash(), written.WorkingHash()) {
		t.Fatalf("app hash %X after import, %X when the same records are written in key order", imported.WorkingHash(), written.WorkingHash())
	}
	again, err := mod.ExportGenesis(imported.Working())
	if err != nil || !bytes.Equal(again, raw) {
		t.Fatalf("second export differs (%v)", err)
	}

	// The whole application restarts from its export.
	gs, err := c.App.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	appState, _ := json.Marshal(gs)
	restarted := apptest.NewWith(t, apptest.Options{AppState: appState, NoFirstBlock: true})
	if got := ballotState(restarted.Store.Working()); mustJSON(got) != mustJSON(want) {
		t.Fatal("restarted chain's ballot state differs")
	}
	rep, err := election.Verify(election.StoreSource{KV: restarted.Store.Working()}, "city-2026")
	if err != nil || !rep.OK {
		t.Fatalf("verifier on the restarted chain: %v\n%s", err, rep.Summary())
	}
}

// Validate refuses records whose meaning is wrong, though each decodes.
func TestGenesisValidateMeaning(t *testing.T) {
	c := richChain(t)
	raw, err := ballot.New(authority.Keeper{}, nil).ExportGenesis(c.View())
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() *ballot.Genesis {
		var g ballot.Genesis
		if err := json.Unmarshal(raw, &g); err != nil {
			t.Fatal(err)
		}
		return &g
	}
	stranger := account(voterKey(999))
	for name, spoil := range map[string]func(g *ballot.Genesis){
		"election twice":             func(g *ballot.Genesis) { g.Elections = append(g.Elections, g.Elections[0]) },
		"bad election definition":    func(g *ballot.Genesis) { g.Elections[0].Threshold = 9 },
		"unknown phase":              func(g *ballot.Genesis) { g.Elections[0].Phase = "open" },
		"trustee of no election":     func(g *ballot.Genesis) { g.Trustees[0].Election = "nowhere" },
		"trustee index out of range": func(g *ballot.Genesis) { g.Trustees[0].Index = 4 },
		"trustee account mismatch":   func(g *ballot.Genesis) { g.Trustees[0].Account = stranger },
		"complaint about oneself":    func(g *ballot.Genesis) { g.Complaints[0].Complainer = g.Complaints[0].Dealer },
		"roll of no election":        func(g *ballot.Genesis) { g.Roll[0].Election = "nowhere" },
		"ballot of no election":      func(g *ballot.Genesis) { g.Ballots[0].Election = "nowhere" },
		"ballot of a voter not on the roll": func(g *ballot.Genesis) {
			g.Roll = g.Roll[1:]
		},
		"ballot filed under another voter": func(g *ballot.Genesis) {
			g.Ballots[0].Voter, g.Ballots[1].Voter = g.Ballots[1].Voter, g.Ballots[0].Voter
		},
		"ballot that does not decode":      func(g *ballot.Genesis) { g.Ballots[0].Ballot = hex.EncodeToString([]byte("nonsense")) },
		"counted tracker without a ballot": func(g *ballot.Genesis) { g.Ballots = g.Ballots[1:] },
		"aggregate miscounts":              func(g *ballot.Genesis) { g.Aggregates[0].Ballots++ },
		"election with a key and no aggregate": func(g *ballot.Genesis) {
			g.Aggregates = g.Aggregates[:1] // council's goes
		},
		"partials of a trustee out of range": func(g *ballot.Genesis) { g.Partials[0].Trustee = 7 },
		"result of an untallied election":    func(g *ballot.Genesis) { g.Results[0].Election = "council" },
		"tallied without a result":           func(g *ballot.Genesis) { g.Results = nil },
		"tracker not hex":                    func(g *ballot.Genesis) { g.Trackers[0].Hash = "XYZ" },
	} {
		g := fresh()
		spoil(g)
		if err := g.Validate(); !errors.Is(err, ballot.ErrInvalidGenesis) {
			t.Errorf("%s: Validate gave %v", name, err)
		}
	}
	// Init refuses what Validate refuses and writes nothing.
	g := fresh()
	g.Trustees[0].Index = 4
	bad, _ := json.Marshal(g)
	st := store.OpenMemory()
	if err := ballot.New(authority.Keeper{}, nil).InitGenesis(st.Working(), bad); !errors.Is(err, ballot.ErrInvalidGenesis) || len(ballotState(st.Working())) != 0 {
		t.Fatalf("InitGenesis of a spoiled genesis: %v", err)
	}
}
