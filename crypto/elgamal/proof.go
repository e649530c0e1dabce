package elgamal

import (
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
)

// BranchSize is the size of an encoded proof branch: A ‖ B ‖ C ‖ Z.
const BranchSize = 2*PointSize + 2*ScalarSize

// Branch is one branch of a disjunctive Chaum–Pedersen (Cramer–Damgård–
// Schoenmakers) proof that a ciphertext (α, β) encrypts the value v of this
// branch: the prover knows r with α = r·G and β − v·G = r·PK. It is kept in
// commitment form (A, B, C, Z) so that verification reduces to the linear
// equations
//
//	Z·G − C·α = A
//	Z·PK − C·β + (C·v)·G = B
//
// which can be checked one by one or all at once in a single multi-scalar
// multiplication.
type Branch struct {
	A, B Point
	C, Z ristretto255.Scalar
}

// DisjunctiveProof proves that a ciphertext encrypts one of a list of values
// (branch i ↔ value i); the Fiat–Shamir challenge, computed over the context,
// the statement and every branch's commitments, must equal Σ C_i.
type DisjunctiveProof struct {
	Branches []Branch
}

func (b *Branch) appendTo(out []byte) []byte {
	out = append(out, b.A.enc[:]...)
	out = append(out, b.B.enc[:]...)
	out = append(out, b.C.Bytes()...)
	return append(out, b.Z.Bytes()...)
}

func decodeBranch(in []byte) (Branch, error) {
	var br Branch
	if len(in) != BranchSize {
		return br, fmt.Errorf("%w: branch length %d", ErrMalformed, len(in))
	}
	var err error
	if br.A, err = DecodePoint(in[0:32]); err != nil {
		return br, fmt.Errorf("commitment A: %w", err)
	}
	if br.B, err = DecodePoint(in[32:64]); err != nil {
		return br, fmt.Errorf("commitment B: %w", err)
	}
	if _, err = br.C.SetCanonicalBytes(in[64:96]); err != nil {
		return br, fmt.Errorf("challenge: %w", ErrInvalidScalar)
	}
	if _, err = br.Z.SetCanonicalBytes(in[96:128]); err != nil {
		return br, fmt.Errorf("response: %w", ErrInvalidScalar)
	}
	return br, nil
}

// proveDisjunctive proves that ct = Encrypt(pk, values[trueIdx], r). tr must
// already hold the context and the statement; the branches' commitments are
// appended and the challenge drawn from it. Every branch performs the same
// constant-time operations, so timing does not reveal trueIdx.
func proveDisjunctive(tr *transcript, pk Point, ct Ciphertext, values []uint64, trueIdx int, r *ristretto255.Scalar, rnd io.Reader) (DisjunctiveProof, error) {
	n := len(values)
	if trueIdx < 0 || trueIdx >= n {
		return DisjunctiveProof{}, fmt.Errorf("%w: value not in the allowed set", ErrParams)
	}
	proof := DisjunctiveProof{Branches: make([]Branch, n)}
	var w *ristretto255.Scalar
	g := ristretto255.NewGeneratorElement()
	for i := 0; i < n; i++ {
		br := &proof.Branches[i]
		z, err := RandomScalar(rnd)
		if err != nil {
			return DisjunctiveProof{}, err
		}
		c, err := RandomScalar(rnd)
		if err != nil {
			return DisjunctiveProof{}, err
		}
		if i == trueIdx {
			w = z
			c.Zero() // A = w·G, B = w·PK
		}
		negC := ristretto255.NewScalar().Negate(c)
		cv := ristretto255.NewScalar().Multiply(c, ScalarFromUint64(values[i]))
		a := ristretto255.NewElement().MultiScalarMult(
			[]*ristretto255.Scalar{z, negC}, []*ristretto255.Element{g, &ct.Alpha.el})
		b := ristretto255.NewElement().MultiScalarMult(
			[]*ristretto255.Scalar{z, negC, cv}, []*ristretto255.Element{&pk.el, &ct.Beta.el, g})
		br.A, br.B = NewPoint(a), NewPoint(b)
		br.C.Set(c)
		br.Z.Set(z)
	}
	for i := range proof.Branches {
		tr.point(proof.Branches[i].A)
		tr.point(proof.Branches[i].B)
	}
	c := tr.challenge()
	for i := range proof.Branches {
		if i != trueIdx {
			c.Subtract(c, &proof.Branches[i].C)
		}
	}
	tb := &proof.Branches[trueIdx]
	tb.C.Set(c)
	cr := ristretto255.NewScalar().Multiply(c, r)
	tb.Z.Add(w, cr)
	return proof, nil
}

