package elgamal

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gtank/ristretto255"
)

func testParams(t testing.TB, qs ...QuestionSpec) *ElectionParams {
	t.Helper()
	return &ElectionParams{ElectionID: "election-2026-mayor", PublicKey: mustKey(t, "election key").Public, Questions: qs}
}

func approval5(t testing.TB) *ElectionParams {
	return testParams(t, QuestionSpec{Options: 5, Min: 0, Max: 5})
}

func encrypt(t testing.TB, p *ElectionParams, voter string, seed string, choices ...[]bool) (*Ballot, *Opening) {
	t.Helper()
	b, op, err := EncryptBallot(p, voter, choices, DeterministicReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	return b, op
}

// both runs the batched and the unbatched verifier and requires them to
// agree.
func both(t *testing.T, b *Ballot, p *ElectionParams) error {
	t.Helper()
	e1 := b.Verify(p)
	e2 := b.VerifyUnbatched(p)
	if (e1 == nil) != (e2 == nil) {
		t.Fatalf("batched (%v) and unbatched (%v) verifiers disagree", e1, e2)
	}
	return e1
}

func TestBallotRoundTripAndVerify(t *testing.T) {
	p := testParams(t,
		QuestionSpec{Options: 5, Min: 0, Max: 5}, // approval: no range proof
		QuestionSpec{Options: 4, Min: 1, Max: 1}, // exactly one
		QuestionSpec{Options: 3, Min: 0, Max: 2}, // at most two
	)
	choices := [][]bool{
		{true, false, true, true, false},
		{false, false, true, false},
		{false, false, false},
	}
	b, op := encrypt(t, p, "acct-voter-1", "ballot", choices...)
	if len(b.Questions[0].RangeProof.Branches) != 0 || len(b.Questions[1].RangeProof.Branches) != 1 || len(b.Questions[2].RangeProof.Branches) != 3 {
		t.Fatalf("range proof sizes %d %d %d", len(b.Questions[0].RangeProof.Branches), len(b.Questions[1].RangeProof.Branches), len(b.Questions[2].RangeProof.Branches))
	}
	if err := both(t, b, p); err != nil {
		t.Fatal(err)
	}
	enc, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := DecodeBallot(enc)
	if err != nil {
		t.Fatal(err)
	}
	enc2, _ := dec.Encode()
	if !bytes.Equal(enc, enc2) {
		t.Fatal("re-encoding differs")
	}
	if _, err := DecodeAndVerify(enc, p); err != nil {
		t.Fatal(err)
	}
	h1, _ := b.Hash()
	h2, _ := dec.Hash()
	if h1 != h2 || h1 == [32]byte{} {
		t.Fatal("tracker hash differs after round trip")
	}
	// Benaloh audit.
	if err := b.CheckOpening(p, op); err != nil {
		t.Fatal(err)
	}
	openEnc, err := op.Encode()
	if err != nil {
		t.Fatal(err)
	}
	op2, err := DecodeOpening(openEnc)
	if err != nil {
		t.Fatal(err)
	}
	if err := dec.CheckOpening(p, op2); err != nil {
		t.Fatal(err)
	}
	if op2.Choices[0][2] != true || op2.Choices[1][0] != false {
		t.Fatal("opening choices lost")
	}
}

func TestEncryptBallotRejectsBadChoices(t *testing.T) {
	p := testParams(t, QuestionSpec{Options: 3, Min: 1, Max: 2})
	rnd := DeterministicReader("x")
	for name, ch := range map[string][][]bool{
		"too few":        {{false, false, false}},
		"too many":       {{true, true, true}},
		"wrong length":   {{true, false}},
		"wrong question": {{true, false, false}, {true}},
	} {
		if _, _, err := EncryptBallot(p, "v", ch, rnd); !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := EncryptBallot(p, "", [][]bool{{true, false, false}}, rnd); !errors.Is(err, ErrParams) {
		t.Errorf("empty voter: %v", err)
	}
	bad := *p
	bad.Questions = []QuestionSpec{{Options: 3, Min: 2, Max: 1}}
	if _, _, err := EncryptBallot(&bad, "v", [][]bool{{true, false, false}}, rnd); !errors.Is(err, ErrParams) {
		t.Errorf("min > max: %v", err)
	}
}

func TestProofsAreBoundToContext(t *testing.T) {
	p := testParams(t, QuestionSpec{Options: 3, Min: 1, Max: 2})
	b, _ := encrypt(t, p, "alice", "ctx", []bool{true, false, true})
	if err := both(t, b, p); err != nil {
		t.Fatal(err)
	}
	// Replay as another voter.
	other := *b
	other.Voter = "mallory"
	if err := both(t, &other, p); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("replayed under another voter: %v", err)
	}
	// Replay in another election (same key and shape).
	p2 := *p
	p2.ElectionID = "election-2027"
	moved := *b
	moved.ElectionID = p2.ElectionID
	if err := both(t, &moved, &p2); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("replayed in another election: %v", err)
	}
	if err := both(t, b, &p2); !errors.Is(err, ErrMismatch) {
		t.Fatalf("election id mismatch: %v", err)
	}
	// Swap two selections (moves proofs to other option indices).
	swapped := cloneBallot(b)
	s := swapped.Questions[0].Selections
	s[0], s[1] = s[1], s[0]
	if err := both(t, swapped, p); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("swapped selections: %v", err)
	}
	// Another election key.
	p3 := *p
	p3.PublicKey = mustKey(t, "other key").Public
	if err := both(t, b, &p3); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("other public key: %v", err)
	}
}

