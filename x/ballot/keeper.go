package ballot

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/store"
)

// State keys (all provable; docs/ballot-verifier.md gives the exact
// encodings). Indices are 3-digit zero-padded decimals so key order is
// index order.
//
//	ballot/election/<id>                          Election (JSON)
//	ballot/trustee/<id>/<index>                   Trustee (JSON)
//	ballot/complaint/<id>/<dealer>/<complainer>   Complaint (JSON)
//	ballot/roll/<id>/<account>                    0x01 while the account is on the roll
//	ballot/vote/<id>/<voter>                      the voter's counted ballot (canonical binary encoding)
//	ballot/tracker/<id>/<hex tracker>             Tracker (JSON), for every ballot ever cast
//	ballot/aggregate/<id>                         Aggregate (JSON)
//	ballot/partial/<id>/<index>                   trustee's partial decryptions (binary, 100 bytes each)
//	ballot/result/<id>                            Result (JSON)
const prefix = "ballot/"

func ElectionKey(id string) []byte { return []byte(prefix + "election/" + id) }
func TrusteeKey(id string, index uint32) []byte {
	return []byte(fmt.Sprintf("%strustee/%s/%03d", prefix, id, index))
}
func TrusteePrefix(id string) []byte { return []byte(prefix + "trustee/" + id + "/") }
func ComplaintKey(id string, dealer, complainer uint32) []byte {
	return []byte(fmt.Sprintf("%scomplaint/%s/%03d/%03d", prefix, id, dealer, complainer))
}
func ComplaintPrefix(id string) []byte  { return []byte(prefix + "complaint/" + id + "/") }
func RollKey(id, account string) []byte { return []byte(prefix + "roll/" + id + "/" + account) }
func RollPrefix(id string) []byte       { return []byte(prefix + "roll/" + id + "/") }
func VoteKey(id, voter string) []byte   { return []byte(prefix + "vote/" + id + "/" + voter) }
func VotePrefix(id string) []byte       { return []byte(prefix + "vote/" + id + "/") }
func TrackerKey(id, trackerHex string) []byte {
	return []byte(prefix + "tracker/" + id + "/" + trackerHex)
}
func TrackerPrefix(id string) []byte { return []byte(prefix + "tracker/" + id + "/") }
func AggregateKey(id string) []byte  { return []byte(prefix + "aggregate/" + id) }
func PartialKey(id string, index uint32) []byte {
	return []byte(fmt.Sprintf("%spartial/%s/%03d", prefix, id, index))
}
func PartialPrefix(id string) []byte { return []byte(prefix + "partial/" + id + "/") }
func ResultKey(id string) []byte     { return []byte(prefix + "result/" + id) }

var rollMarker = []byte{1}

// Keeper reads and writes the module's keys; nothing else does.
type Keeper struct{}

func get[T any](kv store.KV, key []byte) (*T, error) {
	v, err := store.GetJSON[T](kv, key)
	if err != nil {
		return nil, ErrCorrupt.Wrap(err)
	}
	return v, nil
}

func put(kv store.KV, key []byte, v any) { store.PutJSON(kv, key, v) }

// Election returns the election, or nil.
func (Keeper) Election(kv store.KV, id string) (*Election, error) {
	return get[Election](kv, ElectionKey(id))
}

// MustElection returns the election or ErrUnknownElection.
func (k Keeper) MustElection(kv store.KV, id string) (*Election, error) {
	e, err := k.Election(kv, id)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, ErrUnknownElection.Wrapf("%q", id)
	}
	return e, nil
}

func (Keeper) SetElection(kv store.KV, e *Election) { put(kv, ElectionKey(e.ID), e) }

func (Keeper) Trustee(kv store.KV, id string, index uint32) (*Trustee, error) {
	return get[Trustee](kv, TrusteeKey(id, index))
}

func (Keeper) SetTrustee(kv store.KV, id string, t *Trustee) { put(kv, TrusteeKey(id, t.Index), t) }

