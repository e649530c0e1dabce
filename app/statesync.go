package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/golang/snappy"

	"github.com/publica/publica/store"
)

// State sync: a node serves snapshots of its state every SnapshotInterval
// heights, and a new node restores one instead of replaying every block,
// then verifies forward from it. A snapshot is the state's trees node by
// node (store.View.Export) in chunks; the restoring node rebuilds exactly
// those trees as the chunks arrive and keeps them only if their root is
// the app hash of the header CometBFT's light client verified
// (store.Stage, store.Adopt).
//
// On disk, <dir>/<height>/ holds chunk-<i> files and meta.json; a
// snapshot is written under a temporary name and renamed when complete.

// SnapshotFormat is the only snapshot format: snappy-compressed chunks of
// exported nodes (tree, height, version, key, and a leaf's value).
const SnapshotFormat = 1

// snapshotChunkBytes bounds a chunk before compression.
const snapshotChunkBytes = 8 << 20

// snapshotMeta is a snapshot's metadata, also sent to restoring nodes.
type snapshotMeta struct {
	Split  string   `json:"split"`  // the state's split ("" for one tree)
	Chunks [][]byte `json:"chunks"` // SHA-256 of each chunk file
}

type snapshots struct {
	dir      string
	interval uint64
	keep     int

	// One snapshot is written at a time. A snapshot that falls due while
	// one is written waits in next and is written after it; a later one
	// takes its place, so a slow disk passes over heights rather than
	// queueing them, but the latest due height is never dropped.
	mu      sync.Mutex
	writing bool
	next    *dueSnapshot

	// restore in progress (ApplySnapshotChunk): each chunk received is
	// handed to the import running beside (store.Stage), so the state is
	// rebuilt while the rest of the snapshot still arrives, and no chunk
	// is kept on disk.
	offer   *abci.Snapshot
	meta    snapshotMeta
	appHash []byte
	got     int           // chunks received
	feed    chan []byte   // received chunks, compressed, to the import
	staged  chan stageEnd // the import's outcome
}

// stageEnd is how a restore's import ended: the staged state's root
// hash, or why it failed.
type stageEnd struct {
	hash []byte
	err  error
}

// EnableSnapshots makes the application write a snapshot of its state
// every interval heights into dir, keeping the keep latest, and serve
// them; a node with snapshots enabled can also restore one.
func (a *App) EnableSnapshots(dir string, interval uint64, keep int) {
	a.snaps = &snapshots{dir: dir, interval: interval, keep: max(keep, 1)}
}

// snapshotAfterCommit starts a snapshot of height if one is due.
func (a *App) snapshotAfterCommit(height int64) {
	s := a.snaps
	if s == nil || s.interval == 0 || height <= 0 || uint64(height)%s.interval != 0 {
		return
	}
	view, err := a.store.At(height)
	if err != nil {
		err = fmt.Errorf("snapshot at height %d: %w", height, err)
		a.snapshotErr.Store(&err)
		return
	}
	due := &dueSnapshot{height: height, split: a.store.Split(), view: view}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writing {
		s.next = due
		return
	}
	s.writing = true
	go a.writeSnapshots(due)
}

// dueSnapshot is a height whose snapshot is to be written.
type dueSnapshot struct {
	height int64
	split  string
	view   *store.View
}

// writeSnapshots writes due, then each snapshot that fell due meanwhile.
func (a *App) writeSnapshots(due *dueSnapshot) {
	s := a.snaps
	for due != nil {
		if err := s.write(due.height, due.split, due.view); err != nil {
			a.snapshotErr.Store(&err)
		}
		s.mu.Lock()
		due, s.next = s.next, nil
		s.writing = due != nil
		s.mu.Unlock()
	}
}

// SnapshotError is the last failure to write a snapshot, nil if none.
func (a *App) SnapshotError() error {
	if p := a.snapshotErr.Load(); p != nil {
		return *p
	}
	return nil
}

