package elgamal

import (
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
)

// CiphertextSize is the size of an encoded ciphertext: α ‖ β.
const CiphertextSize = 2 * PointSize

// Ciphertext is an exponential ElGamal ciphertext (α, β) = (r·G, m·G + r·PK).
type Ciphertext struct {
	Alpha, Beta Point
}

// KeyPair is a single-holder ElGamal key (tests, tools; elections use the
// trustees' joint key from the DKG).
type KeyPair struct {
	Secret *ristretto255.Scalar
	Public Point
}

// GenerateKey draws a secret scalar from rnd. A zero secret is rejected.
func GenerateKey(rnd io.Reader) (*KeyPair, error) {
	s, err := RandomScalar(rnd)
	if err != nil {
		return nil, err
	}
	if scalarIsZero(s) {
		return nil, fmt.Errorf("%w: zero secret key", ErrParams)
	}
	return &KeyPair{Secret: s, Public: BaseMult(s)}, nil
}

// Encrypt returns (r·G, m·G + r·pk). It runs in constant time with respect
// to r (m is a small public-size value, usually 0 or 1).
func Encrypt(pk Point, m uint64, r *ristretto255.Scalar) Ciphertext {
	alpha := ristretto255.NewElement().ScalarBaseMult(r)
	rpk := ristretto255.NewElement().ScalarMult(r, &pk.el)
	mg := ristretto255.NewElement().ScalarBaseMult(ScalarFromUint64(m))
	beta := ristretto255.NewElement().Add(mg, rpk)
	return Ciphertext{Alpha: NewPoint(alpha), Beta: NewPoint(beta)}
}

// EncryptRandom draws r from rnd and encrypts m; it returns r too (the
// Benaloh opening).
func EncryptRandom(pk Point, m uint64, rnd io.Reader) (Ciphertext, *ristretto255.Scalar, error) {
	r, err := RandomScalar(rnd)
	if err != nil {
		return Ciphertext{}, nil, err
	}
	return Encrypt(pk, m, r), r, nil
}

// Add returns the homomorphic sum: it encrypts the sum of the plaintexts under
// the sum of the randomness.
func Add(a, b Ciphertext) Ciphertext {
	return Ciphertext{
		Alpha: NewPoint(ristretto255.NewElement().Add(&a.Alpha.el, &b.Alpha.el)),
		Beta:  NewPoint(ristretto255.NewElement().Add(&a.Beta.el, &b.Beta.el)),
	}
}

// Sum adds any number of ciphertexts; the empty sum is (identity, identity),
// an encryption of 0 with randomness 0.
func Sum(cts []Ciphertext) Ciphertext {
	a := ristretto255.NewIdentityElement()
	b := ristretto255.NewIdentityElement()
	for i := range cts {
		a.Add(a, &cts[i].Alpha.el)
		b.Add(b, &cts[i].Beta.el)
	}
	return Ciphertext{Alpha: NewPoint(a), Beta: NewPoint(b)}
}

// Bytes returns α ‖ β (64 bytes).
func (c Ciphertext) Bytes() []byte {
	out := make([]byte, 0, CiphertextSize)
	out = append(out, c.Alpha.enc[:]...)
	return append(out, c.Beta.enc[:]...)
}

// Equal reports whether both components are equal.
func (c Ciphertext) Equal(d Ciphertext) bool {
	return c.Alpha.Equal(d.Alpha) && c.Beta.Equal(d.Beta)
}

// DecodeCiphertext decodes α ‖ β strictly (64 bytes, both canonical).
func DecodeCiphertext(b []byte) (Ciphertext, error) {
	if len(b) != CiphertextSize {
		return Ciphertext{}, fmt.Errorf("%w: ciphertext length %d, want %d", ErrMalformed, len(b), CiphertextSize)
	}
	a, err := DecodePoint(b[:PointSize])
	if err != nil {
		return Ciphertext{}, fmt.Errorf("alpha: %w", err)
	}
	be, err := DecodePoint(b[PointSize:])
	if err != nil {
		return Ciphertext{}, fmt.Errorf("beta: %w", err)
	}
	return Ciphertext{Alpha: a, Beta: be}, nil
}

// DecryptToPoint returns β − sk·α = m·G. Recover m with a DLogTable.
func DecryptToPoint(sk *ristretto255.Scalar, c Ciphertext) Point {
	d := ristretto255.NewElement().ScalarMult(sk, &c.Alpha.el)
	return NewPoint(d.Subtract(&c.Beta.el, d))
}

// DecodePublicKey decodes an election or trustee public key: canonical and
// not the identity.
func DecodePublicKey(b []byte) (Point, error) {
	p, err := DecodeNonIdentityPoint(b)
	if err != nil {
		return p, fmt.Errorf("public key: %w", err)
	}
	return p, nil
}
