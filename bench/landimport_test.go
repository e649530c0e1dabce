package bench

import (
	"io"
	"testing"
	"time"
)

// A small import through a real node: every parcel registered, figures
// filled in. The 100,000-parcel run is `publica bench`.
func TestLandImport(t *testing.T) {
	r, err := LandImport(io.Discard, ImportOptions{Parcels: 2000, BlockInterval: 100 * time.Millisecond, Batch: 500, Titles: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Registered != 2000 || r.Transactions != 4 || r.ParcelsPerSec <= 0 || r.CPUPerParcel <= 0 || r.PeakRSSBytes == 0 {
		t.Fatalf("%+v", r)
	}
	if r.TitlesRegistered != 2000 || r.TitleTransactions != 4 || r.TitlesPerSec <= 0 || r.CPUPerTitle <= 0 {
		t.Fatalf("titles: %+v", r)
	}
}
