package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/publica/publica/store"
)

func TestStateBytesByPrefix(t *testing.T) {
	st := store.OpenMemory()
	kv := st.Working()
	kv.Set([]byte("land/parcel/P1"), []byte("12345"))
	kv.Set([]byte("land/parcel/P2"), []byte("123"))
	kv.Set([]byte("land/title/T1"), []byte("1234567890"))
	kv.Set([]byte("authority/account/A/key"), []byte("1"))
	kv.Set([]byte("seq"), []byte("12"))
	if _, _, err := st.Commit(); err != nil {
		t.Fatal(err)
	}
	view, err := st.At(st.Version())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]PrefixBytes{}
	for _, p := range StateBytes(view) {
		got[p.Prefix] = p
	}
	want := map[string]PrefixBytes{
		"land/parcel/":       {Prefix: "land/parcel/", Records: 2, KeyBytes: 28, ValueBytes: 8, MaxValue: 5},
		"land/title/":        {Prefix: "land/title/", Records: 1, KeyBytes: 13, ValueBytes: 10, MaxValue: 10},
		"authority/account/": {Prefix: "authority/account/", Records: 1, KeyBytes: 23, ValueBytes: 1, MaxValue: 1},
		"seq":                {Prefix: "seq", Records: 1, KeyBytes: 3, ValueBytes: 2, MaxValue: 2},
	}
	if len(got) != len(want) {
		t.Fatalf("prefixes %v", got)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %+v, want %+v", k, got[k], w)
		}
	}
}

// TestStateFilesCountsLinksOnce: a file hard-linked into two places (as
// the imported key-value files are, into the snapshot) is disk once.
func TestStateFilesCountsLinksOnce(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"a/snapshot-0001", "a/snapshot-0002", "db"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	big := make([]byte, 64<<10)
	if err := os.WriteFile(filepath.Join(dir, "a/snapshot-0001/kvs"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(dir, "a/snapshot-0001/kvs"), filepath.Join(dir, "a/snapshot-0002/kvs")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"db/000012.sst", "db/000345.sst"} {
		if err := os.WriteFile(filepath.Join(dir, f), big[:8<<10], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := StateFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Kind != "a/snapshot-N/kvs" || files[0].Files != 1 || files[0].Bytes < 64<<10 ||
		files[1].Kind != "db/N.sst" || files[1].Files != 2 || files[1].Bytes < 16<<10 {
		t.Fatalf("files %+v", files)
	}
	if k := string(keyPrefix([]byte(strings.Repeat("x", 40)))); len(k) != 32 {
		t.Fatalf("a key with no slash is cut at 32 bytes: %q", k)
	}
}