func (Keeper) Complaint(kv store.KV, id string, dealer, complainer uint32) (*Complaint, error) {
	return get[Complaint](kv, ComplaintKey(id, dealer, complainer))
}

func (Keeper) SetComplaint(kv store.KV, id string, c *Complaint) {
	put(kv, ComplaintKey(id, c.Dealer, c.Complainer), c)
}

// Complaints lists an election's complaints in (dealer, complainer) order.
func (Keeper) Complaints(kv store.KV, id string) ([]*Complaint, error) {
	p := ComplaintPrefix(id)
	var out []*Complaint
	var err error
	kv.Iterate(p, store.PrefixEnd(p), false, func(k, v []byte) bool {
		var c Complaint
		if e := json.Unmarshal(v, &c); e != nil {
			err = ErrCorrupt.Wrapf("%s: %v", k, e)
			return false
		}
		out = append(out, &c)
		return true
	})
	return out, err
}

func (Keeper) OnRoll(kv store.KV, id, account string) bool { return kv.Has(RollKey(id, account)) }

func (Keeper) Aggregate(kv store.KV, id string) (*Aggregate, error) {
	return get[Aggregate](kv, AggregateKey(id))
}

func (Keeper) Result(kv store.KV, id string) (*Result, error) { return get[Result](kv, ResultKey(id)) }

func (Keeper) Tracker(kv store.KV, id, trackerHex string) (*Tracker, error) {
	return get[Tracker](kv, TrackerKey(id, trackerHex))
}

// aggCache remembers the last aggregate this process wrote, decoded, so
// consecutive casts skip decoding it. It is used only when the stored
// bytes equal the cached bytes, so it can never change an outcome.
type aggCache struct {
	mu  sync.Mutex
	id  string
	raw []byte
	a   *Aggregate
	cts [][]elgamal.Ciphertext
}

func (c *aggCache) load(kv store.KV, id string) (*Aggregate, [][]elgamal.Ciphertext, error) {
	raw := kv.Get(AggregateKey(id))
	if raw == nil {
		return nil, nil, ErrCorrupt.Wrapf("election %s has no aggregate", id)
	}
	c.mu.Lock()
	if c.id == id && bytes.Equal(c.raw, raw) {
		a := *c.a
		cts := make([][]elgamal.Ciphertext, len(c.cts))
		for i := range cts {
			cts[i] = slices.Clone(c.cts[i])
		}
		c.mu.Unlock()
		return &a, cts, nil
	}
	c.mu.Unlock()
	var a Aggregate
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, nil, ErrCorrupt.Wrapf("aggregate of %s: %v", id, err)
	}
	cts, err := DecodeAggregate(&a)
	return &a, cts, err
}

func (c *aggCache) store(kv store.KV, id string, a *Aggregate, cts [][]elgamal.Ciphertext) {
	b, err := json.Marshal(a)
	if err != nil {
		panic(&store.Failure{Err: err})
	}
	kv.Set(AggregateKey(id), b)
	c.mu.Lock()
	c.id, c.raw, c.a, c.cts = id, b, a, cts
	c.mu.Unlock()
}

var aggregates aggCache

// updateAggregate adds the ciphertexts add and subtracts sub (either may
// be nil); delta is the change in the ballot count.
func (k Keeper) updateAggregate(kv store.KV, id string, add, sub [][]elgamal.Ciphertext, delta int) error {
	a, cts, err := aggregates.load(kv, id)
	if err != nil {
		return err
	}
	for i, bc := range [][][]elgamal.Ciphertext{add, sub} {
		if bc == nil {
			continue
		}
		if len(bc) != len(cts) {
			return ErrCorrupt.Wrapf("ballot shape differs from the aggregate")
		}
		for qi := range cts {
			if len(bc[qi]) != len(cts[qi]) {
				return ErrCorrupt.Wrapf("ballot shape differs from the aggregate")
			}
			for oi := range cts[qi] {
				c := bc[qi][oi]
				if i == 1 {
					c = neg(c)
				}
				cts[qi][oi] = elgamal.Add(cts[qi][oi], c)
			}
		}
	}
	n := int64(a.Ballots) + int64(delta)
	if n < 0 {
		return ErrCorrupt.Wrapf("negative ballot count")
	}
	aggregates.store(kv, id, EncodeAggregate(uint64(n), cts), cts)
	return nil
}

