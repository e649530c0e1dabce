package elgamal

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gtank/ristretto255"
)

type trusteeSetup struct {
	dealers []*Dealer
	public  []DealerCommitments
	shares  []*KeyShare // index j-1
	vks     []Point     // index j-1
	pk      Point
}

// runDKG runs an honest t-of-n DKG with every check a trustee makes.
func runDKG(t testing.TB, electionID string, threshold, n uint32, seed string) *trusteeSetup {
	t.Helper()
	s := &trusteeSetup{}
	for i := uint32(1); i <= n; i++ {
		d, err := NewDealer(electionID, i, threshold, n, DeterministicReader(fmt.Sprintf("%s/dealer/%d", seed, i)))
		if err != nil {
			t.Fatal(err)
		}
		// Published data travels encoded.
		dc, err := DecodeDealerCommitments(d.Public.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyDealerCommitments(electionID, threshold, n, dc); err != nil {
			t.Fatal(err)
		}
		s.dealers = append(s.dealers, d)
		s.public = append(s.public, *dc)
	}
	for j := uint32(1); j <= n; j++ {
		var received []*ristretto255.Scalar
		for i, d := range s.dealers {
			sh, err := d.Share(j)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyShare(&s.public[i], j, sh); err != nil {
				t.Fatal(err)
			}
			received = append(received, sh)
		}
		ks, err := CombineShares(j, received)
		if err != nil {
			t.Fatal(err)
		}
		vk, err := VerificationKey(s.public, j)
		if err != nil {
			t.Fatal(err)
		}
		s.shares = append(s.shares, ks)
		s.vks = append(s.vks, vk)
	}
	pk, err := JointPublicKey(s.public)
	if err != nil {
		t.Fatal(err)
	}
	s.pk = pk
	return s
}

func TestDKGKeysConsistent(t *testing.T) {
	s := runDKG(t, "e1", 2, 3, "dkg")
	for j, ks := range s.shares {
		if !BaseMult(ks.Secret).Equal(s.vks[j]) {
			t.Fatalf("trustee %d: verification key ≠ x_j·G", j+1)
		}
	}
	// The joint secret Σ a_i0 is the Lagrange interpolation at 0 of any two
	// shares, and it matches the joint key.
	for _, set := range [][]uint32{{1, 2}, {1, 3}, {2, 3}, {1, 2, 3}} {
		lams, err := LagrangeAtZero(set)
		if err != nil {
			t.Fatal(err)
		}
		x := ristretto255.NewScalar()
		for k, j := range set {
			x.Add(x, ristretto255.NewScalar().Multiply(lams[k], s.shares[j-1].Secret))
		}
		if !BaseMult(x).Equal(s.pk) {
			t.Fatalf("set %v does not reconstruct the joint key", set)
		}
	}
	// One share alone does not.
	if BaseMult(s.shares[0].Secret).Equal(s.pk) {
		t.Fatal("a single share equals the joint secret")
	}
}

func TestDKGDetectsCheating(t *testing.T) {
	s := runDKG(t, "e1", 2, 3, "dkg")
	// Wrong share → complaint upheld.
	good, _ := s.dealers[0].Share(2)
	bad := ristretto255.NewScalar().Add(good, ScalarFromUint64(1))
	if err := VerifyShare(&s.public[0], 2, bad); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("bad share accepted: %v", err)
	}
	if err := ResolveComplaint(&s.public[0], 2, bad); err == nil {
		t.Fatal("dealer revealing a bad share not disqualified")
	}
	if err := ResolveComplaint(&s.public[0], 2, good); err != nil {
		t.Fatalf("honest dealer disqualified: %v", err)
	}
	// A share for trustee 2 is not valid for trustee 3.
	if err := VerifyShare(&s.public[0], 3, good); err == nil {
		t.Fatal("share accepted for the wrong trustee")
	}
	// Proof of knowledge bound to election, dealer and commitments.
	if err := VerifyDealerCommitments("e2", 2, 3, &s.public[0]); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("PoK replayed in another election: %v", err)
	}
	moved := s.public[0]
	moved.Dealer = 2
	if err := VerifyDealerCommitments("e1", 2, 3, &moved); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("PoK replayed by another dealer: %v", err)
	}
	// Rogue key: a dealer publishing C_0 = Y − Σ others (without knowing
	// its log) cannot prove knowledge; reusing another's proof fails.
	rogue := s.public[1]
	rogue.Commitments = append([]Point(nil), rogue.Commitments...)
	rogue.Commitments[0] = Generator()
	if err := VerifyDealerCommitments("e1", 2, 3, &rogue); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("rogue commitment: %v", err)
	}
	short := s.public[0]
	short.Commitments = short.Commitments[:1]
	if err := VerifyDealerCommitments("e1", 2, 3, &short); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong commitment count: %v", err)
	}
	for _, c := range []struct{ i, t, n uint32 }{{0, 2, 3}, {4, 2, 3}, {1, 0, 3}, {1, 4, 3}, {1, 1, 0}} {
		if _, err := NewDealer("e", c.i, c.t, c.n, DeterministicReader("x")); !errors.Is(err, ErrParams) {
			t.Errorf("NewDealer(%v) accepted", c)
		}
	}
	unordered := []DealerCommitments{s.public[1], s.public[0]}
	if _, err := JointPublicKey(unordered); !errors.Is(err, ErrParams) {
		t.Fatal("unordered dealers accepted")
	}
	// Strict decoding of the published data.
	enc := s.public[0].Encode()
	if _, err := DecodeDealerCommitments(enc[:len(enc)-1]); err == nil {
		t.Fatal("truncated dealer data accepted")
	}
	if _, err := DecodeDealerCommitments(append(enc, 1)); err == nil {
		t.Fatal("dealer data with trailing byte accepted")
	}
}

