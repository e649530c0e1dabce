package ballot

import (
	"crypto/rand"
	"runtime"
	"slices"
	"sync"

	"github.com/publica/publica/crypto/elgamal"
)

// Batching the first verification. Every node verifies every ballot once,
// when it first receives it (Preverify, proofcache.go); that is where a
// ballot's proofs cost CPU, and where the batch is: the Preverify calls of
// the node's RPC clients and peers that arrive while a batch is being
// verified. A caller decodes its ballot on its own goroutine (decoding is
// per ballot, and runs on every core), queues it, and either becomes one
// of proofWorkers verifiers or waits; a verifier takes every queued ballot
// (at most proofBatchMax) and checks them together with
// elgamal.VerifyBallots, weights from crypto/rand. If the combination
// fails, VerifyBallots verifies each ballot alone, so only the bad ones are
// not remembered (CheckTx then refuses them, verifying alone, with the
// codes it always gave). Preverify decides nothing, so the random weights
// touch no consensus result. No goroutine outlives the calls.
//
// FinalizeBlock's pre-check also holds a batch (the block's ballots), but
// on a node that received them it finds them all remembered: batching
// there saves nothing in a running network. See docs/ballot.md.

type proofBatcher struct {
	mu      sync.Mutex
	queue   []*proofJob
	workers int
	batches uint64 // guarded by mu
	ballots uint64
}

type proofJob struct {
	entry elgamal.BatchEntry
	ok    bool
	done  bool          // guarded by proofBatcher.mu
	wake  chan struct{} // done, or asked to become a verifier
}

// proofBatchMax bounds a batch: the first caller waits for all of it, and
// a batch that fails is verified again ballot by ballot.
const proofBatchMax = 256

// proofWorkers is how many callers verify at once: half the cores, so the
// others keep receiving and decoding ballots and queue the next batch.
var proofWorkers = func() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// verify reports whether b's proofs verify against params, checked in a
// batch with whatever other ballots are queued.
func (pb *proofBatcher) verify(params *elgamal.ElectionParams, b *elgamal.Ballot) bool {
	j := &proofJob{entry: elgamal.BatchEntry{Params: params, Ballot: b}, wake: make(chan struct{}, 1)}
	pb.mu.Lock()
	defer pb.mu.Unlock()
	pb.queue = append(pb.queue, j)
	for !j.done {
		if pb.workers < proofWorkers() {
			pb.workers++
			pb.work(j)
			pb.workers--
			if len(pb.queue) > 0 {
				wake(pb.queue[0].wake)
			}
			break
		}
		pb.mu.Unlock()
		<-j.wake
		pb.mu.Lock()
	}
	return j.ok
}

// work verifies queued batches until own is done. pb.mu is held on entry
// and on return, not while verifying.
func (pb *proofBatcher) work(own *proofJob) {
	for !own.done {
		batch := slices.Clone(pb.queue[:min(len(pb.queue), proofBatchMax)])
		pb.queue = pb.queue[len(batch):]
		pb.batches++
		pb.ballots += uint64(len(batch))
		pb.mu.Unlock()
		entries := make([]elgamal.BatchEntry, len(batch))
		for i, j := range batch {
			entries[i] = j.entry
		}
		errs, err := elgamal.VerifyBallots(entries, rand.Reader)
		for i, j := range batch {
			j.ok = err == nil && errs[i] == nil
		}
		pb.mu.Lock()
		for _, j := range batch {
			j.done = true
			if j != own {
				wake(j.wake)
			}
		}
	}
}

func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// ProofBatchStats reports how many batches Preverify verified and how
// many ballots they held.
func (m *Module) ProofBatchStats() (batches, ballots uint64) {
	m.batcher.mu.Lock()
	defer m.batcher.mu.Unlock()
	return m.batcher.batches, m.batcher.ballots
}
