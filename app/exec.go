package app

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// checked is a transaction that passed the stateless checks: it decodes, is
// for this chain, has not expired, its signatures verify and its message
// decodes and validates.
type checked struct {
	tx   *tx.Tx
	spec module.MsgSpec
	msg  module.Msg
}

// checkStateless runs every check that needs no state. height is the height
// the transaction would be included at.
func (a *App) checkStateless(raw []byte, height int64, verifySigs bool) (*checked, error) {
	t, err := a.checkEnvelope(raw, height)
	if err != nil {
		return nil, err
	}
	if verifySigs {
		if err := t.VerifySignatures(); err != nil {
			return nil, errs.BadSignature.Wrap(err)
		}
	}
	return a.checkMessage(t)
}

// checkEnvelope decodes the transaction and checks its chain and expiry:
// the checks before the signatures'.
func (a *App) checkEnvelope(raw []byte, height int64) (*tx.Tx, error) {
	if len(raw) > tx.MaxTxBytes {
		return nil, errs.TxTooLarge.Wrapf("%d bytes, limit %d", len(raw), tx.MaxTxBytes)
	}
	t, err := tx.Decode(raw)
	if err != nil {
		return nil, errs.Undecodable.Wrap(err)
	}
	if t.ChainID != a.chainID {
		return nil, errs.WrongChain.Wrapf("transaction is for %q, this chain is %q", t.ChainID, a.chainID)
	}
	if t.ValidUntil < uint64(height) {
		return nil, errs.Expired.Wrapf("valid until height %d, block height is %d", t.ValidUntil, height)
	}
	return t, nil
}

// checkMessage routes the transaction and decodes and validates its
// message: the checks after the signatures'.
func (a *App) checkMessage(t *tx.Tx) (*checked, error) {
	spec, ok := a.routes[t.MsgType]
	if !ok {
		return nil, errs.UnknownMsgType.Wrapf("%q", t.MsgType)
	}
	msg := spec.New()
	if err := tx.DecodeMsg(t.Msg, msg); err != nil {
		return nil, errs.InvalidMsg.Wrap(err)
	}
	if err := msg.ValidateBasic(); err != nil {
		if _, ok := errors.AsType[*errs.Error](err); !ok {
			err = errs.InvalidMsg.Wrap(err)
		}
		return nil, err
	}
	return &checked{tx: t, spec: spec, msg: msg}, nil
}

// authenticate resolves the signers to accounts and checks the primary
// signer's sequence against expected(account).
func (a *App) authenticate(kv store.KV, c *checked, expected func(*authority.Account) uint64) ([]module.Signer, *authority.Account, error) {
	signers := make([]module.Signer, len(c.tx.Signatures))
	var primary *authority.Account
	for i, s := range c.tx.Signatures {
		signers[i] = module.Signer{PubKey: s.PubKey}
		if i > 0 { // a co-signer needs only its account id
			signers[i].Account = a.auth.Keeper.AccountIDByPubKey(kv, s.PubKey)
			continue
		}
		acct, err := a.auth.Keeper.AccountByPubKey(kv, s.PubKey)
		if err != nil {
			return nil, nil, err
		}
		if acct != nil {
			signers[i].Account = acct.ID
		}
		primary = acct
	}
	if primary == nil {
		if c.tx.MsgType != authority.TypeRegisterAccount {
			return nil, nil, errs.UnknownAccount.Wrapf("key %x controls no account; register it first with %s",
				[]byte(c.tx.Primary()), authority.TypeRegisterAccount)
		}
		if c.tx.Sequence != 0 {
			return nil, nil, errs.BadSequence.Wrapf("a new account starts at sequence 0, got %d", c.tx.Sequence)
		}
		signers[0].Account = tx.AccountID(c.tx.Primary())
		return signers, nil, nil
	}
	if want := expected(primary); c.tx.Sequence != want {
		return nil, nil, errs.BadSequence.Wrapf("account %s expects sequence %d, got %d", primary.ID, want, c.tx.Sequence)
	}
	return signers, primary, nil
}

