package authority

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
)

// State keys (all provable):
//
//	authority/params                 Params (JSON)
//	authority/account/<id>           Account (JSON)
//	authority/pubkey/<hex pubkey>    account id controlled by that key
//	                                 (from protocol 4, only for a key whose
//	                                 account id is not the key's own hash)
//	authority/key-index              "rotated" from protocol 4 (see below)
//	authority/role/<role>/<id>       present while the account holds role
var (
	keyParams        = []byte("authority/params")
	keyKeyIndex      = []byte("authority/key-index")
	keyIndexRotated  = []byte("rotated")
	prefixAccount    = "authority/account/"
	prefixPubKey     = "authority/pubkey/"
	prefixRole       = "authority/role/"
	roleMarker       = []byte{1}
	ErrCorruptRecord = fmt.Errorf("corrupt authority record")
)

// AccountKey is the state key of an account record.
func AccountKey(id string) []byte { return []byte(prefixAccount + id) }

// PubKeyKey is the state key of the key → account index.
func PubKeyKey(pub ed25519.PublicKey) []byte { return []byte(prefixPubKey + hex.EncodeToString(pub)) }

// RoleKey is the state key marking that id holds role.
func RoleKey(role, id string) []byte { return []byte(prefixRole + role + "/" + id) }

// ParamsKey is the state key of the authority set.
func ParamsKey() []byte { return keyParams }

// Keeper reads and writes the module's keys; nothing else does.
type Keeper struct{}

