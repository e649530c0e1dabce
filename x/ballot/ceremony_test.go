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
			Trustees: tids, Threshold: 2, OpensAt: c.Time.Unix() + 10, ClosesAt: c.Time.Unix() + 100}
	}
	c.ExpectTx("not an election official", c.Tx(ballot.TypeCreateElection, base(), alice), errs.Unauthorized, false)
	m := base()
	m.Trustees = []string{tids[0], account(alice)}
	c.ExpectTx("trustee without the role", c.Tx(ballot.TypeCreateElection, m, off), ballot.ErrInvalidElection, false)
	// A chain without a credential checker refuses credential rules.
	m = base()
	m.Eligibility = ballot.Eligibility{Kind: ballot.RuleCredential, Schema: "resident", Predicate: "age>=18"}
	bare := ballot.New(authority.Keeper{}, nil)
	ctx := &module.Context{Height: c.Height + 1, Time: c.Time, KV: store.NewCache(c.View()), Signers: []module.Signer{{Account: account(off)}}}
	if _, err := bare.Messages()[0].Handle(ctx, m); !errors.Is(err, ballot.ErrUnsupportedRule) {
		t.Errorf("credential rule without a checker: %v", err)
	}
	m = base()
	m.Threshold = 3
	c.ExpectTx("threshold above n", c.Tx(ballot.TypeCreateElection, m, off), ballot.ErrInvalidElection, true)
	m = base()
	m.Questions = []ballot.Question{{Text: "q", Kind: ballot.KindApproval, Options: []string{"a", "b"}, MaxChoices: 3}}
	c.ExpectTx("approval k > n", c.Tx(ballot.TypeCreateElection, m, off), ballot.ErrInvalidElection, true)
	m = base()
	m.ClosesAt = c.Time.Unix() - 5
	m.OpensAt = m.ClosesAt - 10
	c.ExpectTx("closes in the past", c.Tx(ballot.TypeCreateElection, m, off), ballot.ErrInvalidElection, false)
	c.MustOK(ballot.TypeCreateElection, base(), off)
	c.ExpectTx("same id twice", c.Tx(ballot.TypeCreateElection, base(), off), ballot.ErrElectionExists, false)
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
	c.MustOK(ballot.TypeCreateElection, &ballot.MsgCreateElection{ID: "dkg", Title: "T", Questions: yesNoSingle(),
		Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll}, Trustees: tids, Threshold: 2,
		OpensAt: c.Time.Unix() + 10, ClosesAt: c.Time.Unix() + 1000}, off)
	e := c.election("dkg")
	d0, err := ballot.DealMsg(tk[0], e, 1, make([]*ballot.Trustee, 3))
	if err == nil || d0 != nil {
		t.Fatal("dealing before every trustee registered a key must fail in the tool")
	}
	for _, k := range tk[:2] {
		c.MustOK(ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, "dkg"), k)
	}
	c.ExpectTx("key twice", c.Tx(ballot.TypeTrusteeKey, ballot.CommKeyMsg(tk[0], "dkg"), tk[0]), ballot.ErrDuplicate, false)
	c.MustOK(ballot.TypeTrusteeKey, ballot.CommKeyMsg(tk[2], "dkg"), tk[2])
	trs := c.trustees(e)
	// Dealer 1 corrupts the share for trustee 2.
	d1, _ := ballot.DealMsg(tk[0], e, 1, trs)
	raw, _ := hex.DecodeString(d1.Shares[1])
	raw[0] ^= 1
	d1.Shares[1] = hex.EncodeToString(raw)
	c.MustOK(ballot.TypeDeal, d1, tk[0])
	// Dealer 2 posts dealer 3's commitments: refused.
	d3, _ := ballot.DealMsg(tk[2], e, 3, trs)
	c.ExpectTx("commitments of another dealer", c.Tx(ballot.TypeDeal, d3, tk[1]), ballot.ErrInvalidDealing, false)
	d2, _ := ballot.DealMsg(tk[1], e, 2, trs)
	c.MustOK(ballot.TypeDeal, d2, tk[1])
	c.MustOK(ballot.TypeDeal, d3, tk[2])
	trs = c.trustees(e)
	if _, err := ballot.ReceivedShare(tk[1], "dkg", 2, trs[0]); err == nil {
		t.Fatal("trustee 2 must detect dealer 1's bad share")
	}
	if _, err := ballot.ReceivedShare(tk[2], "dkg", 3, trs[0]); err != nil {
		t.Fatalf("trustee 3's share from dealer 1: %v", err)
	}
	c.MustOK(ballot.TypeComplain, &ballot.MsgComplain{Election: "dkg", Dealer: 1}, tk[1])
	// Trustee 3 complains falsely about dealer 2; dealer 2 reveals the right share.
	c.MustOK(ballot.TypeComplain, &ballot.MsgComplain{Election: "dkg", Dealer: 2}, tk[2])
	rv, _ := ballot.RevealShare(tk[1], e, 2, 3)
	if r := c.MustOK(ballot.TypeReveal, rv, tk[1]); r != ballot.ComplaintRejected {
		t.Fatalf("honest reveal: %s", r)
	}
	// Dealer 1 reveals a wrong share: disqualified.
	bad, _ := ballot.RevealShare(tk[0], e, 1, 3)
	bad.Complainer = 2
	if r := c.MustOK(ballot.TypeReveal, bad, tk[0]); r != ballot.ComplaintUpheld {
		t.Fatalf("wrong reveal: %s", r)
	}
	c.MustOK(ballot.TypePublishKey, &ballot.MsgPublishKey{Election: "dkg"}, off)
	e = c.election("dkg")
	if mustJSON(e.Qualified) != "[2,3]" {
		t.Fatalf("qualified %v, want [2 3]", e.Qualified)
	}
	// Every trustee, the disqualified dealer included, still holds a key
	// share matching its verification key; any two decrypt.
	alice := demo(t, "citizen-alice")
	c.MustOK(ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: "dkg", Voters: []string{account(alice)}}, off)
	c.BlockAt(time.Unix(e.OpensAt, 0))
	m, _ := castMsg(t, e, account(alice), []int{1}, []int{2})
	c.MustOK(ballot.TypeCast, m, alice)
	c.BlockAt(time.Unix(e.ClosesAt, 0))
	c.MustOK(ballot.TypeTally, c.tallyMsg(e, tk[0], 1), tk[0])
	c.MustOK(ballot.TypeTally, c.tallyMsg(e, tk[2], 3), tk[2])
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
	c.Block()
	m, _ := castMsg(t, e, account(alice), []int{0}, []int{0})
	r := c.ExpectTx("no credential", c.Tx(ballot.TypeCast, m, alice), ballot.ErrNotEligible, true)
	if !strings.Contains(r.Log, "eligibility proof") {
		t.Errorf("log should carry the identity module's reason: %s", r.Log)
	}
	off := demo(t, "election-official")
	c.ExpectTx("roll change on a credential election", c.Tx(ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: "cred", Voters: []string{account(alice)}}, off), ballot.ErrInvalidRoll, false)
}
