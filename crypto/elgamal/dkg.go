package elgamal

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
)

// Threshold key generation (joint Feldman / Pedersen DKG).
//
// Trustees are numbered 1..n (the index is the polynomial evaluation point,
// so 0 is never a trustee). Each trustee i acts as a dealer:
//
//  1. draws f_i(x) = a_i0 + a_i1·x + … + a_i,t−1·x^(t−1);
//  2. publishes DealerCommitments: C_ik = a_ik·G for k < t and a Schnorr
//     proof of knowledge of a_i0 (so nobody can choose C_i0 as a function
//     of the others' constant terms);
//  3. sends s_ij = f_i(j) to trustee j over a private channel (Share);
//     j checks s_ij·G = Σ_k j^k·C_ik (VerifyShare) and complains publicly
//     if not; the dealer answers by revealing s_ij, which anyone checks with
//     ResolveComplaint; a dealer who fails is disqualified.
//
// Over the qualified dealers Q: trustee j's secret share is x_j = Σ_{i∈Q}
// s_ij, its verification key X_j = x_j·G = Σ_{i∈Q} Σ_k j^k·C_ik is
// computable from public data (VerificationKey), and the election key is
// PK = Σ_{i∈Q} C_i0 (JointPublicKey). Any t trustees can decrypt together;
// fewer learn nothing.

const pokTag = "publica/election/v1/dkg-pok"

// MaxTrustees bounds n.
const MaxTrustees = 255

// SchnorrProof is a compact proof of knowledge of a discrete logarithm:
// verify C = H(…, Z·G − C·X).
type SchnorrProof struct {
	C, Z ristretto255.Scalar
}

// DealerCommitments is what a dealer publishes.
type DealerCommitments struct {
	Dealer      uint32  // 1..n
	Commitments []Point // C_0 … C_{t−1}
	Proof       SchnorrProof
}

// Dealer holds a trustee's secret polynomial.
type Dealer struct {
	coeffs []*ristretto255.Scalar
	Public DealerCommitments
}

// KeyShare is trustee Index's combined secret share x_j.
type KeyShare struct {
	Index  uint32
	Secret *ristretto255.Scalar
}

func checkTrustee(index, threshold, n uint32) error {
	if n == 0 || n > MaxTrustees || threshold == 0 || threshold > n {
		return fmt.Errorf("%w: threshold %d of %d trustees", ErrParams, threshold, n)
	}
	if index == 0 || index > n {
		return fmt.Errorf("%w: trustee index %d not in 1..%d", ErrParams, index, n)
	}
	return nil
}

func pokTranscript(electionID string, dc *DealerCommitments) *transcript {
	tr := newTranscript(pokTag)
	tr.str(electionID)
	tr.u32(dc.Dealer)
	tr.u32(uint32(len(dc.Commitments)))
	for _, c := range dc.Commitments {
		tr.point(c)
	}
	return tr
}

// NewDealer draws trustee index's polynomial of degree threshold−1 from rnd
// and computes its public commitments and proof.
func NewDealer(electionID string, index, threshold, n uint32, rnd io.Reader) (*Dealer, error) {
	if err := checkTrustee(index, threshold, n); err != nil {
		return nil, err
	}
	d := &Dealer{coeffs: make([]*ristretto255.Scalar, threshold)}
	d.Public = DealerCommitments{Dealer: index, Commitments: make([]Point, threshold)}
	for k := range d.coeffs {
		a, err := RandomScalar(rnd)
		if err != nil {
			return nil, err
		}
		d.coeffs[k] = a
		d.Public.Commitments[k] = BaseMult(a)
	}
	if scalarIsZero(d.coeffs[0]) {
		return nil, fmt.Errorf("%w: zero constant term", ErrParams)
	}
	w, err := RandomScalar(rnd)
	if err != nil {
		return nil, err
	}
	tr := pokTranscript(electionID, &d.Public)
	tr.point(BaseMult(w))
	c := tr.challenge()
	d.Public.Proof.C.Set(c)
	d.Public.Proof.Z.Add(w, c.Multiply(c, d.coeffs[0]))
	return d, nil
}

