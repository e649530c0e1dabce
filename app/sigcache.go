package app

import (
	"crypto/sha256"
	"runtime"
	"sync"

	"github.com/publica/publica/internal/batch"
	"github.com/publica/publica/module"
	"github.com/publica/publica/tx"
)

// sigCache remembers transactions (by SHA-256 of their bytes) whose
// signatures this process has verified. A verification is a pure function
// of the bytes, so a remembered transaction needs no second one: not in
// CheckTx after Preverify ran outside CometBFT's ABCI lock, not on a
// recheck, and not when its block is finalized. Outcomes are the same with
// or without the cache; it only saves work.
type sigCache struct {
	mu sync.Mutex
	ok map[[32]byte]struct{}
}

// sigCacheMax bounds the cache: transactions that never reach a block
// (refused for their sequence, dropped by a full mempool) stay until the
// cache is full, and then everything is forgotten at once.
const sigCacheMax = 200_000

func (c *sigCache) add(h [32]byte) {
	c.mu.Lock()
	if c.ok == nil || len(c.ok) >= sigCacheMax {
		c.ok = make(map[[32]byte]struct{})
	}
	c.ok[h] = struct{}{}
	c.mu.Unlock()
}

func (c *sigCache) has(h [32]byte) bool {
	c.mu.Lock()
	_, ok := c.ok[h]
	c.mu.Unlock()
	return ok
}

// take reports, per transaction, whether its signatures were verified,
// and forgets them: a block's transactions leave the mempool.
func (c *sigCache) take(txs [][]byte) []bool {
	out := make([]bool, len(txs))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ok) == 0 {
		return out
	}
	for i, raw := range txs {
		h := sha256.Sum256(raw)
		if _, ok := c.ok[h]; ok {
			out[i] = true
			delete(c.ok, h)
		}
	}
	return out
}

// Preverify verifies a transaction's signatures and remembers it if they
// verify. It reads no state and is safe to call concurrently with any ABCI
// call: the node calls it for each incoming transaction before taking the
// ABCI lock for CheckTx, so signatures are checked on every core while
// CheckTx itself stays serial. Any other outcome is left to CheckTx. A
// module's message with pure work of its own (a ballot's proofs) does it
// here too (preverifier).
func (a *App) Preverify(raw []byte) {
	if len(raw) > tx.MaxTxBytes {
		return
	}
	h := sha256.Sum256(raw)
	if a.sigs.has(h) {
		return
	}
	t, err := tx.Decode(raw)
	if err != nil || !a.batcher.Do(t) {
		return
	}
	a.sigs.add(h)
	for _, m := range a.modules {
		if p, ok := m.(preverifier); ok && p.WantsPreverify(t.MsgType) {
			if c, err := a.checkMessage(t); err == nil {
				preverifyMsg(p, c)
			}
		}
	}
}

// preverifier is a module that does pure work on some of its messages
// when the node first receives them, before CheckTx and outside
// CometBFT's ABCI lock (concurrently with any ABCI call), once their
// signatures verified: x/ballot verifies a cast's proofs against the
// election's parameters last seen. Preverify reads no state and decides
// nothing; it may only remember work that CheckTx and FinalizeBlock would
// otherwise do, which they use only if it is still valid.
type preverifier interface {
	WantsPreverify(msgType string) bool
	Preverify(msgType string, msg module.Msg)
}

// preverifyMsg runs a module's Preverify; a panic in it only loses the
// work (CheckTx and FinalizeBlock redo it).
func preverifyMsg(p preverifier, c *checked) {
	defer func() { _ = recover() }()
	p.Preverify(c.tx.MsgType, c.msg)
}

// newSigBatcher verifies the signatures of concurrent Preverify calls in
// batches (about twice as fast per signature as one by one; past a few
// dozen a batch is hardly cheaper, and its first caller waits for all of
// it), half the cores verifying (internal/batch).
func newSigBatcher() *batch.Batcher[*tx.Tx] {
	return &batch.Batcher[*tx.Tx]{Max: 64, Workers: sigWorkers, Check: verifySignatures}
}

// sigWorkers is how many callers verify at once: half the cores.
var sigWorkers = func() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// verifySignatures is each transaction's signature verdict.
func verifySignatures(txs []*tx.Tx) []bool {
	ok := make([]bool, len(txs))
	if len(txs) == 1 {
		ok[0] = txs[0].VerifySignatures() == nil
		return ok
	}
	for i, err := range tx.VerifyBatch(txs) {
		ok[i] = err == nil
	}
	return ok
}

// ProofCacheStats sums, over the modules that remember verified proofs
// (x/ballot's cast proofs), the proofs this process verified and the
// verifications the memory saved.
func (a *App) ProofCacheStats() (verified, hits uint64) {
	for _, m := range a.modules {
		if s, ok := m.(interface{ ProofCacheStats() (uint64, uint64) }); ok {
			v, h := s.ProofCacheStats()
			verified, hits = verified+v, hits+h
		}
	}
	return verified, hits
}