func cloneBallot(b *Ballot) *Ballot {
	enc, err := b.Encode()
	if err != nil {
		panic(err)
	}
	c, err := DecodeBallot(enc)
	if err != nil {
		panic(err)
	}
	return c
}

func TestTamperedBallotsRejected(t *testing.T) {
	p := testParams(t, QuestionSpec{Options: 4, Min: 1, Max: 2})
	b, _ := encrypt(t, p, "alice", "tamper", []bool{false, true, false, true})
	two := Encrypt(p.PublicKey, 2, ScalarFromUint64(77))
	otherOne := Encrypt(p.PublicKey, 1, ScalarFromUint64(78))
	cases := map[string]func(b *Ballot){
		"ciphertext replaced by Enc(2)": func(b *Ballot) { b.Questions[0].Selections[0].Ciphertext = two },
		"ciphertext replaced by Enc(1)": func(b *Ballot) { b.Questions[0].Selections[0].Ciphertext = otherOne },
		"beta shifted by G": func(b *Ballot) {
			c := &b.Questions[0].Selections[2].Ciphertext
			c.Beta = NewPoint(ristretto255.NewElement().Add(&c.Beta.el, ristretto255.NewGeneratorElement()))
		},
		"response changed":               func(b *Ballot) { z := &b.Questions[0].Selections[1].Proof.Branches[1].Z; z.Add(z, ScalarFromUint64(1)) },
		"commitment changed":             func(b *Ballot) { b.Questions[0].Selections[1].Proof.Branches[0].A = Generator() },
		"range proof response changed":   func(b *Ballot) { z := &b.Questions[0].RangeProof.Branches[0].Z; z.Add(z, ScalarFromUint64(1)) },
		"range proof dropped":            func(b *Ballot) { b.Questions[0].RangeProof.Branches = nil },
		"selection dropped":              func(b *Ballot) { b.Questions[0].Selections = b.Questions[0].Selections[:3] },
		"alpha identity":                 func(b *Ballot) { b.Questions[0].Selections[0].Ciphertext.Alpha = Identity() },
		"empty voter":                    func(b *Ballot) { b.Voter = "" },
		"challenges shifted (FS intact)": shiftChallenges(0, 0),
		"range challenges shifted":       shiftRangeChallenges,
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			c := cloneBallot(b)
			mutate(c)
			if err := both(t, c, p); err == nil {
				t.Fatal("tampered ballot accepted")
			}
		})
	}
	if err := both(t, b, p); err != nil {
		t.Fatalf("original no longer verifies: %v", err)
	}
}

