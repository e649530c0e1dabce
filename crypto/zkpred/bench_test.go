package zkpred

import (
	"crypto/rand"
	"testing"
)

func benchProof(b *testing.B, op Op, k int64) (Commitment, Opening, *Proof) {
	_, o, _ := Commit(Int(30), rand.Reader)
	p, err := Prove(op, Int(k), o, []byte("ctx"), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	return o.Commitment(), o, p
}

func BenchmarkProve(b *testing.B) {
	for _, tc := range []struct {
		op Op
		k  int64
	}{{Eq, 30}, {Ne, 7}, {Ge, 18}} {
		b.Run(string(tc.op), func(b *testing.B) {
			_, o, _ := benchProof(b, tc.op, tc.k)
			for b.Loop() {
				if _, err := Prove(tc.op, Int(tc.k), o, []byte("ctx"), rand.Reader); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, tc := range []struct {
		op Op
		k  int64
	}{{Eq, 30}, {Ne, 7}, {Ge, 18}, {Lt, 40}} {
		b.Run(string(tc.op), func(b *testing.B) {
			c, _, p := benchProof(b, tc.op, tc.k)
			for b.Loop() {
				if err := Verify(tc.op, Int(tc.k), c, []byte("ctx"), p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
