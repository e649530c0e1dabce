package memiavl

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// TestPreadSpansReadAsTheFile reads random places of a file through one
// walk's spans, as a walk does (runs of nearby reads, jumps, reads across
// a page's end, past the file's end, longer than a span), and requires the
// bytes pread gives, or an error where the file ends first.
func TestPreadSpansReadAsTheFile(t *testing.T) {
	content := make([]byte, 5*preadSpanSize+123)
	rng := rand.New(rand.NewSource(1))
	rng.Read(content)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	other, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	w := newPreadSpans()
	defer w.done()
	hits := 0
	for i := range 20000 {
		file := f
		if i%7 == 0 {
			file = other
		}
		kind := rng.Intn(spanFiles)
		var off int64
		switch rng.Intn(4) {
		case 0: // near the last read of this kind
			off = w.spans[kind].off + int64(rng.Intn(preadSpanSize))
		case 1: // across a page's end
			off = int64(rng.Intn(len(content)/preadSpanSize)+1)*preadSpanSize - int64(rng.Intn(40)+1)
		default:
			off = int64(rng.Intn(len(content) + 10))
		}
		size := rng.Intn(80) + 1
		if rng.Intn(100) == 0 {
			size = preadSpanSize/2 + rng.Intn(preadSpanSize)
		}
		sp := w.spans[kind]
		if sp.file == file && off >= sp.off && off+int64(size) <= sp.off+int64(sp.n) {
			hits++
		}
		got := make([]byte, size)
		err := w.readAt(kind, file, got, off)
		if off+int64(size) > int64(len(content)) {
			if err == nil {
				t.Fatalf("read %d at %d of %d bytes: no error", size, off, len(content))
			}
			continue
		}
		if err != nil {
			t.Fatalf("read %d at %d: %v", size, off, err)
		}
		if !bytes.Equal(got, content[off:off+int64(size)]) {
			t.Fatalf("read %d at %d: not the file's bytes", size, off)
		}
	}
	if hits < 2000 {
		t.Fatalf("only %d of 20000 reads came from a span", hits)
	}
}
