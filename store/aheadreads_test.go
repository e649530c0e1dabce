package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestReadAheadValuesServeTheBlockUntilTheTreesChange reads keys ahead
// (present and absent, on both sides of the split), then requires the
// working trees to answer every key as a fresh store holding the same
// records does, after writes through the block's flush, a delete, a
// commit, and more reads ahead between them: a value read ahead is served
// only while the trees still hold it.
func TestReadAheadValuesServeTheBlockUntilTheTreesChange(t *testing.T) {
	s, err := OpenMemoryWith(Options{Split: "k20"})
	if err != nil {
		t.Fatal(err)
	}
	model := map[string][]byte{}
	rng := rand.New(rand.NewPCG(7, 7))
	key := func() []byte { return fmt.Appendf(nil, "k%02d", rng.IntN(40)) }
	check := func(step string) {
		t.Helper()
		for i := range 40 {
			k := fmt.Appendf(nil, "k%02d", i)
			if got, want := s.Working().Get(k), model[string(k)]; !bytes.Equal(got, want) || (got == nil) != (want == nil) {
				t.Fatalf("%s: %s is %q, want %q", step, k, got, want)
			}
		}
	}
	for version := 1; version <= 30; version++ {
		ahead := s.ReadAhead()
		for range 20 {
			k := key()
			if got, want := ahead.Get(k), model[string(k)]; !bytes.Equal(got, want) {
				t.Fatalf("version %d: %s read ahead is %q, want %q", version, k, got, want)
			}
		}
		check("read ahead")
		if len(s.ahead.values) == 0 {
			t.Fatalf("version %d: nothing kept from the reads ahead", version)
		}
		block := NewCache(s.Working())
		for range rng.IntN(10) + 1 {
			k := key()
			if rng.IntN(4) == 0 {
				block.Delete(k)
				delete(model, string(k))
				continue
			}
			v := fmt.Appendf(nil, "v%d-%d", version, rng.IntN(1000))
			block.Set(k, v)
			model[string(k)] = v
		}
		block.Write()
		check("after the flush")
		if rng.IntN(2) == 0 {
			s.ReadAhead().Get(key())
			k := key()
			s.Working().Delete(k)
			delete(model, string(k))
			check("after a delete")
		}
		s.ReadAhead().Get(key())
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		if len(s.ahead.values) != 0 {
			t.Fatalf("version %d: %d values kept past the commit", version, len(s.ahead.values))
		}
		check("after the commit")
	}
}

// TestReadAheadWritesReadsEachKeyOnceUntilTheTreesChange reads ahead the
// writes of a block's keys from several workers and then again: each key
// is read once (by whichever call claims it first, or by a read ahead of
// the key) until the trees change or the store commits, and then once
// more.
func TestReadAheadWritesReadsEachKeyOnceUntilTheTreesChange(t *testing.T) {
	s, err := OpenMemoryWith(Options{Split: "k20"})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for i := range 40 {
		keys = append(keys, fmt.Sprintf("k%02d", i))
		s.Working().Set([]byte(keys[i]), []byte("v"))
	}
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := s.ReadAheadWrites(keys[:10], 1); n != 10 {
		t.Fatalf("first read of 10 keys' writes read %d", n)
	}
	if n := s.ReadAheadWrites(keys, 8); n != 30 {
		t.Fatalf("40 keys, 10 read already: read %d, want 30", n)
	}
	if n := s.ReadAheadWrites(keys, 8); n != 0 {
		t.Fatalf("all read already: read %d, want 0", n)
	}
	s.Working().Set([]byte("k05"), []byte("w"))
	if n := s.ReadAheadWrites(keys[:3], 1); n != 3 {
		t.Fatalf("after a write: read %d of 3, want 3", n)
	}
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := s.ReadAheadWrites(keys, 4); n != 40 {
		t.Fatalf("after the commit: read %d of 40, want 40", n)
	}
	// A key read ahead was read for its write too.
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys[:5] {
		s.ReadAhead().Get([]byte(k))
	}
	s.ReadAhead().Get([]byte("absent"))
	if n := s.ReadAheadWrites(append(keys[:6:6], "absent"), 2); n != 1 {
		t.Fatalf("6 keys, 5 read ahead, and one absent key read ahead: read %d, want 1", n)
	}
}
