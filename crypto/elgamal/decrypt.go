package elgamal

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
)

const partialTag = "publica/election/v1/partial-decryption"

// PartialDecryptionSize is the size of an encoded PartialDecryption.
const PartialDecryptionSize = 4 + PointSize + 2*ScalarSize

// DecryptionContext binds a partial decryption proof to its place in the
// tally.
type DecryptionContext struct {
	ElectionID string
	Question   uint32
	Option     uint32
}

// DLEQProof is a compact Chaum–Pedersen proof that log_G(X) = log_α(D):
// verify C = H(…, Z·G − C·X, Z·α − C·D).
type DLEQProof struct {
	C, Z ristretto255.Scalar
}

// PartialDecryption is trustee Trustee's share D = x_j·α of the decryption
// of a ciphertext, with a proof against its verification key X_j = x_j·G.
type PartialDecryption struct {
	Trustee uint32
	Share   Point
	Proof   DLEQProof
}

func partialTranscript(ctx DecryptionContext, trustee uint32, vk Point, ct Ciphertext, d Point) *transcript {
	tr := newTranscript(partialTag)
	tr.str(ctx.ElectionID)
	tr.u32(trustee)
	tr.u32(ctx.Question)
	tr.u32(ctx.Option)
	tr.point(vk)
	tr.point(ct.Alpha)
	tr.point(ct.Beta)
	tr.point(d)
	return tr
}

// PartialDecrypt computes D = x_j·α and proves it. rnd supplies the proof's
// nonce.
func PartialDecrypt(ks *KeyShare, ctx DecryptionContext, ct Ciphertext, rnd io.Reader) (*PartialDecryption, error) {
	if ks == nil || ks.Index == 0 || ks.Secret == nil {
		return nil, fmt.Errorf("%w: key share", ErrParams)
	}
	vk := BaseMult(ks.Secret)
	d := NewPoint(ristretto255.NewElement().ScalarMult(ks.Secret, &ct.Alpha.el))
	w, err := RandomScalar(rnd)
	if err != nil {
		return nil, err
	}
	tr := partialTranscript(ctx, ks.Index, vk, ct, d)
	tr.point(BaseMult(w))
	tr.point(NewPoint(ristretto255.NewElement().ScalarMult(w, &ct.Alpha.el)))
	c := tr.challenge()
	pd := &PartialDecryption{Trustee: ks.Index, Share: d}
	pd.Proof.C.Set(c)
	pd.Proof.Z.Add(w, c.Multiply(c, ks.Secret))
	return pd, nil
}

// VerifyPartialDecryption checks pd against trustee pd.Trustee's
// verification key vk (from VerificationKey).
func VerifyPartialDecryption(vk Point, ctx DecryptionContext, ct Ciphertext, pd *PartialDecryption) error {
	if pd.Trustee == 0 || !pd.Share.Valid() || !vk.Valid() || !ct.Alpha.Valid() || !ct.Beta.Valid() {
		return fmt.Errorf("%w: partial decryption", ErrMalformed)
	}
	negC := ristretto255.NewScalar().Negate(&pd.Proof.C)
	a := ristretto255.NewElement().VarTimeDoubleScalarBaseMult(negC, &vk.el, &pd.Proof.Z)
	b := ristretto255.NewElement().VarTimeMultiScalarMult(
		[]*ristretto255.Scalar{&pd.Proof.Z, negC}, []*ristretto255.Element{&ct.Alpha.el, &pd.Share.el})
	tr := partialTranscript(ctx, pd.Trustee, vk, ct, pd.Share)
	tr.point(NewPoint(a))
	tr.point(NewPoint(b))
	if tr.challenge().Equal(&pd.Proof.C) != 1 {
		return fmt.Errorf("%w: trustee %d partial decryption", ErrInvalidProof, pd.Trustee)
	}
	return nil
}

