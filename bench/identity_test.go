package bench

import (
	"io"
	"testing"
	"time"
)

func TestIdentityBench(t *testing.T) {
	r, err := Identity(io.Discard, IdentityOptions{Credentials: 5, Duration: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verifications < 1 || r.PerSec <= 0 || r.PerSecNoProofs <= 0 || r.EligibilityPerSec <= 0 || r.ProveTime <= 0 {
		t.Fatalf("%+v", r)
	}
}
