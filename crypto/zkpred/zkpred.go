// Package zkpred commits to claim values and proves predicates over the
// commitments in zero knowledge: that a committed value equals, differs
// from, or is ordered against a public constant, revealing nothing else.
//
// Commitments are Pedersen commitments C = m·G + r·H over ristretto255
// (RFC 9496): G is the group's base point and H a hash-to-group point with
// no known discrete logarithm to G. C hides m perfectly and binds it under
// the discrete-logarithm assumption. Proofs are Σ-protocols made
// non-interactive by Fiat–Shamir over a transcript that binds a
// caller-supplied context (who may use the proof, and where), the operator,
// the constant and C. The proof formats and the math are in docs/identity.md.
//
// Proving is a pure function of its inputs and an io.Reader of randomness
// (it can run in a browser); verifying is deterministic: no randomness, no
// clock, no floats, no map iteration.
package zkpred

import (
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/gtank/ristretto255"
)

// Sizes of encodings.
const (
	PointSize  = 32
	ScalarSize = 32
)

// Errors. Returned errors wrap one of these (errors.Is).
var (
	// ErrMalformed: bytes that are not a canonical encoding.
	ErrMalformed = errors.New("zkpred: malformed encoding")
	// ErrInvalidProof: a well-formed proof that does not verify.
	ErrInvalidProof = errors.New("zkpred: proof does not verify")
	// ErrFalse: the prover was asked to prove a false statement.
	ErrFalse = errors.New("zkpred: the statement is false")
	// ErrUnprovable: a true ordering whose distance to the constant is
	// 2^RangeBits or more, or a statement the operator cannot express.
	ErrUnprovable = errors.New("zkpred: statement cannot be proven")
)

// hTag names the second generator: H = FromUniformBytes(SHA-512(hTag)).
const hTag = "publica/zkpred/v1/H"

var (
	genG = ristretto255.NewGeneratorElement()
	genH = func() *ristretto255.Element {
		sum := sha512.Sum512([]byte(hTag))
		return ristretto255.NewElement().FromUniformBytes(sum[:])
	}()
)

// H returns the commitments' blinding generator (a copy).
func H() *ristretto255.Element { return ristretto255.NewElement().Set(genH) }

// Value is a claim value as a commitment sees it: an integer claim is its
// int64 (negative numbers mod ℓ), anything else the hash of its canonical
// JSON text. Integers are the only values ordering can be proven on.
type Value struct {
	s     ristretto255.Scalar
	n     int64
	isInt bool
}

// Int is the integer n.
func Int(n int64) Value {
	v := Value{n: n, isInt: true}
	v.s.Set(scalarFromInt64(n))
	return v
}

// valueTag separates hashed values from every other hash in the protocol.
const valueTag = "publica/zkpred/v1/value"

// Hashed is a non-integer value given as its canonical JSON (RFC 8785):
// "\"Ada\"", "true", "\"1987-03-14\"". The caller canonicalizes; equal
// values must give equal bytes.
func Hashed(canonicalJSON []byte) Value {
	h := sha512.New()
	writeStr(h, valueTag)
	writeBytes(h, canonicalJSON)
	var v Value
	v.s.FromUniformBytes(h.Sum(nil))
	return v
}

// IsInt reports whether v is an integer value.
func (v Value) IsInt() bool { return v.isInt }

// Int64 returns the integer of an integer value.
func (v Value) Int64() int64 { return v.n }

// Scalar returns m, the committed scalar (a copy).
func (v Value) Scalar() *ristretto255.Scalar { return ristretto255.NewScalar().Set(&v.s) }

func scalarFromUint64(u uint64) *ristretto255.Scalar {
	var b [ScalarSize]byte
	binary.LittleEndian.PutUint64(b[:8], u)
	s, err := ristretto255.NewScalar().SetCanonicalBytes(b[:])
	if err != nil {
		panic("zkpred: unreachable: small scalar rejected")
	}
	return s
}

func scalarFromInt64(n int64) *ristretto255.Scalar {
	if n >= 0 {
		return scalarFromUint64(uint64(n))
	}
	// -n may overflow int64; its two's complement as uint64 does not.
	return ristretto255.NewScalar().Negate(scalarFromUint64(^uint64(n) + 1))
}

// Commitment is C = m·G + r·H with its canonical encoding.
type Commitment struct {
	el  ristretto255.Element
	enc [PointSize]byte
}

