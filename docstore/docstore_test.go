package docstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestPutGetHas(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), Dir), 0)
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte("deed of sale, 1 High Street")
	name, size, err := s.Put(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if name != sum(doc) || size != int64(len(doc)) {
		t.Fatalf("Put = %s, %d; want %s, %d", name, size, sum(doc), len(doc))
	}
	if !s.Has(name) || s.Has(sum([]byte("other"))) || s.Has("../"+name) {
		t.Fatal("Has is wrong")
	}
	f, n, err := s.GetVerified(name)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, doc) || n != int64(len(doc)) {
		t.Fatalf("GetVerified = %q", got)
	}
	// The same bytes again: the same name, one file.
	if again, _, err := s.Put(bytes.NewReader(doc)); err != nil || again != name {
		t.Fatalf("second Put = %s, %v", again, err)
	}
	if got := names(t, s.Dir()); len(got) != 1 || got[0] != name {
		t.Fatalf("store holds %v", got)
	}
	if _, err := s.Get(sum([]byte("absent"))); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(absent) = %v", err)
	}
	if _, err := s.Get("../../etc/passwd"); !errors.Is(err, ErrBadName) {
		t.Fatalf("Get(bad) = %v", err)
	}
	fi, _ := os.Stat(filepath.Join(s.Dir(), name))
	if fi.Mode().Perm()&0o222 != 0 {
		t.Fatalf("a stored document is writable: %v", fi.Mode())
	}
}

func TestSizeLimit(t *testing.T) {
	s, err := Open(t.TempDir(), 1024)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Repeat([]byte{'a'}, 1024)
	if _, _, err := s.Put(bytes.NewReader(at)); err != nil {
		t.Fatalf("a document of exactly the limit: %v", err)
	}
	over := bytes.Repeat([]byte{'b'}, 1025)
	_, _, err = s.Put(bytes.NewReader(over))
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Limit != 1024 {
		t.Fatalf("over the limit: %v", err)
	}
	if !strings.Contains(err.Error(), "larger than the limit of 1 KiB") {
		t.Fatalf("message: %q", err)
	}
	if got := names(t, s.Dir()); len(got) != 1 || got[0] != sum(at) {
		t.Fatalf("after a refused document the store holds %v", got)
	}
	if FormatSize(DefaultMaxSize) != "32 MiB" || FormatSize(100) != "100 bytes" {
		t.Fatal(FormatSize(DefaultMaxSize))
	}
}

func TestPutExpect(t *testing.T) {
	s, _ := Open(t.TempDir(), 0)
	doc := []byte("court order 2026/17")
	if _, err := s.PutExpect(bytes.NewReader(doc), sum(doc)); err != nil {
		t.Fatal(err)
	}
	other := sum([]byte("something else"))
	_, err := s.PutExpect(bytes.NewReader([]byte("tampered")), other)
	var mm *MismatchError
	if !errors.As(err, &mm) || mm.Want != other || mm.Got != sum([]byte("tampered")) {
		t.Fatalf("PutExpect mismatch = %v", err)
	}
	if _, err := s.PutExpect(bytes.NewReader(doc), strings.ToUpper(sum(doc))); !errors.Is(err, ErrBadName) {
		t.Fatalf("PutExpect uppercase name = %v", err)
	}
	if got := names(t, s.Dir()); len(got) != 1 {
		t.Fatalf("store holds %v", got)
	}
}

// A Put stopped at any point leaves no document: a reader failing half
// way, or a crash after the bytes are synced but before the rename. The
// temporary file is never taken for a document, and the next Open
// removes it.
func TestCrashLeavesNoDocument(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir, 0)
	doc := bytes.Repeat([]byte("survey plan "), 10000)

	_, _, err := s.Put(iotest.TimeoutReader(iotest.HalfReader(bytes.NewReader(doc))))
	if err == nil {
		t.Fatal("a failing reader was stored")
	}
	if got := names(t, dir); len(got) != 0 {
		t.Fatalf("after a failed read the store holds %v", got)
	}

	crash := errors.New("power cut")
	var tmp string
	// Keep the temporary file, as a crash would (Put's cleanup does not run).
	s.beforeRename = func(p string) error {
		tmp = p
		if err := os.Link(p, p+"-kept"); err != nil {
			return err
		}
		return crash
	}
	if _, _, err := s.Put(bytes.NewReader(doc)); !errors.Is(err, crash) {
		t.Fatalf("Put = %v", err)
	}
	if err := os.Rename(tmp+"-kept", tmp); err != nil {
		t.Fatal(err)
	}
	if s.Has(sum(doc)) {
		t.Fatal("a document half-stored is visible")
	}
	left := names(t, dir)
	if len(left) != 1 || !strings.HasPrefix(left[0], ".tmp-") {
		t.Fatalf("after the crash the directory holds %v", left)
	}
	if _, err := ParseName(left[0]); err == nil {
		t.Fatal("a temporary file's name parses as a document name")
	}
	if _, err := s.Get(left[0]); !errors.Is(err, ErrBadName) {
		t.Fatalf("Get(temporary) = %v", err)
	}
	// Restart: the leftover is removed; the document can be stored whole.
	s2, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); len(got) != 0 {
		t.Fatalf("Open left %v", got)
	}
	if name, _, err := s2.Put(bytes.NewReader(doc)); err != nil || name != sum(doc) {
		t.Fatalf("Put after restart = %s, %v", name, err)
	}
}

func TestGetVerifiedRefusesChangedFile(t *testing.T) {
	s, _ := Open(t.TempDir(), 0)
	doc := []byte("mortgage deed")
	name, _, _ := s.Put(bytes.NewReader(doc))
	p := filepath.Join(s.Dir(), name)
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("mortgage deeD"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.GetVerified(name)
	var mm *MismatchError
	if !errors.As(err, &mm) || mm.Want != name {
		t.Fatalf("GetVerified of a changed file = %v", err)
	}
}

func TestConcurrentPutsOfOneDocument(t *testing.T) {
	s, _ := Open(t.TempDir(), 0)
	doc := bytes.Repeat([]byte("x"), 1<<16)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := s.Put(bytes.NewReader(doc)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := names(t, s.Dir()); len(got) != 1 || got[0] != sum(doc) {
		t.Fatalf("store holds %v", got)
	}
}

// ParseName accepts exactly the hex SHA-256 names Put makes, and nothing
// that could leave the directory or name a temporary file.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{sum(nil), strings.ToUpper(sum(nil)), "", ".tmp-123", "../" + sum(nil)[3:], sum(nil) + "\x00", "é" + sum(nil)[2:]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseName(s)
		if err != nil {
			if got != "" {
				t.Fatalf("ParseName(%q) returned %q with an error", s, got)
			}
			return
		}
		if got != s || len(s) != 64 || strings.ContainsAny(s, "./\\\x00") || strings.ToLower(s) != s {
			t.Fatalf("ParseName accepted %q", s)
		}
		b, derr := hex.DecodeString(s)
		if derr != nil || hex.EncodeToString(b) != s {
			t.Fatalf("ParseName accepted %q, which is not canonical hex", s)
		}
	})
}
