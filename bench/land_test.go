package bench

import (
	"io"
	"testing"
)

// TestLandSmall runs the land benchmark at a small size: the transfers
// must all succeed and the proof must verify.
func TestLandSmall(t *testing.T) {
	for _, one := range []bool{false, true} {
		r, err := Land(io.Discard, LandOptions{Parcels: 2000, Transfers: 300, PerBlock: 100, OneTransaction: one})
		if err != nil {
			t.Fatal(err)
		}
		if r.Transfers != 300 || r.TransfersPerSec <= 0 || r.ProofBytes == 0 || r.ProofVerify <= 0 || r.CPUPerTransfer <= 0 {
			t.Fatalf("%+v", r)
		}
	}
}
