package identity

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/publica/publica/module"
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
//	identity/statuslist/<issuer>/<purpose>         the issuer's signed BitstringStatusListCredential
//	                                               (JSON as sent; absent: not signed since the last change)
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
	prefixSignedSL  = prefix + "statuslist/"
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

// SignedStatusListKey is the key of an issuer's signed status list
// credential for purpose.
func SignedStatusListKey(issuer, purpose string) []byte {
	return []byte(prefixSignedSL + issuer + "/" + purpose)
}
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

// Keeper reads and writes the module's keys; nothing else does. Accounts
// and keys belong to x/authority, reached through auth.
type Keeper struct{ auth AuthorityKeeper }

func get[T any](kv store.KV, key []byte) (*T, error) { return store.GetJSON[T](kv, key) }

func put(kv store.KV, key []byte, v any) { store.PutJSON(kv, key, v) }

// Stored is the value at one of the module's keys as stored (nil if
// absent), for queries that answer with a provable record.
func (Keeper) Stored(kv store.KV, key []byte) []byte { return kv.Get(key) }

// Params returns the module parameters (defaults if unset).
func (Keeper) Params(kv store.KV) Params {
	p, err := get[Params](kv, ParamsKey())
	if err != nil || p == nil {
		return DefaultParams()
	}
	return *p
}

// HasParams reports whether the parameters are stored (not defaults).
func (Keeper) HasParams(kv store.KV) bool { return kv.Has(ParamsKey()) }

// SetParams stores the parameters.
func (Keeper) SetParams(kv store.KV, p Params) { put(kv, ParamsKey(), p) }

// Schema returns a schema version, or nil.
func (Keeper) Schema(kv store.KV, id string, version uint32) (*Schema, error) {
	return get[Schema](kv, SchemaKey(id, version))
}

// SchemaExists reports whether the schema version is registered.
func (Keeper) SchemaExists(kv store.KV, id string, version uint32) bool {
	return kv.Has(SchemaKey(id, version))
}

// HasSchema reports whether any version of schema id is registered.
func (Keeper) HasSchema(kv store.KV, id string) bool {
	p := []byte(prefixSchema + id + "/")
	found := false
	kv.Iterate(p, store.PrefixEnd(p), false, func(_, _ []byte) bool { found = true; return false })
	return found
}

// SetSchema stores a schema version.
func (Keeper) SetSchema(kv store.KV, s *Schema) { put(kv, SchemaKey(s.ID, s.Version), s) }

// Issuer returns an issuer record, or nil.
func (Keeper) Issuer(kv store.KV, account string) (*Issuer, error) {
	return get[Issuer](kv, IssuerKey(account))
}

// SetIssuer stores an issuer record as it is.
func (Keeper) SetIssuer(kv store.KV, is *Issuer) { put(kv, IssuerKey(is.Account), is) }

// LogIssuer appends the issuer's current state to its history (one entry
// per height) and stores it.
func (k Keeper) LogIssuer(kv store.KV, is *Issuer, height int64) {
	ev := IssuerEvent{Height: height, Status: is.Status, Schemas: slices.Clone(is.Schemas)}
	if n := len(is.History); n > 0 && is.History[n-1].Height == height {
		is.History[n-1] = ev
	} else {
		is.History = append(is.History, ev)
	}
	k.SetIssuer(kv, is)
}

// Anchor returns the anchor of a credential digest, or nil.
func (Keeper) Anchor(kv store.KV, digest string) (*Anchor, error) {
	return get[Anchor](kv, AnchorKey(digest))
}

// HasAnchor reports whether a credential with digest is anchored.
func (Keeper) HasAnchor(kv store.KV, digest string) bool { return kv.Has(AnchorKey(digest)) }

// SlotTaken reports whether the issuer's status index is allocated.
func (Keeper) SlotTaken(kv store.KV, issuer string, index uint64) bool {
	return kv.Has(SlotKey(issuer, index))
}

// SetAnchor stores an anchor and allocates its status index to it.
func (Keeper) SetAnchor(kv store.KV, a *Anchor) {
	put(kv, AnchorKey(a.Digest), a)
	kv.Set(SlotKey(a.Issuer, a.StatusIndex), []byte(a.Digest))
}