func (s *snapshots) write(height int64, split string, view *store.View) error {
	final := filepath.Join(s.dir, strconv.FormatInt(height, 10))
	if _, err := os.Stat(final); err == nil {
		return nil
	}
	tmp := final + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return err
	}
	meta := snapshotMeta{Split: split}
	var buf []byte
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		chunk := snappy.Encode(nil, buf)
		sum := sha256.Sum256(chunk)
		name := filepath.Join(tmp, fmt.Sprintf("chunk-%d", len(meta.Chunks)))
		if err := os.WriteFile(name, chunk, 0o600); err != nil {
			return err
		}
		meta.Chunks = append(meta.Chunks, sum[:])
		buf = buf[:0]
		return nil
	}
	err := view.Export(func(n store.ExportedNode) error {
		buf = appendNode(buf, n)
		if len(buf) >= snapshotChunkBytes {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil && len(meta.Chunks) == 0 {
		err = errors.New("empty state")
	}
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("snapshot of height %d: %w", height, err)
	}
	b, _ := json.Marshal(meta)
	if err := os.WriteFile(filepath.Join(tmp, "meta.json"), b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	heights, _ := s.heights()
	for len(heights) > s.keep {
		os.RemoveAll(filepath.Join(s.dir, strconv.FormatInt(heights[0], 10)))
		heights = heights[1:]
	}
	return nil
}

// heights lists the complete snapshots, oldest first.
func (s *snapshots) heights() ([]int64, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var hs []int64
	for _, e := range entries {
		if h, err := strconv.ParseInt(e.Name(), 10, 64); err == nil && e.IsDir() {
			hs = append(hs, h)
		}
	}
	slices.Sort(hs)
	return hs, nil
}

func (s *snapshots) metaOf(height int64) (snapshotMeta, error) {
	var m snapshotMeta
	b, err := os.ReadFile(filepath.Join(s.dir, strconv.FormatInt(height, 10), "meta.json"))
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

// appendNode encodes one exported node: tree, height, then uvarints of
// the version and the key's length, the key, and for a leaf the value's
// length and the value.
func appendNode(b []byte, n store.ExportedNode) []byte {
	b = append(b, n.Tree, byte(n.Height))
	b = binary.AppendUvarint(b, uint64(n.Version))
	b = binary.AppendUvarint(b, uint64(len(n.Key)))
	b = append(b, n.Key...)
	if n.Height == 0 {
		b = binary.AppendUvarint(b, uint64(len(n.Value)))
		b = append(b, n.Value...)
	}
	return b
}

// readNode decodes one node from r (io.EOF at the end of a chunk).
func readNode(r *bytes.Reader) (store.ExportedNode, error) {
	var n store.ExportedNode
	tree, err := r.ReadByte()
	if err != nil {
		return n, err
	}
	height, err := r.ReadByte()
	if err != nil {
		return n, io.ErrUnexpectedEOF
	}
	n.Tree, n.Height = tree, int8(height)
	version, err := binary.ReadUvarint(r)
	if err != nil {
		return n, io.ErrUnexpectedEOF
	}
	n.Version = int64(version)
	field := func() ([]byte, error) {
		l, err := binary.ReadUvarint(r)
		if err != nil || l > uint64(r.Len()) {
			return nil, io.ErrUnexpectedEOF
		}
		b := make([]byte, l)
		_, err = io.ReadFull(r, b)
		return b, err
	}
	if n.Key, err = field(); err != nil {
		return n, err
	}
	if n.Height == 0 {
		n.Value, err = field()
	}
	return n, err
}

// ListSnapshots offers the snapshots on disk.
func (a *App) ListSnapshots(context.Context, *abci.RequestListSnapshots) (*abci.ResponseListSnapshots, error) {
	res := &abci.ResponseListSnapshots{}
	s := a.snaps
	if s == nil {
		return res, nil
	}
	heights, err := s.heights()
	if err != nil {
		return res, nil
	}
	for _, h := range heights {
		m, err := s.metaOf(h)
		if err != nil {
			continue
		}
		b, _ := json.Marshal(m)
		sum := sha256.Sum256(b)
		res.Snapshots = append(res.Snapshots, &abci.Snapshot{Height: uint64(h), Format: SnapshotFormat, Chunks: uint32(len(m.Chunks)), Hash: sum[:], Metadata: b})
	}
	return res, nil
}

// LoadSnapshotChunk reads one chunk of a snapshot on disk.
func (a *App) LoadSnapshotChunk(_ context.Context, req *abci.RequestLoadSnapshotChunk) (*abci.ResponseLoadSnapshotChunk, error) {
	if a.snaps == nil || req.Format != SnapshotFormat {
		return &abci.ResponseLoadSnapshotChunk{}, nil
	}
	b, err := os.ReadFile(filepath.Join(a.snaps.dir, strconv.FormatUint(req.Height, 10), fmt.Sprintf("chunk-%d", req.Chunk)))
	if err != nil {
		return &abci.ResponseLoadSnapshotChunk{}, nil
	}
	return &abci.ResponseLoadSnapshotChunk{Chunk: b}, nil
}

// OfferSnapshot accepts a snapshot to restore on a node with no state.
// req.AppHash comes from the light client's verified header.
func (a *App) OfferSnapshot(_ context.Context, req *abci.RequestOfferSnapshot) (*abci.ResponseOfferSnapshot, error) {
	s := a.snaps
	switch {
	case s == nil:
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_ABORT}, nil
	case req.Snapshot == nil || req.Snapshot.Format != SnapshotFormat:
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT_FORMAT}, nil
	case a.store.Version() != 0:
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_ABORT}, nil
	}
	var m snapshotMeta
	sum := sha256.Sum256(req.Snapshot.Metadata)
	if json.Unmarshal(req.Snapshot.Metadata, &m) != nil || len(m.Chunks) != int(req.Snapshot.Chunks) || len(m.Chunks) == 0 ||
		!bytes.Equal(sum[:], req.Snapshot.Hash) || req.Snapshot.Height > uint64(^uint32(0)) {
		return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT}, nil
	}
	for _, c := range m.Chunks {
		if len(c) != sha256.Size {
			return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_REJECT}, nil
		}
	}
	a.abortRestore()
	s.offer, s.meta, s.appHash, s.got = req.Snapshot, m, req.AppHash, 0
	s.feed, s.staged = make(chan []byte, 2), make(chan stageEnd, 1)
	feed, staged, st := s.feed, s.staged, a.store
	go func() {
		hash, err := st.Stage(int64(req.Snapshot.Height), m.Split, chunkReader(feed))
		staged <- stageEnd{hash, err}
	}()
	return &abci.ResponseOfferSnapshot{Result: abci.ResponseOfferSnapshot_ACCEPT}, nil
}

