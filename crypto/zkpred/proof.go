package zkpred

import (
	"fmt"
	"io"
	"math/big"

	"github.com/gtank/ristretto255"
)

// Op is a comparison operator.
type Op string

// Operators. Ordering operators need integer values.
const (
	Eq Op = "="
	Ne Op = "!="
	Ge Op = ">="
	Gt Op = ">"
	Le Op = "<="
	Lt Op = "<"
)

// RangeBits bounds ordering proofs: the distance between the value and the
// constant (d below) must be less than 2^RangeBits.
const RangeBits = 32

// opCodes is the first byte of an encoded proof.
var opCodes = []Op{1: Eq, 2: Ne, 3: Ge, 4: Gt, 5: Le, 6: Lt}

func opCode(op Op) (byte, bool) {
	for i, o := range opCodes {
		if i > 0 && o == op {
			return byte(i), true
		}
	}
	return 0, false
}

// ParseOp checks an operator's spelling.
func ParseOp(s string) (Op, error) {
	if _, ok := opCode(Op(s)); !ok {
		return "", fmt.Errorf("zkpred: unknown operator %q (one of = != >= > <= <)", s)
	}
	return Op(s), nil
}

// IsOrdering reports whether op compares order (integers only).
func (op Op) IsOrdering() bool { return op == Ge || op == Gt || op == Le || op == Lt }

// Proof is a non-interactive proof of one statement "committed value OP
// constant", in challenge–response form: the verifier recomputes the
// prover's first messages from the responses and checks that they hash to
// the challenge.
//
//   - Eq, [z]: with D = C − v·G, z·H − c·D = T.
//   - Ne, [z1, z2]: with D = C − v·G, z1·D + z2·H − c·G = T (knowing x, y
//     with G = x·D + y·H is possible only if D has a G component).
//   - ordering: bit commitments C_1…C_31 (C_0 is implied: Σ 2^i·C_i must
//     equal the shifted commitment C_d), then per bit i, [c_i0, z_i0, z_i1]
//     of a two-branch OR proof that C_i − b·G = r_i·H for b = 0 or 1, the
//     branch challenges summing to c.
type Proof struct {
	op        Op
	challenge ristretto255.Scalar
	bits      []Commitment          // ordering: C_1 … C_(RangeBits−1)
	responses []ristretto255.Scalar // see above
}

// Op returns the proof's operator.
func (p *Proof) Op() Op { return p.op }

func shape(op Op) (bits, responses int) {
	switch op {
	case Eq:
		return 0, 1
	case Ne:
		return 0, 2
	default:
		return RangeBits - 1, 3 * RangeBits
	}
}

// Size is the encoded size of a proof for op.
func Size(op Op) int {
	b, r := shape(op)
	return 1 + ScalarSize + b*PointSize + r*ScalarSize
}

// Bytes encodes the proof: op code ‖ challenge ‖ bit commitments ‖
// responses, every point and scalar canonical.
func (p *Proof) Bytes() []byte {
	code, _ := opCode(p.op)
	out := make([]byte, 0, Size(p.op))
	out = append(out, code)
	out = append(out, p.challenge.Bytes()...)
	for i := range p.bits {
		out = append(out, p.bits[i].enc[:]...)
	}
	for i := range p.responses {
		out = append(out, p.responses[i].Bytes()...)
	}
	return out
}

// ParseProof decodes a proof strictly: known op code, exact length,
// canonical points and scalars. Any other byte string is ErrMalformed.
func ParseProof(b []byte) (*Proof, error) {
	if len(b) == 0 || int(b[0]) >= len(opCodes) || b[0] == 0 {
		return nil, fmt.Errorf("%w: unknown proof type", ErrMalformed)
	}
	p := &Proof{op: opCodes[b[0]]}
	if len(b) != Size(p.op) {
		return nil, fmt.Errorf("%w: %s proof of %d bytes, want %d", ErrMalformed, p.op, len(b), Size(p.op))
	}
	nb, nr := shape(p.op)
	rest := b[1:]
	if _, err := p.challenge.SetCanonicalBytes(rest[:ScalarSize]); err != nil {
		return nil, fmt.Errorf("%w: challenge is not a canonical scalar", ErrMalformed)
	}
	rest = rest[ScalarSize:]
	p.bits = make([]Commitment, nb)
	for i := range p.bits {
		c, err := ParseCommitment(rest[:PointSize])
		if err != nil {
			return nil, fmt.Errorf("bit commitment %d: %w", i+1, err)
		}
		p.bits[i] = c
		rest = rest[PointSize:]
	}
	p.responses = make([]ristretto255.Scalar, nr)
	for i := range p.responses {
		if _, err := p.responses[i].SetCanonicalBytes(rest[:ScalarSize]); err != nil {
			return nil, fmt.Errorf("%w: response %d is not a canonical scalar", ErrMalformed, i)
		}
		rest = rest[ScalarSize:]
	}
	return p, nil
}

