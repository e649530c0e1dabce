// Package docstore keeps the documents the register's records rest on
// (deeds, plans, court orders) in a content-addressed directory: each
// file is named by the lowercase hex SHA-256 of its bytes, so a name is
// also the check of its content (docs/land.md "Documents").
//
// Put streams a document into a temporary file in the same directory,
// hashing it as it is written and refusing it past the size limit, fsyncs
// the file, renames it to its hash and fsyncs the directory: a document is
// either there whole under its name or not there at all, even if the
// process or the machine stops half-way. Temporary files are named
// ".tmp-…", which is never a document name; Open removes any left by a
// crash.
package docstore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DefaultMaxSize is the size limit when Open is given 0: 32 MiB, room for
// a scanned deed or survey plan.
const DefaultMaxSize = 32 << 20

// Dir is the store's directory inside a node's home.
const Dir = "documents"

const tmpPrefix = ".tmp-"

var (
	// ErrNotFound: no document with that hash is in the store.
	ErrNotFound = errors.New("no such document in the store")
	// ErrBadName: the name is not 64 lowercase hexadecimal characters.
	ErrBadName = errors.New("a document name is the SHA-256 of its bytes: 64 lowercase hexadecimal characters")
)

// TooLargeError refuses a document past the store's size limit.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the document is larger than the limit of %s", FormatSize(e.Limit))
}

// MismatchError says a document's bytes do not hash to the expected name.
type MismatchError struct{ Want, Got string }

func (e *MismatchError) Error() string {
	return fmt.Sprintf("the document's SHA-256 is %s, not %s", e.Got, e.Want)
}

// FormatSize writes n bytes for people: "32 MiB", "512 KiB", "100 bytes".
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ParseName checks that s is a document name, the lowercase hex SHA-256
// of its bytes, and returns it. Uppercase hex is refused, not folded, so
// each document has exactly one name.
func ParseName(s string) (string, error) {
	if len(s) != sha256.Size*2 {
		return "", ErrBadName
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return "", ErrBadName
		}
	}
	return s, nil
}

// Store is a content-addressed directory of documents.
type Store struct {
	dir string
	max int64

	// beforeRename, when set (tests), runs after the temporary file is
	// written and synced and before it is renamed; an error stops Put
	// there, as a crash would.
	beforeRename func(tmp string) error
}

// Open opens (creating it if needed) the store in dir, refusing documents
// larger than maxSize bytes (0: DefaultMaxSize). It removes temporary
// files a crashed Put left behind.
func Open(dir string, maxSize int64) (*Store, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("docstore: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("docstore: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	return &Store{dir: dir, max: maxSize}, nil
}

// MaxSize is the largest document the store accepts, in bytes.
func (s *Store) MaxSize() int64 { return s.max }

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// Put stores the bytes of r and returns their SHA-256 (the document's
// name) and size. A document already there is kept as it is. r larger
// than the limit is refused with a *TooLargeError and nothing is stored.
func (s *Store) Put(r io.Reader) (name string, size int64, err error) {
	return s.put(r, "")
}

// PutExpect is Put for a document whose hash the caller already knows
// (the name in an upload's URL): bytes that hash to anything else are
// refused with a *MismatchError and nothing is stored.
func (s *Store) PutExpect(r io.Reader, want string) (size int64, err error) {
	if _, err := ParseName(want); err != nil {
		return 0, err
	}
	_, size, err = s.put(r, want)
	return size, err
}

func (s *Store) put(r io.Reader, want string) (name string, size int64, err error) {
	f, err := os.CreateTemp(s.dir, tmpPrefix+"*")
	if err != nil {
		return "", 0, fmt.Errorf("docstore: %w", err)
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if f != nil {
			_ = f.Close()
		}
		if !renamed {
			_ = os.Remove(tmp)
		}
	}()
	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(f, h), io.LimitReader(r, s.max+1))
	if err != nil {
		return "", 0, fmt.Errorf("docstore: reading the document: %w", err)
	}
	if size > s.max {
		return "", 0, &TooLargeError{Limit: s.max}
	}
	name = hex.EncodeToString(h.Sum(nil))
	if want != "" && name != want {
		return "", 0, &MismatchError{Want: want, Got: name}
	}
	if err := f.Chmod(0o440); err != nil {
		return "", 0, fmt.Errorf("docstore: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", 0, fmt.Errorf("docstore: %w", err)
	}
	if err := f.Close(); err != nil {
		f = nil
		return "", 0, fmt.Errorf("docstore: %w", err)
	}
	f = nil
	if s.Has(name) {
		return name, size, nil // the same bytes are already there
	}
	if s.beforeRename != nil {
		if err := s.beforeRename(tmp); err != nil {
			return "", 0, err
		}
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, name)); err != nil {
		return "", 0, fmt.Errorf("docstore: %w", err)
	}
	renamed = true
	if err := syncDir(s.dir); err != nil {
		return "", 0, fmt.Errorf("docstore: %w", err)
	}
	return name, size, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Has says whether the document named name is in the store.
func (s *Store) Has(name string) bool {
	if _, err := ParseName(name); err != nil {
		return false
	}
	fi, err := os.Stat(filepath.Join(s.dir, name))
	return err == nil && fi.Mode().IsRegular()
}

// Get opens the document named name. The caller closes it. It does not
// check the bytes: use Verify (or GetVerified) before trusting them.
func (s *Store) Get(name string) (*os.File, error) {
	if _, err := ParseName(name); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(s.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("docstore: %w", err)
	}
	return f, nil
}

// GetVerified opens the document named name, hashes it, and returns it
// rewound to its start only if its bytes still hash to its name; a file
// changed on disk is refused with a *MismatchError.
func (s *Store) GetVerified(name string) (*os.File, int64, error) {
	f, err := s.Get(name)
	if err != nil {
		return nil, 0, err
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err == nil {
		if got := hex.EncodeToString(h.Sum(nil)); got != name {
			err = &MismatchError{Want: name, Got: got}
		}
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, n, nil
}
