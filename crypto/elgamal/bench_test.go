package elgamal

import (
	"crypto/rand"
	"testing"
)

var approvalChoices = []bool{true, false, true, true, false}

func BenchmarkEncryptApproval5(b *testing.B) {
	p := approval5(b)
	for b.Loop() {
		if _, _, err := EncryptBallot(p, "acct-voter", [][]bool{approvalChoices}, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

func benchBallot(b *testing.B, p *ElectionParams, choices []bool) (*Ballot, []byte) {
	bl, _ := encrypt(b, p, "acct-voter", "bench", choices)
	enc, err := bl.Encode()
	if err != nil {
		b.Fatal(err)
	}
	return bl, enc
}

func BenchmarkVerifyApproval5Batched(b *testing.B) {
	p := approval5(b)
	bl, _ := benchBallot(b, p, approvalChoices)
	for b.Loop() {
		if err := bl.Verify(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyApproval5Unbatched(b *testing.B) {
	p := approval5(b)
	bl, _ := benchBallot(b, p, approvalChoices)
	for b.Loop() {
		if err := bl.VerifyUnbatched(p); err != nil {
			b.Fatal(err)
		}
	}
}

// Decoding included: what a validator does with the transaction bytes.
func BenchmarkDecodeAndVerifyApproval5(b *testing.B) {
	p := approval5(b)
	_, enc := benchBallot(b, p, approvalChoices)
	for b.Loop() {
		if _, err := DecodeAndVerify(enc, p); err != nil {
			b.Fatal(err)
		}
	}
}

// 5 options, choose 1 to 3: adds a 3-branch range proof.
func BenchmarkDecodeAndVerify5Choose1to3(b *testing.B) {
	p := testParams(b, QuestionSpec{Options: 5, Min: 1, Max: 3})
	_, enc := benchBallot(b, p, approvalChoices)
	for b.Loop() {
		if _, err := DecodeAndVerify(enc, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPartialDecryptAndVerify(b *testing.B) {
	s := runDKG(b, "e", 2, 3, "bench")
	ct := Encrypt(s.pk, 3, ScalarFromUint64(5))
	ctx := DecryptionContext{ElectionID: "e"}
	for b.Loop() {
		pd, err := PartialDecrypt(s.shares[0], ctx, ct, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		if err := VerifyPartialDecryption(s.vks[0], ctx, ct, pd); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPartialDecryption(b *testing.B) {
	s := runDKG(b, "e", 2, 3, "bench")
	ct := Encrypt(s.pk, 3, ScalarFromUint64(5))
	ctx := DecryptionContext{ElectionID: "e"}
	pd, _ := PartialDecrypt(s.shares[0], ctx, ct, rand.Reader)
	for b.Loop() {
		if err := VerifyPartialDecryption(s.vks[0], ctx, ct, pd); err != nil {
			b.Fatal(err)
		}
	}
}

// Table construction plus a worst-case-ish solve (value near the bound).
func BenchmarkBSGS100000(b *testing.B) {
	p := BaseMult(ScalarFromUint64(99_999))
	for b.Loop() {
		tab, err := NewDLogTable(100_000)
		if err != nil {
			b.Fatal(err)
		}
		if v, err := tab.Solve(p); err != nil || v != 99_999 {
			b.Fatal(v, err)
		}
	}
}

func BenchmarkBSGS100000SolveOnly(b *testing.B) {
	tab, _ := NewDLogTable(100_000)
	p := BaseMult(ScalarFromUint64(99_999))
	for b.Loop() {
		if _, err := tab.Solve(p); err != nil {
			b.Fatal(err)
		}
	}
}
