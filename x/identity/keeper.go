package identity

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/publica/publica/store"
	"github.com/publica/publica/x/authority"
)

// State keys (all provable; see docs/identity.md):
//
//	identity/params                                Params
//	identity/schema/<id>/<version %010d>           Schema
//	identity/issuer/<account>                      Issuer (with history)
//	identity/did/<account>                         DIDRecord (absent: one key, the account's)
//	identity/credential/<digest hex>               Anchor
//	identity/slot/<issuer>/<index %020d>           digest of the credential holding the index
//	identity/status/<issuer>/<purpose>/<page %08d> status list page (PageBytes bytes; absent = zeros)
//	identity/recovery/<account>                    Recovery (pending)
//	identity/eligibility/<account>/<key hex>       Eligibility; key = SHA-256(schema id 0x00 predicate)
const (
	prefix          = "identity/"
	prefixSchema    = prefix + "schema/"
	prefixIssuer    = prefix + "issuer/"
	prefixDID       = prefix + "did/"
	prefixAnchor    = prefix + "credential/"
	prefixSlot      = prefix + "slot/"
	prefixStatus    = prefix + "status/"
	prefixRecovery  = prefix + "recovery/"
	prefixEligible  = prefix + "eligibility/"
	PageBytes       = 1024
	PageBits        = PageBytes * 8
	keyParamsString = prefix + "params"
)

func ParamsKey() []byte { return []byte(keyParamsString) }
func SchemaKey(id string, version uint32) []byte {
	return []byte(fmt.Sprintf("%s%s/%010d", prefixSchema, id, version))
}
func IssuerKey(account string) []byte { return []byte(prefixIssuer + account) }
func DIDKey(account string) []byte    { return []byte(prefixDID + account) }
func AnchorKey(digest string) []byte  { return []byte(prefixAnchor + digest) }
func SlotKey(issuer string, index uint64) []byte {
	return []byte(fmt.Sprintf("%s%s/%020d", prefixSlot, issuer, index))
}

// StatusPageKey is the key of the page holding bit index of a list.
func StatusPageKey(issuer, purpose string, index uint64) []byte {
	return []byte(fmt.Sprintf("%s%s/%s/%08d", prefixStatus, issuer, purpose, index/PageBits))
}
func RecoveryKey(account string) []byte { return []byte(prefixRecovery + account) }
func EligibilityKey(account, schemaID, predicate string) []byte {
	h := sha256.Sum256([]byte(schemaID + "\x00" + predicate))
	return []byte(prefixEligible + account + "/" + hex.EncodeToString(h[:]))
}

// StatusBit reads bit index from a page value (nil = all zeros). Bit 0 is
// the most significant bit of the first byte, as in W3C Bitstring Status List.
func StatusBit(page []byte, index uint64) bool {
	off := index % PageBits
	if int(off/8) >= len(page) {
		return false
	}
	return page[off/8]&(0x80>>(off%8)) != 0
}

// AuthorityKeeper is what this module needs from x/authority.
type AuthorityKeeper interface {
	Params(kv store.KV) (*authority.Params, error)
	Account(kv store.KV, id string) (*authority.Account, error)
	HasRole(kv store.KV, id, role string) bool
	RotateKey(kv store.KV, id string, newPub ed25519.PublicKey) error
}

// Keeper reads and writes the module's keys.
type Keeper struct{ auth AuthorityKeeper }

func get[T any](kv store.KV, key []byte) (*T, error) { return store.GetJSON[T](kv, key) }

func put(kv store.KV, key []byte, v any) { store.PutJSON(kv, key, v) }

// Params returns the module parameters (defaults if unset).
func (Keeper) Params(kv store.KV) Params {
	p, err := get[Params](kv, ParamsKey())
	if err != nil || p == nil {
		return DefaultParams()
	}
	return *p
}

func (Keeper) Schema(kv store.KV, id string, version uint32) (*Schema, error) {
	return get[Schema](kv, SchemaKey(id, version))
}