// StatusPage is the stored page of issuer's purpose list holding index
// (nil: absent, all zeros).
func (Keeper) StatusPage(kv store.KV, issuer, purpose string, index uint64) []byte {
	return kv.Get(StatusPageKey(issuer, purpose, index))
}

// StatusBitSet reads entry index of issuer's purpose list.
func (k Keeper) StatusBitSet(kv store.KV, issuer, purpose string, index uint64) bool {
	return StatusBit(k.StatusPage(kv, issuer, purpose, index), index)
}

// SetStatusBit gives entry index of issuer's purpose list the value set,
// storing its page (created all zeros if absent).
func (k Keeper) SetStatusBit(kv store.KV, issuer, purpose string, index uint64, set bool) {
	page := k.StatusPage(kv, issuer, purpose, index)
	if page == nil {
		page = make([]byte, PageBytes)
	} else {
		page = bytes.Clone(page)
	}
	off := index % PageBits
	if set {
		page[off/8] |= 0x80 >> (off % 8)
	} else {
		page[off/8] &^= 0x80 >> (off % 8)
	}
	kv.Set(StatusPageKey(issuer, purpose, index), page)
}

// StatusListBits is issuer's whole purpose list as it stands (at least
// MinStatusListBits long), for checking a signed list against.
func (k Keeper) StatusListBits(kv store.KV, issuer, purpose string) []byte {
	size := k.Params(kv).StatusListSize
	pages := make([][]byte, StatusListPageCount(size))
	for i := range pages {
		pages[i] = k.StatusPage(kv, issuer, purpose, uint64(i)*PageBits)
	}
	return StatusListBits(size, pages)
}

// SignedStatusList is the issuer's signed list credential (nil: none).
func (Keeper) SignedStatusList(kv store.KV, issuer, purpose string) []byte {
	return kv.Get(SignedStatusListKey(issuer, purpose))
}

// SetSignedStatusList stores the issuer's signed list credential.
func (Keeper) SetSignedStatusList(kv store.KV, issuer, purpose string, doc []byte) {
	kv.Set(SignedStatusListKey(issuer, purpose), doc)
}

// DeleteSignedStatusList removes it (the list changed without a new one).
func (Keeper) DeleteSignedStatusList(kv store.KV, issuer, purpose string) {
	kv.Delete(SignedStatusListKey(issuer, purpose))
}

// SetStatusPage stores a whole page (genesis).
func (Keeper) SetStatusPage(kv store.KV, p StatusPage) {
	kv.Set(StatusPageKey(p.Issuer, p.Purpose, p.Page*PageBits), p.Bits)
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

// SetDID stores a DID record.
func (Keeper) SetDID(kv store.KV, d *DIDRecord) { put(kv, DIDKey(d.Account), d) }

// KeyInUse reports whether pub already controls an account.
func (k Keeper) KeyInUse(kv store.KV, pub ed25519.PublicKey) bool {
	return k.auth.AccountIDByPubKey(kv, pub) != ""
}

// RotateKey makes newPub the account's key from height h, in the account
// and in the DID history.
func (k Keeper) RotateKey(kv store.KV, account string, newPub ed25519.PublicKey, h int64, reason string) error {
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
		if errors.Is(err, authority.ErrAccountExists) {
			return ErrKeyInUse.Wrapf("%x", []byte(newPub))
		}
		return err
	}
	cur := d.Current()
	cur.Until = h
	d.Keys = append(d.Keys, KeyEntry{N: cur.N + 1, PubKey: hex.EncodeToString(newPub), From: h, Reason: reason})
	k.SetDID(kv, d)
	return nil
}

// Recovery returns the pending recovery of account, or nil.
func (Keeper) Recovery(kv store.KV, account string) (*Recovery, error) {
	return get[Recovery](kv, RecoveryKey(account))
}

// HasRecovery reports whether a recovery of account is pending.
func (Keeper) HasRecovery(kv store.KV, account string) bool { return kv.Has(RecoveryKey(account)) }

// SetRecovery stores a pending recovery.
func (Keeper) SetRecovery(kv store.KV, r *Recovery) { put(kv, RecoveryKey(r.Account), r) }

// DeleteRecovery ends the pending recovery of account, if any.
func (Keeper) DeleteRecovery(kv store.KV, account string) { kv.Delete(RecoveryKey(account)) }