// The whole election: DKG, ballots, tally, partial decryptions by two of
// three trustees, combination, discrete log; every pair of trustees gets
// the same result and it matches the plaintext count.
func TestEndToEndThresholdTally(t *testing.T) {
	s := runDKG(t, "city-2026", 2, 3, "e2e")
	p := &ElectionParams{ElectionID: "city-2026", PublicKey: s.pk, Questions: []QuestionSpec{
		{Options: 3, Min: 1, Max: 1},
		{Options: 4, Min: 0, Max: 4},
	}}
	tally := NewTally(p)
	want := [][]uint64{make([]uint64, 3), make([]uint64, 4)}
	const voters = 25
	for v := 0; v < voters; v++ {
		c0 := []bool{v%3 == 0, v%3 == 1, v%3 == 2}
		c1 := []bool{v%2 == 0, v%5 == 0, v%7 == 0, true}
		for i, c := range c0 {
			if c {
				want[0][i]++
			}
		}
		for i, c := range c1 {
			if c {
				want[1][i]++
			}
		}
		b, _ := encrypt(t, p, fmt.Sprintf("voter-%d", v), fmt.Sprintf("ballot-%d", v), c0, c1)
		enc, _ := b.Encode()
		dec, err := DecodeAndVerify(enc, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := tally.Add(dec); err != nil {
			t.Fatal(err)
		}
	}
	table, _ := NewDLogTable(voters)
	for _, set := range [][]uint32{{1, 2}, {1, 3}, {2, 3}, {1, 2, 3}} {
		for qi := range tally.Questions {
			for oi, ct := range tally.Questions[qi] {
				ctx := DecryptionContext{ElectionID: p.ElectionID, Question: uint32(qi), Option: uint32(oi)}
				var pds []*PartialDecryption
				for _, j := range set {
					pd, err := PartialDecrypt(s.shares[j-1], ctx, ct, DeterministicReader(fmt.Sprintf("pd %d %d %d", j, qi, oi)))
					if err != nil {
						t.Fatal(err)
					}
					pd2, err := DecodePartialDecryption(pd.Encode())
					if err != nil {
						t.Fatal(err)
					}
					if err := VerifyPartialDecryption(s.vks[j-1], ctx, ct, pd2); err != nil {
						t.Fatal(err)
					}
					pds = append(pds, pd2)
				}
				mG, err := CombinePartialDecryptions(ct, pds, 2)
				if err != nil {
					t.Fatal(err)
				}
				got, err := table.Solve(mG)
				if err != nil {
					t.Fatalf("set %v q%d o%d: %v", set, qi, oi, err)
				}
				if got != want[qi][oi] {
					t.Fatalf("set %v q%d o%d: tally %d, want %d", set, qi, oi, got, want[qi][oi])
				}
			}
		}
	}
	// One trustee is not enough.
	ct := tally.Questions[0][0]
	ctx := DecryptionContext{ElectionID: p.ElectionID}
	pd, _ := PartialDecrypt(s.shares[0], ctx, ct, DeterministicReader("one"))
	if _, err := CombinePartialDecryptions(ct, []*PartialDecryption{pd}, 2); !errors.Is(err, ErrParams) {
		t.Fatalf("one partial combined: %v", err)
	}
	if mG, _ := CombinePartialDecryptions(ct, []*PartialDecryption{pd}, 1); mG.Equal(BaseMult(ScalarFromUint64(want[0][0]))) {
		t.Fatal("a single trustee decrypted alone")
	}
	if tally.Ballots != voters {
		t.Fatalf("tally counted %d ballots", tally.Ballots)
	}
}

func TestPartialDecryptionProofs(t *testing.T) {
	s := runDKG(t, "e", 2, 3, "pd")
	ct := Encrypt(s.pk, 7, ScalarFromUint64(99))
	ctx := DecryptionContext{ElectionID: "e", Question: 1, Option: 2}
	pd, err := PartialDecrypt(s.shares[1], ctx, ct, DeterministicReader("n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyPartialDecryption(s.vks[1], ctx, ct, pd); err != nil {
		t.Fatal(err)
	}
	// Wrong verification key (another trustee's).
	if err := VerifyPartialDecryption(s.vks[0], ctx, ct, pd); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("wrong key: %v", err)
	}
	// Another position in the tally.
	other := ctx
	other.Option = 3
	if err := VerifyPartialDecryption(s.vks[1], other, ct, pd); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("other option: %v", err)
	}
	// A wrong decryption share with a proof for it.
	forged := *pd
	forged.Share = NewPoint(ristretto255.NewElement().Add(&pd.Share.el, ristretto255.NewGeneratorElement()))
	if err := VerifyPartialDecryption(s.vks[1], ctx, ct, &forged); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("forged share: %v", err)
	}
	// Duplicate indices cannot be combined.
	if _, err := CombinePartialDecryptions(ct, []*PartialDecryption{pd, pd}, 2); !errors.Is(err, ErrParams) {
		t.Fatalf("duplicate trustee: %v", err)
	}
	enc := pd.Encode()
	if _, err := DecodePartialDecryption(enc[:len(enc)-1]); !errors.Is(err, ErrMalformed) {
		t.Fatal("short partial accepted")
	}
	zero := append([]byte(nil), enc...)
	copy(zero[:4], []byte{0, 0, 0, 0})
	if _, err := DecodePartialDecryption(zero); !errors.Is(err, ErrMalformed) {
		t.Fatal("trustee 0 accepted")
	}
}

