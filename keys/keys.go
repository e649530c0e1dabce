// Package keys is the local key store of the publica CLI: one JSON file per
// Ed25519 key in a directory (HOME/keys), readable by its owner only.
//
// A normal key holds its 32-byte seed encrypted with a passphrase:
// Argon2id derives a 256-bit key from the passphrase and a random salt (both
// the salt and the Argon2id parameters are stored in the file), and
// XChaCha20-Poly1305 encrypts the seed under a random 24-byte nonce, with
// the public key as associated data. A wrong passphrase and a tampered file
// are both caught by the authentication tag.
//
// A demo key (genesis.DemoKeys) is stored unencrypted with "demo": true and
// a warning: its seed is public, anyone can sign with it.
//
// File form (version 1):
//
//	{
//	  "version": 1,
//	  "name": "alice",
//	  "pubkey": "<64 hex digits>",
//	  "account": "<40 hex digits, tx.AccountID(pubkey)>",
//	  "crypto": {
//	    "kdf": "argon2id",
//	    "kdf_params": {"time": 3, "memory_kib": 65536, "threads": 4, "salt": "<hex>"},
//	    "cipher": "xchacha20-poly1305",
//	    "nonce": "<48 hex digits>",
//	    "ciphertext": "<hex: encrypted seed and tag>"
//	  }
//	}
//
// and for a demo key "demo": true, "warning": "...", "seed": "<hex>" in
// place of "crypto".
package keys

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/publica/publica/tx"
)

// Sentinel errors; match them with errors.Is. The errors returned carry a
// message for people (which key, which directory, what to do).
var (
	ErrNotFound            = errors.New("key not found")
	ErrWrongPassphrase     = errors.New("wrong passphrase")
	ErrExists              = errors.New("key already exists")
	ErrInvalidName         = errors.New("invalid key name")
	ErrCorrupt             = errors.New("corrupt key file")
	ErrInsecurePermissions = errors.New("key file permissions too broad")
	ErrEmptyPassphrase     = errors.New("empty passphrase")
)

// keyError is an error that reads as msg and matches base with errors.Is.
type keyError struct {
	base error
	msg  string
}

func (e *keyError) Error() string { return e.msg }
func (e *keyError) Unwrap() error { return e.base }

func errorf(base error, format string, args ...any) error {
	return &keyError{base: base, msg: fmt.Sprintf(format, args...)}
}

// DemoWarning is written into every demo key file.
const DemoWarning = "DEMO KEY: its seed is public (derived from its name in the Publica source), " +
	"so anyone can sign as this key. Use it only on a local development chain, never on a real network."

const (
	fileVersion = 1
	// MaxNameLen is the longest key name.
	MaxNameLen    = 64
	kdfArgon2id   = "argon2id"
	cipherXChaCha = "xchacha20-poly1305"
	saltBytes     = 16
)

// KDFParams are Argon2id's cost parameters and salt.
type KDFParams struct {
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
	Salt      string `json:"salt"` // hex
}

// DefaultKDF are the Argon2id costs of new keys: RFC 9106's second
// recommended option (3 passes over 64 MiB, 4 lanes). Tests may lower them;
// the costs a key was made with are stored in its file.
var DefaultKDF = KDFParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}

// Bounds on stored parameters, so a damaged or hostile file cannot make
// Load allocate unbounded memory or spin for hours.
const (
	maxKDFTime   = 64
	maxKDFMemory = 4 << 20 // KiB = 4 GiB
	minKDFMemory = 8
)

type cryptoJSON struct {
	KDF        string    `json:"kdf"`
	KDFParams  KDFParams `json:"kdf_params"`
	Cipher     string    `json:"cipher"`
	Nonce      string    `json:"nonce"`
	Ciphertext string    `json:"ciphertext"`
}

type fileJSON struct {
	Version int         `json:"version"`
	Name    string      `json:"name"`
	PubKey  string      `json:"pubkey"`
	Account string      `json:"account"`
	Demo    bool        `json:"demo,omitempty"`
	Warning string      `json:"warning,omitempty"`
	Seed    string      `json:"seed,omitempty"`
	Crypto  *cryptoJSON `json:"crypto,omitempty"`
}

// Info is the public part of a stored key.
type Info struct {
	Name    string            `json:"name"`
	Account string            `json:"account"`
	PubKey  string            `json:"pubkey"`
	Demo    bool              `json:"demo"`
	Warning string            `json:"warning,omitempty"`
	File    string            `json:"file"`
	pub     ed25519.PublicKey // decoded PubKey
}

// PublicKey is the decoded public key.
func (i *Info) PublicKey() ed25519.PublicKey { return i.pub }

// Store is a key directory.
type Store struct{ dir string }

