package module_test

import (
	"bytes"
	"sort"
	"testing"
	"time"

	"github.com/publica/publica/module"
)

// memKV is a sorted in-memory store.KV for the index's read functions.
type memKV map[string][]byte

func (m memKV) Get(k []byte) []byte { return m[string(k)] }
func (m memKV) Has(k []byte) bool   { _, ok := m[string(k)]; return ok }
func (m memKV) Set(k, v []byte)     { m[string(k)] = v }
func (m memKV) Delete(k []byte)     { delete(m, string(k)) }
func (m memKV) Iterate(start, end []byte, reverse bool, fn func(k, v []byte) bool) {
	var keys []string
	for k := range m {
		if bytes.Compare([]byte(k), start) >= 0 && (end == nil || bytes.Compare([]byte(k), end) < 0) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if reverse {
		for i, j := 0, len(keys)-1; i < j; i, j = i+1, j-1 {
			keys[i], keys[j] = keys[j], keys[i]
		}
	}
	for _, k := range keys {
		if !fn([]byte(k), m[k]) {
			return
		}
	}
}

// Only blocks with transactions are recorded: the latest recorded time at
// or before a height of an empty block is its last recorded predecessor's,
// and HeightAt finds the recorded block whose state any later empty block
// shares.
func TestSparseBlockTimes(t *testing.T) {
	kv := memKV{}
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, h := range []int64{1, 5, 9} {
		kv.Set(module.BlockTimeKey(h), []byte(t0.Add(time.Duration(h)*time.Minute).Format(time.RFC3339Nano)))
	}
	for h, want := range map[int64]int64{0: 0, 1: 1, 4: 1, 5: 5, 8: 5, 9: 9, 100: 9} {
		tt, at, ok := module.LatestBlockTime(kv, h)
		if ok != (want != 0) || at != want || (ok && !tt.Equal(t0.Add(time.Duration(want)*time.Minute))) {
			t.Errorf("LatestBlockTime(%d) = %v, %d, %v; want block %d", h, tt, at, ok, want)
		}
	}
	if h, ok := module.HeightAt(kv, t0.Add(7*time.Minute)); !ok || h != 5 {
		t.Errorf("HeightAt(+7m) = %d, %v; want 5", h, ok)
	}
}
