package ballot_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

func TestCreateElectionRejections(t *testing.T) {
	c := newChain(t)
	off, alice := demo(t, "election-official"), demo(t, "citizen-alice")
	tids := []string{account(demo(t, "trustee-1")), account(demo(t, "trustee-2"))}
	base := func() *ballot.MsgCreateElection {
		return &ballot.MsgCreateElection{ID: "e1", Title: "T", Questions: yesNoSingle(), Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll},
			Trustees: tids, Threshold: 2, OpensAt: c.time.Unix() + 10, ClosesAt: c.time.Unix() + 100}
	}
	c.expect("not an election official", c.tx(alice, ballot.TypeCreateElection, base()), errs.Unauthorized, false)
	m := base()
	m.Trustees = []string{tids[0], account(alice)}
	c.expect("trustee without the role", c.tx(off, ballot.TypeCreateElection, m), ballot.ErrInvalidElection, false)
	// A chain without a credential checker refuses credential rules.
	m = base()
	m.Eligibility = ballot.Eligibility{Kind: ballot.RuleCredential, Schema: "resident", Predicate: "age>=18"}
	bare := ballot.New(authority.Keeper{}, nil)
	ctx := &module.Context{Height: c.height + 1, Time: c.time, KV: store.NewCache(c.view()), Signers: []module.Signer{{Account: account(off)}}}
	if _, err := bare.Messages()[0].Handle(ctx, m); !errors.Is(err, ballot.ErrUnsupportedRule) {
		t.Errorf("credential rule without a checker: %v", err)
	}
	m = base()
	m.Threshold = 3
	c.expect("threshold above n", c.tx(off, ballot.TypeCreateElection, m), ballot.ErrInvalidElection, true)
	m = base()
	m.Questions = []ballot.Question{{Text: "q", Kind: ballot.KindApproval, Options: []string{"a", "b"}, MaxChoices: 3}}
	c.expect("approval k > n", c.tx(off, ballot.TypeCreateElection, m), ballot.ErrInvalidElection, true)
	m = base()
	m.ClosesAt = c.time.Unix() - 5
	m.OpensAt = m.ClosesAt - 10
	c.expect("closes in the past", c.tx(off, ballot.TypeCreateElection, m), ballot.ErrInvalidElection, false)
	c.must(off, ballot.TypeCreateElection, base())
	c.expect("same id twice", c.tx(off, ballot.TypeCreateElection, base()), ballot.ErrElectionExists, false)
}