// Open returns the store in dir, creating the directory (mode 0700) if it
// does not exist.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("keys: empty directory name")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("key directory: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// ValidName reports whether name can name a key: 1 to 64 characters from
// a-z, 0-9, '-' and '_'.
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > MaxNameLen {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// CheckName returns an ErrInvalidName error unless ValidName(name).
func CheckName(name string) error {
	if !ValidName(name) {
		return errorf(ErrInvalidName, "invalid key name %q: use 1 to %d characters from a-z, 0-9, '-' and '_'", name, MaxNameLen)
	}
	return nil
}

// Path is the file of key name.
func (s *Store) Path(name string) string { return filepath.Join(s.dir, name+".json") }

// Add generates a new key and stores it encrypted with passphrase.
func (s *Store) Add(name string, passphrase []byte) (*Info, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return s.Import(name, priv, passphrase)
}

// Import stores priv under name, encrypted with passphrase.
func (s *Store) Import(name string, priv ed25519.PrivateKey, passphrase []byte) (*Info, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("private key has %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	if len(passphrase) == 0 {
		return nil, errorf(ErrEmptyPassphrase, "key %s needs a non-empty passphrase", name)
	}
	pub := priv.Public().(ed25519.PublicKey)
	params := DefaultKDF
	salt := make([]byte, saltBytes)
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	params.Salt = hex.EncodeToString(salt)
	aead, err := chacha20poly1305.NewX(deriveKey(passphrase, salt, params))
	if err != nil {
		return nil, err
	}
	ct := aead.Seal(nil, nonce, priv.Seed(), pub)
	f := &fileJSON{
		Version: fileVersion,
		Name:    name,
		PubKey:  hex.EncodeToString(pub),
		Account: tx.AccountID(pub),
		Crypto: &cryptoJSON{
			KDF:        kdfArgon2id,
			KDFParams:  params,
			Cipher:     cipherXChaCha,
			Nonce:      hex.EncodeToString(nonce),
			Ciphertext: hex.EncodeToString(ct),
		},
	}
	return s.write(f)
}

// ImportDemo stores a publicly known demo key, unencrypted and marked as
// such.
func (s *Store) ImportDemo(name string, priv ed25519.PrivateKey) (*Info, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("private key has %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	pub := priv.Public().(ed25519.PublicKey)
	f := &fileJSON{
		Version: fileVersion,
		Name:    name,
		PubKey:  hex.EncodeToString(pub),
		Account: tx.AccountID(pub),
		Demo:    true,
		Warning: DemoWarning,
		Seed:    hex.EncodeToString(priv.Seed()),
	}
	return s.write(f)
}

func deriveKey(passphrase, salt []byte, p KDFParams) []byte {
	return argon2.IDKey(passphrase, salt, p.Time, p.MemoryKiB, p.Threads, chacha20poly1305.KeySize)
}

// write creates the key file with mode 0600; it never replaces a file.
func (s *Store) write(f *fileJSON) (*Info, error) {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	path := s.Path(f.Name)
	// O_EXCL: never replace an existing key, even one created concurrently.
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, errorf(ErrExists, "a key named %s already exists in %s", f.Name, s.dir)
	}
	if err != nil {
		return nil, fmt.Errorf("write key %s: %w", f.Name, err)
	}
	fail := func(err error) (*Info, error) {
		fh.Close()
		os.Remove(path)
		return nil, fmt.Errorf("write key %s: %w", f.Name, err)
	}
	// The umask can only narrow 0600, but make sure of it.
	if err := fh.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := fh.Write(b); err != nil {
		return fail(err)
	}
	if err := fh.Sync(); err != nil {
		return fail(err)
	}
	if err := fh.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("write key %s: %w", f.Name, err)
	}
	return f.info(path)
}

// read loads and checks a key file (not its secret part).
func (s *Store) read(name string) (*fileJSON, *Info, error) {
	if err := CheckName(name); err != nil {
		return nil, nil, err
	}
	path := s.Path(name)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, errorf(ErrNotFound, "no key named %s in %s; `publica keys list` shows the keys", name, s.dir)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read key %s: %w", name, err)
	}
	var f fileJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, nil, errorf(ErrCorrupt, "key file %s is corrupt: %v", path, err)
	}
	if f.Version != fileVersion {
		return nil, nil, errorf(ErrCorrupt, "key file %s has version %d, this publica reads version %d", path, f.Version, fileVersion)
	}
	if f.Name != name {
		return nil, nil, errorf(ErrCorrupt, "key file %s names key %q, not %q", path, f.Name, name)
	}
	info, err := f.info(path)
	if err != nil {
		return nil, nil, err
	}
	return &f, info, nil
}

func (f *fileJSON) info(path string) (*Info, error) {
	pub, err := hex.DecodeString(f.PubKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, errorf(ErrCorrupt, "key file %s is corrupt: pubkey is not %d hex digits", path, 2*ed25519.PublicKeySize)
	}
	if f.Account != tx.AccountID(pub) {
		return nil, errorf(ErrCorrupt, "key file %s is corrupt: account %s does not match its public key", path, f.Account)
	}
	switch {
	case f.Demo && (f.Seed == "" || f.Crypto != nil):
		return nil, errorf(ErrCorrupt, "key file %s is corrupt: a demo key holds a plain seed and no crypto section", path)
	case !f.Demo && (f.Seed != "" || f.Crypto == nil):
		return nil, errorf(ErrCorrupt, "key file %s is corrupt: an encrypted key holds a crypto section and no plain seed", path)
	}
	return &Info{Name: f.Name, Account: f.Account, PubKey: f.PubKey, Demo: f.Demo, Warning: f.Warning, File: path, pub: pub}, nil
}

