package elgamal

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"testing"

	"github.com/gtank/ristretto255"
)

// msm agrees with the library's multiplication on both sides of the
// switch to Pippenger's method, with full-width, 128-bit, zero and ℓ−1
// scalars and identity points among the inputs.
func TestMSMAgreesWithLibrary(t *testing.T) {
	rnd := DeterministicReader("msm")
	minusOne := ristretto255.NewScalar().Negate(ScalarFromUint64(1))
	for _, n := range []int{1, 2, 31, pippengerMin - 1, pippengerMin, 601, 1600} {
		scalars := make([]*ristretto255.Scalar, n)
		points := make([]*ristretto255.Element, n)
		for i := range n {
			s, _ := RandomScalar(rnd)
			switch i % 7 {
			case 1: // a 128-bit weight
				var b [32]byte
				copy(b[:16], s.Bytes()[:16])
				s, _ = ristretto255.NewScalar().SetCanonicalBytes(b[:])
			case 2:
				s = ristretto255.NewScalar()
			case 3:
				s = minusOne
			}
			scalars[i] = s
			r, _ := RandomScalar(rnd)
			points[i] = ristretto255.NewElement().ScalarBaseMult(r)
			if i%11 == 5 {
				points[i] = ristretto255.NewIdentityElement()
			}
		}
		want := ristretto255.NewElement().VarTimeMultiScalarMult(scalars, points)
		if got := msm(scalars, points); got.Equal(want) != 1 {
			t.Fatalf("n=%d: msm differs from VarTimeMultiScalarMult", n)
		}
		if n >= 2 {
			if got := pippenger(scalars, points); got.Equal(want) != 1 {
				t.Fatalf("n=%d: pippenger differs from VarTimeMultiScalarMult", n)
			}
		}
	}
}

// batchPool is a set of valid ballots in two elections: a 5-option
// approval question (selection proofs only) and a 5-option choose-1-to-3
// question (selection proofs and a range proof), with different keys.
type batchPool struct {
	params  []*ElectionParams
	ballots []*Ballot
	of      []int // params index of each ballot
}

func newBatchPool(t testing.TB, n int) *batchPool {
	t.Helper()
	approval := approval5(t)
	ranged := &ElectionParams{ElectionID: "election-2026-council", PublicKey: mustKey(t, "council key").Public,
		Questions: []QuestionSpec{{Options: 5, Min: 1, Max: 3}}}
	p := &batchPool{params: []*ElectionParams{approval, ranged}}
	for i := range n {
		k := i % 2
		choices := []bool{i%3 == 0, true, false, i%5 == 0, false}
		b, _ := encrypt(t, p.params[k], fmt.Sprintf("acct-voter-%d", i), fmt.Sprintf("pool-%d", i), choices)
		p.ballots = append(p.ballots, b)
		p.of = append(p.of, k)
	}
	return p
}

func (p *batchPool) entries() []BatchEntry {
	es := make([]BatchEntry, len(p.ballots))
	for i, b := range p.ballots {
		es[i] = BatchEntry{Params: p.params[p.of[i]], Ballot: b}
	}
	return es
}

// tamper kinds that leave the Fiat–Shamir sums intact, so that only the
// batched equations can catch them, and kinds caught before the batch.
var batchTampers = []struct {
	name     string
	needsRng bool // only for ballots with a range proof
	mutate   func(b *Ballot, p *ElectionParams)
}{
	{"selection challenges shifted", false, func(b *Ballot, _ *ElectionParams) { shiftChallenges(0, 3)(b) }},
	{"selection response changed", false, func(b *Ballot, _ *ElectionParams) {
		z := &b.Questions[0].Selections[1].Proof.Branches[0].Z
		z.Add(z, ScalarFromUint64(1))
	}},
	{"selection commitment changed", false, func(b *Ballot, _ *ElectionParams) { b.Questions[0].Selections[4].Proof.Branches[1].B = Generator() }},
	{"ciphertext replaced by Enc(2)", false, func(b *Ballot, p *ElectionParams) {
		b.Questions[0].Selections[2].Ciphertext = Encrypt(p.PublicKey, 2, ScalarFromUint64(7))
	}},
	{"range challenges shifted", true, func(b *Ballot, _ *ElectionParams) { shiftRangeChallenges(b) }},
	{"range response changed", true, func(b *Ballot, _ *ElectionParams) {
		z := &b.Questions[0].RangeProof.Branches[2].Z
		z.Add(z, ScalarFromUint64(3))
	}},
}

func sameError(a, b error) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	return a == nil || a.Error() == b.Error()
}

func TestVerifyBallotsAllValid(t *testing.T) {
	p := newBatchPool(t, 24)
	for _, n := range []int{0, 1, 2, 9, 24} {
		errs, err := VerifyBallots(p.entries()[:n], rand.Reader)
		if err != nil || len(errs) != n {
			t.Fatalf("n=%d: %v, %d results", n, err, len(errs))
		}
		for i, e := range errs {
			if e != nil {
				t.Fatalf("n=%d: valid ballot %d refused: %v", n, i, e)
			}
		}
		// Accepted by the combined check itself, not by the fallback.
		if _, _, bc, err := combineBallots(p.entries()[:n], rand.Reader); err != nil || (n > 0 && bc.verify() != nil) {
			t.Fatalf("n=%d: the combined equations do not hold: %v", n, err)
		}
	}
}

