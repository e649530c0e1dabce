package node

import (
	"errors"
	"sync"

	cmtdb "github.com/cometbft/cometbft-db"
)

// errDBClosed is what a write to a closed database returns.
var errDBClosed = errors.New("database closed: the node is stopping")

// stoppingDB wraps a database CometBFT opens so that a read after the
// database was closed finds nothing instead of failing.
//
// CometBFT v0.38's node.OnStop closes the block store while goroutines it
// does not wait for may still read it: the consensus reactor's
// queryMaj23Routine (one per peer) sleeps between steps and checks whether
// the node is running only at the top of its loop, so after a sleep it can
// call BlockStore.LoadSeenCommit on the closed database, which panics with
// "leveldb: closed" and takes the whole process down (about one stop in ten
// of a 4-validator network). The read lock makes the check and the read
// atomic with respect to Close: no read reaches the closed database.
type stoppingDB struct {
	cmtdb.DB
	mu     sync.RWMutex
	closed bool
}

func newStoppingDB(db cmtdb.DB) *stoppingDB { return &stoppingDB{DB: db} }

// Get answers nil (not found) once the database is closed.
func (d *stoppingDB) Get(key []byte) ([]byte, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, nil
	}
	return d.DB.Get(key)
}

// Has answers false once the database is closed.
func (d *stoppingDB) Has(key []byte) (bool, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return false, nil
	}
	return d.DB.Has(key)
}

func (d *stoppingDB) write(fn func() error) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errDBClosed
	}
	return fn()
}

func (d *stoppingDB) Set(k, v []byte) error { return d.write(func() error { return d.DB.Set(k, v) }) }
func (d *stoppingDB) SetSync(k, v []byte) error {
	return d.write(func() error { return d.DB.SetSync(k, v) })
}
func (d *stoppingDB) Delete(k []byte) error { return d.write(func() error { return d.DB.Delete(k) }) }
func (d *stoppingDB) DeleteSync(k []byte) error {
	return d.write(func() error { return d.DB.DeleteSync(k) })
}

// Iterator iterates over nothing once the database is closed.
func (d *stoppingDB) Iterator(start, end []byte) (cmtdb.Iterator, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return cmtdb.NewMemDB().Iterator(start, end)
	}
	return d.DB.Iterator(start, end)
}

// ReverseIterator iterates over nothing once the database is closed.
func (d *stoppingDB) ReverseIterator(start, end []byte) (cmtdb.Iterator, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return cmtdb.NewMemDB().ReverseIterator(start, end)
	}
	return d.DB.ReverseIterator(start, end)
}

// Close closes the database once; later calls return nil.
func (d *stoppingDB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.DB.Close()
}

// NewBatch wraps the batch so that writing it after the database closed
// does not reach the closed database.
func (d *stoppingDB) NewBatch() cmtdb.Batch { return &stoppingBatch{Batch: d.DB.NewBatch(), db: d} }

// stoppingBatch drops its write once the database is closed. CometBFT's
// transaction indexer can still be writing the last block's batch when
// the node closes the index database (CometBFT does not wait for it),
// and logged "failed to index block txs … leveldb: closed" at error level
// on a clean stop. The entries lost that way are indexed again at the
// next start (RepairIndex). Close waits for a write in progress.
type stoppingBatch struct {
	cmtdb.Batch
	db *stoppingDB
}

func (b *stoppingBatch) write(fn func() error) error {
	b.db.mu.RLock()
	defer b.db.mu.RUnlock()
	if b.db.closed {
		return nil
	}
	return fn()
}

func (b *stoppingBatch) Write() error     { return b.write(b.Batch.Write) }
func (b *stoppingBatch) WriteSync() error { return b.write(b.Batch.WriteSync) }