// Show returns the public information of key name.
func (s *Store) Show(name string) (*Info, error) {
	_, info, err := s.read(name)
	return info, err
}

// Has reports whether a key file named name exists.
func (s *Store) Has(name string) bool {
	if !ValidName(name) {
		return false
	}
	_, err := os.Stat(s.Path(name))
	return err == nil
}

// List returns every readable key, sorted by name. Files that cannot be
// read are skipped and reported in the error (errors.Join of each), so one
// damaged file does not hide the others.
func (s *Store) List() ([]*Info, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	var out []*Info
	var errs []error
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || !strings.HasSuffix(n, ".json") {
			continue
		}
		name := strings.TrimSuffix(n, ".json")
		if !ValidName(name) {
			errs = append(errs, errorf(ErrInvalidName, "%s: file name is not a valid key name", filepath.Join(s.dir, n)))
			continue
		}
		_, info, err := s.read(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, errors.Join(errs...)
}

// CheckNew returns an ErrInvalidName or ErrExists error unless a new key
// may be stored under name (Add and Import check again when they write).
func (s *Store) CheckNew(name string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if s.Has(name) {
		return errorf(ErrExists, "a key named %s already exists in %s", name, s.dir)
	}
	return nil
}

// Load decrypts key name. Demo keys ignore passphrase. It refuses a file
// that others than its owner can read or write.
func (s *Store) Load(name string, passphrase []byte) (ed25519.PrivateKey, error) {
	f, info, err := s.read(name)
	if err != nil {
		return nil, err
	}
	if err := checkPerm(info.File); err != nil {
		return nil, err
	}
	var seed []byte
	if f.Demo {
		seed, err = hex.DecodeString(f.Seed)
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, errorf(ErrCorrupt, "key file %s is corrupt: seed is not %d hex digits", info.File, 2*ed25519.SeedSize)
		}
	} else {
		if len(passphrase) == 0 {
			return nil, errorf(ErrWrongPassphrase, "wrong passphrase for key %s (the passphrase is empty)", name)
		}
		if seed, err = decrypt(f.Crypto, info, passphrase); err != nil {
			return nil, err
		}
	}
	priv := ed25519.NewKeyFromSeed(seed)
	if !bytes.Equal(priv.Public().(ed25519.PublicKey), info.PublicKey()) {
		return nil, errorf(ErrCorrupt, "key file %s is corrupt: its seed does not give its public key", info.File)
	}
	return priv, nil
}

func decrypt(c *cryptoJSON, info *Info, passphrase []byte) ([]byte, error) {
	bad := func(why string) error {
		return errorf(ErrCorrupt, "key file %s is corrupt: %s", info.File, why)
	}
	if c.KDF != kdfArgon2id {
		return nil, bad(fmt.Sprintf("unknown kdf %q", c.KDF))
	}
	if c.Cipher != cipherXChaCha {
		return nil, bad(fmt.Sprintf("unknown cipher %q", c.Cipher))
	}
	p := c.KDFParams
	if p.Time < 1 || p.Time > maxKDFTime || p.MemoryKiB < minKDFMemory || p.MemoryKiB > maxKDFMemory || p.Threads < 1 {
		return nil, bad(fmt.Sprintf("argon2id parameters out of range (time %d, memory %d KiB, threads %d)", p.Time, p.MemoryKiB, p.Threads))
	}
	salt, err := hex.DecodeString(p.Salt)
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return nil, bad("salt is not 8 to 64 bytes of hex")
	}
	nonce, err := hex.DecodeString(c.Nonce)
	if err != nil || len(nonce) != chacha20poly1305.NonceSizeX {
		return nil, bad(fmt.Sprintf("nonce is not %d bytes of hex", chacha20poly1305.NonceSizeX))
	}
	ct, err := hex.DecodeString(c.Ciphertext)
	if err != nil || len(ct) != ed25519.SeedSize+chacha20poly1305.Overhead {
		return nil, bad(fmt.Sprintf("ciphertext is not %d bytes of hex", ed25519.SeedSize+chacha20poly1305.Overhead))
	}
	aead, err := chacha20poly1305.NewX(deriveKey(passphrase, salt, p))
	if err != nil {
		return nil, err
	}
	seed, err := aead.Open(nil, nonce, ct, info.PublicKey())
	if err != nil {
		return nil, errorf(ErrWrongPassphrase, "wrong passphrase for key %s (or its file %s was altered)", info.Name, info.File)
	}
	return seed, nil
}

// checkPerm refuses key files that group or others may access.
func checkPerm(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if mode := st.Mode().Perm(); mode&0o077 != 0 {
		return errorf(ErrInsecurePermissions,
			"key file %s has permissions %04o, broader than 0600, so others may read it; fix them with `chmod 600 %s` (and consider the key exposed if others could read it)",
			path, mode, path)
	}
	return nil
}