// Property: in a batch of valid ballots, a bad one at a random position
// (or two, or three), of a random tamper kind, is found, and only it is
// refused, with the error Verify gives it alone.
func TestVerifyBallotsFindsExactlyTheBad(t *testing.T) {
	pool := newBatchPool(t, 40)
	rnd := DeterministicReader("batch positions")
	u := func(n int) int {
		var b [4]byte
		io.ReadFull(rnd, b[:])
		return int(binary.BigEndian.Uint32(b[:]) % uint32(n))
	}
	seen := map[string]bool{}
	for trial := 0; trial < 40; trial++ {
		size := 1 + u(len(pool.ballots))
		entries := pool.entries()[:size]
		bad := map[int]string{}
		for k := 0; k < 1+u(3) && k < size; k++ {
			i := u(size)
			var kinds []int
			for j, tk := range batchTampers {
				if !tk.needsRng || pool.of[i] == 1 {
					kinds = append(kinds, j)
				}
			}
			tk := batchTampers[kinds[u(len(kinds))]]
			c := cloneBallot(entries[i].Ballot)
			tk.mutate(c, entries[i].Params)
			entries[i].Ballot = c
			bad[i] = tk.name
			seen[tk.name] = true
		}
		errs, err := VerifyBallots(entries, DeterministicReader(fmt.Sprint("weights ", trial)))
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range entries {
			alone := e.Ballot.Verify(e.Params)
			if _, isBad := bad[i]; isBad != (errs[i] != nil) {
				t.Fatalf("trial %d, size %d: entry %d (bad: %q) got %v", trial, size, i, bad[i], errs[i])
			}
			if !sameError(errs[i], alone) {
				t.Fatalf("trial %d: entry %d: batch says %v, alone %v", trial, i, errs[i], alone)
			}
		}
	}
	for _, tk := range batchTampers {
		if !seen[tk.name] {
			t.Errorf("tamper %q never drawn", tk.name)
		}
	}
}

// Each tamper kind, at every position of a batch large enough for
// Pippenger's method, is refused and nothing else is.
func TestVerifyBallotsTamperPerProofKind(t *testing.T) {
	pool := newBatchPool(t, 12) // 12 ballots: > pippengerMin points
	for _, tk := range batchTampers {
		t.Run(tk.name, func(t *testing.T) {
			for i := range pool.ballots {
				if tk.needsRng && pool.of[i] != 1 {
					continue
				}
				entries := pool.entries()
				c := cloneBallot(entries[i].Ballot)
				tk.mutate(c, entries[i].Params)
				entries[i].Ballot = c
				errs, err := VerifyBallots(entries, rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				for j := range entries {
					if (j == i) != (errs[j] != nil) {
						t.Fatalf("bad ballot at %d: entry %d got %v", i, j, errs[j])
					}
				}
				if !sameError(errs[i], c.Verify(entries[i].Params)) {
					t.Fatalf("error %v differs from Verify's", errs[i])
				}
			}
		})
	}
}

// Errors that would cancel in an unweighted sum are caught: a response
// shifted up in one ballot and down in a copy of it, batched together.
func TestVerifyBallotsOppositeErrors(t *testing.T) {
	pool := newBatchPool(t, 2)
	entries := pool.entries()
	a, b := cloneBallot(entries[0].Ballot), cloneBallot(entries[0].Ballot)
	za := &a.Questions[0].Selections[0].Proof.Branches[0].Z
	za.Add(za, ScalarFromUint64(1))
	zb := &b.Questions[0].Selections[0].Proof.Branches[0].Z
	zb.Subtract(zb, ScalarFromUint64(1))
	errs, err := VerifyBallots([]BatchEntry{{entries[0].Params, a}, {entries[0].Params, b}, entries[1]}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] == nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("got %v", errs)
	}
}

func TestVerifyBallotsSeedErrorAndNilEntries(t *testing.T) {
	pool := newBatchPool(t, 1)
	if _, err := VerifyBallots(pool.entries(), bytes.NewReader(make([]byte, 10))); err == nil {
		t.Fatal("short seed accepted")
	}
	errs, err := VerifyBallots([]BatchEntry{{}, pool.entries()[0]}, rand.Reader)
	if err != nil || errs[0] == nil || errs[1] != nil {
		t.Fatalf("nil entry: %v %v", err, errs)
	}
}

// Arbitrary bytes decoded as the middle ballot of a batch of valid ones:
// every entry's result is Verify's, and nothing panics.
func FuzzVerifyBallots(f *testing.F) {
	pool := newBatchPool(f, 3)
	for _, b := range pool.ballots {
		enc, _ := b.Encode()
		f.Add(enc, uint16(0), byte(0))
		f.Add(enc, uint16(200), byte(1))
		f.Add(enc, uint16(700), byte(0x40))
	}
	f.Fuzz(func(t *testing.T, enc []byte, pos uint16, x byte) {
		in := bytes.Clone(enc)
		if len(in) > 0 {
			in[int(pos)%len(in)] ^= x
		}
		b, err := DecodeBallot(in)
		if err != nil {
			return
		}
		entries := pool.entries()
		entries[1].Ballot = b
		errs, err := VerifyBallots(entries, DeterministicReader("fuzz weights"))
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range entries {
			if !sameError(errs[i], e.Ballot.Verify(e.Params)) {
				t.Fatalf("entry %d: batch %v, alone %v", i, errs[i], e.Ballot.Verify(e.Params))
			}
		}
	})
}
