package app

import (
	"bytes"
	"slices"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

// A transaction's run ahead (runAhead) is its handler run against the
// state as it was before the block. When nothing that run read has been
// written since, by the block's earlier transactions or by this
// transaction's own authentication (its signer's sequence), the handler
// run in the block would read the same values and so, being
// deterministic, write, return and emit the same: the block keeps the
// run ahead's outcome instead of running the handler a second time.
// Whether a run ahead was ready in time changes how much CPU the block
// spends, never its outcome.

// speculation is one transaction's handler as run ahead: the signers it
// ran for, what it read from the state before the block, and what it
// wrote, returned and emitted.
type speculation struct {
	signers []module.Signer
	reads   *readRecorder
	writes  *store.Cache
	data    []byte
	events  []abci.Event
}

// keptFor reports whether the block may keep s for its transaction, now
// authenticated as signers, with the block's writes so far in block and
// the transaction's authentication's in ante.
func (s *speculation) keptFor(signers []module.Signer, block, ante *store.Cache) bool {
	if !slices.EqualFunc(s.signers, signers, func(a, b module.Signer) bool {
		return a.Account == b.Account && bytes.Equal(a.PubKey, b.PubKey)
	}) {
		return false
	}
	for _, k := range s.reads.keys {
		if block.Wrote(k) || ante.Wrote(k) {
			return false
		}
	}
	for _, r := range s.reads.ranges {
		if block.WroteIn(r.start, r.end) || ante.WroteIn(r.start, r.end) {
			return false
		}
	}
	return true
}

// keyRange is [start, end) as Iterate takes it (nil end: unbounded).
type keyRange struct{ start, end []byte }

// readRecorder passes a handler's reads to parent and records the keys
// and ranges read. It sits under the handler's write buffer, so it sees
// only what the handler read from the state, not its own writes read
// back; the handler never writes through it.
type readRecorder struct {
	parent store.KV
	keys   []string
	ranges []keyRange
}

func (r *readRecorder) Get(key []byte) []byte {
	r.keys = append(r.keys, string(key))
	return r.parent.Get(key)
}

func (r *readRecorder) Has(key []byte) bool { return r.Get(key) != nil }

func (r *readRecorder) Set([]byte, []byte) {
	panic("read recorder: a write reached the state read ahead")
}
func (r *readRecorder) Delete([]byte) { panic("read recorder: a write reached the state read ahead") }

func (r *readRecorder) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	r.ranges = append(r.ranges, keyRange{bytes.Clone(start), bytes.Clone(end)})
	r.parent.Iterate(start, end, reverse, fn)
}
