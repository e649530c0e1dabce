package elgamal

import (
	"bytes"
	"testing"
)

func FuzzDecodeBallot(f *testing.F) {
	p := testParams(f, QuestionSpec{Options: 3, Min: 1, Max: 2}, QuestionSpec{Options: 2, Min: 0, Max: 2})
	b, _ := encrypt(f, p, "fuzz-voter", "fuzz", []bool{true, false, true}, []bool{false, true})
	enc, _ := b.Encode()
	f.Add(enc)
	f.Add(enc[:100])
	f.Add([]byte{1, 1, 'e', 1, 'v', 0, 1, 0, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := DecodeBallot(in)
		if err != nil {
			return
		}
		re, err := got.Encode()
		if err != nil {
			t.Fatalf("decoded ballot does not encode: %v", err)
		}
		if !bytes.Equal(re, in) {
			t.Fatal("accepted input re-encodes differently")
		}
		// Verification (the on-chain path) of arbitrary decoded input must
		// not panic either.
		_ = got.Verify(p)
	})
}

func FuzzDecodePointScalar(f *testing.F) {
	f.Add(Generator().Bytes())
	f.Add(make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, in []byte) {
		if p, err := DecodePoint(in); err == nil {
			if !bytes.Equal(p.Bytes(), in) || !bytes.Equal(p.Element().Bytes(), in) {
				t.Fatal("accepted point re-encodes differently")
			}
		}
		if s, err := DecodeScalar(in); err == nil && !bytes.Equal(s.Bytes(), in) {
			t.Fatal("accepted scalar re-encodes differently")
		}
		if c, err := DecodeCiphertext(in); err == nil && !bytes.Equal(c.Bytes(), in) {
			t.Fatal("accepted ciphertext re-encodes differently")
		}
		if pd, err := DecodePartialDecryption(in); err == nil && !bytes.Equal(pd.Encode(), in) {
			t.Fatal("accepted partial decryption re-encodes differently")
		}
		if dc, err := DecodeDealerCommitments(in); err == nil && !bytes.Equal(dc.Encode(), in) {
			t.Fatal("accepted dealer commitments re-encode differently")
		}
		if op, err := DecodeOpening(in); err == nil {
			if re, err := op.Encode(); err != nil || !bytes.Equal(re, in) {
				t.Fatal("accepted opening re-encodes differently")
			}
		}
	})
}