// Prove proves "o.Value op constant" for the commitment o.Commitment(),
// bound to context. A false statement is ErrFalse; an ordering on a
// non-integer, or whose distance exceeds the range, ErrUnprovable.
func Prove(op Op, constant Value, o Opening, context []byte, rnd io.Reader) (*Proof, error) {
	if _, ok := opCode(op); !ok {
		return nil, fmt.Errorf("zkpred: unknown operator %q", op)
	}
	c := o.Commitment()
	d := ristretto255.NewScalar().Subtract(&o.Value.s, &constant.s) // m − v
	switch op {
	case Eq:
		if d.Equal(ristretto255.NewScalar()) != 1 {
			return nil, fmt.Errorf("%w: value %s constant", ErrFalse, Ne)
		}
		return proveEq(c, constant, o, context, rnd)
	case Ne:
		if d.Equal(ristretto255.NewScalar()) == 1 {
			return nil, fmt.Errorf("%w: value = constant", ErrFalse)
		}
		return proveNe(c, constant, o, d, context, rnd)
	}
	if !o.Value.isInt || !constant.isInt {
		return nil, fmt.Errorf("%w: %s compares integers only", ErrUnprovable, op)
	}
	// The distance, computed exactly (no int64 overflow).
	m, k := big.NewInt(o.Value.n), big.NewInt(constant.n)
	dist := new(big.Int)
	switch op {
	case Ge:
		dist.Sub(m, k)
	case Gt:
		dist.Sub(m, k).Sub(dist, big.NewInt(1))
	case Le:
		dist.Sub(k, m)
	case Lt:
		dist.Sub(k, m).Sub(dist, big.NewInt(1))
	}
	if dist.Sign() < 0 {
		return nil, fmt.Errorf("%w: %d %s %d does not hold", ErrFalse, o.Value.n, op, constant.n)
	}
	if dist.BitLen() > RangeBits {
		return nil, fmt.Errorf("%w: %d and %d are 2^%d or more apart", ErrUnprovable, o.Value.n, constant.n, RangeBits)
	}
	rd := ristretto255.NewScalar().Set(&o.R)
	if op == Le || op == Lt {
		rd.Negate(rd)
	}
	return proveRange(c, op, constant, uint32(dist.Uint64()), rd, context, rnd)
}

// Verify checks that p proves "committed value op constant" for c under
// context. Every failure wraps ErrInvalidProof.
func Verify(op Op, constant Value, c Commitment, context []byte, p *Proof) error {
	if p == nil || p.op != op {
		return fmt.Errorf("%w: not a proof for %s", ErrInvalidProof, op)
	}
	nb, nr := shape(op)
	if len(p.bits) != nb || len(p.responses) != nr {
		return fmt.Errorf("%w: malformed", ErrInvalidProof)
	}
	tr := newTranscript(context, op, c, &constant.s)
	negC := ristretto255.NewScalar().Negate(&p.challenge)
	dPoint := ristretto255.NewElement().Subtract(&c.el, ristretto255.NewElement().ScalarBaseMult(&constant.s))
	switch op {
	case Eq:
		// T = z·H − c·D
		tr.point(ristretto255.NewElement().VarTimeMultiScalarMult(
			[]*ristretto255.Scalar{&p.responses[0], negC}, []*ristretto255.Element{genH, dPoint}))
	case Ne:
		// T = z1·D + z2·H − c·G
		tr.point(ristretto255.NewElement().VarTimeMultiScalarMult(
			[]*ristretto255.Scalar{&p.responses[0], &p.responses[1], negC}, []*ristretto255.Element{dPoint, genH, genG}))
	default:
		if !constant.isInt {
			return fmt.Errorf("%w: %s compares integers only", ErrInvalidProof, op)
		}
		verifyRangeMessages(tr, op, constant, c, p)
	}
	if tr.challenge().Equal(&p.challenge) != 1 {
		return fmt.Errorf("%w: %s", ErrInvalidProof, op)
	}
	return nil
}

