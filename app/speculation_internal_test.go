package app

import (
	"testing"

	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

// emptyKV is a state with no keys.
type emptyKV struct{}

func (emptyKV) Get([]byte) []byte                                       { return nil }
func (emptyKV) Has([]byte) bool                                         { return false }
func (emptyKV) Set([]byte, []byte)                                      {}
func (emptyKV) Delete([]byte)                                           {}
func (emptyKV) Iterate([]byte, []byte, bool, func([]byte, []byte) bool) {}

// A run ahead is kept unless a key it read, or a key inside a range it
// iterated, was written or deleted before it in the block or by its own
// authentication, or it ran for other signers.
func TestKeptForChecksWhatWasRead(t *testing.T) {
	signers := []module.Signer{{Account: "clerk", PubKey: []byte{1}}, {Account: "alice", PubKey: []byte{2}}}
	ran := func() *speculation {
		reads := &readRecorder{parent: emptyKV{}}
		reads.Get([]byte("land/title/T1"))
		reads.Has([]byte("land/role/clerk"))
		reads.Iterate([]byte("land/grid/b"), []byte("land/grid/d"), false, func(_, _ []byte) bool { return true })
		reads.Iterate([]byte("zz"), nil, true, func(_, _ []byte) bool { return true })
		return &speculation{signers: signers, reads: reads, writes: store.NewCache(reads)}
	}
	for _, c := range []struct {
		name        string
		block, ante []string // keys written (a trailing "-" deletes)
		signers     []module.Signer
		kept        bool
	}{
		{"nothing written", nil, nil, signers, true},
		{"other keys written", []string{"land/title/T2", "land/grid/a", "land/grid/d", "land/history/P0/9"}, []string{"authority/account/clerk"}, signers, true},
		{"a key read written", []string{"land/title/T1"}, nil, signers, false},
		{"a key read deleted", []string{"land/role/clerk-"}, nil, signers, false},
		{"a key read written by the authentication", nil, []string{"land/title/T1"}, signers, false},
		{"a key inside a range", []string{"land/grid/c"}, nil, signers, false},
		{"a range's first key", []string{"land/grid/b"}, nil, signers, false},
		{"a key in an unbounded range", []string{"zzz"}, nil, signers, false},
		{"a key inside a range, by the authentication", nil, []string{"land/grid/bb"}, signers, false},
		{"another co-signer", nil, nil, []module.Signer{signers[0], {Account: "bob", PubKey: []byte{3}}}, false},
		{"a signer fewer", nil, nil, signers[:1], false},
	} {
		block, ante := store.NewCache(emptyKV{}), store.NewCache(emptyKV{})
		for _, w := range []struct {
			c    *store.Cache
			keys []string
		}{{block, c.block}, {ante, c.ante}} {
			for _, k := range w.keys {
				if k[len(k)-1] == '-' {
					w.c.Delete([]byte(k[:len(k)-1]))
				} else {
					w.c.Set([]byte(k), []byte("v"))
				}
			}
		}
		if got := ran().keptFor(c.signers, block, ante); got != c.kept {
			t.Errorf("%s: kept %v, want %v", c.name, got, c.kept)
		}
	}
}
