package authority

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/publica/publica/store"
)

func TestRotateKey(t *testing.T) {
	kv := store.OpenMemory().Working()
	var k Keeper
	oldPub, _, _ := ed25519.GenerateKey(nil)
	newPub, _, _ := ed25519.GenerateKey(nil)
	otherPub, _, _ := ed25519.GenerateKey(nil)
	a, err := k.CreateAccount(kv, oldPub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.CreateAccount(kv, otherPub); err != nil {
		t.Fatal(err)
	}
	if err := k.RotateKey(kv, a.ID, otherPub); !errors.Is(err, ErrAccountExists) {
		t.Fatalf("rotating to a key in use: %v", err)
	}
	if err := k.RotateKey(kv, "0000000000000000000000000000000000000000", newPub); !errors.Is(err, ErrUnknownAccount) {
		t.Fatalf("unknown account: %v", err)
	}
	if err := k.RotateKey(kv, a.ID, newPub); err != nil {
		t.Fatal(err)
	}
	got, _ := k.AccountByPubKey(kv, newPub)
	if got == nil || got.ID != a.ID || got.PubKey != hex.EncodeToString(newPub) {
		t.Fatalf("new key resolves to %+v", got)
	}
	if old, _ := k.AccountByPubKey(kv, oldPub); old != nil {
		t.Fatal("old key still controls the account")
	}
	if _, err := k.CreateAccount(kv, oldPub); !errors.Is(err, ErrAccountExists) {
		t.Fatalf("old key re-registered an account with the same id: %v", err)
	}
}