// CheckTx admits a transaction to the mempool after the cheap checks:
// stateless checks, account and sequence (counting transactions of the same
// account already waiting in the mempool).
func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	height := a.store.Version() + 1
	var h [32]byte
	known := false
	if len(req.Tx) <= tx.MaxTxBytes {
		h = sha256.Sum256(req.Tx)
		known = a.sigs.has(h)
	}
	c, err := a.checkStateless(req.Tx, height, !known)
	if err != nil {
		return checkTxError(err), nil
	}
	if !known {
		a.sigs.add(h) // its block need not verify it again
	}
	if err := msgAvailable(c.tx.MsgType, a.Protocol()); err != nil {
		return checkTxError(err), nil
	}
	view := a.store.Working() // between blocks the working tree equals the last commit
	signers, primary, err := a.authenticate(view, c, func(acct *authority.Account) uint64 {
		if next, ok := a.pendingSeq[acct.ID]; ok {
			return next
		}
		return acct.Sequence
	})
	if err != nil {
		return checkTxError(err), nil
	}
	if c.spec.Check != nil && primary != nil {
		if err := a.checkStateful(view, c, signers, height, req.Tx); err != nil {
			return checkTxError(err), nil
		}
	}
	id := tx.AccountID(c.tx.Primary())
	if primary != nil {
		id = primary.ID
	}
	if err := a.admit(a.Admission(), c, id, a.isRoleHolder(view, primary), primary == nil); err != nil {
		return checkTxError(err), nil
	}
	a.pendingSeq[id] = c.tx.Sequence + 1
	return &abci.ResponseCheckTx{Code: abci.CodeTypeOK}, nil
}

// checkStateful runs the message's optional CheckTx hook on a throwaway
// cache over the committed state. A panic in the hook is a bug; it becomes
// an Internal result rather than stopping the node (storage failures still
// stop it).
func (a *App) checkStateful(view store.KV, c *checked, signers []module.Signer, height int64, txBytes []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(*store.Failure); ok {
				panic(f)
			}
			err = fmt.Errorf("check panic: %v", r)
		}
	}()
	// The chain's clock as CheckTx sees it: the last block's time. Empty
	// blocks record no time in state, so the last one this node executed
	// (kept in memory) may be newer than the last recorded one.
	last, _, _ := module.LatestBlockTime(view, height-1)
	if t := a.lastBlockTime.Load(); t != nil && t.After(last) {
		last = *t
	}
	ctx := &module.Context{
		Height:  height,
		Time:    last,
		ChainID: a.chainID,
		TxHash:  tx.Hash(txBytes),
		KV:      store.NewCache(view),
		Signers: signers,
	}
	return c.spec.Check(ctx, c.msg)
}

func checkTxError(err error) *abci.ResponseCheckTx {
	space, code, log := errs.ABCIInfo(err)
	return &abci.ResponseCheckTx{Codespace: space, Code: code, Log: log}
}

// PrepareProposal keeps, within the byte limit, the transactions that
// still pass the stateless checks: role holders' first, then the others up
// to the node's admission policy's per-block share, each in mempool order.
func (a *App) PrepareProposal(_ context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	var txs [][]byte
	var size int64
	for _, raw := range a.prioritize(a.Admission(), req.Txs) {
		if size+int64(len(raw)) > req.MaxTxBytes {
			break
		}
		if _, err := a.checkStateless(raw, req.Height, false); err != nil {
			continue
		}
		txs = append(txs, raw)
		size += int64(len(raw))
	}
	return &abci.ResponsePrepareProposal{Txs: txs}, nil
}

// ProcessProposal rejects blocks carrying transactions that cannot be
// decoded or are for another chain: an honest proposer never includes them.
// Everything else is left to FinalizeBlock, which records a failure code.
func (a *App) ProcessProposal(_ context.Context, req *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
	for _, raw := range req.Txs {
		t, err := tx.Decode(raw)
		if err != nil || t.ChainID != a.chainID {
			return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_REJECT}, nil
		}
	}
	return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
}

