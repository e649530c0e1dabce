// Package elgamal implements the cryptography of Publica's end-to-end
// verifiable elections over the ristretto255 prime-order group (RFC 9496):
// exponential ElGamal encryption of selections, disjunctive Chaum–Pedersen
// proofs that a selection is 0 or 1 and that a question's total lies in
// [min, max], Benaloh cast-or-audit openings, a t-of-n Feldman/Pedersen
// distributed key generation for trustees, partial decryption with DLEQ
// proofs, Lagrange combination and a bounded baby-step giant-step discrete
// logarithm for the tally.
//
// Everything a validator runs (decoding and verification) is deterministic:
// no floats, no map iteration, no randomness other than what the caller
// passes in. The byte layouts and hash inputs are specified in
// docs/election-crypto.md; testdata/vectors.json holds test vectors.
//
// Group notation in this package is additive: G is the ristretto255
// generator, "x·P" is scalar multiplication. The Helios-style multiplicative
// notation g^r corresponds to r·G.
package elgamal

import (
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/gtank/ristretto255"
)

// Sizes of the canonical encodings.
const (
	PointSize  = 32
	ScalarSize = 32
)

// Sentinel errors. Returned errors wrap one of these (use errors.Is) and add
// context such as the question and option index.
var (
	ErrInvalidPoint  = errors.New("elgamal: invalid point encoding")
	ErrInvalidScalar = errors.New("elgamal: invalid scalar encoding")
	ErrIdentity      = errors.New("elgamal: identity point not allowed")
	ErrInvalidProof  = errors.New("elgamal: invalid proof")
	ErrMalformed     = errors.New("elgamal: malformed encoding")
	ErrParams        = errors.New("elgamal: invalid parameters")
	ErrMismatch      = errors.New("elgamal: does not match election parameters")
	ErrNotFound      = errors.New("elgamal: discrete logarithm not in range")
)

// Point is a ristretto255 group element together with its canonical 32-byte
// encoding, computed once (encoding costs a field inversion, and points are
// hashed and serialised far more often than they are created).
//
// The zero value is not a valid Point; build one with DecodePoint,
// NewPoint or the package functions.
type Point struct {
	el  ristretto255.Element
	enc [PointSize]byte
	ok  bool
}

// NewPoint wraps e, computing its canonical encoding.
func NewPoint(e *ristretto255.Element) Point {
	var p Point
	p.el.Set(e)
	copy(p.enc[:], e.Bytes())
	p.ok = true
	return p
}

// DecodePoint decodes a canonical 32-byte ristretto255 encoding. It rejects
// wrong lengths and every non-canonical encoding (RFC 9496 §4.3.1). The
// identity element (32 zero bytes) is accepted; use DecodeNonIdentityPoint
// where it must not be.
func DecodePoint(b []byte) (Point, error) {
	var p Point
	if len(b) != PointSize {
		return p, fmt.Errorf("%w: length %d, want %d", ErrInvalidPoint, len(b), PointSize)
	}
	if _, err := p.el.SetCanonicalBytes(b); err != nil {
		return p, ErrInvalidPoint
	}
	copy(p.enc[:], b)
	p.ok = true
	return p, nil
}

// DecodeNonIdentityPoint is DecodePoint that also rejects the identity.
func DecodeNonIdentityPoint(b []byte) (Point, error) {
	p, err := DecodePoint(b)
	if err != nil {
		return p, err
	}
	if p.IsIdentity() {
		return p, ErrIdentity
	}
	return p, nil
}

// Bytes returns the canonical encoding (a fresh slice).
func (p Point) Bytes() []byte {
	b := p.enc
	return b[:]
}

// Element returns a copy of the group element.
func (p Point) Element() *ristretto255.Element {
	return ristretto255.NewElement().Set(&p.el)
}

// Valid reports whether p was built by this package (not the zero value).
func (p Point) Valid() bool { return p.ok }

// IsIdentity reports whether p is the identity element.
func (p Point) IsIdentity() bool {
	return p.enc == [PointSize]byte{}
}

// Equal reports whether p and q are the same group element.
func (p Point) Equal(q Point) bool { return p.enc == q.enc }

// String returns the hex encoding.
func (p Point) String() string { return fmt.Sprintf("%x", p.enc[:]) }

// Generator returns G, the ristretto255 base point.
func Generator() Point { return NewPoint(ristretto255.NewGeneratorElement()) }

// Identity returns the identity element.
func Identity() Point { return NewPoint(ristretto255.NewIdentityElement()) }

// BaseMult returns s·G.
func BaseMult(s *ristretto255.Scalar) Point {
	return NewPoint(ristretto255.NewElement().ScalarBaseMult(s))
}

// DecodeScalar decodes a canonical 32-byte little-endian scalar (< ℓ).
func DecodeScalar(b []byte) (*ristretto255.Scalar, error) {
	if len(b) != ScalarSize {
		return nil, fmt.Errorf("%w: length %d, want %d", ErrInvalidScalar, len(b), ScalarSize)
	}
	s, err := ristretto255.NewScalar().SetCanonicalBytes(b)
	if err != nil {
		return nil, ErrInvalidScalar
	}
	return s, nil
}

// RandomScalar reads 64 bytes from rnd and reduces them modulo ℓ (uniform).
func RandomScalar(rnd io.Reader) (*ristretto255.Scalar, error) {
	var buf [64]byte
	if _, err := io.ReadFull(rnd, buf[:]); err != nil {
		return nil, fmt.Errorf("elgamal: reading randomness: %w", err)
	}
	s, err := ristretto255.NewScalar().SetUniformBytes(buf[:])
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ScalarFromUint64 returns v as a scalar.
func ScalarFromUint64(v uint64) *ristretto255.Scalar {
	var b [32]byte
	binary.LittleEndian.PutUint64(b[:8], v)
	s, err := ristretto255.NewScalar().SetCanonicalBytes(b[:])
	if err != nil {
		panic("elgamal: unreachable: small scalar rejected")
	}
	return s
}

func scalarIsZero(s *ristretto255.Scalar) bool {
	return s.Equal(ristretto255.NewScalar()) == 1
}

// transcript is the Fiat–Shamir hash: SHA-512 over a domain-separation tag
// and length-prefixed or fixed-size fields, reduced to a scalar with
// ristretto255's wide reduction (Scalar.SetUniformBytes). See the
// "Hash inputs" section of docs/election-crypto.md.
type transcript struct {
	h   hash.Hash
	buf [8]byte
}

func newTranscript(tag string) *transcript {
	t := &transcript{h: sha512.New()}
	t.str(tag)
	return t
}

// str writes a u32 big-endian length followed by the bytes.
func (t *transcript) str(s string) {
	binary.BigEndian.PutUint32(t.buf[:4], uint32(len(s)))
	t.h.Write(t.buf[:4])
	t.h.Write([]byte(s))
}

func (t *transcript) u32(v uint32) {
	binary.BigEndian.PutUint32(t.buf[:4], v)
	t.h.Write(t.buf[:4])
}

func (t *transcript) point(p Point) { t.h.Write(p.enc[:]) }

func (t *transcript) raw(b []byte) { t.h.Write(b) }

func (t *transcript) challenge() *ristretto255.Scalar {
	sum := t.h.Sum(nil)
	s, err := ristretto255.NewScalar().SetUniformBytes(sum)
	if err != nil {
		panic("elgamal: unreachable: SHA-512 output is 64 bytes")
	}
	return s
}
