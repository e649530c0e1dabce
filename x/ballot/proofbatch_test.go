package ballot

import (
	"fmt"
	"sync"
	"testing"

	"github.com/publica/publica/crypto/elgamal"
)

func batchBallots(t testing.TB, n int) (*elgamal.ElectionParams, []*elgamal.Ballot) {
	t.Helper()
	kp, err := elgamal.GenerateKey(elgamal.DeterministicReader("batch key"))
	if err != nil {
		t.Fatal(err)
	}
	p := &elgamal.ElectionParams{ElectionID: "batch", PublicKey: kp.Public,
		Questions: []elgamal.QuestionSpec{{Options: 3, Min: 1, Max: 1}, {Options: 4, Min: 0, Max: 4}}}
	bs := make([]*elgamal.Ballot, n)
	for i := range bs {
		choices := [][]bool{{i%3 == 0, i%3 == 1, i%3 == 2}, {true, i%2 == 0, false, true}}
		if bs[i], _, err = elgamal.EncryptBallot(p, fmt.Sprint("voter-", i), choices, elgamal.DeterministicReader(fmt.Sprint("ballot ", i))); err != nil {
			t.Fatal(err)
		}
	}
	return p, bs
}

// badCopy returns b with one selection response changed: the Fiat–Shamir
// sums still hold, so only the combined equations catch it.
func badCopy(t testing.TB, b *elgamal.Ballot) *elgamal.Ballot {
	enc, _ := b.Encode()
	c, err := elgamal.DecodeBallot(enc)
	if err != nil {
		t.Fatal(err)
	}
	z := &c.Questions[1].Selections[2].Proof.Branches[1].Z
	z.Add(z, elgamal.ScalarFromUint64(1))
	return c
}

// The ballots queued when a caller becomes the verifier are checked in one
// batch with it; a bad one among them is found and only it fails.
func TestPreverifyBatchFindsTheBadBallot(t *testing.T) {
	p, bs := batchBallots(t, 9)
	for bad := -1; bad < len(bs); bad += 4 {
		pb := newProofBatcher()
		waiting := make([]elgamal.BatchEntry, len(bs)-1)
		for i := range waiting {
			b := bs[i]
			if i == bad {
				b = badCopy(t, b)
			}
			waiting[i] = elgamal.BatchEntry{Params: p, Ballot: b}
		}
		jobs := pb.Waiting(waiting...) // as if their callers were waiting
		last := bs[len(bs)-1]
		if bad == len(bs)-1 {
			last = badCopy(t, last)
		}
		if ok := pb.Do(elgamal.BatchEntry{Params: p, Ballot: last}); ok != (bad != len(bs)-1) {
			t.Fatalf("bad %d: the verifier's own ballot: %v", bad, ok)
		}
		for i, j := range jobs {
			if done, ok := j.Result(); !done || ok != (i != bad) {
				t.Fatalf("bad %d: ballot %d done %v ok %v", bad, i, done, ok)
			}
		}
		if batches, ballots, _, _ := pb.Stats(); batches != 1 || ballots != uint64(len(bs)) {
			t.Fatalf("bad %d: %d batches of %d ballots, want one of %d", bad, batches, ballots, len(bs))
		}
	}
}

// Concurrent callers each get their own ballot's verdict, whatever the
// batches they land in.
func TestPreverifyBatchConcurrent(t *testing.T) {
	p, bs := batchBallots(t, 16)
	pb := newProofBatcher()
	got := make([]bool, len(bs))
	var wg sync.WaitGroup
	for i := range bs {
		wg.Go(func() {
			b := bs[i]
			if i%5 == 2 {
				b = badCopy(t, b)
			}
			got[i] = pb.Do(elgamal.BatchEntry{Params: p, Ballot: b})
		})
	}
	wg.Wait()
	for i, ok := range got {
		if ok != (i%5 != 2) {
			t.Errorf("ballot %d: %v", i, ok)
		}
	}
	if _, ballots, queued, workers := pb.Stats(); ballots != uint64(len(bs)) || queued != 0 || workers != 0 {
		t.Errorf("%d ballots verified, %d queued, %d workers left", ballots, queued, workers)
	}
}