// Share returns s_ij = f_i(j) for trustee j (to be sent privately).
func (d *Dealer) Share(j uint32) (*ristretto255.Scalar, error) {
	if j == 0 {
		return nil, fmt.Errorf("%w: trustee index 0", ErrParams)
	}
	x := ScalarFromUint64(uint64(j))
	acc := ristretto255.NewScalar()
	for k := len(d.coeffs) - 1; k >= 0; k-- { // Horner
		acc.Multiply(acc, x)
		acc.Add(acc, d.coeffs[k])
	}
	return acc, nil
}

// VerifyDealerCommitments checks a dealer's published data: the number of
// commitments equals threshold, none is the identity, and the proof of
// knowledge of the constant term verifies.
func VerifyDealerCommitments(electionID string, threshold, n uint32, dc *DealerCommitments) error {
	if err := checkTrustee(dc.Dealer, threshold, n); err != nil {
		return err
	}
	if uint32(len(dc.Commitments)) != threshold {
		return fmt.Errorf("%w: dealer %d: %d commitments, want %d", ErrMismatch, dc.Dealer, len(dc.Commitments), threshold)
	}
	for k, c := range dc.Commitments {
		if !c.Valid() || c.IsIdentity() {
			return fmt.Errorf("dealer %d commitment %d: %w", dc.Dealer, k, ErrIdentity)
		}
	}
	negC := ristretto255.NewScalar().Negate(&dc.Proof.C)
	r := ristretto255.NewElement().VarTimeDoubleScalarBaseMult(negC, &dc.Commitments[0].el, &dc.Proof.Z)
	tr := pokTranscript(electionID, dc)
	tr.point(NewPoint(r))
	if tr.challenge().Equal(&dc.Proof.C) != 1 {
		return fmt.Errorf("%w: dealer %d: proof of knowledge", ErrInvalidProof, dc.Dealer)
	}
	return nil
}

// evalCommitments returns Σ_k j^k·C_k = f(j)·G.
func evalCommitments(cs []Point, j uint32) *ristretto255.Element {
	x := ScalarFromUint64(uint64(j))
	pow := ScalarFromUint64(1)
	scalars := make([]*ristretto255.Scalar, len(cs))
	points := make([]*ristretto255.Element, len(cs))
	for k := range cs {
		scalars[k] = ristretto255.NewScalar().Set(pow)
		points[k] = &cs[k].el
		pow.Multiply(pow, x)
	}
	return ristretto255.NewElement().VarTimeMultiScalarMult(scalars, points)
}

// VerifyShare checks a received share s_ij against dealer i's commitments.
// A non-nil error is grounds for a complaint.
func VerifyShare(dc *DealerCommitments, j uint32, share *ristretto255.Scalar) error {
	if j == 0 || len(dc.Commitments) == 0 || share == nil || checkQualified([]DealerCommitments{*dc}) != nil {
		return fmt.Errorf("%w: share for trustee %d", ErrParams, j)
	}
	want := evalCommitments(dc.Commitments, j)
	got := ristretto255.NewElement().ScalarBaseMult(share)
	if got.Equal(want) != 1 {
		return fmt.Errorf("%w: share from dealer %d to trustee %d does not match the commitments", ErrInvalidProof, dc.Dealer, j)
	}
	return nil
}

// ResolveComplaint decides a complaint by trustee j against dealer dc.Dealer
// after the dealer revealed the share publicly: it returns nil if the
// revealed share is correct (the complaint is rejected and j uses it) and an
// error if the dealer is at fault (disqualify it).
func ResolveComplaint(dc *DealerCommitments, j uint32, revealed *ristretto255.Scalar) error {
	return VerifyShare(dc, j, revealed)
}

// checkQualified requires dealers in strictly increasing index order (one
// canonical order, so every node sums the same list).
func checkQualified(dcs []DealerCommitments) error {
	if len(dcs) == 0 {
		return fmt.Errorf("%w: no qualified dealers", ErrParams)
	}
	for i := range dcs {
		if i > 0 && dcs[i].Dealer <= dcs[i-1].Dealer {
			return fmt.Errorf("%w: dealers must be in strictly increasing order", ErrParams)
		}
		if len(dcs[i].Commitments) == 0 || len(dcs[i].Commitments) != len(dcs[0].Commitments) {
			return fmt.Errorf("%w: dealer %d commitment count", ErrParams, dcs[i].Dealer)
		}
		for _, c := range dcs[i].Commitments {
			if !c.Valid() {
				return fmt.Errorf("%w: dealer %d: missing commitment", ErrParams, dcs[i].Dealer)
			}
		}
	}
	return nil
}