func newCommitment(e *ristretto255.Element) Commitment {
	var c Commitment
	c.el.Set(e)
	copy(c.enc[:], e.Bytes())
	return c
}

// ParseCommitment decodes a canonical 32-byte ristretto255 encoding.
func ParseCommitment(b []byte) (Commitment, error) {
	var c Commitment
	if len(b) != PointSize {
		return c, fmt.Errorf("%w: commitment of %d bytes, want %d", ErrMalformed, len(b), PointSize)
	}
	if _, err := c.el.SetCanonicalBytes(b); err != nil {
		return c, fmt.Errorf("%w: commitment is not a canonical ristretto255 point", ErrMalformed)
	}
	copy(c.enc[:], b)
	return c, nil
}

// ParseCommitmentHex decodes 64 lower-case hex digits.
func ParseCommitmentHex(s string) (Commitment, error) {
	b, err := hex.DecodeString(s)
	if err != nil || hex.EncodeToString(b) != s {
		return Commitment{}, fmt.Errorf("%w: commitment is not lower-case hex", ErrMalformed)
	}
	return ParseCommitment(b)
}

// Bytes returns the canonical encoding.
func (c Commitment) Bytes() []byte { b := c.enc; return b[:] }

// String returns the encoding in lower-case hex.
func (c Commitment) String() string { return hex.EncodeToString(c.enc[:]) }

// Equal reports whether c and d are the same point.
func (c Commitment) Equal(d Commitment) bool { return c.enc == d.enc }

// Opening is what the committer keeps: the value and the blinding r.
type Opening struct {
	Value Value
	R     ristretto255.Scalar
}

// Commit draws r from rnd and commits to v.
func Commit(v Value, rnd io.Reader) (Commitment, Opening, error) {
	r, err := randomScalar(rnd)
	if err != nil {
		return Commitment{}, Opening{}, err
	}
	o := Opening{Value: v}
	o.R.Set(r)
	return o.Commitment(), o, nil
}

// NewOpening rebuilds an opening from a value and a canonical 32-byte r.
func NewOpening(v Value, r []byte) (Opening, error) {
	o := Opening{Value: v}
	if len(r) != ScalarSize {
		return o, fmt.Errorf("%w: blinding of %d bytes, want %d", ErrMalformed, len(r), ScalarSize)
	}
	if _, err := o.R.SetCanonicalBytes(r); err != nil {
		return o, fmt.Errorf("%w: blinding is not a canonical scalar", ErrMalformed)
	}
	return o, nil
}

// Commitment recomputes m·G + r·H.
func (o Opening) Commitment() Commitment {
	return newCommitment(ristretto255.NewElement().MultiScalarMult(
		[]*ristretto255.Scalar{&o.Value.s, &o.R}, []*ristretto255.Element{genG, genH}))
}

// RBytes is the canonical encoding of r.
func (o Opening) RBytes() []byte { return o.R.Bytes() }

func randomScalar(rnd io.Reader) (*ristretto255.Scalar, error) {
	var buf [64]byte
	if _, err := io.ReadFull(rnd, buf[:]); err != nil {
		return nil, fmt.Errorf("zkpred: reading randomness: %w", err)
	}
	return ristretto255.NewScalar().FromUniformBytes(buf[:]), nil
}

// transcript is the Fiat–Shamir hash: SHA-512 over length-prefixed
// strings and fixed-size points and scalars, reduced to a scalar.
type transcript struct{ h hash.Hash }

const proofTag = "publica/zkpred/v1/proof"

func newTranscript(context []byte, op Op, c Commitment, constant *ristretto255.Scalar) *transcript {
	t := &transcript{h: sha512.New()}
	writeStr(t.h, proofTag)
	writeBytes(t.h, context)
	writeStr(t.h, string(op))
	t.h.Write(c.enc[:])
	t.h.Write(constant.Bytes())
	return t
}

func (t *transcript) point(e *ristretto255.Element) { t.h.Write(e.Bytes()) }

func (t *transcript) challenge() *ristretto255.Scalar {
	return ristretto255.NewScalar().FromUniformBytes(t.h.Sum(nil))
}

func writeStr(h hash.Hash, s string) { writeBytes(h, []byte(s)) }

func writeBytes(h hash.Hash, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}