// A dealer who sends a bad share is caught by the complaint; one who
// answers with the right share stays qualified.
func TestKeyCeremonyComplaints(t *testing.T) {
	c := newChain(t)
	off := demo(t, "election-official")
	tk := []ed25519.PrivateKey{demo(t, "trustee-1"), demo(t, "trustee-2"), demo(t, "trustee-3")}
	var tids []string
	for _, k := range tk {
		tids = append(tids, account(k))
	}
	c.must(off, ballot.TypeCreateElection, &ballot.MsgCreateElection{ID: "dkg", Title: "T", Questions: yesNoSingle(),
		Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll}, Trustees: tids, Threshold: 2,
		OpensAt: c.time.Unix() + 10, ClosesAt: c.time.Unix() + 1000})
	e := c.election("dkg")
	d0, err := ballot.DealMsg(tk[0], e, 1, make([]*ballot.Trustee, 3))
	if err == nil || d0 != nil {
		t.Fatal("dealing before every trustee registered a key must fail in the tool")
	}
	for _, k := range tk[:2] {
		c.must(k, ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, "dkg"))
	}
	c.expect("key twice", c.tx(tk[0], ballot.TypeTrusteeKey, ballot.CommKeyMsg(tk[0], "dkg")), ballot.ErrDuplicate, false)
	c.must(tk[2], ballot.TypeTrusteeKey, ballot.CommKeyMsg(tk[2], "dkg"))
	trs := c.trustees(e)
	// Dealer 1 corrupts the share for trustee 2.
	d1, _ := ballot.DealMsg(tk[0], e, 1, trs)
	raw, _ := hex.DecodeString(d1.Shares[1])
	raw[0] ^= 1
	d1.Shares[1] = hex.EncodeToString(raw)
	c.must(tk[0], ballot.TypeDeal, d1)
	// Dealer 2 posts dealer 3's commitments: refused.
	d3, _ := ballot.DealMsg(tk[2], e, 3, trs)
	c.expect("commitments of another dealer", c.tx(tk[1], ballot.TypeDeal, d3), ballot.ErrInvalidDealing, false)
	d2, _ := ballot.DealMsg(tk[1], e, 2, trs)
	c.must(tk[1], ballot.TypeDeal, d2)
	c.must(tk[2], ballot.TypeDeal, d3)
	trs = c.trustees(e)
	if _, err := ballot.ReceivedShare(tk[1], "dkg", 2, trs[0]); err == nil {
		t.Fatal("trustee 2 must detect dealer 1's bad share")
	}
	if _, err := ballot.ReceivedShare(tk[2], "dkg", 3, trs[0]); err != nil {
		t.Fatalf("trustee 3's share from dealer 1: %v", err)
	}
	c.must(tk[1], ballot.TypeComplain, &ballot.MsgComplain{Election: "dkg", Dealer: 1})
	// Trustee 3 complains falsely about dealer 2; dealer 2 reveals the right share.
	c.must(tk[2], ballot.TypeComplain, &ballot.MsgComplain{Election: "dkg", Dealer: 2})
	rv, _ := ballot.RevealShare(tk[1], e, 2, 3)
	if r := c.must(tk[1], ballot.TypeReveal, rv); string(r.Data) != ballot.ComplaintRejected {
		t.Fatalf("honest reveal: %s", r.Data)
	}
	// Dealer 1 reveals a wrong share: disqualified.
	bad, _ := ballot.RevealShare(tk[0], e, 1, 3)
	bad.Complainer = 2
	if r := c.must(tk[0], ballot.TypeReveal, bad); string(r.Data) != ballot.ComplaintUpheld {
		t.Fatalf("wrong reveal: %s", r.Data)
	}
	c.must(off, ballot.TypePublishKey, &ballot.MsgPublishKey{Election: "dkg"})
	e = c.election("dkg")
	if mustJSON(e.Qualified) != "[2,3]" {
		t.Fatalf("qualified %v, want [2 3]", e.Qualified)
	}
	// Every trustee, the disqualified dealer included, still holds a key
	// share matching its verification key; any two decrypt.
	alice := demo(t, "citizen-alice")
	c.must(off, ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: "dkg", Voters: []string{account(alice)}})
	c.blockAt(time.Unix(e.OpensAt, 0))
	m, _ := castMsg(t, e, account(alice), []int{1}, []int{2})
	c.must(alice, ballot.TypeCast, m)
	c.blockAt(time.Unix(e.ClosesAt, 0))
	c.must(tk[0], ballot.TypeTally, c.tallyMsg(e, tk[0], 1))
	c.must(tk[2], ballot.TypeTally, c.tallyMsg(e, tk[2], 3))
	if got := mustJSON(c.result("dkg").Counts); got != "[[0,1],[0,0,1]]" {
		t.Fatalf("result %s", got)
	}
}

// With the identity module wired in, a credential election asks it: a
// voter who registered no eligibility proof for the schema and predicate
// is refused with the identity module's reason.
func TestCredentialEligibility(t *testing.T) {
	c := newChain(t)
	elig := ballot.Eligibility{Kind: ballot.RuleCredential, Schema: "resident-v1", Predicate: "age>=18"}
	e := c.setupWith("cred", yesNoSingle(), elig, nil, 0, time.Hour)
	alice := demo(t, "citizen-alice")
	c.block()
	m, _ := castMsg(t, e, account(alice), []int{0}, []int{0})
	r := c.expect("no credential", c.tx(alice, ballot.TypeCast, m), ballot.ErrNotEligible, true)
	if !strings.Contains(r.Log, "eligibility proof") {
		t.Errorf("log should carry the identity module's reason: %s", r.Log)
	}
	off := demo(t, "election-official")
	c.expect("roll change on a credential election", c.tx(off, ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: "cred", Voters: []string{account(alice)}}), ballot.ErrInvalidRoll, false)
}
