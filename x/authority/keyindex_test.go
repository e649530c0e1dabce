package authority

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
)

// TestSparseKeyIndexAnswersAsTheDenseOne runs random account creations and
// key rotations against three stores: the dense index of protocols 1–3,
// the sparse index of protocol 4 from the start, and a dense one migrated
// (MakeKeyIndexSparse) part way. After every step each key must resolve to
// the same account (or none) in all three and every operation must succeed
// or fail alike; at the end the migrated store must hold exactly the
// sparse store's records, and the sparse index exactly the keys whose
// account id is not their own hash.
func TestSparseKeyIndexAnswersAsTheDenseOne(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { keyIndexRun(t, seed) })
	}
}

func keyIndexRun(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	var k Keeper
	pool := make([]ed25519.PublicKey, 12)
	for i := range pool {
		var s [32]byte
		s[0], s[1] = byte(seed), byte(i)
		pool[i] = ed25519.NewKeyFromSeed(s[:]).Public().(ed25519.PublicKey)
	}
	dense, sparse, migrated := store.OpenMemory().Working(), store.OpenMemory().Working(), store.OpenMemory().Working()
	if _, err := k.MakeKeyIndexSparse(sparse); err != nil {
		t.Fatal(err)
	}
	all := []store.KV{dense, sparse, migrated}
	migrateAt := rng.IntN(40)
	var ids []string
	for step := range 40 {
		if step == migrateAt {
			if _, err := k.MakeKeyIndexSparse(migrated); err != nil {
				t.Fatal(err)
			}
		}
		var op string
		var errsSeen []error
		switch r := rng.IntN(10); {
		case r < 4: // a registration
			pub := pool[rng.IntN(len(pool))]
			op = fmt.Sprintf("create %x", pub[:4])
			for _, kv := range all {
				_, err := k.CreateAccount(kv, pub)
				errsSeen = append(errsSeen, err)
			}
			if errsSeen[0] == nil {
				ids = append(ids, tx.AccountID(pub))
			}
		case r < 5: // an account restored from genesis under another id
			pub := pool[rng.IntN(len(pool))]
			id := tx.AccountID(pool[rng.IntN(len(pool))])
			op = fmt.Sprintf("restore %s with %x", id[:8], pub[:4])
			for _, kv := range all {
				_, err := k.createAccount(kv, id, pub)
				errsSeen = append(errsSeen, err)
			}
			if errsSeen[0] == nil {
				ids = append(ids, id)
			}
		default: // a rotation, back to an earlier key now and then
			if len(ids) == 0 {
				continue
			}
			id, pub := ids[rng.IntN(len(ids))], pool[rng.IntN(len(pool))]
			op = fmt.Sprintf("rotate %s to %x", id[:8], pub[:4])
			for _, kv := range all {
				errsSeen = append(errsSeen, k.RotateKey(kv, id, pub))
			}
		}
		for i := 1; i < 3; i++ {
			if (errsSeen[0] == nil) != (errsSeen[i] == nil) || (errsSeen[0] != nil && !errors.Is(errsSeen[i], ErrAccountExists) && !errors.Is(errsSeen[i], ErrUnknownAccount)) {
				t.Fatalf("step %d %s: dense %v, store %d %v", step, op, errsSeen[0], i, errsSeen[i])
			}
		}
		for _, pub := range pool {
			want := k.AccountIDByPubKey(dense, pub)
			for i, kv := range all[1:] {
				if got := k.AccountIDByPubKey(kv, pub); got != want {
					t.Fatalf("step %d %s: key %x: dense index says %q, store %d says %q", step, op, pub[:4], want, i+1, got)
				}
			}
			if want != "" {
				if a, _ := k.Account(dense, want); a == nil || a.PubKey != hex.EncodeToString(pub) {
					t.Fatalf("step %d %s: key %x resolves to %q, which it does not control", step, op, pub[:4], want)
				}
			}
		}
	}
	if migrateAt >= 40 {
		if _, err := k.MakeKeyIndexSparse(migrated); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := records(sparse), records(migrated); a != b {
		t.Fatalf("migrated store differs from the sparse one:\n%s\n--\n%s", b, a)
	}
	var indexed int
	sparse.Iterate([]byte(prefixPubKey), store.PrefixEnd([]byte(prefixPubKey)), false, func(key, id []byte) bool {
		pub, _ := ParsePubKey(string(key[len(prefixPubKey):]))
		if string(id) == tx.AccountID(pub) {
			t.Errorf("sparse index holds %x, whose account is its own hash", pub[:4])
		}
		indexed++
		return true
	})
	denseIndexed := 0
	dense.Iterate([]byte(prefixPubKey), store.PrefixEnd([]byte(prefixPubKey)), false, func(_, _ []byte) bool { denseIndexed++; return true })
	if denseIndexed != len(ids) || indexed > denseIndexed {
		t.Fatalf("dense index %d entries for %d accounts, sparse %d", denseIndexed, len(ids), indexed)
	}
}

func records(kv store.KV) string {
	var b bytes.Buffer
	kv.Iterate(nil, nil, false, func(k, v []byte) bool {
		fmt.Fprintf(&b, "%s=%s\n", k, v)
		return true
	})
	return b.String()
}

// TestMakeKeyIndexSparseInRounds migrates more entries than one round
// holds and leaves the entries of rotated keys.
func TestMakeKeyIndexSparseInRounds(t *testing.T) {
	kv := store.OpenMemory().Working()
	var k Keeper
	const n = 65536 + 700
	pubs := make([]ed25519.PublicKey, n)
	for i := range pubs {
		var s [32]byte
		s[0], s[1], s[2] = byte(i), byte(i>>8), byte(i>>16)
		pubs[i] = ed25519.NewKeyFromSeed(s[:]).Public().(ed25519.PublicKey)
		if _, err := k.CreateAccount(kv, pubs[i]); err != nil {
			t.Fatal(err)
		}
	}
	var s [32]byte
	s[31] = 1
	rotated := ed25519.NewKeyFromSeed(s[:]).Public().(ed25519.PublicKey)
	if err := k.RotateKey(kv, tx.AccountID(pubs[5]), rotated); err != nil {
		t.Fatal(err)
	}
	deleted, err := k.MakeKeyIndexSparse(kv)
	if err != nil || deleted != n-1 {
		t.Fatalf("deleted %d of %d redundant entries: %v", deleted, n-1, err)
	}
	left := 0
	kv.Iterate([]byte(prefixPubKey), store.PrefixEnd([]byte(prefixPubKey)), false, func(_, _ []byte) bool { left++; return true })
	if left != 1 || k.AccountIDByPubKey(kv, rotated) != tx.AccountID(pubs[5]) || k.AccountIDByPubKey(kv, pubs[5]) != "" ||
		k.AccountIDByPubKey(kv, pubs[n-1]) != tx.AccountID(pubs[n-1]) {
		t.Fatalf("after the migration: %d entries left; rotated key → %q", left, k.AccountIDByPubKey(kv, rotated))
	}
	if again, err := k.MakeKeyIndexSparse(kv); err != nil || again != 0 {
		t.Fatalf("second migration deleted %d: %v", again, err)
	}
}
