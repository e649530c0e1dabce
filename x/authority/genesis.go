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
	_, err := g.params()
	return err
}

// params checks the genesis state and returns the authority set it makes.
func (g *Genesis) params() (*Params, error) {
	byKey, err := g.accountIDs()
	if err != nil {
		return nil, err
	}
	for i, a := range g.Accounts {
		for _, r := range a.Roles {
			if !ValidRole(r) {
				return nil, fmt.Errorf("account %d: unknown role %q", i, r)
			}
		}
	}
	members, err := g.memberIDs(byKey)
	if err != nil {
		return nil, err
	}
	p := &Params{Threshold: g.Threshold, Members: members}
	return p, p.Validate()
}

// accountIDs maps each genesis account's key (hex) to its account id and
// refuses malformed keys or ids and duplicate keys or ids.
func (g *Genesis) accountIDs() (map[string]string, error) {
	byKey := map[string]string{}
	seen := map[string]bool{}
	for i, a := range g.Accounts {
		pub, err := ParsePubKey(a.PubKey)
		if err != nil {
			return nil, fmt.Errorf("account %d: %w", i, err)
		}
		if a.ID != "" && !tx.ValidAccountID(a.ID) {
			return nil, fmt.Errorf("account %d: id %q is not an account id", i, a.ID)
		}
		key := hex.EncodeToString(pub)
		if _, dup := byKey[key]; dup {
			return nil, fmt.Errorf("account %d: duplicate key %s", i, a.PubKey)
		}
		id := a.AccountID(pub)
		if seen[id] {
			return nil, fmt.Errorf("account %d: duplicate account id %s", i, id)
		}
		seen[id] = true
		byKey[key] = id
	}
	return byKey, nil
}

// memberIDs are the account ids of the authority set, sorted; byKey maps
// the genesis accounts' keys to their ids (accountIDs).
func (g *Genesis) memberIDs(byKey map[string]string) ([]string, error) {
	ids := make([]string, 0, len(g.Members))
	for i, m := range g.Members {
		pub, err := ParsePubKey(m)
		if err != nil {
			return nil, fmt.Errorf("member %d: %w", i, err)
		}
		id, ok := byKey[hex.EncodeToString(pub)]
		if !ok {
			return nil, fmt.Errorf("authority member %s has no genesis account", tx.AccountID(pub))
		}
		ids = append(ids, id)
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
	params, err := g.params()
	if err != nil {
		return ErrInvalidGenesis.Wrap(err)
	}
	for _, ga := range g.Accounts {
		pub, _ := ParsePubKey(ga.PubKey)
		a, err := m.Keeper.createAccount(kv, ga.AccountID(pub), pub)
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
	m.Keeper.SetParams(kv, params)
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
		ga := GenesisAccount{PubKey: a.PubKey, Roles: a.Roles}
		if pub, err := ParsePubKey(a.PubKey); err == nil && tx.AccountID(pub) != a.ID {
			ga.ID = a.ID // a rotated key: keep the id other records name
		}
		g.Accounts = append(g.Accounts, ga)
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