func proveEq(c Commitment, constant Value, o Opening, context []byte, rnd io.Reader) (*Proof, error) {
	a, err := randomScalar(rnd)
	if err != nil {
		return nil, err
	}
	tr := newTranscript(context, Eq, c, &constant.s)
	tr.point(ristretto255.NewElement().ScalarMult(a, genH))
	ch := tr.challenge()
	z := ristretto255.NewScalar().Multiply(ch, &o.R)
	z.Add(z, a)
	p := &Proof{op: Eq, responses: make([]ristretto255.Scalar, 1)}
	p.challenge.Set(ch)
	p.responses[0].Set(z)
	return p, nil
}

// proveNe: with D = (m−v)·G + r·H and δ = m − v ≠ 0, x = 1/δ and y = −r/δ
// give x·D + y·H = G.
func proveNe(c Commitment, constant Value, o Opening, delta *ristretto255.Scalar, context []byte, rnd io.Reader) (*Proof, error) {
	x := ristretto255.NewScalar().Invert(delta)
	y := ristretto255.NewScalar().Multiply(&o.R, x)
	y.Negate(y)
	a, err := randomScalar(rnd)
	if err != nil {
		return nil, err
	}
	b, err := randomScalar(rnd)
	if err != nil {
		return nil, err
	}
	dPoint := ristretto255.NewElement().Subtract(&c.el, ristretto255.NewElement().ScalarBaseMult(&constant.s))
	tr := newTranscript(context, Ne, c, &constant.s)
	tr.point(ristretto255.NewElement().MultiScalarMult([]*ristretto255.Scalar{a, b}, []*ristretto255.Element{dPoint, genH}))
	ch := tr.challenge()
	p := &Proof{op: Ne, responses: make([]ristretto255.Scalar, 2)}
	p.challenge.Set(ch)
	p.responses[0].Multiply(ch, x)
	p.responses[0].Add(&p.responses[0], a)
	p.responses[1].Multiply(ch, y)
	p.responses[1].Add(&p.responses[1], b)
	return p, nil
}

// shifted is C_d, the commitment to the distance d with blinding ±r:
// C − k·G for >=, C − (k+1)·G for >, k·G − C for <=, (k−1)·G − C for <.
func shifted(op Op, constant Value, c Commitment) *ristretto255.Element {
	k := ristretto255.NewScalar().Set(&constant.s)
	one := scalarFromUint64(1)
	switch op {
	case Gt:
		k.Add(k, one)
	case Lt:
		k.Subtract(k, one)
	}
	kG := ristretto255.NewElement().ScalarBaseMult(k)
	if op == Ge || op == Gt {
		return ristretto255.NewElement().Subtract(&c.el, kG)
	}
	return ristretto255.NewElement().Subtract(kG, &c.el)
}

// bitZero returns C_0 = C_d − Σ_{i≥1} 2^i·C_i.
func bitZero(cd *ristretto255.Element, bits []Commitment) *ristretto255.Element {
	scalars := make([]*ristretto255.Scalar, 0, len(bits)+1)
	points := make([]*ristretto255.Element, 0, len(bits)+1)
	scalars = append(scalars, scalarFromUint64(1))
	points = append(points, cd)
	for i := range bits {
		s := scalarFromUint64(uint64(1) << (i + 1))
		scalars = append(scalars, s.Negate(s))
		points = append(points, &bits[i].el)
	}
	return ristretto255.NewElement().VarTimeMultiScalarMult(scalars, points)
}

