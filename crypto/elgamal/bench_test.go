package elgamal

import (
	"crypto/rand"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/gtank/ristretto255"
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

// Batches of 5-option approval ballots (30 points a ballot): each
// iteration verifies the same ballots one at a time with Verify and then
// together with VerifyBallots, and the process's CPU time of each is
// counted ("alone-µs/ballot", "batch-µs/ballot", "batch/alone"), so the
// two are compared in the same run and other jobs on the machine do not
// count.
func BenchmarkVerifyBallots(b *testing.B) {
	p := approval5(b)
	ballots := make([]*Ballot, 1000)
	for i := range ballots {
		ballots[i], _ = encrypt(b, p, fmt.Sprintf("acct-voter-%d", i), fmt.Sprint("bench-", i), approvalChoices)
	}
	// 5 and 20: the batches Preverify sees in the network; 16: a run of
	// FinalizeBlock's pre-check (docs/ballot.md).
	for _, size := range []int{1, 5, 10, 16, 20, 100, 1000} {
		entries := make([]BatchEntry, size)
		for i := range entries {
			entries[i] = BatchEntry{Params: p, Ballot: ballots[i]}
		}
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			var alone, batch time.Duration
			for b.Loop() {
				t0 := cpuTime(b)
				for _, e := range entries {
					if err := e.Ballot.Verify(p); err != nil {
						b.Fatal(err)
					}
				}
				t1 := cpuTime(b)
				errs, err := VerifyBallots(entries, rand.Reader)
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range errs {
					if e != nil {
						b.Fatal(e)
					}
				}
				alone, batch = alone+t1-t0, batch+cpuTime(b)-t1
			}
			reportBatch(b, size, alone, batch)
		})
	}
}

// cpuTime is the process's user and system CPU time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportBatch(b *testing.B, size int, alone, batch time.Duration) {
	n := float64(b.N * size)
	b.ReportMetric(float64(alone.Microseconds())/n, "alone-µs/ballot")
	b.ReportMetric(float64(batch.Microseconds())/n, "batch-µs/ballot")
	b.ReportMetric(float64(batch)/float64(alone), "batch/alone")
}

// Straus's (the library's) and Pippenger's multi-scalar multiplication on
// n points with a ballot batch's scalars: two thirds 128-bit weights, one
// third full-width; "ns/point".
func BenchmarkMSM(b *testing.B) {
	for _, n := range []int{128, 320, 640, 3200, 32000} {
		rnd := DeterministicReader("msm bench")
		scalars := make([]*ristretto255.Scalar, n)
		points := make([]*ristretto255.Element, n)
		for i := range n {
			s, _ := RandomScalar(rnd)
			if i%3 != 2 {
				var w [32]byte
				copy(w[:16], s.Bytes()[:16])
				s, _ = ristretto255.NewScalar().SetCanonicalBytes(w[:])
			}
			scalars[i] = s
			r, _ := RandomScalar(rnd)
			points[i] = ristretto255.NewElement().ScalarBaseMult(r)
		}
		for _, m := range []struct {
			name string
			f    func([]*ristretto255.Scalar, []*ristretto255.Element) *ristretto255.Element
		}{
			{"straus", ristretto255.NewElement().VarTimeMultiScalarMult},
			{"pippenger", pippenger},
		} {
			if m.name == "straus" && n > 3200 {
				continue // its tables alone would take 40 MB
			}
			b.Run(fmt.Sprintf("%s-%d", m.name, n), func(b *testing.B) {
				for b.Loop() {
					m.f(scalars, points)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/point")
			})
		}
	}
}

// Decoding alone: every point of the ballot (30 for 5 options), and only
// the ciphertexts (10), as a re-vote reads the previous ballot.
func BenchmarkDecodeBallotApproval5(b *testing.B) {
	_, enc := benchBallot(b, approval5(b), approvalChoices)
	for b.Loop() {
		if _, err := DecodeBallot(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeCiphertextsApproval5(b *testing.B) {
	_, enc := benchBallot(b, approval5(b), approvalChoices)
	for b.Loop() {
		if _, err := DecodeCiphertexts(enc); err != nil {
			b.Fatal(err)
		}
	}
}
