package store

import (
	"bytes"
	"fmt"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
)

// TestNoSyncSameHashes: a store that does not wait for the disk saves the
// same versions, with the same hashes, as one that does, and reopens.
func TestNoSyncSameHashes(t *testing.T) {
	for _, split := range []string{DefaultSplit, NoSplit} {
		stores := map[bool]*Store{}
		dirs := map[bool]string{}
		for _, noSync := range []bool{false, true} {
			opts := DefaultOptions()
			opts.NoSync, opts.Split = noSync, split
			dirs[noSync] = t.TempDir()
			s, err := Open(dirs[noSync], dbm.PebbleDBBackend, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SetSplit(split); err != nil {
				t.Fatal(err)
			}
			stores[noSync] = s
		}
		for v := range 20 {
			var hashes [2][]byte
			for i, noSync := range []bool{false, true} {
				s := stores[noSync]
				for k := range 30 {
					key := fmt.Sprintf("%s%03d", []string{"app/", "land/parcel/", "land/title/"}[k%3], (v*7+k)%50)
					if k%5 == 4 {
						s.Working().Delete([]byte(key))
					} else {
						s.Working().Set([]byte(key), fmt.Appendf(nil, "v%d.%d", v, k))
					}
				}
				h, _, err := s.Commit()
				if err != nil {
					t.Fatal(err)
				}
				hashes[i] = h
			}
			if !bytes.Equal(hashes[0], hashes[1]) {
				t.Fatalf("split %q version %d: synced %X, not synced %X", split, v+1, hashes[0], hashes[1])
			}
		}
		want := stores[false].Hash()
		for _, s := range stores {
			s.Close()
		}
		opts := DefaultOptions()
		opts.NoSync = true
		s, err := Open(dirs[true], dbm.PebbleDBBackend, opts)
		if err != nil {
			t.Fatal(err)
		}
		if s.Version() != 20 || !bytes.Equal(s.Hash(), want) || s.Split() != split {
			t.Fatalf("reopened at %d with %X split %q, want 20 with %X split %q", s.Version(), s.Hash(), s.Split(), want, split)
		}
		s.Close()
	}
}