// Hand-built values with zero-value (never decoded) points get errors,
// not panics from the group library.
func TestZeroValuesRejectedWithoutPanic(t *testing.T) {
	p := testParams(t, QuestionSpec{Options: 2, Min: 1, Max: 1})
	zb := &Ballot{ElectionID: p.ElectionID, Voter: "v", Questions: []QuestionBallot{{
		Selections: []Selection{{Proof: DisjunctiveProof{Branches: make([]Branch, 2)}}, {Proof: DisjunctiveProof{Branches: make([]Branch, 2)}}},
		RangeProof: DisjunctiveProof{Branches: make([]Branch, 1)},
	}}}
	if err := zb.Verify(p); err == nil {
		t.Fatal("zero ballot verified (batched)")
	}
	if err := zb.VerifyUnbatched(p); err == nil {
		t.Fatal("zero ballot verified (unbatched)")
	}
	good, _ := encrypt(t, p, "v", "z", []bool{true, false})
	good.Questions[0].Selections[1].Proof.Branches[0] = Branch{}
	if err := good.VerifyUnbatched(p); !errors.Is(err, ErrMalformed) {
		t.Fatalf("zero branch: %v", err)
	}
	if err := NewTally(p).Add(zb); !errors.Is(err, ErrMalformed) {
		t.Fatalf("tally of zero ballot: %v", err)
	}
	pd := &PartialDecryption{Trustee: 1, Share: Generator()}
	if _, err := CombinePartialDecryptions(Ciphertext{}, []*PartialDecryption{pd}, 1); !errors.Is(err, ErrMalformed) {
		t.Fatalf("zero ciphertext combined: %v", err)
	}
	if err := VerifyPartialDecryption(Generator(), DecryptionContext{}, Ciphertext{}, pd); !errors.Is(err, ErrMalformed) {
		t.Fatalf("zero ciphertext partial: %v", err)
	}
	dc := &DealerCommitments{Dealer: 1, Commitments: make([]Point, 2)}
	if err := VerifyShare(dc, 1, ScalarFromUint64(1)); err == nil {
		t.Fatal("share checked against zero commitments")
	}
	if err := VerifyDealerCommitments("e", 2, 3, dc); err == nil {
		t.Fatal("zero commitments accepted")
	}
	if _, err := JointPublicKey([]DealerCommitments{*dc}); !errors.Is(err, ErrParams) {
		t.Fatalf("joint key of zero commitments: %v", err)
	}
	if _, err := VerificationKey([]DealerCommitments{*dc}, 1); !errors.Is(err, ErrParams) {
		t.Fatalf("verification key of zero commitments: %v", err)
	}
}
