package ballot

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
)

// MaxPage bounds the entries of one list query.
const MaxPage = 200

// Entry is one key/value pair of a list query.
type Entry struct {
	Key   string `json:"key"`
	Value []byte `json:"value"` // base64 in JSON
}

// Page is a list query's answer; Next is the key to pass as AFTER for the
// next page ("" at the end).
type Page struct {
	Entries []Entry `json:"entries"`
	Next    string  `json:"next"`
}

// listKinds are the per-election key families a list query may walk.
var listKinds = []string{"trustee", "complaint", "roll", "vote", "tracker", "partial"}

// Query paths (after "/ballot/"), single keys provable:
//
//	election/<id>            Election
//	aggregate/<id>           Aggregate
//	result/<id>              Result
//	trustee/<id>/<index>     Trustee
//	vote/<id>/<voter>        the voter's counted ballot (binary)
//	tracker/<id>/<hex>       Tracker
//	roll/<id>/<account>      0x01 if on the roll
//	partial/<id>/<index>     a trustee's partial decryptions (binary)
//	list/<kind>/<id>[/<after>]  up to MaxPage entries of ballot/<kind>/<id>/ after
//	                         key <after> (a Page; not provable as a whole)
func (m *Module) Query(view store.KV, path []string) (module.QueryResult, error) {
	one := func(key []byte) (module.QueryResult, error) {
		return module.QueryResult{Key: key, Value: m.Keeper.Raw(view, key)}, nil
	}
	if len(path) >= 2 && !ValidElectionID(path[1]) {
		return module.QueryResult{}, errs.InvalidMsg.Wrapf("%q is not an election id", path[1])
	}
	switch {
	case len(path) == 2 && path[0] == "election":
		return one(ElectionKey(path[1]))
	case len(path) == 2 && path[0] == "aggregate":
		return one(AggregateKey(path[1]))
	case len(path) == 2 && path[0] == "result":
		return one(ResultKey(path[1]))
	case len(path) == 3 && (path[0] == "trustee" || path[0] == "partial"):
		i, err := strconv.ParseUint(path[2], 10, 32)
		if err != nil || i == 0 {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("trustee index %q", path[2])
		}
		if path[0] == "trustee" {
			return one(TrusteeKey(path[1], uint32(i)))
		}
		return one(PartialKey(path[1], uint32(i)))
	case len(path) == 3 && (path[0] == "vote" || path[0] == "roll"):
		if !tx.ValidAccountID(path[2]) {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("%q is not an account id", path[2])
		}
		if path[0] == "vote" {
			return one(VoteKey(path[1], path[2]))
		}
		return one(RollKey(path[1], path[2]))
	case len(path) == 3 && path[0] == "tracker":
		t := strings.ToLower(path[2])
		if len(t) != 64 || strings.Trim(t, "0123456789abcdef") != "" {
			return module.QueryResult{}, errs.InvalidMsg.Wrapf("tracker %q is not 64 hex digits", path[2])
		}
		return one(TrackerKey(path[1], t))
	case (len(path) == 3 || len(path) == 4) && path[0] == "list":
		return m.list(view, path[1:])
	}
	return module.QueryResult{}, errs.InvalidMsg.Wrapf("unknown ballot query %v", path)
}

func (m *Module) list(view store.KV, path []string) (module.QueryResult, error) {
	kind, id := path[0], path[1]
	known := false
	for _, k := range listKinds {
		known = known || k == kind
	}
	if !known || !ValidElectionID(id) {
		return module.QueryResult{}, errs.InvalidMsg.Wrapf("list %s/%s: kinds are %v", kind, id, listKinds)
	}
	b, _ := json.Marshal(m.Keeper.List(view, kind, id, path[2:]...))
	return module.QueryResult{Value: b}, nil
}
