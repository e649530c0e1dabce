package ballot_test

import (
	"bytes"
	"crypto/ed25519"
	"sync"
	"testing"
	"time"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/ballot"
)

// TestProofsVerifiedOnce: a cast's proofs are verified once per process —
// when the node first receives it (Preverify, concurrently, outside the
// ABCI lock) — and CheckTx, FinalizeBlock's pre-check and the handler
// find them remembered. Nothing else changes: a ballot remembered as
// verified but sent by another voter, a ballot encrypting 2 and proofs
// bound to another election are refused with the same codes, and the app
// hash equals that of a chain that never pre-verified.
func TestProofsVerifiedOnce(t *testing.T) {
	pre, plain := newChain(t), newChain(t)
	var keys []ed25519.PrivateKey
	var roll []string
	for i := range 30 {
		keys = append(keys, voterKey(i))
		roll = append(roll, account(voterKey(i)))
	}
	var e *ballot.Election
	for _, c := range []*chain{pre, plain} {
		c.registerAccounts(keys)
		e = c.setup("once", yesNoSingle(), roll, 10*time.Second, time.Hour)
		c.BlockAt(time.Unix(e.OpensAt, 0))
	}
	if pe := pre.election("once"); pe.PublicKey != e.PublicKey {
		t.Fatal("the two chains' election keys differ; the test needs the same ballots on both")
	}
	cast := func(i int, m *ballot.MsgCast) []byte {
		return apptest.Signed(t, 1, ballot.TypeCast, m, keys[i])
	}
	// Voter 0's ballot in a block of its own: the node has now seen the
	// election open (Preverify needs its parameters).
	first, _ := castMsg(t, e, roll[0], []int{0}, []int{2})
	for _, c := range []*chain{pre, plain} {
		c.mustBlock("first cast", cast(0, first))
	}

	var txs [][]byte
	want := map[int]*errs.Error{}
	msgs := make([]*ballot.MsgCast, 30)
	bal := make([]*elgamal.Ballot, 30)
	for i := 1; i < 25; i++ {
		msgs[i], bal[i] = castMsg(t, e, roll[i], []int{i % 2}, []int{i % 3})
		txs = append(txs, cast(i, msgs[i]))
	}
	two := cloneBallot(t, bal[1])
	two.Voter = roll[25]
	two.Questions[0].Selections[0].Ciphertext = elgamal.Add(two.Questions[0].Selections[0].Ciphertext,
		elgamal.Ciphertext{Alpha: elgamal.Identity(), Beta: elgamal.Generator()})
	want[len(txs)] = ballot.ErrSelectionProof
	txs = append(txs, cast(25, encodeCast(t, e.ID, two)))
	want[len(txs)] = ballot.ErrWrongVoter // voter 1's verified ballot, sent by voter 26
	txs = append(txs, cast(26, msgs[1]))
	want[len(txs)] = ballot.ErrWrongVoter // and by voter 27 before voter 1 casts it
	txs = append(txs, cast(27, msgs[3]))
	other := encryptWith(t, e, "another", roll[28], nil, [][]bool{{true, false}, {false, true, false}})
	other.ElectionID = e.ID
	want[len(txs)] = ballot.ErrSelectionProof
	txs = append(txs, cast(28, encodeCast(t, e.ID, other)))
	// Put the refusals first: a wrong voter's copy comes before the
	// owner's own cast.
	txs = append(txs[24:], txs[:24]...)
	shifted := map[int]*errs.Error{}
	for i, w := range want {
		shifted[i-24] = w
	}
	want = shifted

	v0, h0 := pre.App.ProofCacheStats()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(txs); i += 8 {
				pre.App.Preverify(txs[i])
			}
		})
	}
	wg.Wait()
	v1, _ := pre.App.ProofCacheStats()
	// 24 valid ballots; two of them also arrive as another voter's copy,
	// which a concurrent Preverify may verify a second time.
	if v1-v0 < 24 || v1-v0 > 26 {
		t.Errorf("Preverify verified %d ballots, want the 24 valid ones (26 with the copies)", v1-v0)
	}
	for i, raw := range txs {
		apptest.Check(t, "CheckTx", pre.CheckTx(raw), want[i])
	}
	a, b := pre.Block(txs...), plain.Block(txs...)
	for i := range txs {
		apptest.Check(t, "pre-verified block", a.TxResults[i], want[i])
		apptest.Check(t, "plain block", b.TxResults[i], want[i])
	}
	v2, h2 := pre.App.ProofCacheStats()
	if v2 != v1 {
		t.Errorf("CheckTx and the block verified %d ballots again", v2-v1)
	}
	// Each valid ballot: found by CheckTx and by the pre-check (the
	// handler then takes it from the message).
	if h2-h0 < 2*24 {
		t.Errorf("%d verifications saved, want at least %d", h2-h0, 2*24)
	}
	if !bytes.Equal(pre.AppHash(), plain.AppHash()) {
		t.Errorf("app hash %X with pre-verification, %X without", pre.AppHash(), plain.AppHash())
	}
	// Without Preverify each valid ballot is verified once, in the
	// pre-check; the handler finds it, and the copies sent by other voters
	// (in the same pre-check batch as the owner's) are found too.
	if pv, _ := plain.App.ProofCacheStats(); pv != 1+24 {
		t.Errorf("the chain without Preverify verified %d ballots, want %d", pv, 1+24)
	}
}
