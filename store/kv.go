package store

import (
	"bytes"
	"fmt"

	"github.com/cosmos/iavl"
	ics23 "github.com/cosmos/ics23/go"
	"github.com/google/btree"
)

// KV is the key-value interface modules see. Reads of absent keys return
// nil. Storage failures are not input errors: they panic with a
// *Failure, and the node stops rather than commit a state it did not mean to.
type KV interface {
	Get(key []byte) []byte
	Has(key []byte) bool
	Set(key, value []byte)
	Delete(key []byte)
	// Iterate visits keys in [start, end) in ascending order (descending if
	// reverse) until fn returns false. A nil end means no upper bound.
	Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool)
}

// Failure is a storage error surfaced as a panic from KV methods.
type Failure struct{ Err error }

func (f *Failure) Error() string { return "state storage failure: " + f.Err.Error() }

func must(err error) {
	if err != nil {
		panic(&Failure{Err: err})
	}
}

type treeKV struct{ t *iavl.MutableTree }

func (k treeKV) Get(key []byte) []byte {
	v, err := k.t.Get(key)
	must(err)
	return v
}
func (k treeKV) Has(key []byte) bool { return k.Get(key) != nil }
func (k treeKV) Set(key, value []byte) {
	_, err := k.t.Set(key, value)
	must(err)
}
func (k treeKV) Delete(key []byte) {
	_, _, err := k.t.Remove(key)
	must(err)
}
func (k treeKV) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	it, err := k.t.Iterator(start, end, !reverse)
	must(err)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if !fn(it.Key(), it.Value()) {
			return
		}
	}
	must(it.Error())
}

// View is the read-only state at one saved version. Safe for concurrent use.
type View struct {
	tree    *iavl.ImmutableTree
	version int64
}

// Version is the height of this view.
func (v *View) Version() int64 { return v.version }

// Hash is the root hash (the app hash committed in the header of Version+1).
func (v *View) Hash() []byte { return v.tree.Hash() }

func (v *View) Get(key []byte) []byte {
	val, err := v.tree.Get(key)
	must(err)
	return val
}
func (v *View) Has(key []byte) bool   { return v.Get(key) != nil }
func (v *View) Set(key, value []byte) { panic(&Failure{Err: fmt.Errorf("write to read-only view")}) }
func (v *View) Delete(key []byte)     { panic(&Failure{Err: fmt.Errorf("write to read-only view")}) }
func (v *View) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	it, err := v.tree.Iterator(start, end, !reverse)
	must(err)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if !fn(it.Key(), it.Value()) {
			return
		}
	}
	must(it.Error())
}

// Proof returns an ICS23 membership proof if key exists, otherwise a
// non-membership proof.
func (v *View) Proof(key []byte) (*ics23.CommitmentProof, error) {
	return v.tree.GetProof(key)
}

// Cache buffers writes over a parent KV so a failed transaction leaves no
// trace, and so a block writes each key to the tree once. Write applies the
// buffered writes to the parent in key order: IAVL's shape (and so the app
// hash) depends on insertion order, so the order must not depend on Go map
// iteration. An ordered index of the written keys keeps range iteration
// cheap however many keys a block has written.
type Cache struct {
	parent KV
	writes map[string][]byte // nil value = deleted
	order  *btree.BTreeG[string]
}

// NewCache returns an empty write buffer over parent.
func NewCache(parent KV) *Cache {
	return &Cache{parent: parent, writes: map[string][]byte{}, order: btree.NewOrderedG[string](32)}
}

func (c *Cache) Get(key []byte) []byte {
	if v, ok := c.writes[string(key)]; ok {
		return v
	}
	return c.parent.Get(key)
}
func (c *Cache) Has(key []byte) bool { return c.Get(key) != nil }
func (c *Cache) Set(key, value []byte) {
	if value == nil {
		value = []byte{}
	}
	c.put(string(key), bytes.Clone(value))
}
func (c *Cache) Delete(key []byte) { c.put(string(key), nil) }

func (c *Cache) put(k string, v []byte) {
	if _, seen := c.writes[k]; !seen {
		c.order.ReplaceOrInsert(k)
	}
	c.writes[k] = v
}

// keysIn returns the buffered keys in [start, end), ascending.
func (c *Cache) keysIn(start, end []byte) []string {
	var keys []string
	visit := func(k string) bool {
		if end != nil && k >= string(end) {
			return false
		}
		keys = append(keys, k)
		return true
	}
	if start == nil {
		c.order.Ascend(visit)
	} else {
		c.order.AscendGreaterOrEqual(string(start), visit)
	}
	return keys
}

// Iterate merges buffered writes with the parent's keys.
func (c *Cache) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	mine := c.keysIn(start, end)
	if reverse {
		for i, j := 0, len(mine)-1; i < j; i, j = i+1, j-1 {
			mine[i], mine[j] = mine[j], mine[i]
		}
	}
	before := func(a, b string) bool {
		if reverse {
			return a > b
		}
		return a < b
	}
	i := 0
	stopped := false
	// emit buffered keys that sort before k (or all remaining, if k is nil)
	flush := func(k *string) bool {
		for i < len(mine) && (k == nil || before(mine[i], *k)) {
			if v := c.writes[mine[i]]; v != nil {
				if !fn([]byte(mine[i]), v) {
					return false
				}
			}
			i++
		}
		return true
	}
	c.parent.Iterate(start, end, reverse, func(key, value []byte) bool {
		k := string(key)
		if !flush(&k) {
			stopped = true
			return false
		}
		if i < len(mine) && mine[i] == k {
			i++
			if v := c.writes[k]; v != nil {
				if !fn(key, v) {
					stopped = true
					return false
				}
			}
			return true
		}
		if !fn(key, value) {
			stopped = true
			return false
		}
		return true
	})
	if !stopped {
		flush(nil)
	}
}

// Write applies the buffered writes to the parent, in ascending key order,
// and empties the buffer.
func (c *Cache) Write() {
	c.order.Ascend(func(k string) bool {
		if v := c.writes[k]; v != nil {
			c.parent.Set([]byte(k), v)
		} else {
			c.parent.Delete([]byte(k))
		}
		return true
	})
	clear(c.writes)
	c.order.Clear(false)
}

// PrefixEnd is the smallest key greater than every key that starts with
// prefix, for use as an exclusive iteration bound (nil: no bound).
func PrefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
