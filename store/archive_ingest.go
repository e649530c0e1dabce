package store

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/sstable"
	dbm "github.com/cosmos/cosmos-db"
)

// A version's nodes reach Pebble as one sorted table it ingests, not as a
// batch. A batch of a busy block (some ten megabytes at 1,000 transfers)
// is written to Pebble's log, sorted into a memtable, flushed into a
// compressed table and later compacted: four passes over the bytes, which
// cost a tenth of a transfer's processor time at ten million parcels. An
// ingested table is written once, uncompressed (node records are mostly
// hashes), and goes straight to the bottom level: a version's keys sort
// after every earlier version's, so it overlaps nothing. Small versions,
// stores without sync and other databases keep the batch: a table per
// block of a quiet network would leave many tiny files.

// ingestMin is the size from which a version is ingested (a variable
// for tests).
var ingestMin = 1 << 20

// ingestDirName holds the tables being written, beside archive.db.
const ingestDirName = "ingest"

// collected holds a version's writes until commit: keys and values in one
// buffer, in the order written.
type collected struct {
	buf  []byte
	ents []kvSpan
	// order is sorted's scratch, kept with the rest for the next version
	order []sortable
}

// sortable is a write with the eight bytes its key's order turns on.
type sortable struct {
	prefix uint64
	kvSpan
}

// kvSpan is one write: key buf[k:v], value buf[v:end].
type kvSpan struct{ k, v, end int }

func (c *collected) add(k, v []byte) {
	e := kvSpan{k: len(c.buf)}
	c.buf = append(c.buf, k...)
	e.v = len(c.buf)
	c.buf = append(c.buf, v...)
	e.end = len(c.buf)
	c.ents = append(c.ents, e)
}

func (c *collected) key(e kvSpan) []byte   { return c.buf[e.k:e.v] }
func (c *collected) value(e kvSpan) []byte { return c.buf[e.v:e.end] }

// sorted sorts the writes in key order and returns them, the last
// written of equal keys kept. A version's keys share their first nine
// bytes ('n' and the version) and then differ in a hash: they are
// compared by the eight bytes after their common prefix first, which
// settles nearly every comparison without bytes.Compare.
func (c *collected) sorted() []kvSpan {
	if len(c.ents) == 0 {
		return nil
	}
	common := len(c.key(c.ents[0]))
	for _, e := range c.ents[1:] {
		k := c.key(e)
		common = min(common, len(k))
		for i := range common {
			if k[i] != c.buf[c.ents[0].k+i] {
				common = i
				break
			}
		}
	}
	ents := slices.Grow(c.order[:0], len(c.ents))[:len(c.ents)]
	c.order = ents
	for i, e := range c.ents {
		var b [8]byte
		copy(b[:], c.key(e)[common:])
		ents[i] = sortable{binary.BigEndian.Uint64(b[:]), e}
	}
	slices.SortFunc(ents, func(x, y sortable) int {
		if x.prefix != y.prefix {
			return cmp.Compare(x.prefix, y.prefix)
		}
		if d := bytes.Compare(c.key(x.kvSpan), c.key(y.kvSpan)); d != 0 {
			return d
		}
		return cmp.Compare(x.k, y.k) // written earlier first
	})
	out := c.ents[:0]
	for i, e := range ents {
		if i+1 < len(ents) && bytes.Equal(c.key(e.kvSpan), c.key(ents[i+1].kvSpan)) {
			continue
		}
		out = append(out, e.kvSpan)
	}
	c.ents = out
	return out
}

// ingester writes tables into dir and has db ingest them.
type ingester struct {
	db  *pebble.DB
	dir string
	bw  *bufio.Writer // reused: one version is written at a time
}

// newIngester prepares dir (emptied of tables a crash left) for db, or
// returns nil where the archive is not Pebble.
func newIngester(archDB dbm.DB, dir string) (*ingester, error) {
	p, ok := archDB.(*dbm.PebbleDB)
	if !ok {
		return nil, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("clear %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	return &ingester{db: p.DB(), dir: dir}, nil
}

// ingest writes c's writes as one table and ingests it, synced.
func (g *ingester) ingest(version int64, c *collected) error {
	path := filepath.Join(g.dir, strconv.FormatInt(version, 10)+".sst")
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	defer os.Remove(path) // Pebble keeps its own link
	if g.bw == nil {
		g.bw = bufio.NewWriterSize(f, 1<<20)
	}
	g.bw.Reset(f)
	w := sstable.NewWriter(&fileWritable{f: f, w: g.bw}, sstable.WriterOptions{
		TableFormat: g.db.FormatMajorVersion().MaxTableFormat(),
		Compression: sstable.NoCompression,
	})
	for _, e := range c.sorted() {
		if err := w.Set(c.key(e), c.value(e)); err != nil {
			w.Close()
			return fmt.Errorf("write table: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if err := g.db.Ingest([]string{path}); err != nil {
		return fmt.Errorf("ingest table: %w", err)
	}
	return nil
}

// fileWritable is Pebble's file writable with a larger buffer (its own
// writes four kilobytes a system call).
type fileWritable struct {
	f *os.File
	w *bufio.Writer
}

func (w *fileWritable) Write(p []byte) error {
	_, err := w.w.Write(p)
	return err
}

func (w *fileWritable) Finish() error {
	err := w.w.Flush()
	if err == nil {
		err = w.f.Sync()
	}
	return errors.Join(err, w.f.Close())
}

func (w *fileWritable) Abort() { w.f.Close() }
