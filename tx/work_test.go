package tx_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/publica/publica/tx"
)

func TestRegisterWork(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)
	v := tx.FindRegisterWork("publica-dev", pub, 100, 12)
	if v < 100 || tx.RegisterWork("publica-dev", pub, v) < 12 {
		t.Fatalf("found valid-until %d with %d bits", v, tx.RegisterWork("publica-dev", pub, v))
	}
	// The work is bound to the chain and the key: on another chain, or for
	// another key, the same height is (almost surely) not enough.
	other := ed25519.NewKeyFromSeed(append(make([]byte, 31), 1)).Public().(ed25519.PublicKey)
	misses := 0
	for i := uint64(0); i < 8; i++ {
		w := tx.FindRegisterWork("publica-dev", pub, v+1+i*1000, 12)
		if tx.RegisterWork("publica-prod", pub, w) < 12 && tx.RegisterWork("publica-dev", other, w) < 12 {
			misses++
		}
	}
	if misses < 6 {
		t.Fatalf("work found for one chain and key held for another in %d of 8 cases", 8-misses)
	}
	if tx.FindRegisterWork("c", pub, 7, 0) != 7 {
		t.Fatal("no work asked: the first height")
	}
}

// BenchmarkRegisterWork: one hash; a 20-bit proof takes about 2^20 of them.
func BenchmarkRegisterWork(b *testing.B) {
	pub := ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)
	for i := 0; i < b.N; i++ {
		tx.RegisterWork("publica-dev", pub, uint64(i))
	}
}