// shiftChallenges moves δ from one branch's challenge to the other: the
// Fiat–Shamir sum still matches, so only the branch equations can catch it
// (this exercises the batched multi-scalar check itself).
func shiftChallenges(q, o int) func(b *Ballot) {
	return func(b *Ballot) {
		br := b.Questions[q].Selections[o].Proof.Branches
		d := ScalarFromUint64(5)
		br[0].C.Add(&br[0].C, d)
		br[1].C.Subtract(&br[1].C, d)
	}
}

func shiftRangeChallenges(b *Ballot) {
	br := b.Questions[0].RangeProof.Branches
	d := ScalarFromUint64(9)
	br[0].C.Add(&br[0].C, d)
	br[1].C.Subtract(&br[1].C, d)
}

// A voter who selects more options than allowed cannot produce a range
// proof; splicing valid selection proofs from an over-vote into a ballot
// is caught by the proof on the total.
func TestRangeProofCatchesOvervote(t *testing.T) {
	strict := testParams(t, QuestionSpec{Options: 3, Min: 0, Max: 2})
	loose := testParams(t, QuestionSpec{Options: 3, Min: 0, Max: 3})
	good, _ := encrypt(t, strict, "v", "a", []bool{true, true, false})
	over, _ := encrypt(t, loose, "v", "b", []bool{true, true, true})
	if err := both(t, over, loose); err != nil {
		t.Fatal(err)
	}
	spliced := cloneBallot(good)
	spliced.Questions[0].Selections[2] = over.Questions[0].Selections[2]
	// Each selection proof on its own is valid …
	for oi, s := range spliced.Questions[0].Selections {
		tr := selectionTranscript(strict.ElectionID, "v", 0, uint32(oi), strict.PublicKey, s.Ciphertext)
		if err := checkDisjunctive(tr, s.Ciphertext, zeroOne, &s.Proof, &directChecker{pk: strict.PublicKey}); err != nil {
			t.Fatalf("selection %d: %v", oi, err)
		}
	}
	// … but the total is 3.
	if err := both(t, spliced, strict); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("over-vote accepted: %v", err)
	}
	// A value outside the allowed set cannot be proven at all.
	tr := newTranscript("x")
	if _, err := proveDisjunctive(tr, strict.PublicKey, Encrypt(strict.PublicKey, 2, ScalarFromUint64(3)), zeroOne, 2, ScalarFromUint64(3), DeterministicReader("p")); !errors.Is(err, ErrParams) {
		t.Fatalf("proving value 2 in {0,1}: %v", err)
	}
}

// A forged 0/1 proof for Enc(2): the prover simulates both branches and
// cannot make the challenges sum to the hash.
func TestForgedProofRejected(t *testing.T) {
	p := approval5(t)
	b, _ := encrypt(t, p, "v", "forge", []bool{true, false, false, false, false})
	r := ScalarFromUint64(4242)
	ct := Encrypt(p.PublicKey, 2, r)
	// Prove "ct − G encrypts 0 or 1" (true: it encrypts 1), then present it
	// as a proof about ct.
	shifted := Ciphertext{Alpha: ct.Alpha, Beta: NewPoint(ristretto255.NewElement().Subtract(&ct.Beta.el, ristretto255.NewGeneratorElement()))}
	tr := selectionTranscript(p.ElectionID, "v", 0, 0, p.PublicKey, shifted)
	proof, err := proveDisjunctive(tr, p.PublicKey, shifted, zeroOne, 1, r, DeterministicReader("f"))
	if err != nil {
		t.Fatal(err)
	}
	forged := cloneBallot(b)
	forged.Questions[0].Selections[0] = Selection{Ciphertext: ct, Proof: proof}
	if err := both(t, forged, p); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("forged proof: %v", err)
	}
}