// equationChecker checks the linear equations of a disjunctive proof's
// branches, either immediately or by accumulating them into a batch.
type equationChecker interface {
	check(ct Ciphertext, values []uint64, branches []Branch) error
}

// checkDisjunctive verifies the Fiat–Shamir part (challenge = Σ C_i) and
// hands the branch equations to ec. tr must hold context and statement.
func checkDisjunctive(tr *transcript, ct Ciphertext, values []uint64, proof *DisjunctiveProof, ec equationChecker) error {
	if len(proof.Branches) != len(values) {
		return fmt.Errorf("%w: %d branches, want %d", ErrInvalidProof, len(proof.Branches), len(values))
	}
	sum := ristretto255.NewScalar()
	for i := range proof.Branches {
		tr.point(proof.Branches[i].A)
		tr.point(proof.Branches[i].B)
		sum.Add(sum, &proof.Branches[i].C)
	}
	if tr.challenge().Equal(sum) != 1 {
		return fmt.Errorf("%w: challenge mismatch", ErrInvalidProof)
	}
	return ec.check(ct, values, proof.Branches)
}

// directChecker evaluates every equation on its own (two small
// multi-scalar multiplications per branch).
type directChecker struct {
	pk Point
}

func (d *directChecker) check(ct Ciphertext, values []uint64, branches []Branch) error {
	g := ristretto255.NewGeneratorElement()
	tmp := ristretto255.NewElement()
	for i := range branches {
		br := &branches[i]
		negC := ristretto255.NewScalar().Negate(&br.C)
		tmp.VarTimeDoubleScalarBaseMult(negC, &ct.Alpha.el, &br.Z)
		if tmp.Equal(&br.A.el) != 1 {
			return fmt.Errorf("%w: branch %d: first equation", ErrInvalidProof, i)
		}
		if values[i] == 0 {
			tmp.VarTimeMultiScalarMult([]*ristretto255.Scalar{&br.Z, negC},
				[]*ristretto255.Element{&d.pk.el, &ct.Beta.el})
		} else {
			cv := ristretto255.NewScalar().Multiply(&br.C, ScalarFromUint64(values[i]))
			tmp.VarTimeMultiScalarMult([]*ristretto255.Scalar{&br.Z, negC, cv},
				[]*ristretto255.Element{&d.pk.el, &ct.Beta.el, g})
		}
		if tmp.Equal(&br.B.el) != 1 {
			return fmt.Errorf("%w: branch %d: second equation", ErrInvalidProof, i)
		}
	}
	return nil
}

// batchChecker accumulates every equation E_k (written as "… − A = 0")
// multiplied by a 128-bit weight ρ_k into one multi-scalar multiplication
// and checks that the sum is the identity. For one ballot (Verify) the
// weights are derived from a seed that hashes everything the equations
// depend on (the public key and the whole encoded ballot), so every
// validator computes the same weights, and a prover who wants a false
// equation to pass has to find a hash output in a set of density ≤ 2⁻¹²⁸
// (the Fiat–Shamir argument again). For many ballots at once
// (VerifyBallots) the seed is read from a random source the provers do not
// see.
//
// The commitments' scalars −ρ = ℓ − ρ = 2²⁵² + (δ − ρ), where ℓ = 2²⁵² + δ
// and δ < 2¹²⁵, differ from 2²⁵² by less than 2¹²⁸: their non-adjacent
// forms have a digit or two above bit 128, so the multiplication adds the
// commitments in about half of its rounds, as for ρ itself.
type batchChecker struct {
	seed    [64]byte
	counter uint32
	coefG   ristretto255.Scalar
	// keys are the distinct public keys of the ballots added (one per
	// election), in the order first seen, with their coefficients; cur
	// indexes the key of the ballot being added.
	keys    []Point
	coefPK  []ristretto255.Scalar
	cur     int
	scalars []*ristretto255.Scalar
	points  []*ristretto255.Element
}

const batchTag = "publica/election/v1/batch"