// FinalizeBlock executes the block's transactions in order and returns the
// app hash of the resulting working state. The stateless checks (signatures
// above all) run on every core ahead of execution, which waits for each
// transaction's result in turn; they are a pure function of the bytes, so
// the outcome does not depend on scheduling.
func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	// The block's writes are buffered and reach the tree once per key, in
	// key order, at the end of the block: a key written by many
	// transactions (a clerk's sequence, a running tally) costs one tree
	// update, not one per transaction.
	kv := store.NewCache(a.store.Working())
	// An upgrade scheduled for this height applies first (or halts
	// software that does not know its version).
	version, paramUpdates, err := a.beginBlock(kv, req.Height)
	if err != nil {
		return nil, err
	}
	a.block = &blockState{height: req.Height, time: req.Time, version: version}
	pre := a.precheck(req.Txs, req.Height, a.sigs.take(req.Txs))
	results := make([]*abci.ExecTxResult, len(req.Txs))
	// Only a block with transactions records its time (first, so its
	// transactions read the block's own time from the index): an empty
	// block then changes no state, and CometBFT need not make the next
	// block at once to carry a new app hash (create_empty_blocks = false).
	if len(req.Txs) > 0 {
		kv.Set(BlockTimeKey(req.Height), []byte(req.Time.UTC().Format(time.RFC3339Nano)))
	}
	blockTime := req.Time
	a.lastBlockTime.Store(&blockTime)
	ahead := a.startReadAhead(req.Txs, pre)
	if a.readAheadFirst {
		ahead.wg.Wait()
	}
	a.reach(PhaseExecute)
	for i, raw := range req.Txs {
		results[i] = a.deliver(kv, raw, a.waitPrecheck(pre, i), ahead.at(i))
	}
	a.reach(PhaseEndBlock)
	ahead.stop() // before the block's writes change the trees
	valUpdates, err := a.endBlock(kv, req.Height, version)
	if err != nil {
		return nil, err
	}
	a.reach(PhaseReadAheadWrites)
	a.readAheadWrites(kv)
	a.reach(PhaseWrite)
	kv.Write()
	a.reach(PhaseHash)
	hash := a.store.WorkingHash()
	a.reach(PhaseDone)
	return &abci.ResponseFinalizeBlock{
		TxResults:             results,
		AppHash:               hash,
		ValidatorUpdates:      valUpdates,
		ConsensusParamUpdates: paramUpdates,
	}, nil
}

type precheckResult struct {
	c   *checked
	err error
}

// prechecked is the pre-check of a block running in the background: every
// core checks the next batch of transactions while the block executes them
// one by one, each waiting only for its own result.
type prechecked struct {
	out   []precheckResult
	ready []chan struct{}
}

// wait returns the result for transaction i once it is ready.
func (p *prechecked) wait(i int) precheckResult {
	<-p.ready[i]
	return p.out[i]
}

// poll returns the result for transaction i if it is ready.
func (p *prechecked) poll(i int) (precheckResult, bool) {
	select {
	case <-p.ready[i]:
		return p.out[i], true
	default:
		return precheckResult{}, false
	}
}

// precheckBatch is how many transactions a core checks at once: their
// signatures are verified in one batch, about twice as fast as one by one.
const precheckBatch = 16

// precheck starts the stateless checks of every transaction, in batches,
// on every core, and then the message's Prepare hook against the last
// committed state. The signatures of a transaction marked verified (by
// CheckTx in this process) are not verified again.
func (a *App) precheck(txs [][]byte, height int64, verified []bool) *prechecked {
	p := &prechecked{out: make([]precheckResult, len(txs)), ready: make([]chan struct{}, len(txs))}
	for i := range p.ready {
		p.ready[i] = make(chan struct{})
	}
	// Opened only for a block with Prepare hooks: the archive may still
	// be writing the last version.
	committed := sync.OnceValue(func() *store.View {
		if v := a.store.Version(); v > 0 {
			view, _ := a.store.At(v) // nil if unavailable: Prepare hooks are skipped
			return view
		}
		return nil
	})
	var next atomic.Int64
	for range min(runtime.GOMAXPROCS(0), (len(txs)+precheckBatch-1)/precheckBatch) {
		go func() {
			for {
				start := int(next.Add(precheckBatch) - precheckBatch)
				if start >= len(txs) {
					return
				}
				end := min(start+precheckBatch, len(txs))
				a.precheckRange(txs, height, verified, committed, p, start, end)
			}
		}()
	}
	return p
}

