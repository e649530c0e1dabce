package ballot_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/ballot"
)

// verifyElection runs the independent verifier over the chain's state and
// then over tampered copies of it, which it must refuse.
func verifyElection(t *testing.T, c *chain, id string, want [][]uint64) {
	t.Helper()
	view := c.View()
	rep, err := election.Verify(election.StoreSource{KV: view}, id)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || !reflect.DeepEqual(rep.Result, want) || rep.Ballots != 50 || rep.BallotsValid != 50 ||
		rep.Trackers[ballot.TrackerSuperseded] != 1 || !rep.AggregateMatches || !rep.ResultMatches {
		t.Fatalf("verifier on an honest chain:\n%s", rep.Summary())
	}
	t.Log(rep.Summary())

	tamper := func(name string, f func(kv store.KV), wantFailure string) {
		kv := store.NewCache(view)
		f(kv)
		rep, err := election.Verify(election.StoreSource{KV: kv}, id)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rep.OK || !strings.Contains(strings.Join(rep.Failures, "\n"), wantFailure) {
			t.Errorf("%s: verifier said OK=%v, failures %v; want a failure containing %q", name, rep.OK, rep.Failures, wantFailure)
		}
	}
	tamper("result changed", func(kv store.KV) {
		var r ballot.Result
		json.Unmarshal(kv.Get(ballot.ResultKey(id)), &r)
		r.Counts[0][0]++
		r.Counts[0][1]--
		b, _ := json.Marshal(r)
		kv.Set(ballot.ResultKey(id), b)
	}, "published result")
	tamper("a counted ballot dropped", func(kv store.KV) {
		p := ballot.VotePrefix(id)
		kv.Iterate(p, store.PrefixEnd(p), false, func(k, _ []byte) bool { kv.Delete(k); return false })
	}, "aggregate")
	tamper("a ballot's bytes changed", func(kv store.KV) {
		p := ballot.VotePrefix(id)
		kv.Iterate(p, store.PrefixEnd(p), false, func(k, v []byte) bool {
			v = append([]byte(nil), v...)
			v[len(v)-40] ^= 1 // inside the last proof scalar
			kv.Set(k, v)
			return false
		})
	}, "ballot of")
	tamper("a trustee's partial decryption changed", func(kv store.KV) {
		v := append([]byte(nil), kv.Get(ballot.PartialKey(id, 3))...)
		v[70] ^= 1 // the response Z of the first entry
		kv.Set(ballot.PartialKey(id, 3), v)
	}, "trustee 3 question 0 option 0")
}