func newBatchChecker(pk Point, seedInput ...[]byte) *batchChecker {
	tr := newTranscript(batchTag)
	tr.point(pk)
	for _, in := range seedInput {
		tr.raw(in)
	}
	bc := &batchChecker{}
	tr.h.Sum(bc.seed[:0])
	bc.begin(pk)
	return bc
}

// batchMark is what begin saves for rollback.
type batchMark struct {
	n      int
	coefG  ristretto255.Scalar
	coefPK ristretto255.Scalar
}

// begin makes pk the key of the equations checked next and returns the
// state to roll back to if the ballot that follows fails before its
// equations are complete.
func (bc *batchChecker) begin(pk Point) batchMark {
	bc.cur = -1
	for i := range bc.keys {
		if bc.keys[i].Equal(pk) {
			bc.cur = i
			break
		}
	}
	if bc.cur < 0 {
		bc.keys = append(bc.keys, pk)
		bc.coefPK = append(bc.coefPK, ristretto255.Scalar{})
		bc.cur = len(bc.keys) - 1
	}
	return batchMark{n: len(bc.scalars), coefG: bc.coefG, coefPK: bc.coefPK[bc.cur]}
}

// rollback forgets the equations added since begin returned m.
func (bc *batchChecker) rollback(m batchMark) {
	bc.scalars, bc.points = bc.scalars[:m.n], bc.points[:m.n]
	bc.coefG, bc.coefPK[bc.cur] = m.coefG, m.coefPK
}

// weight returns ρ_k = first 16 bytes of SHA-512(seed ‖ u32be(k)) read as a
// little-endian integer.
func (bc *batchChecker) weight() *ristretto255.Scalar {
	var in [68]byte
	copy(in[:64], bc.seed[:])
	binary.BigEndian.PutUint32(in[64:], bc.counter)
	bc.counter++
	h := sha512.Sum512(in[:])
	var b [32]byte
	copy(b[:16], h[:16])
	s, err := ristretto255.NewScalar().SetCanonicalBytes(b[:])
	if err != nil {
		panic("elgamal: unreachable: 128-bit scalar rejected")
	}
	return s
}

func (bc *batchChecker) check(ct Ciphertext, values []uint64, branches []Branch) error {
	sumA := ristretto255.NewScalar()
	sumB := ristretto255.NewScalar()
	t := ristretto255.NewScalar()
	coefPK := &bc.coefPK[bc.cur]
	for i := range branches {
		br := &branches[i]
		ra, rb := bc.weight(), bc.weight()
		// ρa·(Z·G − C·α − A) + ρb·(Z·PK − C·β + C·v·G − B)
		bc.coefG.Add(&bc.coefG, t.Multiply(ra, &br.Z))
		if values[i] != 0 {
			t.Multiply(rb, &br.C)
			bc.coefG.Add(&bc.coefG, t.Multiply(t, ScalarFromUint64(values[i])))
		}
		coefPK.Add(coefPK, t.Multiply(rb, &br.Z))
		sumA.Add(sumA, t.Multiply(ra, &br.C))
		sumB.Add(sumB, t.Multiply(rb, &br.C))
		bc.scalars = append(bc.scalars, ra.Negate(ra), rb.Negate(rb))
		bc.points = append(bc.points, &br.A.el, &br.B.el)
	}
	bc.scalars = append(bc.scalars, sumA.Negate(sumA), sumB.Negate(sumB))
	alpha, beta := ct.Alpha.el, ct.Beta.el // copies: ct may be a temporary
	bc.points = append(bc.points, &alpha, &beta)
	return nil
}

// verify runs the accumulated multi-scalar multiplication.
func (bc *batchChecker) verify() error {
	n := len(bc.scalars)
	scalars := make([]*ristretto255.Scalar, n, n+1+len(bc.keys))
	points := make([]*ristretto255.Element, n, n+1+len(bc.keys))
	copy(scalars, bc.scalars)
	copy(points, bc.points)
	scalars = append(scalars, &bc.coefG)
	points = append(points, ristretto255.NewGeneratorElement())
	for i := range bc.keys {
		scalars = append(scalars, &bc.coefPK[i])
		points = append(points, &bc.keys[i].el)
	}
	res := msm(scalars, points)
	if res.Equal(ristretto255.NewIdentityElement()) != 1 {
		return fmt.Errorf("%w: batched equations do not hold", ErrInvalidProof)
	}
	return nil
}
