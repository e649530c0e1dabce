package ballot

// Encodings of stored records that the chain, the trustee tool and the
// verifier share. They are pure: no state.

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"

	"github.com/gtank/ristretto255"

	"github.com/publica/publica/crypto/elgamal"
)

// TrackerOf is a ballot's tracker: hex SHA-512/256 of its canonical
// encoding.
func TrackerOf(enc []byte) string {
	h := sha512.Sum512_256(enc)
	return hex.EncodeToString(h[:])
}

// DecodeAggregate parses an aggregate's ciphertexts.
func DecodeAggregate(a *Aggregate) ([][]elgamal.Ciphertext, error) {
	out := make([][]elgamal.Ciphertext, len(a.Questions))
	for qi, q := range a.Questions {
		out[qi] = make([]elgamal.Ciphertext, len(q))
		for oi, s := range q {
			b, err := hex.DecodeString(s)
			if err != nil {
				return nil, ErrCorrupt.Wrapf("aggregate %d/%d: %v", qi, oi, err)
			}
			if out[qi][oi], err = elgamal.DecodeCiphertext(b); err != nil {
				return nil, ErrCorrupt.Wrapf("aggregate %d/%d: %v", qi, oi, err)
			}
		}
	}
	return out, nil
}

// EncodeAggregate is DecodeAggregate's inverse.
func EncodeAggregate(ballots uint64, cts [][]elgamal.Ciphertext) *Aggregate {
	a := &Aggregate{Ballots: ballots, Questions: make([][]string, len(cts))}
	for qi := range cts {
		a.Questions[qi] = make([]string, len(cts[qi]))
		for oi, c := range cts[qi] {
			a.Questions[qi][oi] = hex.EncodeToString(c.Bytes())
		}
	}
	return a
}

// EmptyAggregate is the aggregate of no ballots: every entry (identity,
// identity).
func EmptyAggregate(e *Election) *Aggregate {
	cts := make([][]elgamal.Ciphertext, len(e.Questions))
	zero := elgamal.Ciphertext{Alpha: elgamal.Identity(), Beta: elgamal.Identity()}
	for qi, q := range e.Questions {
		cts[qi] = make([]elgamal.Ciphertext, len(q.Options))
		for oi := range cts[qi] {
			cts[qi][oi] = zero
		}
	}
	return EncodeAggregate(0, cts)
}

// neg returns the ciphertext encrypting −m under −r.
func neg(c elgamal.Ciphertext) elgamal.Ciphertext {
	return elgamal.Ciphertext{
		Alpha: elgamal.NewPoint(ristretto255.NewElement().Negate(c.Alpha.Element())),
		Beta:  elgamal.NewPoint(ristretto255.NewElement().Negate(c.Beta.Element())),
	}
}

// DecodePartials splits a ballot/partial value into its 128-byte entries.
func DecodePartials(v []byte) ([]*elgamal.PartialDecryption, error) {
	if len(v) == 0 || len(v)%elgamal.PartialDecryptionSize != 0 {
		return nil, fmt.Errorf("length %d is not a multiple of %d", len(v), elgamal.PartialDecryptionSize)
	}
	out := make([]*elgamal.PartialDecryption, 0, len(v)/elgamal.PartialDecryptionSize)
	for off := 0; off < len(v); off += elgamal.PartialDecryptionSize {
		pd, err := elgamal.DecodePartialDecryption(v[off : off+elgamal.PartialDecryptionSize])
		if err != nil {
			return nil, err
		}
		out = append(out, pd)
	}
	return out, nil
}
