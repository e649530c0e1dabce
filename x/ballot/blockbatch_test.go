package ballot_test

import (
	"bytes"
	"crypto/ed25519"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/ballot"
)

// A block's ballots that the node did not verify on receipt are verified
// in FinalizeBlock's pre-check in batches (a run of 16 transactions at a
// time, weights hashed from the batch). Bad ballots at random positions —
// a selection response changed with the Fiat–Shamir sums intact, a range
// response changed, a ballot encrypting 2 — are refused with the codes of
// verifying them alone, every other ballot is counted, and the app hash
// equals that of a chain that verified every ballot on receipt instead
// (Preverify, then found in its memory).
func TestBlockBatchRefusesExactlyTheBad(t *testing.T) {
	const n = 48
	var keys []ed25519.PrivateKey
	var roll []string
	for i := range n {
		keys = append(keys, voterKey(i))
		roll = append(roll, account(voterKey(i)))
	}
	for trial := range 3 {
		rng := rand.New(rand.NewPCG(uint64(trial), 17))
		pre, plain := newChain(t), newChain(t)
		var e *ballot.Election
		for _, c := range []*chain{pre, plain} {
			c.registerAccounts(keys)
			e = c.setup("batch", yesNoSingle(), roll, 10*time.Second, time.Hour)
			c.BlockAt(time.Unix(e.OpensAt, 0))
		}
		if pe := pre.election("batch"); pe.PublicKey != e.PublicKey {
			t.Fatal("the two chains' election keys differ")
		}
		cast := func(i int, m *ballot.MsgCast) []byte { return apptest.Signed(t, 1, ballot.TypeCast, m, keys[i]) }
		first, _ := castMsg(t, e, roll[0], []int{0}, []int{1})
		for _, c := range []*chain{pre, plain} {
			c.mustBlock("first cast", cast(0, first))
		}
		var txs [][]byte
		want := map[int]*errs.Error{}
		for i := 1; i < n; i++ {
			m, b := castMsg(t, e, roll[i], []int{i % 2}, []int{i % 3})
			if rng.IntN(5) == 0 {
				bad := cloneBallot(t, b)
				switch rng.IntN(3) {
				case 0:
					z := &bad.Questions[0].Selections[1].Proof.Branches[0].Z
					z.Add(z, elgamal.ScalarFromUint64(1))
					want[len(txs)] = ballot.ErrSelectionProof
				case 1:
					z := &bad.Questions[1].RangeProof.Branches[0].Z
					z.Add(z, elgamal.ScalarFromUint64(1))
					want[len(txs)] = ballot.ErrRangeProof
				case 2:
					s := &bad.Questions[1].Selections[2]
					s.Ciphertext = elgamal.Add(s.Ciphertext, elgamal.Ciphertext{Alpha: elgamal.Identity(), Beta: elgamal.Generator()})
					want[len(txs)] = ballot.ErrSelectionProof
				}
				m = encodeCast(t, e.ID, bad)
			}
			txs = append(txs, cast(i, m))
		}
		if len(want) == 0 {
			t.Fatal("no bad ballot drawn")
		}
		for _, raw := range txs {
			pre.App.Preverify(raw)
		}
		v0, _ := plain.App.ProofCacheStats()
		a, b := pre.Block(txs...), plain.Block(txs...)
		for i := range txs {
			apptest.Check(t, "pre-verified block", a.TxResults[i], want[i])
			apptest.Check(t, "block verified in batches", b.TxResults[i], want[i])
		}
		if v1, _ := plain.App.ProofCacheStats(); int(v1-v0) != len(txs)-len(want) {
			t.Errorf("trial %d: the pre-check verified %d ballots, want the %d good ones", trial, v1-v0, len(txs)-len(want))
		}
		if !bytes.Equal(pre.AppHash(), plain.AppHash()) {
			t.Errorf("trial %d: app hash %X verified on receipt, %X in the block's batches", trial, pre.AppHash(), plain.AppHash())
		}
		if got := plain.election("batch"); got == nil {
			t.Fatal("election gone")
		}
	}
}
