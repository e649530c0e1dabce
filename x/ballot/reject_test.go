package ballot_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/errs"
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
	c.expect("before opening", c.tx(alice, ballot.TypeCast, good), ballot.ErrNotOpen, true)
	c.blockAt(time.Unix(e.OpensAt, 0))

	valid, vb := castMsg(t, e, account(alice), []int{0}, []int{1})
	enc, _ := hex.DecodeString(valid.Ballot)

	// A ballot encrypting 2: add G to the "yes" ciphertext of a yes ballot.
	two := cloneBallot(t, vb)
	ct := &two.Questions[0].Selections[0].Ciphertext
	*ct = elgamal.Add(*ct, elgamal.Ciphertext{Alpha: elgamal.Identity(), Beta: elgamal.Generator()})
	c.expect("ballot encrypting 2", c.tx(alice, ballot.TypeCast, encodeCast(t, e.ID, two)), ballot.ErrSelectionProof, true)

	// A single-choice ballot with two selections: honest 0/1 proofs, but
	// the total proof is for 2 selections.
	specs := []elgamal.QuestionSpec{{Options: 2, Min: 1, Max: 1}, {Options: 3, Min: 2, Max: 2}}
	over := encryptWith(t, e, e.ID, account(alice), specs, [][]bool{{true, false}, {true, true, false}})
	r := c.expect("two selections in a single-choice question", c.tx(alice, ballot.TypeCast, encodeCast(t, e.ID, over)), ballot.ErrRangeProof, true)
	if !strings.Contains(r.Log, "question 1") {
		t.Errorf("range failure should name question 1: %s", r.Log)
	}

	// Proofs for another election: as is, and relabelled.
	other := encryptWith(t, e, "other-election", account(alice), nil, [][]bool{{true, false}, {false, true, false}})
	c.expect("ballot for another election", c.tx(alice, ballot.TypeCast, encodeCast(t, e.ID, other)), ballot.ErrWrongElection, true)
	other.ElectionID = e.ID
	c.expect("proofs bound to another election", c.tx(alice, ballot.TypeCast, encodeCast(t, e.ID, other)), ballot.ErrSelectionProof, true)

	// Alice's ballot submitted by Bob: as is, and relabelled to Bob.
	c.expect("another voter's ballot", c.tx(bob, ballot.TypeCast, valid), ballot.ErrWrongVoter, true)
	stolen := cloneBallot(t, vb)
	stolen.Voter = account(bob)
	c.expect("proofs bound to another voter", c.tx(bob, ballot.TypeCast, encodeCast(t, e.ID, stolen)), ballot.ErrSelectionProof, true)

	// A malformed point: a non-canonical encoding in place of alpha.
	bad := append([]byte(nil), enc...)
	off := 1 + 1 + len(e.ID) + 1 + len(account(alice)) + 2 + 2
	for i := 0; i < 32; i++ {
		bad[off+i] = 0xff
	}
	c.expect("malformed point", c.tx(alice, ballot.TypeCast, &ballot.MsgCast{Election: e.ID, Ballot: hex.EncodeToString(bad)}), ballot.ErrInvalidPoint, true)
	c.expect("truncated ballot", c.tx(alice, ballot.TypeCast, &ballot.MsgCast{Election: e.ID, Ballot: hex.EncodeToString(enc[:len(enc)-5])}), ballot.ErrMalformedBallot, true)
	wrongShape := encryptWith(t, e, e.ID, account(alice), []elgamal.QuestionSpec{{Options: 2, Min: 1, Max: 1}}, [][]bool{{true, false}})
	c.expect("wrong number of questions", c.tx(alice, ballot.TypeCast, encodeCast(t, e.ID, wrongShape)), ballot.ErrBallotShape, true)

	// Ineligible: an account not on the roll.
	sm, _ := castMsg(t, e, account(stranger), []int{0}, []int{0})
	c.expect("voter not on the roll", c.tx(stranger, ballot.TypeCast, sm), ballot.ErrNotEligible, true)

	// The valid ballot is accepted; then Carol votes and is revoked: her
	// ballot leaves the aggregate and she can no longer vote.
	c.expect("valid ballot", c.tx(alice, ballot.TypeCast, valid), &errs.Error{Codespace: "", Code: 0}, true)
	cm, cb := castMsg(t, e, account(carol), []int{1}, []int{2})
	c.must(carol, ballot.TypeCast, cm)
	if a, _ := (ballot.Keeper{}).Aggregate(c.view(), e.ID); a.Ballots != 2 {
		t.Fatalf("%d ballots, want 2", a.Ballots)
	}
	off2 := demo(t, "election-official")
	c.expect("non-official removes voters", c.tx(bob, ballot.TypeRemoveVoters, &ballot.MsgRemoveVoters{Election: e.ID, Voters: []string{account(carol)}}), ballot.ErrNotOfficial, false)
	c.must(off2, ballot.TypeRemoveVoters, &ballot.MsgRemoveVoters{Election: e.ID, Voters: []string{account(carol)}})
	if a, _ := (ballot.Keeper{}).Aggregate(c.view(), e.ID); a.Ballots != 1 {
		t.Fatalf("%d ballots after revocation, want 1", a.Ballots)
	}
	cenc, _ := cb.Encode()
	if tr, _ := (ballot.Keeper{}).Tracker(c.view(), e.ID, ballot.TrackerOf(cenc)); tr == nil || tr.Status != ballot.TrackerWithdrawn {
		t.Fatalf("revoked voter's tracker: %+v", tr)
	}
	cm2, _ := castMsg(t, e, account(carol), []int{0}, []int{0})
	c.expect("revoked voter", c.tx(carol, ballot.TypeCast, cm2), ballot.ErrNotEligible, true)

	// Tallying before the close is refused; after closing, casting is.
	t1 := demo(t, "trustee-1")
	c.expect("tally before close", c.tx(t1, ballot.TypeTally, &ballot.MsgTally{Election: e.ID, Partials: fakePartials(e, 1)}), ballot.ErrNotClosed, true)
	c.blockAt(time.Unix(e.ClosesAt, 0))
	late, _ := castMsg(t, e, account(bob), []int{0}, []int{0})
	c.expect("after closing", c.tx(bob, ballot.TypeCast, late), ballot.ErrClosed, true)

	// A wrong partial decryption is detected and names the trustee.
	wrongKS := &elgamal.KeyShare{Index: 1, Secret: elgamal.ScalarFromUint64(12345)}
	agg, _ := ballot.Keeper{}.Aggregate(c.view(), e.ID)
	wrong, err := ballot.TallyMsg(wrongKS, e, agg, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r = c.expect("wrong partial decryption", c.tx(t1, ballot.TypeTally, wrong), ballot.ErrInvalidPartial, true)
	if !strings.Contains(r.Log, "trustee 1 ("+account(t1)+") question 0 option 0") {
		t.Errorf("the log should name the trustee: %s", r.Log)
	}
	t2 := demo(t, "trustee-2")
	c.expect("another trustee's partials", c.tx(t2, ballot.TypeTally, c.tallyMsg(e, t1, 1)), ballot.ErrInvalidPartial, true)
	c.expect("not a trustee", c.tx(alice, ballot.TypeTally, c.tallyMsg(e, t1, 1)), ballot.ErrNotTrustee, true)
	c.must(t1, ballot.TypeTally, c.tallyMsg(e, t1, 1))
	c.expect("twice", c.tx(t1, ballot.TypeTally, c.tallyMsg(e, t1, 1)), ballot.ErrDuplicate, true)
	c.must(t2, ballot.TypeTally, c.tallyMsg(e, t2, 2))
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