// precheckRange checks txs[start:end] in the order of checkStateless
// (envelope, signatures, message), verifying the signatures in one batch.
func (a *App) precheckRange(txs [][]byte, height int64, verified []bool, committed func() *store.View, p *prechecked, start, end int) {
	envelopes := make([]*tx.Tx, end-start)
	unverified := make([]*tx.Tx, end-start) // nil: skipped by VerifyBatch
	for i := start; i < end; i++ {
		envelopes[i-start], p.out[i].err = a.checkEnvelope(txs[i], height)
		if !verified[i] {
			unverified[i-start] = envelopes[i-start]
		}
	}
	for k, err := range tx.VerifyBatch(unverified) {
		if err != nil {
			p.out[start+k].err = errs.BadSignature.Wrap(err)
		}
	}
	// Messages whose type prepares in batches are prepared together,
	// type by type in order of first appearance, before any of the range
	// is released; the others one by one as before.
	var batched []string
	byType := map[string][]*checked{}
	for i := start; i < end; i++ {
		if p.out[i].err == nil {
			p.out[i].c, p.out[i].err = a.checkMessage(envelopes[i-start])
			if c := p.out[i].c; p.out[i].err == nil && c.spec.PrepareBatch != nil && committed() != nil {
				if _, seen := byType[c.spec.Type]; !seen {
					batched = append(batched, c.spec.Type)
				}
				byType[c.spec.Type] = append(byType[c.spec.Type], c)
			}
		}
	}
	for _, t := range batched {
		prepareBatch(committed(), byType[t])
	}
	for i := start; i < end; i++ {
		if c := p.out[i].c; p.out[i].err == nil && c.spec.PrepareBatch == nil && c.spec.Prepare != nil && committed() != nil {
			prepare(committed(), c)
		}
		close(p.ready[i])
	}
}

// prepareBatch runs a message type's PrepareBatch hook on cs; like
// prepare, a panic only loses the cache, except a storage failure.
func prepareBatch(view *store.View, cs []*checked) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(*store.Failure); ok {
				panic(f)
			}
		}
	}()
	msgs := make([]module.Msg, len(cs))
	for i, c := range cs {
		msgs[i] = c.msg
	}
	cs[0].spec.PrepareBatch(view, msgs)
}

// prepare runs a message's Prepare hook; a panic in it only loses the
// cache (Handle redoes the work), except a storage failure.
func prepare(view *store.View, c *checked) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(*store.Failure); ok {
				panic(f)
			}
		}
	}()
	c.spec.Prepare(view, c.msg)
}

// deliver authenticates and executes one transaction. The sequence is
// consumed once authentication passes, even if the message then fails, so
// a failed transaction cannot be replayed. ran, if not nil, is the
// message handled ahead of the block, kept when nothing it read has
// changed (speculation.go).
func (a *App) deliver(kv *store.Cache, raw []byte, pre precheckResult, ran *speculation) (res *abci.ExecTxResult) {
	defer func() {
		// A handler bug is deterministic, so turning its panic into an
		// Internal result keeps every node in agreement; a storage failure
		// is not, and must stop the node.
		if r := recover(); r != nil {
			if f, ok := r.(*store.Failure); ok {
				panic(f)
			}
			res = execError(fmt.Errorf("handler panic: %v", r), nil)
		}
	}()
	if pre.err != nil {
		return execError(pre.err, nil)
	}
	c := pre.c
	if err := msgAvailable(c.tx.MsgType, a.block.version); err != nil {
		return execError(err, nil)
	}
	ante := store.NewCache(kv)
	signers, primary, err := a.authenticate(ante, c, func(acct *authority.Account) uint64 { return acct.Sequence })
	if err != nil {
		return execError(err, nil)
	}
	if primary != nil {
		if err := a.auth.Keeper.IncrementSequence(ante, primary.ID); err != nil {
			return execError(err, nil)
		}
	}
	txEvent := abci.Event{Type: "tx", Attributes: []abci.EventAttribute{
		{Key: "signer", Value: signers[0].Account, Index: true},
		{Key: "msg_type", Value: c.tx.MsgType, Index: true},
	}}
	if ran != nil && ran.keptFor(signers, kv, ante) {
		ran.writes.WriteTo(ante)
		ante.Write()
		a.keptAhead.Add(1)
		return &abci.ExecTxResult{Code: abci.CodeTypeOK, Data: ran.data, Events: append([]abci.Event{txEvent}, ran.events...)}
	}
	msgKV := store.NewCache(ante)
	ctx := &module.Context{
		Height:  a.block.height,
		Time:    a.block.time,
		ChainID: a.chainID,
		TxHash:  tx.Hash(raw),
		KV:      msgKV,
		Signers: signers,
	}
	data, err := c.spec.Handle(ctx, c.msg)
	if err != nil {
		ante.Write()
		return execError(err, []abci.Event{txEvent})
	}
	msgKV.Write()
	ante.Write()
	return &abci.ExecTxResult{Code: abci.CodeTypeOK, Data: data, Events: append([]abci.Event{txEvent}, ctx.Events()...)}
}

func execError(err error, events []abci.Event) *abci.ExecTxResult {
	space, code, log := errs.ABCIInfo(err)
	return &abci.ExecTxResult{Codespace: space, Code: code, Log: log, Events: events}
}
