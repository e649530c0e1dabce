package authority

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
)

// Validate checks a genesis state without touching any store.
func (g *Genesis) Validate() error {
	seen := map[string]bool{}
	for i, a := range g.Accounts {
		pub, err := ParsePubKey(a.PubKey)
		if err != nil {
			return fmt.Errorf("account %d: %w", i, err)
		}
		id := tx.AccountID(pub)
		if seen[id] {
			return fmt.Errorf("account %d: duplicate key %s", i, a.PubKey)
		}
		seen[id] = true
		for _, r := range a.Roles {
			if !ValidRole(r) {
				return fmt.Errorf("account %d: unknown role %q", i, r)
			}
		}
	}
	members, err := g.memberIDs()
	if err != nil {
		return err
	}
	for _, m := range members {
		if !seen[m] {
			return fmt.Errorf("authority member %s has no genesis account", m)
		}
	}
	p := Params{Threshold: g.Threshold, Members: members}
	return p.Validate()
}

func (g *Genesis) memberIDs() ([]string, error) {
	ids := make([]string, 0, len(g.Members))
	for i, m := range g.Members {
		pub, err := ParsePubKey(m)
		if err != nil {
			return nil, fmt.Errorf("member %d: %w", i, err)
		}
		ids = append(ids, tx.AccountID(pub))
	}
	slices.Sort(ids)
	return ids, nil
}

// InitGenesis creates the genesis accounts and the authority set.
func (m *Module) InitGenesis(kv store.KV, raw json.RawMessage) error {
	var g Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		return ErrInvalidGenesis.Wrapf("decode: %v", err)
	}
	if err := g.Validate(); err != nil {
		return ErrInvalidGenesis.Wrap(err)
	}
	for _, ga := range g.Accounts {
		pub, _ := ParsePubKey(ga.PubKey)
		a, err := m.Keeper.CreateAccount(kv, pub)
		if err != nil {
			return err
		}
		roles := slices.Clone(ga.Roles)
		slices.Sort(roles)
		for _, r := range slices.Compact(roles) {
			if err := m.Keeper.GrantRole(kv, a.ID, r); err != nil {
				return err
			}
		}
	}
	members, _ := g.memberIDs()
	m.Keeper.SetParams(kv, &Params{Threshold: g.Threshold, Members: members})
	return nil
}

// ExportGenesis writes the current accounts and authority set. Sequences
// are not part of genesis: an exported chain restarts them at 0.
func (m *Module) ExportGenesis(kv store.KV) (json.RawMessage, error) {
	p, err := m.Keeper.Params(kv)
	if err != nil {
		return nil, err
	}
	g := Genesis{Threshold: p.Threshold}
	for _, id := range p.Members {
		a, err := m.Keeper.Account(kv, id)
		if err != nil || a == nil {
			return nil, fmt.Errorf("authority member %s: account missing", id)
		}
		g.Members = append(g.Members, a.PubKey)
	}
	err = m.Keeper.Accounts(kv, func(a *Account) bool {
		g.Accounts = append(g.Accounts, GenesisAccount{PubKey: a.PubKey, Roles: a.Roles})
		return true
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(g)
}

// GenesisAccountFor is a helper for genesis builders.
func GenesisAccountFor(pub []byte, roles ...string) GenesisAccount {
	return GenesisAccount{PubKey: hex.EncodeToString(pub), Roles: roles}
}
