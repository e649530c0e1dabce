package elgamal

import (
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
)

// Verifying many ballots at once. Ballot.Verify already folds one ballot's
// equations into one multi-scalar multiplication; VerifyBallots folds the
// equations of many ballots, in one election or several, into one, with
// weights read from a random source. The ballots then share the
// multiplication's doublings and the terms of G and of each election key,
// and past a few hundred points the multiplication switches from Straus's
// method to Pippenger's bucket method, whose cost a point falls as the
// batch grows (see msm).

// BatchEntry is one ballot for VerifyBallots.
type BatchEntry struct {
	Params *ElectionParams
	Ballot *Ballot
}

// VerifyBallots verifies every entry's ballot against its parameters and
// returns one result per entry: nil exactly where Ballot.Verify would
// return nil, otherwise the error Verify returns.
//
// Each ballot's Fiat–Shamir sums are checked on their own (an entry that
// fails them, or whose shape does not match its parameters, gets Verify's
// error at once and is left out of the batch). The branch equations of all
// the others are combined with 128-bit weights derived from a 64-byte seed
// read from rnd, and checked in one multi-scalar multiplication. If it
// fails, every ballot of the batch is verified alone with Verify, so
// exactly the bad ones are refused, with Verify's error.
//
// Soundness: for any fixed set of equations with at least one false, the
// combination is the identity for at most one value of that equation's
// weight (the group has prime order), so a batch with a false equation
// passes with probability ≤ 2⁻¹²⁸ over the seed, provided the ballots were
// fixed before the seed was drawn. rnd must therefore be a source the
// ballots' authors cannot predict — crypto/rand.Reader outside consensus,
// or, inside it, a stream seeded from everything the batch contains
// (DeterministicReader over a hash of the block and of every ballot), which
// is the Fiat–Shamir argument Verify already relies on. A weight stream
// seeded per ballot (Verify's) must not be reused across ballots: an
// author of many ballots could then make their errors cancel.
func VerifyBallots(entries []BatchEntry, rnd io.Reader) ([]error, error) {
	errs, in, bc, err := combineBallots(entries, rnd)
	if err != nil {
		return nil, err
	}
	if bc == nil || bc.verify() == nil {
		return errs, nil
	}
	for i, e := range entries {
		if in[i] {
			errs[i] = e.Ballot.Verify(e.Params)
		}
	}
	return errs, nil
}

// combineBallots adds the equations of every entry that passes its own
// checks to one batchChecker (nil if none does) and reports, per entry,
// the error of those checks and whether its equations are in.
func combineBallots(entries []BatchEntry, rnd io.Reader) (errs []error, in []bool, bc *batchChecker, err error) {
	errs = make([]error, len(entries))
	in = make([]bool, len(entries))
	if len(entries) == 0 {
		return errs, in, nil, nil
	}
	bc = &batchChecker{}
	if _, err := io.ReadFull(rnd, bc.seed[:]); err != nil {
		return nil, nil, nil, fmt.Errorf("elgamal: reading batch seed: %w", err)
	}
	n := 0
	for i, e := range entries {
		if e.Params == nil || e.Ballot == nil {
			errs[i] = fmt.Errorf("%w: batch entry %d without ballot or parameters", ErrParams, i)
			continue
		}
		mark := bc.begin(e.Params.PublicKey)
		if err := e.Ballot.verify(e.Params, bc); err != nil {
			bc.rollback(mark)
			errs[i] = err
			continue
		}
		in[i] = true
		n++
	}
	if n == 0 {
		bc = nil
	}
	return errs, in, bc, nil
}

// msm returns Σ scalars[i]·points[i], in variable time. Small inputs use
// the library's Straus multiplication (a table of odd multiples per point,
// 256 shared doublings); from pippengerMin points on, Pippenger's bucket
// method, which adds each point once per window of c bits of its scalar
// (a 128-bit weight only in the low windows) and pays 2^c additions a
// window to sum the buckets.
func msm(scalars []*ristretto255.Scalar, points []*ristretto255.Element) *ristretto255.Element {
	if len(scalars) != len(points) {
		panic("elgamal: msm of different lengths")
	}
	if len(points) < pippengerMin {
		return ristretto255.NewElement().VarTimeMultiScalarMult(scalars, points)
	}
	return pippenger(scalars, points)
}

// pippengerMin is where Pippenger's method becomes cheaper than Straus's
// with this library, and pippengerWindow the window that costs least for n
// points, measured with BenchmarkMSM for ballots' mix of scalars (two
// thirds 128-bit weights, one third full-width): at 3,200 points
// Pippenger's method costs 0.6 of Straus's a point, at 32,000 0.5.
const pippengerMin = 320

func pippengerWindow(n int) int {
	switch {
	case n < 500:
		return 6
	case n < 1200:
		return 7
	case n < 2500:
		return 8
	case n < 8000:
		return 9
	case n < 20000:
		return 10
	}
	return 11
}

func pippenger(scalars []*ristretto255.Scalar, points []*ristretto255.Element) *ristretto255.Element {
	return pippengerC(scalars, points, pippengerWindow(len(points)))
}

// pippengerC is Pippenger's method with windows of c ≤ 15 bits.
func pippengerC(scalars []*ristretto255.Scalar, points []*ristretto255.Element, c int) *ristretto255.Element {
	n := len(points)
	// Signed digits in [−2^(c−1), 2^(c−1)]: scalars are below 2^253, and
	// one more window takes the last carry.
	windows := (253+c-1)/c + 1
	digits := make([]int16, n*windows)
	half, full := 1<<(c-1), 1<<c
	for i, s := range scalars {
		b := s.Bytes()
		carry := 0
		for w := 0; w < windows; w++ {
			v := bitsAt(b, w*c, c) + carry
			carry = 0
			if v > half {
				v -= full
				carry = 1
			}
			digits[i*windows+w] = int16(v)
		}
	}
	buckets := make([]ristretto255.Element, half)
	used := make([]bool, half)
	acc := ristretto255.NewIdentityElement()
	running, sum := ristretto255.NewElement(), ristretto255.NewElement()
	for w := windows - 1; w >= 0; w-- {
		for k := 0; k < c; k++ {
			acc.Add(acc, acc)
		}
		clear(used)
		any := false
		for i := 0; i < n; i++ {
			d := int(digits[i*windows+w])
			switch {
			case d > 0:
				if used[d-1] {
					buckets[d-1].Add(&buckets[d-1], points[i])
				} else {
					buckets[d-1].Set(points[i])
					used[d-1] = true
				}
				any = true
			case d < 0:
				if used[-d-1] {
					buckets[-d-1].Subtract(&buckets[-d-1], points[i])
				} else {
					buckets[-d-1].Negate(points[i])
					used[-d-1] = true
				}
				any = true
			}
		}
		if !any {
			continue
		}
		// Σ_j (j+1)·bucket[j] as a running sum from the top bucket down.
		running.Zero()
		sum.Zero()
		started := false
		for j := half - 1; j >= 0; j-- {
			if used[j] {
				running.Add(running, &buckets[j])
				started = true
			}
			if started {
				sum.Add(sum, running)
			}
		}
		acc.Add(acc, sum)
	}
	return acc
}

// bitsAt returns the n ≤ 16 bits of the little-endian b starting at bit
// off (zero past the end).
func bitsAt(b []byte, off, n int) int {
	var v uint32
	for i := 0; i < 4; i++ {
		if j := off/8 + i; j < len(b) {
			v |= uint32(b[j]) << (8 * i)
		}
	}
	return int(v>>(off%8)) & (1<<n - 1)
}
