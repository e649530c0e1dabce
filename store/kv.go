package store

import (
	"bytes"
	"fmt"

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

// View is the read-only state at one saved version. Safe for concurrent use.
type View struct {
	low, high *archiveTree // high is nil with one tree
	split     []byte
	version   int64
}

// Version is the height of this view.
func (v *View) Version() int64 { return v.version }

// Hash is the root hash (the app hash committed in the header of Version+1).
func (v *View) Hash() []byte { return rootHash(v.low.half(), v.high.half()) }

func (v *View) tree(key []byte) *archiveTree {
	if inLow(v.split, key) {
		return v.low
	}
	return v.high
}

func (v *View) Get(key []byte) []byte {
	val, err := v.tree(key).Get(key)
	must(err)
	return val
}
func (v *View) Has(key []byte) bool   { return v.Get(key) != nil }
func (v *View) Set(key, value []byte) { panic(&Failure{Err: fmt.Errorf("write to read-only view")}) }
func (v *View) Delete(key []byte)     { panic(&Failure{Err: fmt.Errorf("write to read-only view")}) }
func (v *View) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	var high iterable = v.high
	if v.high == nil {
		high = nil
	}
	iterateSplit(v.split, v.low, high, start, end, reverse, fn)
}

// Proof returns an ICS23 membership proof if key exists, otherwise a
// non-membership proof, against Hash. It is the IAVL proof in the key's
// tree with the root node as one more step; a non-membership proof whose
// neighbour lies in the other tree takes that neighbour from there.
func (v *View) Proof(key []byte) (*ics23.CommitmentProof, error) {
	lowH, highH := v.low.half(), v.high.half()
	if lowH.size == 0 || highH.size == 0 { // the root is one tree's
		t := v.high
		if highH.size == 0 {
			t = v.low
		}
		return t.GetProof(key)
	}
	low := inLow(v.split, key)
	p, err := v.tree(key).GetProof(key)
	if err != nil {
		return nil, err
	}
	prefix := rootPrefix(lowH, highH)
	lowStep := &ics23.InnerOp{Hash: ics23.HashOp_SHA256, Prefix: prefix, Suffix: append([]byte{32}, highH.hash...)}
	highStep := &ics23.InnerOp{Hash: ics23.HashOp_SHA256, Prefix: append(append(bytes.Clone(prefix), lowH.hash...), 32)}
	lift := func(e *ics23.ExistenceProof, low bool) {
		if e == nil {
			return
		}
		step := highStep
		if low {
			step = lowStep
		}
		e.Path = append(e.Path, step)
	}
	if e := p.GetExist(); e != nil {
		lift(e, low)
		return p, nil
	}
	n := p.GetNonexist()
	if n == nil {
		return nil, fmt.Errorf("proof of %q: neither membership nor non-membership", key)
	}
	lift(n.Left, low)
	lift(n.Right, low)
	if low && n.Right == nil {
		n.Right, err = edgeProof(v.high, false)
		lift(n.Right, false)
	}
	if !low && n.Left == nil {
		n.Left, err = edgeProof(v.low, true)
		lift(n.Left, true)
	}
	return p, err
}

// edgeProof proves the last key of t (last) or its first.
func edgeProof(t *archiveTree, last bool) (*ics23.ExistenceProof, error) {
	var edge []byte
	iterateTree(t, nil, nil, last, func(k, _ []byte) bool {
		edge = bytes.Clone(k)
		return false
	})
	p, err := t.GetProof(edge)
	if err != nil {
		return nil, err
	}
	if p.GetExist() == nil {
		return nil, fmt.Errorf("no membership proof for the edge key %q", edge)
	}
	return p.GetExist(), nil
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

// IterateWrites visits the buffered writes, not deletions, in ascending
// key order, without the parent's keys (a bulk load collects a step's
// records this way).
func (c *Cache) IterateWrites(fn func(key, value []byte) bool) {
	c.order.Ascend(func(k string) bool {
		if v := c.writes[k]; v != nil {
			return fn([]byte(k), v)
		}
		return true
	})
}

// Wrote reports whether key was written or deleted in the buffer.
func (c *Cache) Wrote(key string) bool {
	_, ok := c.writes[key]
	return ok
}

// WroteIn reports whether any key in [start, end) was written or deleted
// in the buffer (a nil end means no upper bound).
func (c *Cache) WroteIn(start, end []byte) bool {
	found := false
	c.order.AscendGreaterOrEqual(string(start), func(k string) bool {
		found = end == nil || k < string(end)
		return false
	})
	return found
}

// WriteTo applies the buffered writes to dst, in ascending key order, as
// Write does to the parent, and keeps them.
func (c *Cache) WriteTo(dst KV) {
	c.order.Ascend(func(k string) bool {
		if v := c.writes[k]; v != nil {
			dst.Set([]byte(k), v)
		} else {
			dst.Delete([]byte(k))
		}
		return true
	})
}

// ChangedKeys lists the keys written or deleted, in ascending order.
func (c *Cache) ChangedKeys() []string { return c.keysIn(nil, nil) }

// Write applies the buffered writes to the parent, in ascending key order,
// and empties the buffer. Over the store's working state the two trees
// take their writes on two cores.
func (c *Cache) Write() {
	if w, ok := c.parent.(splitKV); ok {
		keys := make([]string, 0, len(c.writes))
		values := make([][]byte, 0, len(c.writes))
		c.order.Ascend(func(k string) bool {
			keys = append(keys, k)
			values = append(values, c.writes[k])
			return true
		})
		w.applySorted(keys, values)
	} else {
		c.WriteTo(c.parent)
	}
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