func decode[T any](b []byte) (*T, error) {
	v, err := store.DecodeJSON[T](nil, b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	return v, nil
}

func put(kv store.KV, key []byte, v any) { store.PutJSON(kv, key, v) }

// Params returns the authority set.
func (Keeper) Params(kv store.KV) (*Params, error) {
	b := kv.Get(keyParams)
	if b == nil {
		return nil, fmt.Errorf("%w: authority params missing", ErrCorruptRecord)
	}
	return decode[Params](b)
}

// SetParams stores the authority set.
func (Keeper) SetParams(kv store.KV, p *Params) { put(kv, keyParams, p) }

// Account returns the account with id, or nil.
func (Keeper) Account(kv store.KV, id string) (*Account, error) {
	b := kv.Get(AccountKey(id))
	if b == nil {
		return nil, nil
	}
	return decode[Account](b)
}

// Finding the account a key controls. An account made from a key has the
// key's hash as its id (tx.AccountID), and nearly every account keeps the
// key it was made with, so the account record itself answers: the account
// named by the key's hash, if its current key is this key. Only a key whose
// account id is not its own hash (a rotated-to key, or an account restored
// from genesis under another id) needs the authority/pubkey/ index. Up to
// protocol 3 every key had an index entry as well; the lookups below give
// the same answer under both layouts, and only the writes differ
// (sparseKeyIndex). The protocol-4 migration (MakeKeyIndexSparse) removes
// the entries that became redundant: at 10 million accounts, 10 million
// records and one tree read of every transaction's signer.

// AccountByPubKey returns the account currently controlled by pub, or nil.
func (k Keeper) AccountByPubKey(kv store.KV, pub ed25519.PublicKey) (*Account, error) {
	own, err := k.ownAccount(kv, pub)
	if own != nil || err != nil {
		return own, err
	}
	id := kv.Get(PubKeyKey(pub))
	if id == nil {
		return nil, nil
	}
	return k.Account(kv, string(id))
}

// AccountIDByPubKey is the id of the account pub controls, "" if none
// (or if the account its hash names is unreadable); it does not read the
// record an index entry names (the index only ever names existing
// accounts).
func (k Keeper) AccountIDByPubKey(kv store.KV, pub ed25519.PublicKey) string {
	own, err := k.ownAccount(kv, pub)
	if err != nil {
		return ""
	}
	if own != nil {
		return own.ID
	}
	return string(kv.Get(PubKeyKey(pub)))
}

// ownAccount is the account named by pub's hash if pub is its current
// key, nil otherwise.
func (k Keeper) ownAccount(kv store.KV, pub ed25519.PublicKey) (*Account, error) {
	a, err := k.Account(kv, tx.AccountID(pub))
	if err != nil || a == nil || a.PubKey != hex.EncodeToString(pub) {
		return nil, err
	}
	return a, nil
}

// sparseKeyIndex reports whether only keys whose account id is not their
// own hash have an index entry (protocol 4 on).
func (Keeper) sparseKeyIndex(kv store.KV) bool {
	return string(kv.Get(keyKeyIndex)) == string(keyIndexRotated)
}

// needsIndex reports whether pub, controlling account id, has an
// authority/pubkey/ entry under the chain's layout.
func (k Keeper) needsIndex(kv store.KV, id string, pub ed25519.PublicKey) bool {
	return id != tx.AccountID(pub) || !k.sparseKeyIndex(kv)
}

// MakeKeyIndexSparse switches the chain to the sparse key index and
// deletes every entry that the account records now answer for; it
// returns how many it deleted. It is the protocol-4 migration, and a chain
// born at protocol 4 runs it on its empty state before genesis.
func (k Keeper) MakeKeyIndexSparse(kv store.KV) (int, error) {
	kv.Set(keyKeyIndex, keyIndexRotated)
	prefix := []byte(prefixPubKey)
	end := store.PrefixEnd(prefix)
	deleted := 0
	for from := prefix; ; {
		// In rounds, so a register of millions of accounts does not hold
		// every redundant key in memory at once.
		var redundant [][]byte
		var next []byte
		var err error
		kv.Iterate(from, end, false, func(key, id []byte) bool {
			if len(redundant) == 65536 {
				next = slices.Clone(key)
				return false
			}
			pub, perr := ParsePubKey(string(key[len(prefix):]))
			if perr != nil {
				err = fmt.Errorf("%w: key index entry %q: %v", ErrCorruptRecord, key, perr)
				return false
			}
			if string(id) == tx.AccountID(pub) {
				redundant = append(redundant, slices.Clone(key))
			}
			return true
		})
		if err != nil {
			return deleted, err
		}
		for _, key := range redundant {
			kv.Delete(key)
		}
		deleted += len(redundant)
		if next == nil {
			return deleted, nil
		}
		from = next
	}
}

// CreateAccount makes a new account for pub with sequence 0.
func (k Keeper) CreateAccount(kv store.KV, pub ed25519.PublicKey) (*Account, error) {
	return k.createAccount(kv, tx.AccountID(pub), pub)
}

// createAccount makes account id controlled by pub; id differs from pub's
// own only for a rotated account restored from genesis.
func (k Keeper) createAccount(kv store.KV, id string, pub ed25519.PublicKey) (*Account, error) {
	if kv.Has(AccountKey(id)) || k.AccountIDByPubKey(kv, pub) != "" {
		return nil, ErrAccountExists.Wrapf("account %s", id)
	}
	a := &Account{ID: id, PubKey: hex.EncodeToString(pub), Roles: []string{}}
	k.SetAccount(kv, a)
	if k.needsIndex(kv, id, pub) {
		kv.Set(PubKeyKey(pub), []byte(id))
	}
	return a, nil
}

// SetAccount stores an account record.
func (Keeper) SetAccount(kv store.KV, a *Account) { put(kv, AccountKey(a.ID), a) }

// IncrementSequence consumes one sequence number of account id.
func (k Keeper) IncrementSequence(kv store.KV, id string) error {
	a, err := k.Account(kv, id)
	if err != nil {
		return err
	}
	if a == nil {
		return ErrUnknownAccount.Wrapf("%s", id)
	}
	a.Sequence++
	k.SetAccount(kv, a)
	return nil
}

// GrantRole adds role to the account.
func (k Keeper) GrantRole(kv store.KV, id, role string) error {
	a, err := k.Account(kv, id)
	if err != nil {
		return err
	}
	if a == nil {
		return ErrUnknownAccount.Wrapf("%s", id)
	}
	if a.HasRole(role) {
		return ErrRoleHeld.Wrapf("%s already holds %s", id, role)
	}
	a.Roles = append(a.Roles, role)
	slices.Sort(a.Roles)
	k.SetAccount(kv, a)
	kv.Set(RoleKey(role, id), roleMarker)
	return nil
}

// RevokeRole removes role from the account.
func (k Keeper) RevokeRole(kv store.KV, id, role string) error {
	a, err := k.Account(kv, id)
	if err != nil {
		return err
	}
	if a == nil {
		return ErrUnknownAccount.Wrapf("%s", id)
	}
	i := slices.Index(a.Roles, role)
	if i < 0 {
		return ErrRoleNotHeld.Wrapf("%s does not hold %s", id, role)
	}
	a.Roles = slices.Delete(a.Roles, i, i+1)
	k.SetAccount(kv, a)
	kv.Delete(RoleKey(role, id))
	return nil
}

// HasRole reports whether account id holds role; other modules call this
// through their expected-keeper interface.
func (Keeper) HasRole(kv store.KV, id, role string) bool { return kv.Has(RoleKey(role, id)) }

// Holders lists the accounts holding role, in id order.
func (Keeper) Holders(kv store.KV, role string) []string {
	prefix := []byte(prefixRole + role + "/")
	var ids []string
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(key, _ []byte) bool {
		ids = append(ids, string(key[len(prefix):]))
		return true
	})
	return ids
}