// Partials returns the stored partial decryptions of an election by
// trustee index, in index order.
func (Keeper) Partials(kv store.KV, id string) ([][]*elgamal.PartialDecryption, error) {
	p := PartialPrefix(id)
	var out [][]*elgamal.PartialDecryption
	var err error
	kv.Iterate(p, store.PrefixEnd(p), false, func(k, v []byte) bool {
		var pds []*elgamal.PartialDecryption
		if pds, err = DecodePartials(v); err != nil {
			err = ErrCorrupt.Wrapf("%s: %v", k, err)
			return false
		}
		out = append(out, pds)
		return true
	})
	return out, err
}

// HasElection reports whether election id exists.
func (Keeper) HasElection(kv store.KV, id string) bool { return kv.Has(ElectionKey(id)) }

// HasTrustee reports whether trustee index of election id registered its
// communication key (its record exists).
func (Keeper) HasTrustee(kv store.KV, id string, index uint32) bool {
	return kv.Has(TrusteeKey(id, index))
}

// HasComplaint reports whether complainer already complained about dealer.
func (Keeper) HasComplaint(kv store.KV, id string, dealer, complainer uint32) bool {
	return kv.Has(ComplaintKey(id, dealer, complainer))
}

// Enroll puts account on the roll of election id; false if it already was.
func (Keeper) Enroll(kv store.KV, id, account string) bool {
	if kv.Has(RollKey(id, account)) {
		return false
	}
	kv.Set(RollKey(id, account), rollMarker)
	return true
}

// Unenroll takes account off the roll of election id.
func (Keeper) Unenroll(kv store.KV, id, account string) { kv.Delete(RollKey(id, account)) }

// StartAggregate stores the aggregate of no ballots, when the key is
// published.
func (Keeper) StartAggregate(kv store.KV, e *Election) {
	put(kv, AggregateKey(e.ID), EmptyAggregate(e))
}

// Count makes enc (b, verified) voter's counted ballot: a previous ballot
// of the voter leaves the aggregate and its tracker becomes superseded,
// the new one enters the aggregate and gets tracker tr. It reports whether
// the voter had voted before.
func (k Keeper) Count(kv store.KV, id, voter string, b *elgamal.Ballot, enc []byte, tr *Tracker) (revote bool, err error) {
	// The previous ballot leaves the aggregate: only its ciphertexts are
	// decoded (it was verified when counted).
	var old [][]elgamal.Ciphertext
	delta := 1
	if prev := kv.Get(VoteKey(id, voter)); prev != nil {
		if old, err = elgamal.DecodeCiphertexts(prev); err != nil {
			return false, ErrCorrupt.Wrapf("stored ballot of %s: %v", voter, err)
		}
		if err := k.setTrackerStatus(kv, id, prev, TrackerSuperseded); err != nil {
			return false, err
		}
		delta = 0
	}
	if err := k.updateAggregate(kv, id, b.Ciphertexts(), old, delta); err != nil {
		return false, err
	}
	kv.Set(VoteKey(id, voter), enc)
	put(kv, TrackerKey(id, TrackerOf(enc)), tr)
	return old != nil, nil
}

// Withdraw removes voter's counted ballot, if any, from the aggregate and
// marks its tracker withdrawn.
func (k Keeper) Withdraw(kv store.KV, id, voter string) (bool, error) {
	old := kv.Get(VoteKey(id, voter))
	if old == nil {
		return false, nil
	}
	ob, err := elgamal.DecodeCiphertexts(old)
	if err != nil {
		return false, ErrCorrupt.Wrapf("stored ballot of %s: %v", voter, err)
	}
	if err := k.updateAggregate(kv, id, nil, ob, -1); err != nil {
		return false, err
	}
	if err := k.setTrackerStatus(kv, id, old, TrackerWithdrawn); err != nil {
		return false, err
	}
	kv.Delete(VoteKey(id, voter))
	return true, nil
}

