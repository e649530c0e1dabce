package bench

import (
	"bytes"
	"io"
	"testing"
)

// TestLandSmall runs the land benchmark at a small size: the transfers
// must all succeed and the proof must verify.
func TestLandSmall(t *testing.T) {
	for _, one := range []bool{false, true} {
		var prof bytes.Buffer
		r, err := Land(io.Discard, LandOptions{Parcels: 2000, Transfers: 300, PerBlock: 100, OneTransaction: one, CPUProfile: &prof})
		if err != nil {
			t.Fatal(err)
		}
		if r.Transfers != 300 || r.TransfersPerSec <= 0 || r.ProofBytes == 0 || r.ProofVerify <= 0 || r.CPUPerTransfer <= 0 ||
			r.FinalizeShare <= 0 || r.FinalizeShare >= 1 {
			t.Fatalf("%+v", r)
		}
		// A CPU profile is gzip-compressed protobuf.
		if b := prof.Bytes(); len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Fatalf("the CPU profile is not a gzip stream: % x", b[:min(len(b), 8)])
		}
	}
}