// Accounts visits every account in id order.
func (k Keeper) Accounts(kv store.KV, fn func(*Account) bool) error {
	prefix := []byte(prefixAccount)
	var err error
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(_, v []byte) bool {
		var a *Account
		if a, err = decode[Account](v); err != nil {
			return false
		}
		return fn(a)
	})
	return err
}

// RotateKey makes newPub the key controlling account id, replacing its
// current key in both the account record and the key → account index. The
// account id and sequence do not change. The identity module calls this for
// key rotation and recovery.
func (k Keeper) RotateKey(kv store.KV, id string, newPub ed25519.PublicKey) error {
	a, err := k.Account(kv, id)
	if err != nil {
		return err
	}
	if a == nil {
		return ErrUnknownAccount.Wrapf("%s", id)
	}
	if k.AccountIDByPubKey(kv, newPub) != "" {
		return ErrAccountExists.Wrapf("key %x already controls an account", []byte(newPub))
	}
	old, err := ParsePubKey(a.PubKey)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	if k.needsIndex(kv, id, old) {
		kv.Delete(PubKeyKey(old))
	}
	if k.needsIndex(kv, id, newPub) {
		kv.Set(PubKeyKey(newPub), []byte(id))
	}
	a.PubKey = hex.EncodeToString(newPub)
	k.SetAccount(kv, a)
	return nil
}

// Quorum is the authority rule, kept in one place: at least Threshold
// distinct members of the authority set signed the transaction. It returns
// the approving members in signing order. Other modules call it through
// their expected-keeper interface.
func (k Keeper) Quorum(kv store.KV, signers []module.Signer) ([]string, error) {
	p, err := k.Params(kv)
	if err != nil {
		return nil, err
	}
	var approvers []string
	for _, s := range signers {
		if s.Account != "" && slices.Contains(p.Members, s.Account) {
			approvers = append(approvers, s.Account)
		}
	}
	if len(approvers) < p.Threshold {
		return nil, errs.Unauthorized.Wrapf("%s: %d of %d authority signatures, %d required",
			ErrNoQuorum.Desc, len(approvers), len(p.Members), p.Threshold)
	}
	return approvers, nil
}

// AccountEntry is the stored account record of id with its key, for a
// proven query (Value is nil when there is none).
func (Keeper) AccountEntry(kv store.KV, id string) module.QueryResult {
	key := AccountKey(id)
	return module.QueryResult{Key: key, Value: kv.Get(key)}
}

// PubKeyEntry is the key → account index entry of pub, for a proven query.
// From protocol 4 a key that controls the account its hash names has no
// entry: that account's record answers (client.AccountByKey asks it first).
func (Keeper) PubKeyEntry(kv store.KV, pub ed25519.PublicKey) module.QueryResult {
	key := PubKeyKey(pub)
	return module.QueryResult{Key: key, Value: kv.Get(key)}
}

// ParamsEntry is the stored authority set, for a proven query.
func (Keeper) ParamsEntry(kv store.KV) module.QueryResult {
	return module.QueryResult{Key: keyParams, Value: kv.Get(keyParams)}
}

// prefixParamsHistory keys the authority set's changes:
//
//	authority/params-history/<height:20>   ParamsChange (provable)
const prefixParamsHistory = "authority/params-history/"

// ParamsChangeKey is the state key of the authority set's change at height.
func ParamsChangeKey(height int64) []byte {
	return []byte(fmt.Sprintf("%s%020d", prefixParamsHistory, height))
}

// RecordParamsChange stores a change of the authority set (a second change
// in the same block keeps the first one's old set).
func (k Keeper) RecordParamsChange(kv store.KV, c *ParamsChange) {
	key := ParamsChangeKey(c.Height)
	if b := kv.Get(key); b != nil {
		if prev, err := decode[ParamsChange](b); err == nil {
			c.Old = prev.Old
		}
	}
	put(kv, key, c)
}

// ParamsHistory visits the authority set's changes in height order.
func (Keeper) ParamsHistory(kv store.KV, fn func(*ParamsChange) bool) error {
	prefix := []byte(prefixParamsHistory)
	var err error
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(_, v []byte) bool {
		var c *ParamsChange
		if c, err = decode[ParamsChange](v); err != nil {
			return false
		}
		return fn(c)
	})
	return err
}