// Eligibility returns a registered eligibility result, or nil.
func (Keeper) Eligibility(kv store.KV, account, schemaID, predicate string) (*Eligibility, error) {
	return get[Eligibility](kv, EligibilityKey(account, schemaID, predicate))
}

// SetEligibility stores an eligibility result and returns its key.
func (Keeper) SetEligibility(kv store.KV, e *Eligibility) []byte {
	key := EligibilityKey(e.Account, e.SchemaID, e.Predicate)
	put(kv, key, e)
	return key
}

// TimeBefore is the time of the latest block at or before height recorded
// in kv (the zero time if none): the clock Eligible judges expiry by.
// While a block executes, that is the block's own time (the application
// records it before the block's transactions run); in CheckTx, the last
// block's that had transactions.
func TimeBefore(kv store.KV, height int64) time.Time {
	t, _, _ := module.LatestBlockTime(kv, height)
	return t
}

// Eligible tells other modules (ballot voter eligibility, through their
// expected-keeper interface) whether account proved, with a credential of
// schemaID, that predicate holds, and whether that credential is still
// good in state kv at height: not revoked, not suspended, holder DID not
// deactivated, and not expired at the block's time (TimeBefore). The reason
// explains a false answer.
func (k Keeper) Eligible(kv store.KV, account, schemaID, predicate string, height int64) (bool, string) {
	e, err := k.Eligibility(kv, account, schemaID, predicate)
	if err != nil {
		return false, err.Error()
	}
	if e == nil {
		return false, "no eligibility proof registered for " + schemaID + " " + predicate
	}
	for _, purpose := range []string{PurposeRevocation, PurposeSuspension} {
		if k.StatusBitSet(kv, e.Issuer, purpose, e.StatusIndex) {
			return false, "credential " + purpose + " bit is set"
		}
	}
	if at := TimeBefore(kv, height); e.ValidUntil != 0 && !at.IsZero() && at.Unix() >= e.ValidUntil {
		return false, "credential expired"
	}
	if d, _ := k.DID(kv, account); d == nil || d.Deactivated {
		return false, "DID deactivated"
	}
	return true, ""
}

// records decodes every record under prefix, in key order.
func records[T any](kv store.KV, prefix string) ([]T, error) {
	p := []byte(prefix)
	var out []T
	var err error
	kv.Iterate(p, store.PrefixEnd(p), false, func(_, b []byte) bool {
		var v T
		if err = json.Unmarshal(b, &v); err != nil {
			return false
		}
		out = append(out, v)
		return true
	})
	return out, err
}

// Records returns every stored record in key order, for export.
func (k Keeper) Records(kv store.KV) (*Genesis, error) {
	g := &Genesis{Params: k.Params(kv)}
	var errs [6]error
	g.Schemas, errs[0] = records[Schema](kv, prefixSchema)
	g.Issuers, errs[1] = records[Issuer](kv, prefixIssuer)
	g.DIDs, errs[2] = records[DIDRecord](kv, prefixDID)
	g.Anchors, errs[3] = records[Anchor](kv, prefixAnchor)
	g.Recoveries, errs[4] = records[Recovery](kv, prefixRecovery)
	g.Eligibility, errs[5] = records[Eligibility](kv, prefixEligible)
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	sl := []byte(prefixSignedSL)
	kv.Iterate(sl, store.PrefixEnd(sl), false, func(key, b []byte) bool {
		// identity/statuslist/<issuer>/<purpose>
		issuer, purpose, _ := strings.Cut(string(key[len(sl):]), "/")
		g.SignedStatusLists = append(g.SignedStatusLists, SignedStatusListRecord{Issuer: issuer, Purpose: purpose, List: bytes.Clone(b)})
		return true
	})
	p := []byte(prefixStatus)
	kv.Iterate(p, store.PrefixEnd(p), false, func(key, b []byte) bool {
		var sp StatusPage
		// identity/status/<issuer>/<purpose>/<page>
		rest := string(key[len(p):])
		if len(rest) > 41 {
			sp.Issuer = rest[:40]
			tail := rest[41:]
			for i := len(tail) - 1; i >= 0; i-- {
				if tail[i] == '/' {
					sp.Purpose = tail[:i]
					n, _ := strconv.ParseUint(tail[i+1:], 10, 64)
					sp.Page = n
					break
				}
			}
		}
		sp.Bits = b
		g.StatusPages = append(g.StatusPages, sp)
		return true
	})
	return g, nil
}
