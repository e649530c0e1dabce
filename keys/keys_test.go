package keys_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/keys"
	"github.com/publica/publica/tx"
)

func open(t *testing.T) *keys.Store {
	t.Helper()
	s, err := keys.Open(filepath.Join(t.TempDir(), "keys"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	s := open(t)
	info, err := s.Add("alice", []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "alice" || info.Demo || info.Account != tx.AccountID(info.PublicKey()) {
		t.Fatalf("info = %+v", info)
	}
	priv, err := s.Load("alice", []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(priv.Public().(ed25519.PublicKey), info.PublicKey()) {
		t.Fatal("loaded key does not match the stored public key")
	}
	msg := []byte("sign me")
	if !ed25519.Verify(info.PublicKey(), msg, ed25519.Sign(priv, msg)) {
		t.Fatal("signature does not verify")
	}

	// Import keeps a given key exactly.
	_, want, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := s.Import("bob_2", want, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load("bob_2", []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("imported key changed")
	}

	// The file holds no plain seed and records what the brief asks.
	raw, err := os.ReadFile(info.File)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(hexOf(priv.Seed()))) {
		t.Fatal("key file contains the plain seed")
	}
	var f map[string]any
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	c := f["crypto"].(map[string]any)
	if f["name"] != "alice" || f["account"] != info.Account || f["pubkey"] != info.PubKey ||
		c["kdf"] != "argon2id" || c["cipher"] != "xchacha20-poly1305" || c["kdf_params"].(map[string]any)["salt"] == "" {
		t.Fatalf("unexpected key file: %s", raw)
	}

	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "alice" || list[1].Name != "bob_2" {
		t.Fatalf("list = %+v", list)
	}
	shown, err := s.Show("alice")
	if err != nil || shown.Account != info.Account {
		t.Fatalf("show = %+v, %v", shown, err)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(digits[c>>4])
		sb.WriteByte(digits[c&15])
	}
	return sb.String()
}

func TestWrongPassphrase(t *testing.T) {
	s := open(t)
	if _, err := s.Add("alice", []byte("right")); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load("alice", []byte("wrong"))
	if !errors.Is(err, keys.ErrWrongPassphrase) || !strings.Contains(err.Error(), "wrong passphrase for key alice") {
		t.Fatalf("want wrong passphrase error, got %v", err)
	}
	if _, err := s.Load("alice", nil); !errors.Is(err, keys.ErrWrongPassphrase) {
		t.Fatalf("empty passphrase: want wrong passphrase error, got %v", err)
	}
}

func TestMissingKey(t *testing.T) {
	s := open(t)
	_, err := s.Load("nobody", []byte("x"))
	if !errors.Is(err, keys.ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
	want := "no key named nobody in " + s.Dir() + "; `publica keys list` shows the keys"
	if err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	if _, err := s.Show("nobody"); !errors.Is(err, keys.ErrNotFound) {
		t.Fatalf("show: want ErrNotFound, got %v", err)
	}
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix permissions")
	}
	s := open(t)
	info, err := s.Add("alice", []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(info.File)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	dst, err := os.Stat(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if dst.Mode().Perm() != 0o700 {
		t.Fatalf("key dir mode %04o, want 0700", dst.Mode().Perm())
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o606, 0o660} {
		if err := os.Chmod(info.File, mode); err != nil {
			t.Fatal(err)
		}
		_, err = s.Load("alice", []byte("pw"))
		if !errors.Is(err, keys.ErrInsecurePermissions) || !strings.Contains(err.Error(), "chmod 600 "+info.File) {
			t.Fatalf("mode %04o: want permission error naming chmod 600, got %v", mode, err)
		}
	}
	if err := os.Chmod(info.File, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("alice", []byte("pw")); err != nil {
		t.Fatalf("mode 0400 is narrower than 0600 and must load: %v", err)
	}
}

func TestDemoKeys(t *testing.T) {
	s := open(t)
	for _, d := range genesis.DemoKeys {
		if _, err := s.ImportDemo(d.Name, d.PrivateKey()); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(genesis.DemoKeys) {
		t.Fatalf("listed %d keys, want %d", len(list), len(genesis.DemoKeys))
	}
	for _, d := range genesis.DemoKeys {
		priv, err := s.Load(d.Name, nil)
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		if !bytes.Equal(priv, d.PrivateKey()) {
			t.Fatalf("%s: loaded a different key", d.Name)
		}
		info, err := s.Show(d.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !info.Demo || info.Warning != keys.DemoWarning {
			t.Fatalf("%s: info %+v lacks the demo marker or warning", d.Name, info)
		}
		st, _ := os.Stat(info.File)
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %04o", d.Name, st.Mode().Perm())
		}
		raw, _ := os.ReadFile(info.File)
		var f struct {
			Demo    bool   `json:"demo"`
			Warning string `json:"warning"`
		}
		if err := json.Unmarshal(raw, &f); err != nil || !f.Demo || !strings.Contains(f.Warning, "public") {
			t.Fatalf("%s: file %s", d.Name, raw)
		}
	}
}

func TestRefusals(t *testing.T) {
	s := open(t)
	if _, err := s.Add("alice", []byte("pw")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add("alice", []byte("pw")); !errors.Is(err, keys.ErrExists) {
		t.Fatalf("duplicate: want ErrExists, got %v", err)
	}
	if _, err := s.ImportDemo("alice", genesis.DemoKeys[0].PrivateKey()); !errors.Is(err, keys.ErrExists) {
		t.Fatalf("duplicate demo: want ErrExists, got %v", err)
	}
	for _, name := range []string{"", "Alice", "a b", "a/b", "../x", "a.b", "é", strings.Repeat("a", 65)} {
		if _, err := s.Add(name, []byte("pw")); !errors.Is(err, keys.ErrInvalidName) {
			t.Fatalf("name %q: want ErrInvalidName, got %v", name, err)
		}
		if _, err := s.Load(name, []byte("pw")); !errors.Is(err, keys.ErrInvalidName) {
			t.Fatalf("load %q: want ErrInvalidName, got %v", name, err)
		}
	}
	if _, err := s.Add(strings.Repeat("a", 64), []byte("pw")); err != nil {
		t.Fatalf("64-character name: %v", err)
	}
	if _, err := s.Add("empty", nil); !errors.Is(err, keys.ErrEmptyPassphrase) {
		t.Fatalf("empty passphrase: want ErrEmptyPassphrase, got %v", err)
	}
	if s.Has("empty") {
		t.Fatal("a refused key left a file")
	}
}

func TestCorruptFiles(t *testing.T) {
	s := open(t)
	info, err := s.Add("alice", []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(info.File)
	other, _, _ := ed25519.GenerateKey(rand.Reader)

	cases := map[string]func(m map[string]any){
		"other pubkey": func(m map[string]any) {
			m["pubkey"] = hexOf(other)
			m["account"] = tx.AccountID(other)
		},
		"account mismatch": func(m map[string]any) { m["account"] = strings.Repeat("0", 40) },
		"renamed":          func(m map[string]any) { m["name"] = "bob" },
		"version":          func(m map[string]any) { m["version"] = 2 },
		"short ciphertext": func(m map[string]any) { m["crypto"].(map[string]any)["ciphertext"] = "00" },
		"huge memory": func(m map[string]any) {
			m["crypto"].(map[string]any)["kdf_params"].(map[string]any)["memory_kib"] = 1 << 30
		},
		"unknown kdf":   func(m map[string]any) { m["crypto"].(map[string]any)["kdf"] = "scrypt" },
		"no crypto":     func(m map[string]any) { delete(m, "crypto") },
		"unknown field": func(m map[string]any) { m["extra"] = 1 },
	}
	for name, mutate := range cases {
		var m map[string]any
		json.Unmarshal(good, &m)
		mutate(m)
		b, _ := json.Marshal(m)
		os.WriteFile(info.File, b, 0o600)
		_, err := s.Load("alice", []byte("pw"))
		// A swapped public key is caught by the AEAD (it is the associated
		// data), which cannot tell tampering from a wrong passphrase.
		if name == "other pubkey" {
			if !errors.Is(err, keys.ErrWrongPassphrase) {
				t.Fatalf("%s: want the AEAD to refuse, got %v", name, err)
			}
			continue
		}
		if !errors.Is(err, keys.ErrCorrupt) {
			t.Fatalf("%s: want ErrCorrupt, got %v", name, err)
		}
	}
	os.WriteFile(info.File, []byte("{not json"), 0o600)
	if _, err := s.Load("alice", []byte("pw")); !errors.Is(err, keys.ErrCorrupt) || !strings.Contains(err.Error(), info.File) {
		t.Fatalf("garbage: want ErrCorrupt naming the file, got %v", err)
	}
	// List still shows the good keys and reports the bad one.
	if _, err := s.Add("bob", []byte("pw")); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if len(list) != 1 || list[0].Name != "bob" || !errors.Is(err, keys.ErrCorrupt) {
		t.Fatalf("list = %+v, %v", list, err)
	}
}