func TestOpeningRejectsWrongClaims(t *testing.T) {
	p := testParams(t, QuestionSpec{Options: 3, Min: 1, Max: 1})
	b, op := encrypt(t, p, "v", "open", []bool{false, true, false})
	lie := &Opening{Choices: [][]bool{{true, false, false}}, Randomness: op.Randomness}
	if err := b.CheckOpening(p, lie); !errors.Is(err, ErrMismatch) {
		t.Fatalf("false plaintext claim: %v", err)
	}
	wrongR := &Opening{Choices: op.Choices, Randomness: [][]*ristretto255.Scalar{{op.Randomness[0][1], op.Randomness[0][0], op.Randomness[0][2]}}}
	if err := b.CheckOpening(p, wrongR); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong randomness: %v", err)
	}
	if err := b.CheckOpening(p, &Opening{}); !errors.Is(err, ErrMismatch) {
		t.Fatalf("empty opening: %v", err)
	}
	enc, _ := op.Encode()
	bad := append([]byte(nil), enc...)
	bad[5] = 2 // first choice byte
	if _, err := DecodeOpening(bad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("choice byte 2: %v", err)
	}
	if _, err := DecodeOpening(append(enc, 0)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("trailing byte: %v", err)
	}
}

func TestDecodeBallotStrict(t *testing.T) {
	p := testParams(t, QuestionSpec{Options: 2, Min: 1, Max: 1})
	b, _ := encrypt(t, p, "voter", "strict", []bool{true, false})
	enc, _ := b.Encode()
	for n := 0; n < len(enc); n++ {
		if _, err := DecodeBallot(enc[:n]); err == nil {
			t.Fatalf("truncated to %d bytes accepted", n)
		}
	}
	if _, err := DecodeBallot(append(append([]byte(nil), enc...), 0)); !errors.Is(err, ErrMalformed) {
		t.Fatal("trailing byte accepted")
	}
	v2 := append([]byte(nil), enc...)
	v2[0] = 2
	if _, err := DecodeBallot(v2); !errors.Is(err, ErrMalformed) {
		t.Fatal("version 2 accepted")
	}
	// Layout: 1 version + 1+len(id) + 1+len(voter) + 2 questions + 2 options.
	first := 1 + 1 + len(p.ElectionID) + 1 + len("voter") + 2 + 2
	l := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	// Non-canonical scalar: C of branch 0 of option 0 replaced by C + ℓ
	// would not fit in 32 bytes, so use ℓ itself (≡ 0).
	cOff := first + CiphertextSize + 2*PointSize
	nc := append([]byte(nil), enc...)
	copy(nc[cOff:], l)
	if _, err := DecodeBallot(nc); !errors.Is(err, ErrInvalidScalar) {
		t.Fatalf("non-canonical scalar: %v", err)
	}
	// Non-canonical point in α.
	np := append([]byte(nil), enc...)
	copy(np[first:], bytes.Repeat([]byte{0xff}, 31))
	np[first+31] = 0x7f
	if _, err := DecodeBallot(np); !errors.Is(err, ErrInvalidPoint) {
		t.Fatalf("non-canonical point: %v", err)
	}
	// Huge counts with little data.
	huge := append([]byte(nil), enc[:first-4]...)
	huge = append(huge, 0xff, 0xff)
	if _, err := DecodeBallot(huge); !errors.Is(err, ErrMalformed) {
		t.Fatal("huge question count accepted")
	}
}