// JointPublicKey returns PK = Σ C_i0 over the qualified dealers.
func JointPublicKey(dcs []DealerCommitments) (Point, error) {
	if err := checkQualified(dcs); err != nil {
		return Point{}, err
	}
	acc := ristretto255.NewIdentityElement()
	for i := range dcs {
		acc.Add(acc, &dcs[i].Commitments[0].el)
	}
	pk := NewPoint(acc)
	if pk.IsIdentity() {
		return Point{}, fmt.Errorf("joint public key: %w", ErrIdentity)
	}
	return pk, nil
}

// VerificationKey returns X_j = x_j·G = Σ_i Σ_k j^k·C_ik over the qualified
// dealers.
func VerificationKey(dcs []DealerCommitments, j uint32) (Point, error) {
	if err := checkQualified(dcs); err != nil {
		return Point{}, err
	}
	if j == 0 {
		return Point{}, fmt.Errorf("%w: trustee index 0", ErrParams)
	}
	x := ScalarFromUint64(uint64(j))
	t := len(dcs[0].Commitments)
	scalars := make([]*ristretto255.Scalar, 0, t*len(dcs))
	points := make([]*ristretto255.Element, 0, t*len(dcs))
	pow := ScalarFromUint64(1)
	for k := 0; k < t; k++ {
		for i := range dcs {
			scalars = append(scalars, ristretto255.NewScalar().Set(pow))
			points = append(points, &dcs[i].Commitments[k].el)
		}
		pow.Multiply(pow, x)
	}
	return NewPoint(ristretto255.NewElement().VarTimeMultiScalarMult(scalars, points)), nil
}

// CombineShares adds the shares trustee j received from the qualified
// dealers into its KeyShare.
func CombineShares(j uint32, shares []*ristretto255.Scalar) (*KeyShare, error) {
	if j == 0 || len(shares) == 0 {
		return nil, fmt.Errorf("%w: combine shares for trustee %d", ErrParams, j)
	}
	acc := ristretto255.NewScalar()
	for _, s := range shares {
		if s == nil {
			return nil, fmt.Errorf("%w: missing share", ErrParams)
		}
		acc.Add(acc, s)
	}
	return &KeyShare{Index: j, Secret: acc}, nil
}

// Encode returns the dealer's public data:
//
//	u32 dealer ‖ u16 t ‖ C_0 … C_{t−1} ‖ proof C ‖ proof Z
func (dc *DealerCommitments) Encode() []byte {
	out := binary.BigEndian.AppendUint32(nil, dc.Dealer)
	out = binary.BigEndian.AppendUint16(out, uint16(len(dc.Commitments)))
	for _, c := range dc.Commitments {
		out = append(out, c.enc[:]...)
	}
	out = append(out, dc.Proof.C.Bytes()...)
	return append(out, dc.Proof.Z.Bytes()...)
}

// DecodeDealerCommitments decodes strictly (canonical points and scalars, no
// trailing bytes, at least one commitment).
func DecodeDealerCommitments(enc []byte) (*DealerCommitments, error) {
	r := &reader{b: enc}
	raw, err := r.take(4)
	if err != nil {
		return nil, err
	}
	dc := &DealerCommitments{Dealer: binary.BigEndian.Uint32(raw)}
	t, err := r.count(PointSize)
	if err != nil {
		return nil, err
	}
	if t == 0 {
		return nil, fmt.Errorf("%w: no commitments", ErrMalformed)
	}
	dc.Commitments = make([]Point, t)
	for k := range dc.Commitments {
		raw, _ := r.take(PointSize)
		if dc.Commitments[k], err = DecodePoint(raw); err != nil {
			return nil, fmt.Errorf("commitment %d: %w", k, err)
		}
	}
	for _, s := range []*ristretto255.Scalar{&dc.Proof.C, &dc.Proof.Z} {
		raw, err := r.take(ScalarSize)
		if err != nil {
			return nil, err
		}
		if _, err := s.SetCanonicalBytes(raw); err != nil {
			return nil, fmt.Errorf("proof: %w", ErrInvalidScalar)
		}
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return dc, nil
}
