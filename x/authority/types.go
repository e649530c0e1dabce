// Package authority keeps accounts (public key, sequence, roles) and lets
// the genesis authority set, k of n together, grant and revoke roles.
package authority

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/tx"
)

const ModuleName = "authority"

// ProtocolSparseKeyIndex (4) is the first protocol version whose key →
// account index holds only keys whose account id is not their own hash
// (Keeper.MakeKeyIndexSparse).
const ProtocolSparseKeyIndex uint64 = 4

// Roles that the authority set can grant.
const (
	RoleClerk            = "clerk"
	RoleRegistrar        = "registrar"
	RoleElectionOfficial = "election_official"
	RoleTrustee          = "trustee"
	RoleAuditor          = "auditor"
	// RoleObserver is an accredited election observer: the portal shows
	// it the elections' observation pages (web/ballot/observe.go). It
	// grants no message on the chain and no secret: docs/ballot.md
	// "Observers".
	RoleObserver = "observer"
)

// Roles lists every role, in a fixed order.
var Roles = []string{RoleClerk, RoleRegistrar, RoleElectionOfficial, RoleTrustee, RoleAuditor, RoleObserver}

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool { return slices.Contains(Roles, r) }

// Account is the state record of one account.
type Account struct {
	ID       string   `json:"id"`
	PubKey   string   `json:"pubkey"` // hex ed25519 public key currently controlling the account
	Sequence uint64   `json:"sequence"`
	Roles    []string `json:"roles"` // sorted
}

// HasRole reports whether the account holds role.
func (a *Account) HasRole(role string) bool { return slices.Contains(a.Roles, role) }

// Params is the authority set: Threshold of the Members must co-sign every
// role change.
type Params struct {
	Threshold int      `json:"threshold"`
	Members   []string `json:"members"` // account ids, sorted
}

// Validate checks 1 ≤ k ≤ n, well-formed and distinct members.
func (p *Params) Validate() error {
	if len(p.Members) == 0 {
		return fmt.Errorf("authority set has no members")
	}
	if p.Threshold < 1 || p.Threshold > len(p.Members) {
		return fmt.Errorf("threshold %d outside 1..%d", p.Threshold, len(p.Members))
	}
	for i, m := range p.Members {
		if !tx.ValidAccountID(m) {
			return fmt.Errorf("member %q is not an account id", m)
		}
		if i > 0 && p.Members[i-1] >= m {
			return fmt.Errorf("members must be sorted and distinct (%q after %q)", m, p.Members[i-1])
		}
	}
	return nil
}

// MsgRegisterAccount creates an account for the primary signer's key. The
// sequence of the transaction must be 0. Result data: the account id.
type MsgRegisterAccount struct{}

func (*MsgRegisterAccount) ValidateBasic() error { return nil }

// MsgGrantRole grants Role to Account; it needs Threshold authority
// signatures on the transaction.
type MsgGrantRole struct {
	Account string `json:"account"`
	Role    string `json:"role"`
}

func (m *MsgGrantRole) ValidateBasic() error { return validateRoleChange(m.Account, m.Role) }

// MsgRevokeRole removes Role from Account, with Threshold authority
// signatures.
type MsgRevokeRole struct {
	Account string `json:"account"`
	Role    string `json:"role"`
}

func (m *MsgRevokeRole) ValidateBasic() error { return validateRoleChange(m.Account, m.Role) }

func validateRoleChange(account, role string) error {
	if !tx.ValidAccountID(account) {
		return errs.InvalidMsg.Wrapf("account %q is not a 40-hex-digit account id", account)
	}
	if !ValidRole(role) {
		return errs.InvalidMsg.Wrapf("unknown role %q (roles: %v)", role, Roles)
	}
	return nil
}

// GenesisAccount is an account created at genesis. ID is set only for an
// account whose key was rotated: its id is that of its first key, not of
// PubKey, and records elsewhere name it by that id.
type GenesisAccount struct {
	ID     string   `json:"id,omitempty"`
	PubKey string   `json:"pubkey"`
	Roles  []string `json:"roles,omitempty"`
}

// AccountID is the account's id: ID when set, else derived from PubKey.
func (a GenesisAccount) AccountID(pub ed25519.PublicKey) string {
	if a.ID != "" {
		return a.ID
	}
	return tx.AccountID(pub)
}

// Genesis is the module's genesis state.
type Genesis struct {
	Threshold int              `json:"threshold"`
	Members   []string         `json:"members"` // hex public keys of the authority set
	Accounts  []GenesisAccount `json:"accounts"`
}

// ParsePubKey decodes a hex ed25519 public key.
func ParsePubKey(s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key %q is not 64 hex digits", s)
	}
	return ed25519.PublicKey(b), nil
}
