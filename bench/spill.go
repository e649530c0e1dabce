package bench

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/golang/snappy"

	"github.com/publica/publica/store"
)

// spill sorts a state too large for memory into ascending key order, for
// store.Import: records go to one compressed file per key prefix (the
// key up to its second '/': all keys with one prefix sort together), and
// each file is sorted on its own, in memory, one at a time. A key written
// twice keeps its last value.
type spill struct {
	dir   string
	parts map[string]*spillPart
	peak  int64 // bytes on disk after sorting, before the import reads them
}

type spillPart struct {
	path  string
	file  *os.File
	w     *snappy.Writer
	count int64 // records after sorting, duplicates dropped
	low   int64 // of those, below the state split
}

func newSpill(dir string) (*spill, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &spill{dir: dir, parts: map[string]*spillPart{}}, nil
}

func spillPrefix(key []byte) string {
	if i := bytes.IndexByte(key, '/'); i >= 0 {
		if j := bytes.IndexByte(key[i+1:], '/'); j >= 0 {
			return string(key[:i+1+j+1])
		}
	}
	return string(key)
}

func (s *spill) add(key, value []byte) error {
	prefix := spillPrefix(key)
	p := s.parts[prefix]
	if p == nil {
		p = &spillPart{path: filepath.Join(s.dir, fmt.Sprintf("part-%d", len(s.parts)))}
		f, err := os.Create(p.path)
		if err != nil {
			return err
		}
		p.file, p.w = f, snappy.NewBufferedWriter(f)
		s.parts[prefix] = p
	}
	return writeRecord(p.w, key, value)
}

func writeRecord(w io.Writer, key, value []byte) error {
	var n [2 * binary.MaxVarintLen64]byte
	l := binary.PutUvarint(n[:], uint64(len(key)))
	l += binary.PutUvarint(n[l:], uint64(len(value)))
	if _, err := w.Write(n[:l]); err != nil {
		return err
	}
	if _, err := w.Write(key); err != nil {
		return err
	}
	_, err := w.Write(value)
	return err
}

// readRecord reads one record, io.EOF at a clean end.
func readRecord(r *bufio.Reader) (key, value []byte, err error) {
	kl, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, nil, err
	}
	vl, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, nil, io.ErrUnexpectedEOF
	}
	buf := make([]byte, kl+vl)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, nil, io.ErrUnexpectedEOF
	}
	return buf[:kl:kl], buf[kl:], nil
}

// sortPart rewrites a part in key order without duplicates and counts it.
func (p *spillPart) sort(split []byte) error {
	if err := p.w.Close(); err != nil {
		return err
	}
	if _, err := p.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	type rec struct{ key, value []byte }
	var recs []rec
	r := bufio.NewReaderSize(snappy.NewReader(p.file), 1<<20)
	for {
		k, v, err := readRecord(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", p.path, err)
		}
		recs = append(recs, rec{k, v})
	}
	if err := p.file.Close(); err != nil {
		return err
	}
	slices.SortStableFunc(recs, func(a, b rec) int { return bytes.Compare(a.key, b.key) })
	f, err := os.Create(p.path + ".sorted")
	if err != nil {
		return err
	}
	w := snappy.NewBufferedWriter(f)
	for i, r := range recs {
		if i+1 < len(recs) && bytes.Equal(r.key, recs[i+1].key) {
			continue // a later write of the same key wins
		}
		if err := writeRecord(w, r.key, r.value); err != nil {
			f.Close()
			return err
		}
		p.count++
		if split == nil || bytes.Compare(r.key, split) < 0 {
			p.low++
		}
	}
	if err := errors.Join(w.Close(), f.Close()); err != nil {
		return err
	}
	return os.Rename(p.path+".sorted", p.path)
}

// source sorts every part and returns them as one ascending stream; each
// part's file is removed once it has been read.
func (s *spill) source(split string) (store.ImportSource, func() error, error) {
	var splitKey []byte
	if split != store.NoSplit {
		splitKey = []byte(split)
	}
	prefixes := make([]string, 0, len(s.parts))
	for p := range s.parts {
		prefixes = append(prefixes, p)
	}
	slices.Sort(prefixes)
	var src store.ImportSource
	for _, prefix := range prefixes {
		p := s.parts[prefix]
		if err := p.sort(splitKey); err != nil {
			return src, nil, err
		}
		src.Low += p.low
		src.High += p.count - p.low
		if fi, err := os.Stat(p.path); err == nil {
			s.peak += fi.Size()
		}
	}
	var (
		cur  *bufio.Reader
		file *os.File
		next int
	)
	closeCur := func() error {
		if file == nil {
			return nil
		}
		err := errors.Join(file.Close(), os.Remove(file.Name()))
		file, cur = nil, nil
		return err
	}
	src.Next = func() ([]byte, []byte, error) {
		for {
			if cur == nil {
				if next == len(prefixes) {
					return nil, nil, errors.New("spill: no more records")
				}
				f, err := os.Open(s.parts[prefixes[next]].path)
				if err != nil {
					return nil, nil, err
				}
				next++
				file, cur = f, bufio.NewReaderSize(snappy.NewReader(f), 1<<20)
			}
			k, v, err := readRecord(cur)
			if err == io.EOF {
				if err := closeCur(); err != nil {
					return nil, nil, err
				}
				continue
			}
			return k, v, err
		}
	}
	return src, closeCur, nil
}

// remove deletes whatever the spill still holds on disk.
func (s *spill) remove() error {
	for _, p := range s.parts {
		if p.file != nil {
			p.file.Close()
		}
	}
	if strings.TrimSpace(s.dir) == "" {
		return nil
	}
	return os.RemoveAll(s.dir)
}
