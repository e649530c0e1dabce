package zkpred

import (
	"bytes"
	"testing"
)

// FuzzParseProof: no input panics the decoder or the verifier, and
// whatever parses re-encodes to the same bytes (one encoding per proof).
func FuzzParseProof(f *testing.F) {
	r := rng("fuzz")
	_, o, _ := Commit(Int(30), r)
	for _, op := range []Op{Eq, Ne, Ge} {
		k := Int(18)
		if op == Eq {
			k = Int(30)
		}
		p, err := Prove(op, k, o, []byte("ctx"), r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p.Bytes())
	}
	f.Add([]byte{2})
	c := o.Commitment()
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseProof(b)
		if err != nil {
			return
		}
		if !bytes.Equal(p.Bytes(), b) {
			t.Fatalf("re-encoding differs")
		}
		_ = Verify(p.Op(), Int(18), c, []byte("ctx"), p)
	})
}
