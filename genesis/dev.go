// Package genesis builds genesis app states: the development genesis used
// by `make run`, and its demo keys.
//
// DEMO KEYS ARE PUBLIC. Their seeds are derived from their names below, so
// anyone can sign as them. They exist so that a developer can try every
// role on a local chain; a real network is initialised with keys made by
// `publica keys add` and its own genesis file.
package genesis

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"

	"github.com/publica/publica/store"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/land"
)

// DevChainID is the chain id of the development network.
const DevChainID = "publica-dev"

// DemoKey is one publicly known development key.
type DemoKey struct {
	Name  string
	Roles []string
	// Authority marks a member of the genesis authority set.
	Authority bool
}

// DemoKeys are the development accounts: three authority members (any two
// of them may grant or revoke roles), one holder of each role, three
// trustees and three citizens without roles.
var DemoKeys = []DemoKey{
	{Name: "authority-1", Authority: true},
	{Name: "authority-2", Authority: true},
	{Name: "authority-3", Authority: true},
	{Name: "clerk", Roles: []string{authority.RoleClerk}},
	{Name: "registrar", Roles: []string{authority.RoleRegistrar}},
	{Name: "election-official", Roles: []string{authority.RoleElectionOfficial}},
	{Name: "trustee-1", Roles: []string{authority.RoleTrustee}},
	{Name: "trustee-2", Roles: []string{authority.RoleTrustee}},
	{Name: "trustee-3", Roles: []string{authority.RoleTrustee}},
	{Name: "auditor", Roles: []string{authority.RoleAuditor}},
	{Name: "citizen-alice"},
	{Name: "citizen-bob"},
	{Name: "citizen-carol"},
}

// DevThreshold is k in the development authority set's k-of-n.
const DevThreshold = 2

// PrivateKey derives the demo key's private key from its name.
func (d DemoKey) PrivateKey() ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("publica demo key (public, never use in production): " + d.Name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// DevAppState is the development genesis app_state.
func DevAppState() json.RawMessage {
	g := authority.Genesis{Threshold: DevThreshold}
	for _, d := range DemoKeys {
		pub := d.PrivateKey().Public().(ed25519.PublicKey)
		g.Accounts = append(g.Accounts, authority.GenesisAccountFor(pub, d.Roles...))
		if d.Authority {
			g.Members = append(g.Members, authority.GenesisAccountFor(pub).PubKey)
		}
	}
	auth, err := json.Marshal(g)
	if err != nil {
		panic(err) // plain structs always marshal
	}
	// New chains keep their state as two trees (see package store).
	shape, _ := json.Marshal(map[string]string{"split": store.DefaultSplit})
	st, _ := json.Marshal(map[string]json.RawMessage{authority.ModuleName: auth, land.ModuleName: landState(), "state": shape})
	return st
}