func TestParamsValidate(t *testing.T) {
	good := approval5(t)
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(p *ElectionParams){
		"no id":        func(p *ElectionParams) { p.ElectionID = "" },
		"no questions": func(p *ElectionParams) { p.Questions = nil },
		"no key":       func(p *ElectionParams) { p.PublicKey = Point{} },
		"identity key": func(p *ElectionParams) { p.PublicKey = Identity() },
		"0 options":    func(p *ElectionParams) { p.Questions = []QuestionSpec{{Options: 0}} },
		"max>options":  func(p *ElectionParams) { p.Questions = []QuestionSpec{{Options: 2, Max: 3}} },
		"too many":     func(p *ElectionParams) { p.Questions = []QuestionSpec{{Options: MaxOptions + 1, Max: 1}} },
	} {
		p := *good
		mut(&p)
		if err := p.Validate(); !errors.Is(err, ErrParams) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The batch weights depend on the ballot bytes: the same ballot always
// gets the same weights (validators agree) and a different ballot gets
// different ones.
func TestBatchWeightsDeterministic(t *testing.T) {
	p := approval5(t)
	b1, _ := encrypt(t, p, "v", "w1", []bool{true, false, true, false, true})
	b2, _ := encrypt(t, p, "v", "w2", []bool{true, false, true, false, true})
	e1, _ := b1.Encode()
	e2, _ := b2.Encode()
	w := func(enc []byte) []byte {
		bc := newBatchChecker(p.PublicKey, enc)
		return append(bc.weight().Bytes(), bc.weight().Bytes()...)
	}
	if !bytes.Equal(w(e1), w(e1)) {
		t.Fatal("weights not deterministic")
	}
	if bytes.Equal(w(e1), w(e2)) {
		t.Fatal("weights independent of the ballot")
	}
	ws := w(e1)
	if !bytes.Equal(ws[16:32], make([]byte, 16)) {
		t.Fatal("weight wider than 128 bits")
	}
}

// Random single-byte mutations of a valid ballot: whatever still decodes
// must be rejected, and the batched and unbatched verifiers must agree.
func TestMutatedBallotsRejectedByBothVerifiers(t *testing.T) {
	p := testParams(t, QuestionSpec{Options: 3, Min: 1, Max: 2})
	b, _ := encrypt(t, p, "voter-m", "mutate", []bool{true, false, true})
	enc, _ := b.Encode()
	rnd := DeterministicReader("mutations")
	var buf [3]byte
	decoded := 0
	for i := 0; i < 300; i++ {
		rnd.Read(buf[:])
		pos := (int(buf[0])<<8 | int(buf[1])) % len(enc)
		delta := buf[2] | 1 // never 0
		m := append([]byte(nil), enc...)
		m[pos] ^= delta
		mb, err := DecodeBallot(m)
		if err != nil {
			continue
		}
		decoded++
		if err := both(t, mb, p); err == nil {
			t.Fatalf("mutation at byte %d (xor %#x) accepted", pos, delta)
		}
	}
	t.Logf("%d of 300 mutations decoded", decoded)
	if decoded < 50 {
		t.Fatalf("only %d of 300 mutations decoded; the test exercises too little", decoded)
	}
}

// VerifyDecoded (weights seeded from the received bytes) reaches Verify's
// verdict on an honest ballot and on every single-byte change of it that
// still decodes.
func TestVerifyDecodedAgreesWithVerify(t *testing.T) {
	p := testParams(t, QuestionSpec{Options: 3, Min: 1, Max: 1}, QuestionSpec{Options: 2, Min: 0, Max: 2})
	b, _ := encrypt(t, p, "acct-voter", "verify-decoded", []bool{false, true, false}, []bool{true, true})
	enc, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	decoded := 0
	for i := -1; i < len(enc); i += 7 {
		in := bytes.Clone(enc)
		if i >= 0 {
			in[i] ^= 0x01
		}
		got, err := DecodeBallot(in)
		if err != nil {
			continue
		}
		decoded++
		a, d := got.Verify(p), got.VerifyDecoded(p, in)
		if (a == nil) != (d == nil) {
			t.Fatalf("byte %d changed: Verify %v, VerifyDecoded %v", i, a, d)
		}
		if i < 0 && d != nil {
			t.Fatalf("honest ballot refused: %v", d)
		}
		if i >= 0 && d == nil && !bytes.Equal(in, enc) {
			t.Fatalf("byte %d changed and the ballot still verifies", i)
		}
	}
	if decoded < 10 {
		t.Fatalf("only %d changed ballots decoded", decoded)
	}
}
