package identity

import (
	"crypto/ed25519"

	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/authority"
)

// AuthorityKeeper is everything this module needs from x/authority, which
// owns accounts, their keys and roles, and the authority set;
// authority.Keeper implements it. Identity never reads authority's keys
// itself: even the credential verifier, reading through a Reader that may
// prove every key, reads accounts through Account (see readerKV).
type AuthorityKeeper interface {
	// Account returns the account with id, or nil.
	Account(kv store.KV, id string) (*authority.Account, error)
	// AccountIDByPubKey is the account pub controls, "" if none.
	AccountIDByPubKey(kv store.KV, pub ed25519.PublicKey) string
	// HasRole reports whether account id holds role.
	HasRole(kv store.KV, id, role string) bool
	// RotateKey makes newPub the key of account id (authority.ErrAccountExists
	// if newPub already controls an account).
	RotateKey(kv store.KV, id string, newPub ed25519.PublicKey) error
	// Quorum checks that enough authority members signed and returns them.
	Quorum(kv store.KV, signers []module.Signer) ([]string, error)
}

var _ AuthorityKeeper = authority.Keeper{}