// abortRestore stops a restore in progress, if any, and removes what it
// staged.
func (a *App) abortRestore() {
	s := a.snaps
	if s == nil || s.feed == nil {
		return
	}
	close(s.feed)
	<-s.staged
	a.store.DiscardStaged()
	s.offer, s.feed, s.staged = nil, nil, nil
}

// ApplySnapshotChunk hands each chunk whose hash the metadata names to the
// import, and after the last keeps the rebuilt state if its root is the
// verified app hash.
func (a *App) ApplySnapshotChunk(_ context.Context, req *abci.RequestApplySnapshotChunk) (*abci.ResponseApplySnapshotChunk, error) {
	s := a.snaps
	if s == nil || s.offer == nil {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ABORT}, nil
	}
	if int(req.Index) != s.got || int(req.Index) >= len(s.meta.Chunks) {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_RETRY, RefetchChunks: []uint32{uint32(s.got)}}, nil
	}
	if sum := sha256.Sum256(req.Chunk); !bytes.Equal(sum[:], s.meta.Chunks[req.Index]) {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_RETRY, RefetchChunks: []uint32{req.Index}, RejectSenders: []string{req.Sender}}, nil
	}
	select {
	case s.feed <- req.Chunk:
	case end := <-s.staged:
		// The import stopped early: the snapshot's stream is wrong.
		s.staged <- end
		a.abortRestore()
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT}, nil
	}
	s.got++
	if s.got < len(s.meta.Chunks) {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, nil
	}
	close(s.feed)
	end := <-s.staged
	s.offer, s.feed, s.staged = nil, nil, nil
	if end.err == nil && !bytes.Equal(end.hash, s.appHash) {
		end.err = fmt.Errorf("the restored state's hash %X is not the trusted app hash %X", end.hash, s.appHash)
	}
	if end.err == nil {
		end.err = a.store.Adopt()
	} else {
		a.store.DiscardStaged()
	}
	if end.err != nil {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT}, nil
	}
	a.afterRestore()
	return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, nil
}

// chunkReader streams the nodes of the chunks sent on feed, in order,
// until it is closed.
func chunkReader(feed <-chan []byte) func() (store.ExportedNode, error) {
	next := 0
	var cur *bytes.Reader
	return func() (store.ExportedNode, error) {
		for {
			if cur == nil {
				b, ok := <-feed
				if !ok {
					return store.ExportedNode{}, io.EOF
				}
				raw, err := snappy.Decode(nil, b)
				if err != nil {
					return store.ExportedNode{}, fmt.Errorf("snapshot chunk %d: %w", next, err)
				}
				cur, next = bytes.NewReader(raw), next+1
			}
			n, err := readNode(cur)
			if errors.Is(err, io.EOF) {
				cur = nil
				continue
			}
			if err != nil {
				return n, fmt.Errorf("snapshot chunk %d: %w", next-1, err)
			}
			return n, nil
		}
	}
}

// afterRestore reloads what the application keeps in memory from state.
func (a *App) afterRestore() {
	if b := a.store.Working().Get(keyChainID); b != nil {
		a.mu.Lock()
		a.chainID = string(b)
		a.mu.Unlock()
	}
	a.loadCommittedVersion()
}
