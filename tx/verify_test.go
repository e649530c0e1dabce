package tx

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

func numberedKey(i int) ed25519.PrivateKey {
	var seed [32]byte
	binary.BigEndian.PutUint64(seed[:], uint64(i)+1)
	return ed25519.NewKeyFromSeed(seed[:])
}

func signedTx(seq uint64, signers ...int) *Tx {
	t := &Tx{ChainID: "c", Sequence: seq, ValidUntil: 9, MsgType: "m/x", Msg: []byte(`{}`)}
	for _, s := range signers {
		t.Sign(numberedKey(s))
	}
	return t
}

// TestVerifyBatchAgrees: for batches mixing good transactions with every
// kind of bad signature, VerifyBatch reports exactly what VerifySignatures
// reports for each transaction, error text included.
func TestVerifyBatchAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	corruptions := []func(x *Tx){
		func(x *Tx) {}, // good
		func(x *Tx) { x.Signatures[rng.IntN(len(x.Signatures))].Sig[rng.IntN(64)] ^= 1 << rng.IntN(8) },
		func(x *Tx) { x.Sequence++ }, // signed bytes changed after signing
		func(x *Tx) { x.Signatures[len(x.Signatures)-1].PubKey = numberedKey(999).Public().(ed25519.PublicKey) },
		func(x *Tx) { // a signature copied from another transaction
			x.Signatures[0].Sig = signedTx(77, 0).Signatures[0].Sig
		},
		func(x *Tx) { x.Signatures = nil },
	}
	bad := 0
	for round := range 30 {
		n := 1 + rng.IntN(40)
		txs := make([]*Tx, n)
		for i := range txs {
			signers := make([]int, 1+rng.IntN(3))
			for j := range signers {
				signers[j] = rng.IntN(20)
			}
			txs[i] = signedTx(uint64(round*100+i), signers...)
			if rng.IntN(4) == 0 {
				corruptions[1+rng.IntN(len(corruptions)-1)](txs[i])
			}
		}
		if rng.IntN(5) == 0 {
			txs[rng.IntN(n)] = nil // skipped
		}
		got := VerifyBatch(txs)
		for i, x := range txs {
			var want error
			if x != nil {
				want = x.VerifySignatures()
			}
			if (got[i] == nil) != (want == nil) || (want != nil && got[i].Error() != want.Error()) {
				t.Fatalf("round %d tx %d: batch says %v, one by one %v", round, i, got[i], want)
			}
			if want != nil {
				bad++
			}
		}
	}
	if bad == 0 {
		t.Fatal("no bad transaction was generated")
	}
}

// TestZIP215SmallOrderKey: a signature that only the ZIP-215 rules define
// (identity public key and R, s = 0: it "signs" every message) gets the
// same answer alone and in a batch, which is what lets nodes batch.
func TestZIP215SmallOrderKey(t *testing.T) {
	identity, _ := hex.DecodeString("0100000000000000000000000000000000000000000000000000000000000000")
	sig := make([]byte, 64)
	copy(sig, identity)
	x := &Tx{ChainID: "c", ValidUntil: 9, MsgType: "m/x", Msg: []byte(`{}`),
		Signatures: []Signature{{PubKey: identity, Sig: sig}}}
	single := x.VerifySignatures()
	batch := VerifyBatch([]*Tx{signedTx(1, 3), x, signedTx(2, 4)})
	if (single == nil) != (batch[1] == nil) || batch[0] != nil || batch[2] != nil {
		t.Fatalf("alone: %v, in a batch: %v", single, batch)
	}
}

// FuzzVerifyBatch: for any decodable transaction, alone or beside a good
// one, batch and one-by-one verification agree.
func FuzzVerifyBatch(f *testing.F) {
	f.Add(signedTx(1, 1, 2).Encode())
	bad := signedTx(2, 3)
	bad.Signatures[0].Sig[5] ^= 4
	f.Add(bad.Encode())
	good := signedTx(3, 5, 6)
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := Decode(b)
		if err != nil {
			return
		}
		want := x.VerifySignatures()
		got := VerifyBatch([]*Tx{good, x})
		if got[0] != nil || (got[1] == nil) != (want == nil) {
			t.Fatalf("batch %v, alone %v", got, want)
		}
	})
}

// BenchmarkVerify compares one-by-one and batched verification of 16
// transactions of 3 signatures (a land/transfer's), the pre-check's unit.
func BenchmarkVerify(b *testing.B) {
	txs := make([]*Tx, 16)
	for i := range txs {
		txs[i] = signedTx(uint64(i), i, 100+i, 200+i)
	}
	b.Run("one-by-one", func(b *testing.B) {
		for b.Loop() {
			for _, x := range txs {
				if x.VerifySignatures() != nil {
					b.Fatal("bad")
				}
			}
		}
	})
	b.Run("batch", func(b *testing.B) {
		for b.Loop() {
			for _, err := range VerifyBatch(txs) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
