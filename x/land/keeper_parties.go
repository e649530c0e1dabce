package land

import (
	"slices"

	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

// Party records and the signer index (keys.go lists every key):
//
//	land/party-record/<party>            Party
//	land/signer/<account>/<party>        "1"; the account may sign for the party (not empty: an
//	                                     ICS23 proof cannot pass a leaf with an empty value, so the
//	                                     absence proof of a key next to it would not verify)
const (
	prefixPartyRec = "land/party-record/"
	prefixSigner   = "land/signer/"
)

func PartyRecordKey(id string) []byte { return []byte(prefixPartyRec + id) }
func SignerKey(account, party string) []byte {
	return []byte(prefixSigner + account + "/" + party)
}
func SignerPrefix(account string) []byte { return []byte(prefixSigner + account + "/") }

// Party is the party record id, nil when none is registered.
func (Keeper) Party(kv store.KV, id string) (*Party, error) {
	return get[Party](kv, PartyRecordKey(id))
}

// SetParty saves a party record and moves the signer index from the
// accounts it had (old, nil for a new record) to its accounts now.
func (Keeper) SetParty(kv store.KV, p *Party, old []string) {
	for _, a := range old {
		if !slices.Contains(p.Accounts, a) {
			kv.Delete(SignerKey(a, p.ID))
		}
	}
	for _, a := range p.Accounts {
		if !slices.Contains(old, a) {
			kv.Set(SignerKey(a, p.ID), present)
		}
	}
	put(kv, PartyRecordKey(p.ID), p)
}

// PartiesOf lists, in key order, the parties an account may sign for.
func (Keeper) PartiesOf(kv store.KV, account string) []string {
	prefix := SignerPrefix(account)
	var out []string
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(k, _ []byte) bool {
		out = append(out, string(k[len(prefix):]))
		return len(out) < 1000
	})
	return out
}

// Parties lists, in key order, up to limit party records whose ids come
// after "after" in key order ("" for the first).
func (Keeper) Parties(kv store.KV, after string, limit int) ([]Party, error) {
	start := []byte(prefixPartyRec)
	if after != "" {
		start = append(PartyRecordKey(after), 0)
	}
	var out []Party
	var err error
	kv.Iterate(start, store.PrefixEnd([]byte(prefixPartyRec)), false, func(k, v []byte) bool {
		var p *Party
		p, err = store.DecodeJSON[Party](k, v)
		if err != nil {
			return false
		}
		out = append(out, *p)
		return len(out) < limit
	})
	return out, err
}

// MaySign reports whether account is one of party's accounts.
func (Keeper) MaySign(kv store.KV, account, party string) bool {
	return kv.Has(SignerKey(account, party))
}

func (Keeper) PartyRecordEntry(kv store.KV, id string) module.QueryResult {
	return entry(kv, PartyRecordKey(id))
}
