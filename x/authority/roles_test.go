package authority

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
)

// TestObserverRoleGrantAndRevoke: the observer role is one of the roles
// the authority set grants and revokes k of n, like the others (the
// messages' checks, the handlers' quorum, the account record and the role
// index all agree); an unknown role is still refused by ValidateBasic.
func TestObserverRoleGrantAndRevoke(t *testing.T) {
	if !ValidRole(RoleObserver) || !slices.Contains(Roles, RoleObserver) {
		t.Fatalf("observer is not a role: %v", Roles)
	}
	a1, a2, a3, watcher := seededKey("a1"), seededKey("a2"), seededKey("a3"), seededKey("watcher")
	g := Genesis{Threshold: 2, Members: []string{hexKey(a1), hexKey(a2), hexKey(a3)}, Accounts: []GenesisAccount{
		GenesisAccountFor(a1), GenesisAccountFor(a2), GenesisAccountFor(a3), GenesisAccountFor(watcher),
	}}
	raw, _ := json.Marshal(g)
	m := New()
	kv := store.OpenMemory().Working()
	if err := m.InitGenesis(kv, raw); err != nil {
		t.Fatal(err)
	}
	id := tx.AccountID(watcher)
	signers := func(keys ...ed25519.PublicKey) []module.Signer {
		var out []module.Signer
		for _, k := range keys {
			out = append(out, module.Signer{PubKey: k, Account: tx.AccountID(k)})
		}
		return out
	}
	holds := func() bool {
		t.Helper()
		a, err := m.Keeper.Account(kv, id)
		if err != nil || a == nil {
			t.Fatalf("account %s: %v", id, err)
		}
		indexed := slices.Contains(m.Keeper.Holders(kv, RoleObserver), id)
		if a.HasRole(RoleObserver) != indexed || m.Keeper.HasRole(kv, id, RoleObserver) != indexed {
			t.Fatalf("account record (%v) and role index (%v) disagree", a.Roles, indexed)
		}
		return indexed
	}

	grant := &MsgGrantRole{Account: id, Role: RoleObserver}
	if err := grant.ValidateBasic(); err != nil {
		t.Fatalf("grant observer: %v", err)
	}
	// One authority signature of the two required: refused, nothing held.
	if _, err := m.grantRole(&module.Context{KV: kv, Signers: signers(a1)}, grant); !errors.Is(err, errs.Unauthorized) {
		t.Fatalf("grant with one signature: %v", err)
	}
	if holds() {
		t.Fatal("observer granted without a quorum")
	}
	ctx := &module.Context{KV: kv, Signers: signers(a1, a3)}
	if _, err := m.grantRole(ctx, grant); err != nil {
		t.Fatalf("grant observer: %v", err)
	}
	if !holds() {
		t.Fatal("observer not held after the grant")
	}
	if ev := ctx.Events(); len(ev) != 1 || ev[0].Type != "authority.role_granted" || ev[0].Attributes[1].Value != RoleObserver {
		t.Fatalf("grant events: %v", ev)
	}
	if _, err := m.grantRole(&module.Context{KV: kv, Signers: signers(a1, a2)}, grant); !errors.Is(err, ErrRoleHeld) {
		t.Fatalf("second grant: %v", err)
	}

	revoke := &MsgRevokeRole{Account: id, Role: RoleObserver}
	if err := revoke.ValidateBasic(); err != nil {
		t.Fatalf("revoke observer: %v", err)
	}
	if _, err := m.revokeRole(&module.Context{KV: kv, Signers: signers(a2)}, revoke); !errors.Is(err, errs.Unauthorized) {
		t.Fatalf("revoke with one signature: %v", err)
	}
	if _, err := m.revokeRole(&module.Context{KV: kv, Signers: signers(a2, a3)}, revoke); err != nil {
		t.Fatalf("revoke observer: %v", err)
	}
	if holds() {
		t.Fatal("observer still held after the revocation")
	}
	if _, err := m.revokeRole(&module.Context{KV: kv, Signers: signers(a2, a3)}, revoke); !errors.Is(err, ErrRoleNotHeld) {
		t.Fatalf("second revocation: %v", err)
	}

	// Unknown roles are still refused, with the list of roles (observer in it).
	for _, role := range []string{"", "observers", "Observer", "king", "observer "} {
		for _, err := range []error{(&MsgGrantRole{Account: id, Role: role}).ValidateBasic(), (&MsgRevokeRole{Account: id, Role: role}).ValidateBasic()} {
			if !errors.Is(err, errs.InvalidMsg) || !strings.Contains(err.Error(), "unknown role") || !strings.Contains(err.Error(), RoleObserver) {
				t.Errorf("role %q: %v", role, err)
			}
		}
	}
}