// LagrangeAtZero returns λ_j = Π_{k∈S, k≠j} k / (k − j) for every j in
// indices (strictly increasing, non-zero), so that f(0) = Σ λ_j·f(j) for any
// polynomial f of degree < len(indices).
func LagrangeAtZero(indices []uint32) ([]*ristretto255.Scalar, error) {
	for i, j := range indices {
		if j == 0 || (i > 0 && j <= indices[i-1]) {
			return nil, fmt.Errorf("%w: trustee indices must be non-zero and strictly increasing", ErrParams)
		}
	}
	out := make([]*ristretto255.Scalar, len(indices))
	for i, j := range indices {
		num := ScalarFromUint64(1)
		den := ScalarFromUint64(1)
		sj := ScalarFromUint64(uint64(j))
		for _, k := range indices {
			if k == j {
				continue
			}
			sk := ScalarFromUint64(uint64(k))
			num.Multiply(num, sk)
			den.Multiply(den, ristretto255.NewScalar().Subtract(sk, sj))
		}
		out[i] = num.Multiply(num, ristretto255.NewScalar().Invert(den))
	}
	return out, nil
}

// CombinePartialDecryptions returns m·G = β − Σ λ_j·D_j from at least
// threshold partial decryptions with strictly increasing trustee indices.
// The partials must have been verified (VerifyPartialDecryption) first.
func CombinePartialDecryptions(ct Ciphertext, pds []*PartialDecryption, threshold uint32) (Point, error) {
	if threshold == 0 || uint32(len(pds)) < threshold {
		return Point{}, fmt.Errorf("%w: %d partial decryptions, threshold %d", ErrParams, len(pds), threshold)
	}
	if !ct.Alpha.Valid() || !ct.Beta.Valid() {
		return Point{}, fmt.Errorf("%w: ciphertext", ErrMalformed)
	}
	idx := make([]uint32, len(pds))
	points := make([]*ristretto255.Element, len(pds))
	for i, pd := range pds {
		if pd == nil || !pd.Share.Valid() {
			return Point{}, fmt.Errorf("%w: partial decryption %d", ErrMalformed, i)
		}
		idx[i] = pd.Trustee
		points[i] = &pd.Share.el
	}
	lambdas, err := LagrangeAtZero(idx)
	if err != nil {
		return Point{}, err
	}
	d := ristretto255.NewElement().VarTimeMultiScalarMult(lambdas, points)
	return NewPoint(d.Subtract(&ct.Beta.el, d)), nil
}

// Encode returns u32 trustee ‖ D ‖ C ‖ Z (128 bytes).
func (pd *PartialDecryption) Encode() []byte {
	out := binary.BigEndian.AppendUint32(make([]byte, 0, PartialDecryptionSize), pd.Trustee)
	out = append(out, pd.Share.enc[:]...)
	out = append(out, pd.Proof.C.Bytes()...)
	return append(out, pd.Proof.Z.Bytes()...)
}

// DecodePartialDecryption decodes strictly.
func DecodePartialDecryption(enc []byte) (*PartialDecryption, error) {
	if len(enc) != PartialDecryptionSize {
		return nil, fmt.Errorf("%w: partial decryption length %d, want %d", ErrMalformed, len(enc), PartialDecryptionSize)
	}
	pd := &PartialDecryption{Trustee: binary.BigEndian.Uint32(enc[:4])}
	if pd.Trustee == 0 {
		return nil, fmt.Errorf("%w: trustee index 0", ErrMalformed)
	}
	var err error
	if pd.Share, err = DecodePoint(enc[4:36]); err != nil {
		return nil, err
	}
	if _, err := pd.Proof.C.SetCanonicalBytes(enc[36:68]); err != nil {
		return nil, ErrInvalidScalar
	}
	if _, err := pd.Proof.Z.SetCanonicalBytes(enc[68:100]); err != nil {
		return nil, ErrInvalidScalar
	}
	return pd, nil
}

// Tally is the homomorphic sum of cast ballots, per question and option.
type Tally struct {
	Questions [][]Ciphertext
	Ballots   uint64
}