// HasSchema reports whether any version of schema id is registered.
func (Keeper) HasSchema(kv store.KV, id string) bool {
	p := []byte(prefixSchema + id + "/")
	found := false
	kv.Iterate(p, store.PrefixEnd(p), false, func(_, _ []byte) bool { found = true; return false })
	return found
}

func (Keeper) Issuer(kv store.KV, account string) (*Issuer, error) {
	return get[Issuer](kv, IssuerKey(account))
}

func (Keeper) Anchor(kv store.KV, digest string) (*Anchor, error) {
	return get[Anchor](kv, AnchorKey(digest))
}

// DID returns the DID record of account, synthesised from the account's
// key if none is stored; nil if the account does not exist.
func (k Keeper) DID(kv store.KV, account string) (*DIDRecord, error) {
	d, err := get[DIDRecord](kv, DIDKey(account))
	if err != nil || d != nil {
		return d, err
	}
	a, err := k.auth.Account(kv, account)
	if err != nil || a == nil {
		return nil, err
	}
	return &DIDRecord{Account: account, Keys: []KeyEntry{{N: 1, PubKey: a.PubKey, From: 0, Reason: "account created"}}, Services: []Service{}}, nil
}

// rotate makes newPub the account's key from height h, in the account and
// in the DID history.
func (k Keeper) rotate(kv store.KV, account string, newPub ed25519.PublicKey, h int64, reason string) error {
	d, err := k.DID(kv, account)
	if err != nil {
		return err
	}
	if d == nil {
		return ErrUnknownAccount.Wrapf("%s", account)
	}
	if d.Deactivated {
		return ErrDIDDeactivated.Wrapf("%s", account)
	}
	if err := k.auth.RotateKey(kv, account, newPub); err != nil {
		if errorsIsAccountExists(err) {
			return ErrKeyInUse.Wrapf("%x", []byte(newPub))
		}
		return err
	}
	cur := d.Current()
	cur.Until = h
	d.Keys = append(d.Keys, KeyEntry{N: cur.N + 1, PubKey: hex.EncodeToString(newPub), From: h, Reason: reason})
	put(kv, DIDKey(account), d)
	return nil
}

func (Keeper) Recovery(kv store.KV, account string) (*Recovery, error) {
	return get[Recovery](kv, RecoveryKey(account))
}

// blockTimeKey mirrors app.BlockTimeKey (the app's block-time index, which
// this package cannot import): the time of block height.
func blockTimeKey(height int64) []byte { return []byte(fmt.Sprintf("app/blocktime/%020d", height)) }

// TimeBefore is the time of the latest block before height recorded in kv
// (the zero time if none): the clock Eligible judges expiry by.
func TimeBefore(kv store.KV, height int64) time.Time {
	b := kv.Get(blockTimeKey(height - 1))
	if b == nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}
	}
	return t
}

// Eligible tells other modules (ballot voter eligibility, through their
// expected-keeper interface) whether account proved, with a credential of
// schemaID, that predicate holds, and whether that credential is still
// good in state kv at height: not revoked, not suspended, holder DID not
// deactivated, and not expired at the previous block's time. The reason
// explains a false answer.
func (k Keeper) Eligible(kv store.KV, account, schemaID, predicate string, height int64) (bool, string) {
	e, err := get[Eligibility](kv, EligibilityKey(account, schemaID, predicate))
	if err != nil {
		return false, err.Error()
	}
	if e == nil {
		return false, "no eligibility proof registered for " + schemaID + " " + predicate
	}
	for _, purpose := range []string{PurposeRevocation, PurposeSuspension} {
		if StatusBit(kv.Get(StatusPageKey(e.Issuer, purpose, e.StatusIndex)), e.StatusIndex) {
			return false, "credential " + purpose + " bit is set"
		}
	}
	if at := TimeBefore(kv, height); e.ValidUntil != 0 && !at.IsZero() && at.Unix() >= e.ValidUntil {
		return false, "credential expired"
	}
	if d, _ := resolveDID(KVReader{KV: kv}, account); d == nil || d.Deactivated {
		return false, "DID deactivated"
	}
	return true, ""
}
