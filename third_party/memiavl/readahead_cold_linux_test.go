package memiavl

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkReadAheadCold reads keys ahead as a block does (ReadAhead, then
// ReadAheadWrite, sixteen goroutines) in a 1M-leaf snapshot holding its
// upper branches from height 6, as the 10M-parcel trees do, so that each
// walk reads five levels, a leaf and its value from the files: warm (the
// files in the page cache) and cold (dropped before each round), each
// record with its own pread, through spans, and through spans with the
// branch keys found from the kept samples instead of the key index. It
// reports the CPU and the bytes read from the disk a key.
func BenchmarkReadAheadCold(b *testing.B) {
	const leaves, perRound, workers = 1_000_000, 20_000, 16
	defer func(min, nodes int) { UpperBranchesMinLeaves, UpperBranchesNodes = min, nodes }(UpperBranchesMinLeaves, UpperBranchesNodes)
	UpperBranchesMinLeaves, UpperBranchesNodes = 2, leaves>>5
	dir := b.TempDir()
	tree := New(0)
	rng := rand.New(rand.NewSource(1))
	var pairs []*KVPair
	for i := 0; i < leaves; i++ {
		v := make([]byte, 100+rng.Intn(200))
		rng.Read(v)
		pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("land/title/T%09d", i*7)), Value: v})
	}
	tree.ApplyChangeSet(ChangeSet{Pairs: pairs})
	tree.SaveVersion(true)
	if err := tree.WriteSnapshot(filepath.Join(dir, "base")); err != nil {
		b.Fatal(err)
	}
	s, err := OpenSnapshot(filepath.Join(dir, "base"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if s.upper() == nil || s.upper().minHeight != 6 {
		b.Fatalf("upper branches held from %v, want height 6", s.upper())
	}
	t := NewFromSnapshot(s, false, 0)
	samples := s.upper().keyOffsets
	defer func() { s.upper().keyOffsets, readAheadWithoutSpans = samples, false }()
	for _, cold := range []bool{false, true} {
		for _, c := range []struct {
			name           string
			spans, sampled bool
		}{{"pread-a-record", false, false}, {"spans", true, false}, {"spans-sampled-keys", true, true}} {
			b.Run(fmt.Sprintf("cold-%v/%s", cold, c.name), func(b *testing.B) {
				readAheadWithoutSpans = !c.spans
				s.upper().keyOffsets = nil
				if c.sampled {
					s.upper().keyOffsets = samples
				}
				var cpu time.Duration
				var read int64
				for round := range b.N {
					b.StopTimer()
					if cold {
						dropSnapshotPages(s)
					}
					keys := make([][]byte, perRound)
					r := rand.New(rand.NewSource(int64(round)))
					for i := range keys {
						keys[i] = []byte(fmt.Sprintf("land/title/T%09d", r.Intn(leaves)*7))
					}
					var before, after unix.Rusage
					_ = unix.Getrusage(unix.RUSAGE_SELF, &before)
					readBefore := ioReadBytes(b)
					b.StartTimer()
					var next atomic.Int64
					var wg sync.WaitGroup
					for range workers {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for i := next.Add(1) - 1; i < perRound; i = next.Add(1) - 1 {
								v, err := t.ReadAhead(keys[i])
								if err != nil || v == nil {
									b.Errorf("ReadAhead %s: %q, %v", keys[i], v, err)
									return
								}
								if err := t.ReadAheadWrite(keys[i]); err != nil {
									b.Errorf("ReadAheadWrite %s: %v", keys[i], err)
									return
								}
							}
						}()
					}
					wg.Wait()
					b.StopTimer()
					_ = unix.Getrusage(unix.RUSAGE_SELF, &after)
					read += ioReadBytes(b) - readBefore
					cpu += time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
					b.StartTimer()
				}
				keys := float64(b.N * perRound)
				b.ReportMetric(float64(cpu.Microseconds())/keys, "cpu-µs/key")
				b.ReportMetric(float64(read)/keys, "disk-B/key")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
	if !bytes.Equal(t.Get([]byte("land/title/T000000007")), pairs[1].Value) {
		b.Fatal("the tree reads differently")
	}
}

// ioReadBytes is what the process has read from the disk (read_bytes of
// /proc/self/io).
func ioReadBytes(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("read_bytes: ")); ok {
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal("no read_bytes in /proc/self/io")
	return 0
}