// NewTally returns an empty tally (every entry an encryption of 0 with
// randomness 0) shaped like params.
func NewTally(params *ElectionParams) *Tally {
	t := &Tally{Questions: make([][]Ciphertext, len(params.Questions))}
	zero := Ciphertext{Alpha: Identity(), Beta: Identity()}
	for qi, q := range params.Questions {
		t.Questions[qi] = make([]Ciphertext, q.Options)
		for oi := range t.Questions[qi] {
			t.Questions[qi][oi] = zero
		}
	}
	return t
}

// Add adds a (verified) ballot's selections to the tally.
func (t *Tally) Add(b *Ballot) error {
	for qi := range b.Questions {
		for oi := range b.Questions[qi].Selections {
			c := b.Questions[qi].Selections[oi].Ciphertext
			if !c.Alpha.Valid() || !c.Beta.Valid() {
				return fmt.Errorf("%w: ballot question %d option %d: missing ciphertext", ErrMalformed, qi, oi)
			}
		}
	}
	if len(b.Questions) != len(t.Questions) {
		return fmt.Errorf("%w: ballot shape", ErrMismatch)
	}
	for qi := range b.Questions {
		if len(b.Questions[qi].Selections) != len(t.Questions[qi]) {
			return fmt.Errorf("%w: ballot question %d shape", ErrMismatch, qi)
		}
	}
	for qi := range b.Questions {
		for oi := range b.Questions[qi].Selections {
			t.Questions[qi][oi] = Add(t.Questions[qi][oi], b.Questions[qi].Selections[oi].Ciphertext)
		}
	}
	t.Ballots++
	return nil
}

// MaxDLog bounds DLogTable (the table holds about √max entries).
const MaxDLog = 1 << 40

// DLogTable solves m·G = P for 0 ≤ m ≤ Max by baby-step giant-step. Build
// it once per tally (Max = number of eligible voters) and reuse it; it is
// safe for concurrent Solve calls.
type DLogTable struct {
	Max   uint64
	m     uint64
	baby  map[[PointSize]byte]uint64 // lookups only, never iterated
	giant ristretto255.Element       // −m·G
}

func isqrt(n uint64) uint64 {
	if n < 2 {
		return n
	}
	x := n
	y := (x + 1) / 2
	for y < x {
		x = y
		y = (x + n/x) / 2
	}
	return x
}

// NewDLogTable precomputes the baby steps j·G for 0 ≤ j < m = ⌊√max⌋+1.
func NewDLogTable(max uint64) (*DLogTable, error) {
	if max > MaxDLog {
		return nil, fmt.Errorf("%w: dlog bound %d exceeds %d", ErrParams, max, uint64(MaxDLog))
	}
	m := isqrt(max) + 1
	t := &DLogTable{Max: max, m: m, baby: make(map[[PointSize]byte]uint64, m)}
	acc := ristretto255.NewIdentityElement()
	g := ristretto255.NewGeneratorElement()
	var key [PointSize]byte
	for j := uint64(0); j < m; j++ {
		copy(key[:], acc.Bytes())
		t.baby[key] = j
		acc.Add(acc, g)
	}
	t.giant.Negate(acc) // acc = m·G
	return t, nil
}

// Solve returns m with m·G = p and m ≤ Max, or ErrNotFound.
func (t *DLogTable) Solve(p Point) (uint64, error) {
	if !p.Valid() {
		return 0, fmt.Errorf("%w: dlog of an invalid point", ErrMalformed)
	}
	cur := ristretto255.NewElement().Set(&p.el)
	key := p.enc
	for i := uint64(0); i*t.m <= t.Max; i++ {
		if i > 0 {
			cur.Add(cur, &t.giant)
			copy(key[:], cur.Bytes())
		}
		if j, ok := t.baby[key]; ok {
			if v := i*t.m + j; v <= t.Max {
				return v, nil
			}
			return 0, ErrNotFound
		}
	}
	return 0, ErrNotFound
}
