package module

import (
	"fmt"
	"strconv"
	"time"

	"github.com/publica/publica/store"
)

// The block-time index: app/blocktime/<height, 20 digits> holds the time
// of that block (RFC 3339, UTC). The application writes it in every block
// that has transactions (an empty block changes no state, so the chain
// can make blocks only when there is something to record); modules only
// read it, through the functions below, so its key is spelled in one
// place.
const prefixBlockTime = "app/blocktime/"

// BlockTimeKey is the state key holding the time of block height.
func BlockTimeKey(height int64) []byte {
	return []byte(fmt.Sprintf("%s%020d", prefixBlockTime, height))
}

// BlockTime is the recorded time of block height; ok is false when the
// index has no such block.
func BlockTime(kv store.KV, height int64) (t time.Time, ok bool) {
	b := kv.Get(BlockTimeKey(height))
	if b == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	return t, err == nil
}

// LatestBlockTime is the time of the latest recorded block at or before
// height (the last one that could change state) and that block's height;
// ok is false when the index has none.
func LatestBlockTime(kv store.KV, height int64) (t time.Time, at int64, ok bool) {
	prefix := []byte(prefixBlockTime)
	kv.Iterate(prefix, BlockTimeKey(height+1), true, func(k, v []byte) bool {
		h, err := strconv.ParseInt(string(k[len(prefix):]), 10, 64)
		if tt, terr := time.Parse(time.RFC3339Nano, string(v)); err == nil && terr == nil {
			t, at, ok = tt, h, true
		}
		return false
	})
	return t, at, ok
}

// HeightAt is the last recorded block whose time is at or before t (the
// state of any later block up to the next recorded one is the same: those
// blocks had no transactions), found by binary search over the index; ok
// is false when no block is that old.
func HeightAt(kv store.KV, t time.Time) (height int64, ok bool) {
	prefix := []byte(prefixBlockTime)
	var lo, hi int64 = -1, -1
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(k, _ []byte) bool {
		lo, _ = strconv.ParseInt(string(k[len(prefix):]), 10, 64)
		return false
	})
	kv.Iterate(prefix, store.PrefixEnd(prefix), true, func(k, _ []byte) bool {
		hi, _ = strconv.ParseInt(string(k[len(prefix):]), 10, 64)
		return false
	})
	// The latest recorded time at or before h never decreases with h.
	timeOf := func(h int64) time.Time {
		tt, _, _ := LatestBlockTime(kv, h)
		return tt
	}
	if lo < 0 || timeOf(lo).After(t) {
		return 0, false
	}
	for lo < hi { // invariant: timeOf(lo) ≤ t
		mid := lo + (hi-lo+1)/2
		if timeOf(mid).After(t) {
			hi = mid - 1
		} else {
			lo = mid
		}
	}
	_, at, _ := LatestBlockTime(kv, lo)
	return at, true
}
