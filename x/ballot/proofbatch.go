package ballot

import (
	"crypto/rand"
	"runtime"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/internal/batch"
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

// newProofBatcher batches Preverify's ballots: at most proofBatchMax a
// batch, proofWorkers callers verifying at once (internal/batch).
func newProofBatcher() *batch.Batcher[elgamal.BatchEntry] {
	return &batch.Batcher[elgamal.BatchEntry]{Max: proofBatchMax, Workers: proofWorkers, Check: verifyBallots}
}

// proofBatchMax bounds a batch: the first caller waits for all of it, and
// a batch that fails is verified again ballot by ballot.
const proofBatchMax = 256

// proofWorkers is how many callers verify at once: half the cores, so the
// others keep receiving and decoding ballots and queue the next batch.
var proofWorkers = func() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// verifyBallots is each ballot's verdict, checked in one combination with
// weights from crypto/rand (VerifyBallots verifies each alone if the
// combination fails, so only the bad ones are false).
func verifyBallots(entries []elgamal.BatchEntry) []bool {
	errs, err := elgamal.VerifyBallots(entries, rand.Reader)
	ok := make([]bool, len(entries))
	for i := range ok {
		ok[i] = err == nil && errs[i] == nil
	}
	return ok
}

// ProofBatchStats reports how many batches Preverify verified and how
// many ballots they held.
func (m *Module) ProofBatchStats() (batches, ballots uint64) {
	batches, ballots, _, _ = m.batcher.Stats()
	return batches, ballots
}