func (k Keeper) setTrackerStatus(kv store.KV, id string, enc []byte, status string) error {
	h := TrackerOf(enc)
	t, err := k.Tracker(kv, id, h)
	if err != nil {
		return err
	}
	if t == nil {
		return ErrCorrupt.Wrapf("tracker %s missing", h)
	}
	t.Status = status
	put(kv, TrackerKey(id, h), t)
	return nil
}

// HasPartials reports whether trustee index posted its partial decryptions.
func (Keeper) HasPartials(kv store.KV, id string, index uint32) bool {
	return kv.Has(PartialKey(id, index))
}

// SetPartials stores trustee index's verified partial decryptions
// (concatenated encodings, in question and option order).
func (Keeper) SetPartials(kv store.KV, id string, index uint32, enc []byte) {
	kv.Set(PartialKey(id, index), enc)
}

// SetResult stores the decrypted tally.
func (Keeper) SetResult(kv store.KV, id string, r *Result) { put(kv, ResultKey(id), r) }

// Raw is the stored value at one of the module's keys (for provable
// queries, which return the bytes as stored).
func (Keeper) Raw(kv store.KV, key []byte) []byte { return kv.Get(key) }

// List returns up to MaxPage entries of the family ballot/<kind>/<id>/,
// from its start or, given a key suffix after, strictly after it.
func (Keeper) List(kv store.KV, kind, id string, after ...string) Page {
	p := []byte(prefix + kind + "/" + id + "/")
	start := p
	if len(after) > 0 {
		start = append([]byte(string(p)+after[0]), 0) // strictly after
	}
	page := Page{Entries: []Entry{}}
	kv.Iterate(start, store.PrefixEnd(p), false, func(k, v []byte) bool {
		if len(page.Entries) == MaxPage {
			page.Next = page.Entries[len(page.Entries)-1].Key[len(p):]
			return false
		}
		page.Entries = append(page.Entries, Entry{Key: string(k), Value: v})
		return true
	})
	return page
}

// Export reads every record under "ballot/" into typed genesis records, in
// key order. A key it does not understand, or a record that would not be
// written back to the same key and bytes, is an error: an export must
// reproduce the state exactly.
func (Keeper) Export(kv store.KV) (*Genesis, error) {
	g := &Genesis{}
	p := []byte(prefix)
	var read []Entry
	var err error
	kv.Iterate(p, store.PrefixEnd(p), false, func(key, v []byte) bool {
		if err = g.add(string(key[len(p):]), v); err != nil {
			err = ErrCorrupt.Wrapf("%s: %v", key, err)
			return false
		}
		read = append(read, Entry{Key: string(key), Value: v})
		return true
	})
	if err != nil {
		return nil, err
	}
	written := g.entries()
	if len(written) != len(read) {
		return nil, ErrCorrupt.Wrapf("%d records read back as %d", len(read), len(written))
	}
	for i, e := range read {
		if i >= len(written) || written[i].Key != e.Key || !bytes.Equal(written[i].Value, e.Value) {
			return nil, ErrCorrupt.Wrapf("%s: not in canonical form", e.Key)
		}
	}
	return g, nil
}

