package bench

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"syscall"

	"github.com/publica/publica/store"
)

// PrefixBytes is what one kind of record holds in the latest state: the
// records whose keys share a prefix (the key up to its second "/", e.g.
// "land/parcel/").
type PrefixBytes struct {
	Prefix     string
	Records    int64
	KeyBytes   int64
	ValueBytes int64
	MaxValue   int
}

// StateBytes walks every record of kv and sums keys and values by prefix,
// largest first. It is what decides which records a smaller hot state
// could leave out, so it counts logical bytes, not the store's overhead
// (FileBytes gives that).
func StateBytes(kv store.KV) []PrefixBytes {
	by := map[string]*PrefixBytes{}
	kv.Iterate(nil, nil, false, func(key, value []byte) bool {
		p := by[string(keyPrefix(key))]
		if p == nil {
			p = &PrefixBytes{Prefix: string(keyPrefix(key))}
			by[p.Prefix] = p
		}
		p.Records++
		p.KeyBytes += int64(len(key))
		p.ValueBytes += int64(len(value))
		p.MaxValue = max(p.MaxValue, len(value))
		return true
	})
	out := make([]PrefixBytes, 0, len(by))
	for _, p := range by {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b PrefixBytes) int {
		return int((b.KeyBytes + b.ValueBytes) - (a.KeyBytes + a.ValueBytes))
	})
	return out
}

// keyPrefix is a key up to and including its second "/" (the whole key,
// cut at 32 bytes, when it has fewer).
func keyPrefix(key []byte) []byte {
	if i := bytes.IndexByte(key, '/'); i >= 0 {
		if j := bytes.IndexByte(key[i+1:], '/'); j >= 0 {
			return key[:i+1+j+1]
		}
	}
	return key[:min(len(key), 32)]
}

// FileBytes is the disk a kind of file takes under a state directory.
type FileBytes struct {
	Kind  string // the path with numbers replaced by N, e.g. "archive.db/N.sst"
	Files int
	Bytes int64 // allocated on disk; a file hard-linked twice counts once
}

var digits = regexp.MustCompile(`[0-9]+`)

// StateFiles sums the disk taken under dir by kind of file.
func StateFiles(dir string) ([]FileBytes, error) {
	by := map[string]*FileBytes{}
	err := eachFile(dir, func(rel string, st *syscall.Stat_t) {
		kind := digits.ReplaceAllString(rel, "N")
		f := by[kind]
		if f == nil {
			f = &FileBytes{Kind: kind}
			by[kind] = f
		}
		f.Files++
		f.Bytes += st.Blocks * 512
	})
	out := make([]FileBytes, 0, len(by))
	for _, f := range by {
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b FileBytes) int { return int(b.Bytes - a.Bytes) })
	return out, err
}

// printStateBytes writes the two tables: records by prefix and files by kind.
func printStateBytes(w io.Writer, n int, prefixes []PrefixBytes, files []FileBytes) {
	var records, logical int64
	for _, p := range prefixes {
		records += p.Records
		logical += p.KeyBytes + p.ValueBytes
	}
	fmt.Fprintf(w, "\nstate at %d parcels by key prefix (%d records, %.2f GB of keys and values):\n", n, records, float64(logical)/1e9)
	fmt.Fprintf(w, "%-28s %12s %10s %10s %10s %9s %6s\n", "prefix", "records", "key GB", "value GB", "mean value", "max value", "share")
	for _, p := range prefixes {
		fmt.Fprintf(w, "%-28q %12d %10.3f %10.3f %10.0f %9d %5.1f%%\n", p.Prefix, p.Records,
			float64(p.KeyBytes)/1e9, float64(p.ValueBytes)/1e9, float64(p.ValueBytes)/float64(p.Records), p.MaxValue,
			100*float64(p.KeyBytes+p.ValueBytes)/float64(max(logical, 1)))
	}
	var disk int64
	for _, f := range files {
		disk += f.Bytes
	}
	fmt.Fprintf(w, "\nstate at %d parcels on disk by kind of file (%.2f GB; %.0f bytes a record):\n", n, float64(disk)/1e9, float64(disk)/float64(max(records, 1)))
	fmt.Fprintf(w, "%-56s %7s %10s %6s\n", "file", "files", "GB", "share")
	for _, f := range files {
		fmt.Fprintf(w, "%-56s %7d %10.3f %5.1f%%\n", f.Kind, f.Files, float64(f.Bytes)/1e9, 100*float64(f.Bytes)/float64(max(disk, 1)))
	}
}
