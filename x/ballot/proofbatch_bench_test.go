package ballot

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/publica/publica/crypto/elgamal"
)

// What Preverify spends a ballot: decoding it and verifying its proofs.
// Each iteration does it one ballot at a time as before (DecodeBallot +
// VerifyDecoded) and then through the batcher with size−1 ballots already
// queued, and counts the process's CPU time of each ("alone-µs/ballot",
// "batch-µs/ballot", "batch/alone"). The ballots have a single-choice
// question of 3 options and an approval question of 4 (batchBallots).
func BenchmarkPreverifyBatch(b *testing.B) {
	p, bs := batchBallots(b, 1000)
	encs := make([][]byte, len(bs))
	for i, bl := range bs {
		encs[i], _ = bl.Encode()
	}
	for _, size := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			var alone, batch time.Duration
			for b.Loop() {
				t0 := cpuTime(b)
				for _, enc := range encs[:size] {
					bl, err := elgamal.DecodeBallot(enc)
					if err != nil || bl.VerifyDecoded(p, enc) != nil {
						b.Fatal("ballot refused")
					}
				}
				t1 := cpuTime(b)
				pb := newProofBatcher()
				waiting := make([]elgamal.BatchEntry, size-1)
				for i := range waiting {
					bl, err := elgamal.DecodeBallot(encs[i])
					if err != nil {
						b.Fatal(err)
					}
					waiting[i] = elgamal.BatchEntry{Params: p, Ballot: bl}
				}
				jobs := pb.Waiting(waiting...)
				bl, err := elgamal.DecodeBallot(encs[size-1])
				if err != nil || !pb.Do(elgamal.BatchEntry{Params: p, Ballot: bl}) {
					b.Fatal("ballot refused")
				}
				for _, j := range jobs {
					if _, ok := j.Result(); !ok {
						b.Fatal("ballot refused")
					}
				}
				alone, batch = alone+t1-t0, batch+cpuTime(b)-t1
			}
			n := float64(b.N * size)
			b.ReportMetric(float64(alone.Microseconds())/n, "alone-µs/ballot")
			b.ReportMetric(float64(batch.Microseconds())/n, "batch-µs/ballot")
			b.ReportMetric(float64(batch)/float64(alone), "batch/alone")
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
