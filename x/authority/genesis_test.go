package authority

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
)

func seededKey(label string) ed25519.PublicKey {
	seed := sha256.Sum256([]byte(label))
	return ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
}

// authorityState is every authority record, with sequences left out
// (genesis restarts them at 0).
func authorityState(t *testing.T, kv store.KV) map[string]string {
	t.Helper()
	out := map[string]string{}
	prefix := []byte(ModuleName + "/")
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(k, v []byte) bool {
		if strings.HasPrefix(string(k), prefixAccount) {
			var a Account
			if err := json.Unmarshal(v, &a); err != nil {
				t.Fatal(err)
			}
			a.Sequence = 0
			v, _ = json.Marshal(a)
		}
		out[string(k)] = string(v)
		return true
	})
	return out
}

// TestGenesisRoundTripRotatedKeys: an account whose key was rotated (a
// member of the authority set among them) comes back from an export under
// its own id, with its new key, roles and index entries.
func TestGenesisRoundTripRotatedKeys(t *testing.T) {
	a1, a2, a3, citizen := seededKey("a1"), seededKey("a2"), seededKey("a3"), seededKey("citizen")
	g := Genesis{Threshold: 2, Members: []string{hexKey(a1), hexKey(a2), hexKey(a3)}, Accounts: []GenesisAccount{
		GenesisAccountFor(a1), GenesisAccountFor(a2), GenesisAccountFor(a3), GenesisAccountFor(citizen, RoleClerk),
	}}
	raw, _ := json.Marshal(g)
	m := New()
	kv := store.OpenMemory().Working()
	if err := m.InitGenesis(kv, raw); err != nil {
		t.Fatal(err)
	}
	// A member and a clerk rotate their keys.
	for _, r := range []struct{ old, new ed25519.PublicKey }{{a2, seededKey("a2 new")}, {citizen, seededKey("citizen new")}} {
		if err := m.Keeper.RotateKey(kv, tx.AccountID(r.old), r.new); err != nil {
			t.Fatal(err)
		}
	}
	exported, err := m.ExportGenesis(kv)
	if err != nil {
		t.Fatal(err)
	}
	var back Genesis
	if err := json.Unmarshal(exported, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(); err != nil {
		t.Fatalf("exported genesis does not validate: %v", err)
	}
	ids := 0
	for _, a := range back.Accounts {
		if a.ID != "" {
			ids++
		}
	}
	if ids != 2 {
		t.Fatalf("%d accounts carry an id, want the 2 rotated ones: %s", ids, exported)
	}
	kv2 := store.OpenMemory().Working()
	if err := New().InitGenesis(kv2, exported); err != nil {
		t.Fatal(err)
	}
	if want, got := authorityState(t, kv), authorityState(t, kv2); !reflect.DeepEqual(want, got) {
		t.Fatalf("state after the round trip differs:\nwant %v\ngot  %v", want, got)
	}
	if _, err := New().Keeper.Quorum(kv2, nil); err == nil {
		t.Fatal("no signer makes a quorum")
	}
}

func TestGenesisValidateRefusesBadIDs(t *testing.T) {
	a1 := seededKey("a1")
	for name, accounts := range map[string][]GenesisAccount{
		"malformed id": {{ID: "zz", PubKey: hexKey(a1)}},
		"id taken by another key": {{PubKey: hexKey(a1)},
			{ID: tx.AccountID(a1), PubKey: hexKey(seededKey("other"))}},
		"same key twice": {{PubKey: hexKey(a1)}, {ID: tx.AccountID(seededKey("x")), PubKey: hexKey(a1)}},
	} {
		g := Genesis{Threshold: 1, Members: []string{hexKey(a1)}, Accounts: accounts}
		if err := g.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func hexKey(pub ed25519.PublicKey) string { return GenesisAccountFor(pub).PubKey }