// add files the record at key ballot/<rest> into g.
func (g *Genesis) add(rest string, v []byte) error {
	f := strings.Split(rest, "/")
	arity := map[string]int{"election": 2, "aggregate": 2, "result": 2, "trustee": 3, "partial": 3,
		"roll": 3, "vote": 3, "tracker": 3, "complaint": 4}
	if n, ok := arity[f[0]]; !ok || n != len(f) {
		return fmt.Errorf("not a ballot key")
	}
	id := f[1]
	switch f[0] {
	case "election":
		e, err := exactJSON[Election](v)
		if err == nil {
			g.Elections = append(g.Elections, *e)
		}
		return err
	case "aggregate":
		a, err := exactJSON[Aggregate](v)
		if err == nil {
			g.Aggregates = append(g.Aggregates, AggregateRecord{Election: id, Aggregate: *a})
		}
		return err
	case "result":
		r, err := exactJSON[Result](v)
		if err == nil {
			g.Results = append(g.Results, ResultRecord{Election: id, Result: *r})
		}
		return err
	case "trustee":
		t, err := exactJSON[Trustee](v)
		if err == nil {
			g.Trustees = append(g.Trustees, TrusteeRecord{Election: id, Trustee: *t})
		}
		return err
	case "complaint":
		c, err := exactJSON[Complaint](v)
		if err == nil {
			g.Complaints = append(g.Complaints, ComplaintRecord{Election: id, Complaint: *c})
		}
		return err
	case "tracker":
		t, err := exactJSON[Tracker](v)
		if err == nil {
			g.Trackers = append(g.Trackers, TrackerRecord{Election: id, Hash: f[2], Tracker: *t})
		}
		return err
	case "roll":
		if !bytes.Equal(v, rollMarker) {
			return fmt.Errorf("roll marker %x", v)
		}
		g.Roll = append(g.Roll, RollRecord{Election: id, Account: f[2]})
	case "vote":
		g.Ballots = append(g.Ballots, BallotRecord{Election: id, Voter: f[2], Ballot: hex.EncodeToString(v)})
	case "partial":
		n, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			return err
		}
		g.Partials = append(g.Partials, PartialRecord{Election: id, Trustee: uint32(n), Partials: hex.EncodeToString(v)})
	}
	return nil
}

// exactJSON decodes a stored record (Export checks it re-encodes to the
// same bytes).
func exactJSON[T any](v []byte) (*T, error) {
	var x T
	if err := json.Unmarshal(v, &x); err != nil {
		return nil, err
	}
	return &x, nil
}

// entries are the genesis records as the keys and values they are stored
// under, in key order.
func (g *Genesis) entries() []Entry {
	var out []Entry
	add := func(key []byte, v any) {
		var b []byte
		switch v := v.(type) {
		case []byte:
			b = v
		default:
			var err error
			if b, err = json.Marshal(v); err != nil {
				panic(&store.Failure{Err: err}) // plain records always marshal
			}
		}
		out = append(out, Entry{Key: string(key), Value: b})
	}
	for i := range g.Elections {
		add(ElectionKey(g.Elections[i].ID), &g.Elections[i])
	}
	for i := range g.Trustees {
		t := &g.Trustees[i]
		add(TrusteeKey(t.Election, t.Index), &t.Trustee)
	}
	for i := range g.Complaints {
		c := &g.Complaints[i]
		add(ComplaintKey(c.Election, c.Dealer, c.Complainer), &c.Complaint)
	}
	for _, r := range g.Roll {
		add(RollKey(r.Election, r.Account), rollMarker)
	}
	for _, b := range g.Ballots {
		add(VoteKey(b.Election, b.Voter), mustHex(b.Ballot))
	}
	for i := range g.Trackers {
		t := &g.Trackers[i]
		add(TrackerKey(t.Election, t.Hash), &t.Tracker)
	}
	for i := range g.Aggregates {
		a := &g.Aggregates[i]
		add(AggregateKey(a.Election), &a.Aggregate)
	}
	for _, p := range g.Partials {
		add(PartialKey(p.Election, p.Trustee), mustHex(p.Partials))
	}
	for i := range g.Results {
		r := &g.Results[i]
		add(ResultKey(r.Election), &r.Result)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// Import writes validated genesis records. IAVL's shape depends on the
// order of insertion, so they are written in key order.
func (Keeper) Import(kv store.KV, g *Genesis) error {
	es := g.entries()
	for i, e := range es {
		if i > 0 && es[i-1].Key == e.Key {
			return ErrInvalidGenesis.Wrapf("two records under %s", e.Key)
		}
	}
	for _, e := range es {
		kv.Set([]byte(e.Key), e.Value)
	}
	return nil
}
