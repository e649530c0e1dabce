package ballot_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/x/ballot"
)

func yesNoSingle() []ballot.Question {
	return []ballot.Question{
		{Text: "Approve?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
		{Text: "Chair", Kind: ballot.KindSingle, Options: []string{"Ann", "Ben", "Cy"}},
	}
}

// encryptWith encrypts choices under e's key but with a different question
// shape or election id, to forge ballots the chain must refuse.
func encryptWith(t *testing.T, e *ballot.Election, electionID, voter string, specs []elgamal.QuestionSpec, choices [][]bool) *elgamal.Ballot {
	t.Helper()
	p, _ := e.Params()
	p.ElectionID = electionID
	if specs != nil {
		p.Questions = specs
	}
	b, _, err := elgamal.EncryptBallot(p, voter, choices, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCastRejections(t *testing.T) {
	c := newChain(t)
	alice, bob, carol := demo(t, "citizen-alice"), demo(t, "citizen-bob"), demo(t, "citizen-carol")
	stranger := voterKey(999)
	c.registerAccounts([]ed25519.PrivateKey{stranger})
	roll := []string{account(alice), account(bob), account(carol)}
	e := c.setup("council", yesNoSingle(), roll, 30*time.Second, time.Hour)
	good, _ := castMsg(t, e, account(alice), []int{0}, []int{1})

	// Before opening.
	c.ExpectTx("before opening", c.Tx(ballot.TypeCast, good, alice), ballot.ErrNotOpen, true)
	c.BlockAt(time.Unix(e.OpensAt, 0))

	valid, vb := castMsg(t, e, account(alice), []int{0}, []int{1})
	enc, _ := hex.DecodeString(valid.Ballot)

	// A ballot encrypting 2: add G to the "yes" ciphertext of a yes ballot.
	two := cloneBallot(t, vb)
	ct := &two.Questions[0].Selections[0].Ciphertext
	*ct = elgamal.Add(*ct, elgamal.Ciphertext{Alpha: elgamal.Identity(), Beta: elgamal.Generator()})
	c.ExpectTx("ballot encrypting 2", c.Tx(ballot.TypeCast, encodeCast(t, e.ID, two), alice), ballot.ErrSelectionProof, true)

	// A single-choice ballot with two selections: honest 0/1 proofs, but
	// the total proof is for 2 selections.
	specs := []elgamal.QuestionSpec{{Options: 2, Min: 1, Max: 1}, {Options: 3, Min: 2, Max: 2}}
	over := encryptWith(t, e, e.ID, account(alice), specs, [][]bool{{true, false}, {true, true, false}})
	r := c.ExpectTx("two selections in a single-choice question", c.Tx(ballot.TypeCast, encodeCast(t, e.ID, over), alice), ballot.ErrRangeProof, true)
	if !strings.Contains(r.Log, "question 1") {
		t.Errorf("range failure should name question 1: %s", r.Log)
	}

	// Proofs for another election: as is, and relabelled.
	other := encryptWith(t, e, "other-election", account(alice), nil, [][]bool{{true, false}, {false, true, false}})
	c.ExpectTx("ballot for another election", c.Tx(ballot.TypeCast, encodeCast(t, e.ID, other), alice), ballot.ErrWrongElection, true)
	other.ElectionID = e.ID
	c.ExpectTx("proofs bound to another election", c.Tx(ballot.TypeCast, encodeCast(t, e.ID, other), alice), ballot.ErrSelectionProof, true)

	// Alice's ballot submitted by Bob: as is, and relabelled to Bob.
	c.ExpectTx("another voter's ballot", c.Tx(ballot.TypeCast, valid, bob), ballot.ErrWrongVoter, true)
	stolen := cloneBallot(t, vb)
	stolen.Voter = account(bob)
	c.ExpectTx("proofs bound to another voter", c.Tx(ballot.TypeCast, encodeCast(t, e.ID, stolen), bob), ballot.ErrSelectionProof, true)

	// A malformed point: a non-canonical encoding in place of alpha.
	bad := append([]byte(nil), enc...)
	off := 1 + 1 + len(e.ID) + 1 + len(account(alice)) + 2 + 2
	for i := 0; i < 32; i++ {
		bad[off+i] = 0xff
	}
	c.ExpectTx("malformed point", c.Tx(ballot.TypeCast, &ballot.MsgCast{Election: e.ID, Ballot: hex.EncodeToString(bad)}, alice), ballot.ErrInvalidPoint, true)
	c.ExpectTx("truncated ballot", c.Tx(ballot.TypeCast, &ballot.MsgCast{Election: e.ID, Ballot: hex.EncodeToString(enc[:len(enc)-5])}, alice), ballot.ErrMalformedBallot, true)
	wrongShape := encryptWith(t, e, e.ID, account(alice), []elgamal.QuestionSpec{{Options: 2, Min: 1, Max: 1}}, [][]bool{{true, false}})
	c.ExpectTx("wrong number of questions", c.Tx(ballot.TypeCast, encodeCast(t, e.ID, wrongShape), alice), ballot.ErrBallotShape, true)

	// Ineligible: an account not on the roll.
	sm, _ := castMsg(t, e, account(stranger), []int{0}, []int{0})
	c.ExpectTx("voter not on the roll", c.Tx(ballot.TypeCast, sm, stranger), ballot.ErrNotEligible, true)

	// The valid ballot is accepted; then Carol votes and is revoked: her
	// ballot leaves the aggregate and she can no longer vote.
	c.ExpectTx("valid ballot", c.Tx(ballot.TypeCast, valid, alice), nil, true)
	cm, cb := castMsg(t, e, account(carol), []int{1}, []int{2})
	c.MustOK(ballot.TypeCast, cm, carol)
	if a, _ := (ballot.Keeper{}).Aggregate(c.View(), e.ID); a.Ballots != 2 {
		t.Fatalf("%d ballots, want 2", a.Ballots)
	}
	off2 := demo(t, "election-official")
	c.ExpectTx("non-official removes voters", c.Tx(ballot.TypeRemoveVoters, &ballot.MsgRemoveVoters{Election: e.ID, Voters: []string{account(carol)}}, bob), ballot.ErrNotOfficial, false)
	c.MustOK(ballot.TypeRemoveVoters, &ballot.MsgRemoveVoters{Election: e.ID, Voters: []string{account(carol)}}, off2)
	if a, _ := (ballot.Keeper{}).Aggregate(c.View(), e.ID); a.Ballots != 1 {
		t.Fatalf("%d ballots after revocation, want 1", a.Ballots)
	}
	cenc, _ := cb.Encode()
	if tr, _ := (ballot.Keeper{}).Tracker(c.View(), e.ID, ballot.TrackerOf(cenc)); tr == nil || tr.Status != ballot.TrackerWithdrawn {
		t.Fatalf("revoked voter's tracker: %+v", tr)
	}
	cm2, _ := castMsg(t, e, account(carol), []int{0}, []int{0})
	c.ExpectTx("revoked voter", c.Tx(ballot.TypeCast, cm2, carol), ballot.ErrNotEligible, true)

	// Tallying before the close is refused; after closing, casting is.
	t1 := demo(t, "trustee-1")
	c.ExpectTx("tally before close", c.Tx(ballot.TypeTally, &ballot.MsgTally{Election: e.ID, Partials: fakePartials(e, 1)}, t1), ballot.ErrNotClosed, true)
	c.BlockAt(time.Unix(e.ClosesAt, 0))
	late, _ := castMsg(t, e, account(bob), []int{0}, []int{0})
	c.ExpectTx("after closing", c.Tx(ballot.TypeCast, late, bob), ballot.ErrClosed, true)

	// A wrong partial decryption is detected and names the trustee.
	wrongKS := &elgamal.KeyShare{Index: 1, Secret: elgamal.ScalarFromUint64(12345)}
	agg, _ := ballot.Keeper{}.Aggregate(c.View(), e.ID)
	wrong, err := ballot.TallyMsg(wrongKS, e, agg, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r = c.ExpectTx("wrong partial decryption", c.Tx(ballot.TypeTally, wrong, t1), ballot.ErrInvalidPartial, true)
	if !strings.Contains(r.Log, "trustee 1 ("+account(t1)+") question 0 option 0") {
		t.Errorf("the log should name the trustee: %s", r.Log)
	}
	t2 := demo(t, "trustee-2")
	c.ExpectTx("another trustee's partials", c.Tx(ballot.TypeTally, c.tallyMsg(e, t1, 1), t2), ballot.ErrInvalidPartial, true)
	c.ExpectTx("not a trustee", c.Tx(ballot.TypeTally, c.tallyMsg(e, t1, 1), alice), ballot.ErrNotTrustee, true)
	c.MustOK(ballot.TypeTally, c.tallyMsg(e, t1, 1), t1)
	c.ExpectTx("twice", c.Tx(ballot.TypeTally, c.tallyMsg(e, t1, 1), t1), ballot.ErrDuplicate, true)
	c.MustOK(ballot.TypeTally, c.tallyMsg(e, t2, 2), t2)
	if got := c.result(e.ID).Counts; mustJSON(got) != "[[1,0],[0,1,0]]" {
		t.Fatalf("result %v, want alice's vote only", got)
	}
}

func fakePartials(e *ballot.Election, idx uint32) []string {
	ks := &elgamal.KeyShare{Index: idx, Secret: elgamal.ScalarFromUint64(7)}
	agg := ballot.EmptyAggregate(e)
	m, _ := ballot.TallyMsg(ks, e, agg, rand.Reader)
	return m.Partials
}

func cloneBallot(t *testing.T, b *elgamal.Ballot) *elgamal.Ballot {
	enc, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	out, err := elgamal.DecodeBallot(enc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
