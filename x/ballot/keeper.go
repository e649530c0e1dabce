package ballot

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/gtank/ristretto255"

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

// DecodeAggregate parses an aggregate's ciphertexts.
func DecodeAggregate(a *Aggregate) ([][]elgamal.Ciphertext, error) {
	out := make([][]elgamal.Ciphertext, len(a.Questions))
	for qi, q := range a.Questions {
		out[qi] = make([]elgamal.Ciphertext, len(q))
		for oi, s := range q {
			b, err := hex.DecodeString(s)
			if err != nil {
				return nil, ErrCorrupt.Wrapf("aggregate %d/%d: %v", qi, oi, err)
			}
			if out[qi][oi], err = elgamal.DecodeCiphertext(b); err != nil {
				return nil, ErrCorrupt.Wrapf("aggregate %d/%d: %v", qi, oi, err)
			}
		}
	}
	return out, nil
}

// EncodeAggregate is DecodeAggregate's inverse.
func EncodeAggregate(ballots uint64, cts [][]elgamal.Ciphertext) *Aggregate {
	a := &Aggregate{Ballots: ballots, Questions: make([][]string, len(cts))}
	for qi := range cts {
		a.Questions[qi] = make([]string, len(cts[qi]))
		for oi, c := range cts[qi] {
			a.Questions[qi][oi] = hex.EncodeToString(c.Bytes())
		}
	}
	return a
}

// EmptyAggregate is the aggregate of no ballots: every entry (identity,
// identity).
func EmptyAggregate(e *Election) *Aggregate {
	cts := make([][]elgamal.Ciphertext, len(e.Questions))
	zero := elgamal.Ciphertext{Alpha: elgamal.Identity(), Beta: elgamal.Identity()}
	for qi, q := range e.Questions {
		cts[qi] = make([]elgamal.Ciphertext, len(q.Options))
		for oi := range cts[qi] {
			cts[qi][oi] = zero
		}
	}
	return EncodeAggregate(0, cts)
}

// neg returns the ciphertext encrypting −m under −r.
func neg(c elgamal.Ciphertext) elgamal.Ciphertext {
	return elgamal.Ciphertext{
		Alpha: elgamal.NewPoint(ristretto255.NewElement().Negate(c.Alpha.Element())),
		Beta:  elgamal.NewPoint(ristretto255.NewElement().Negate(c.Beta.Element())),
	}
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

// updateAggregate adds add's ciphertexts and subtracts sub's (either may
// be nil); delta is the change in the ballot count.
func (k Keeper) updateAggregate(kv store.KV, id string, add, sub *elgamal.Ballot, delta int) error {
	a, cts, err := aggregates.load(kv, id)
	if err != nil {
		return err
	}
	for _, b := range []*elgamal.Ballot{add, sub} {
		if b == nil {
			continue
		}
		bc := b.Ciphertexts()
		if len(bc) != len(cts) {
			return ErrCorrupt.Wrapf("ballot shape differs from the aggregate")
		}
		for qi := range cts {
			if len(bc[qi]) != len(cts[qi]) {
				return ErrCorrupt.Wrapf("ballot shape differs from the aggregate")
			}
			for oi := range cts[qi] {
				c := bc[qi][oi]
				if b == sub {
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

// DecodePartials splits a ballot/partial value into its 128-byte entries.
func DecodePartials(v []byte) ([]*elgamal.PartialDecryption, error) {
	if len(v) == 0 || len(v)%elgamal.PartialDecryptionSize != 0 {
		return nil, fmt.Errorf("length %d is not a multiple of %d", len(v), elgamal.PartialDecryptionSize)
	}
	out := make([]*elgamal.PartialDecryption, 0, len(v)/elgamal.PartialDecryptionSize)
	for off := 0; off < len(v); off += elgamal.PartialDecryptionSize {
		pd, err := elgamal.DecodePartialDecryption(v[off : off+elgamal.PartialDecryptionSize])
		if err != nil {
			return nil, err
		}
		out = append(out, pd)
	}
	return out, nil
}