func proveRange(c Commitment, op Op, constant Value, d uint32, rd *ristretto255.Scalar, context []byte, rnd io.Reader) (*Proof, error) {
	p := &Proof{op: op, bits: make([]Commitment, RangeBits-1), responses: make([]ristretto255.Scalar, 3*RangeBits)}
	// Blindings r_1… random; r_0 = r_d − Σ_{i≥1} 2^i·r_i so they sum to r_d.
	r := make([]*ristretto255.Scalar, RangeBits)
	r[0] = ristretto255.NewScalar().Set(rd)
	for i := 1; i < RangeBits; i++ {
		var err error
		if r[i], err = randomScalar(rnd); err != nil {
			return nil, err
		}
		w := ristretto255.NewScalar().Multiply(scalarFromUint64(uint64(1)<<i), r[i])
		r[0].Subtract(r[0], w)
		b := scalarFromUint64(uint64(d>>i) & 1)
		p.bits[i-1] = newCommitment(ristretto255.NewElement().MultiScalarMult(
			[]*ristretto255.Scalar{b, r[i]}, []*ristretto255.Element{genG, genH}))
	}
	tr := newTranscript(context, op, c, &constant.s)
	for i := range p.bits {
		tr.h.Write(p.bits[i].enc[:])
	}
	cd := shifted(op, constant, c)
	ci := bitZero(cd, p.bits)
	nonces := make([]*ristretto255.Scalar, RangeBits)
	fake := make([]*ristretto255.Scalar, RangeBits) // the other branch's challenge
	for i := 0; i < RangeBits; i++ {
		if i > 0 {
			ci = &p.bits[i-1].el
		}
		bit := int(d>>i) & 1
		var err error
		if nonces[i], err = randomScalar(rnd); err != nil {
			return nil, err
		}
		if fake[i], err = randomScalar(rnd); err != nil {
			return nil, err
		}
		zFake, err := randomScalar(rnd)
		if err != nil {
			return nil, err
		}
		// T_other = z·H − c_other·(C_i − other·G); T_true = a·H.
		other := 1 - bit
		target := ristretto255.NewElement().Set(ci)
		if other == 1 {
			target.Subtract(target, genG)
		}
		negFake := ristretto255.NewScalar().Negate(fake[i])
		tOther := ristretto255.NewElement().MultiScalarMult([]*ristretto255.Scalar{zFake, negFake}, []*ristretto255.Element{genH, target})
		tTrue := ristretto255.NewElement().ScalarMult(nonces[i], genH)
		t := [2]*ristretto255.Element{}
		t[bit], t[other] = tTrue, tOther
		tr.point(t[0])
		tr.point(t[1])
		p.responses[3*i+1+other].Set(zFake)
	}
	ch := tr.challenge()
	p.challenge.Set(ch)
	for i := 0; i < RangeBits; i++ {
		bit := int(d>>i) & 1
		cTrue := ristretto255.NewScalar().Subtract(ch, fake[i])
		z := ristretto255.NewScalar().Multiply(cTrue, r[i])
		p.responses[3*i+1+bit].Add(z, nonces[i])
		if bit == 0 {
			p.responses[3*i].Set(cTrue)
		} else {
			p.responses[3*i].Set(fake[i])
		}
	}
	return p, nil
}

// verifyRangeMessages recomputes every bit's two first messages
// T_ib = z_ib·H − c_ib·(C_i − b·G), with c_i1 = c − c_i0, into tr.
func verifyRangeMessages(tr *transcript, op Op, constant Value, c Commitment, p *Proof) {
	for i := range p.bits {
		tr.h.Write(p.bits[i].enc[:])
	}
	ci := bitZero(shifted(op, constant, c), p.bits)
	t := ristretto255.NewElement()
	for i := 0; i < RangeBits; i++ {
		if i > 0 {
			ci = &p.bits[i-1].el
		}
		c0 := &p.responses[3*i]
		c1 := ristretto255.NewScalar().Subtract(&p.challenge, c0)
		negC0 := ristretto255.NewScalar().Negate(c0)
		negC1 := ristretto255.NewScalar().Negate(c1)
		t.VarTimeMultiScalarMult([]*ristretto255.Scalar{&p.responses[3*i+1], negC0}, []*ristretto255.Element{genH, ci})
		tr.point(t)
		t.VarTimeMultiScalarMult([]*ristretto255.Scalar{&p.responses[3*i+2], negC1, c1}, []*ristretto255.Element{genH, ci, genG})
		tr.point(t)
	}
}
