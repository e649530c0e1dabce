package module

import (
	"fmt"
	"strconv"
	"time"

	"github.com/publica/publica/store"
)

// The block-time index: app/blocktime/<height, 20 digits> holds the time
// of that block (RFC 3339, UTC). The application writes it at the start of
// every block; modules only read it, through the functions below, so its
// key is spelled in one place.
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

// HeightAt is the last block whose time is at or before t, found by binary
// search over the index; ok is false when no block is that old.
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
	timeOf := func(h int64) time.Time {
		tt, _ := BlockTime(kv, h)
		return tt
	}
	if lo < 0 || timeOf(lo).After(t) {
		return 0, false
	}
	for lo < hi { // invariant: time(lo) ≤ t
		mid := lo + (hi-lo+1)/2
		if timeOf(mid).After(t) {
			hi = mid - 1
		} else {
			lo = mid
		}
	}
	return lo, true
}
