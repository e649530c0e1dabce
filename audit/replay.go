// Package audit holds the auditor's tools. Replay re-executes every stored
// block from genesis into a fresh state and checks that each block, each
// commit and each resulting app hash and results hash matches what the
// chain recorded.
package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	cmtdb "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/merkle"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	sm "github.com/cometbft/cometbft/state"
	cmtstore "github.com/cometbft/cometbft/store"
	"github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/gogoproto/proto"
	"github.com/syndtr/goleveldb/leveldb/opt"

	"github.com/publica/publica/app"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/governance"
)

// ErrNodeRunning is matched (errors.Is) by the error Replay returns when
// the home's databases are locked by a running node.
var ErrNodeRunning = errors.New("node is running")

type nodeRunningError struct{ home string }

func (e *nodeRunningError) Error() string {
	return fmt.Sprintf("the node in %s is running; stop it first", e.home)
}
func (e *nodeRunningError) Is(target error) bool { return target == ErrNodeRunning }

// MismatchError is a replay that found a difference: the first height
// where the stored chain and the re-execution disagree.
type MismatchError struct {
	Height   int64  `json:"height"`
	Check    string `json:"check"` // e.g. "data hash", "app hash", "commit signatures"
	Reason   string `json:"reason"`
	Expected string `json:"expected,omitempty"`
	Got      string `json:"got,omitempty"`
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("replay FAILED at height %d: %s", e.Height, e.Reason)
}

// Report is the outcome of a replay, also written to HOME/data/audit-replay.json.
type Report struct {
	Time            time.Time      `json:"time"` // when the replay finished
	Home            string         `json:"home"`
	ChainID         string         `json:"chain_id"`
	Result          string         `json:"result"` // ResultVerified or ResultFailed
	Blocks          int64          `json:"blocks"` // blocks verified
	Transactions    int64          `json:"transactions"`
	FirstHeight     int64          `json:"first_height"`
	LastHeight      int64          `json:"last_height"` // last stored height that was replayed
	GenesisAppHash  string         `json:"genesis_app_hash"`
	FinalAppHash    string         `json:"final_app_hash"` // after the last verified block
	DurationSeconds float64        `json:"duration_seconds"`
	Failure         *MismatchError `json:"failure,omitempty"`
	// ValidatorChanges counts the blocks whose validator updates were
	// checked against the headers and the state's validator records.
	ValidatorChanges int64 `json:"validator_changes"`
	// Versions are the protocol versions the replayed blocks ran, each
	// from its first height (headers' version.app).
	Versions []VersionSpan `json:"versions,omitempty"`
	Note     string        `json:"note,omitempty"`
	Source   string        `json:"source,omitempty"` // SourceStores or SourceRPC
}

// VersionSpan is a protocol version and the first block that ran it.
type VersionSpan struct {
	Version     uint64 `json:"version"`
	FirstHeight int64  `json:"first_height"`
}

// Where a replay read the chain from.
const (
	SourceStores = "stores" // the stopped node's block and state stores (Replay)
	SourceRPC    = "rpc"    // a running node's RPC (ReplayRPC)
)

// Report results.
const (
	ResultVerified = "verified"
	ResultFailed   = "failed"
)

// Summary is the one-line outcome for humans.
func (r *Report) Summary() string {
	if r.Failure != nil {
		return r.Failure.Error()
	}
	return fmt.Sprintf("verified %d blocks, %d transactions, final app hash %s", r.Blocks, r.Transactions, r.FinalAppHash)
}

// ReportFile is where the latest replay report of a home is kept.
func ReportFile(home string) string { return filepath.Join(node.AppDBDir(home), "audit-replay.json") }

// Replay re-executes the chain stored in home (which must not be running)
// and checks it block by block. progress, if not nil, is called after each
// block with the blocks done and the total. A difference is returned as a
// *MismatchError together with the report; both outcomes are also written
// to ReportFile(home). Other errors (no home, node running, unreadable
// stores) return no report.
func Replay(ctx context.Context, home string, progress func(done, total int64)) (*Report, error) {
	start := time.Now()
	r, err := finish(start)(replay(ctx, home, progress))
	if r == nil {
		return nil, err
	}
	if werr := WriteReport(home, r); werr != nil {
		return r, errors.Join(err, werr)
	}
	return r, err
}

// finish completes a replay's report: its time, duration and result. An
// error that is not a mismatch returns no report.
func finish(start time.Time) func(*Report, error) (*Report, error) {
	return func(r *Report, err error) (*Report, error) {
		if r == nil {
			return nil, err
		}
		r.Time = time.Now().UTC()
		r.DurationSeconds = time.Since(start).Seconds()
		var mm *MismatchError
		switch {
		case err == nil:
			r.Result = ResultVerified
		case errors.As(err, &mm):
			r.Result = ResultFailed
			r.Failure = mm
		default:
			return nil, err
		}
		return r, err
	}
}

// blockSource is where a replay reads the chain from: the node's block
// store (storeSource) or its RPC (rpcSource). Both feed the same checks.
type blockSource interface {
	// Block returns the block at height h. A block that is missing or
	// cannot be decoded is a *MismatchError at h; a block that decodes but
	// fails validation is returned, so apply can name the check that fails.
	Block(ctx context.Context, h int64) (*types.Block, error)
	// Commit returns the commit the source holds for block h, used when it
	// holds no block h+1 (whose LastCommit would sign h); nil if none.
	Commit(ctx context.Context, h int64) (*types.Commit, error)
}

// plan is what one replay re-executes and what it checks the last block
// against.
type plan struct {
	gen         *types.GenesisDoc
	src         blockSource
	first, last int64 // heights re-executed
	top         int64 // highest height src holds (last or more)
	// state, if set, is the stored consensus state the last block's
	// outcome must match (the offline replay).
	state *sm.State
	// signedTip checks that block last+1, whose header carries the last
	// app hash and results hash, is itself signed by the validators (the
	// RPC replay: nothing else vouches for that header).
	signedTip bool
}

// chainStores are the node's CometBFT databases, opened read-only.
type chainStores struct {
	blocks *cmtstore.BlockStore
	state  sm.Store
	dbs    []cmtdb.DB
}

func (c *chainStores) Close() {
	for _, db := range c.dbs {
		db.Close()
	}
}

func openChainStores(home string) (*chainStores, error) {
	conf, err := node.LoadConfig(home)
	if err != nil {
		return nil, err
	}
	c := &chainStores{}
	for _, name := range []string{"blockstore", "state"} {
		db, err := openReadOnly(name, conf.DBBackend, conf.DBDir())
		if err != nil {
			c.Close()
			if isLocked(err) {
				return nil, &nodeRunningError{home: home}
			}
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%s has no %s database in %s: has the node ever run?", home, name, conf.DBDir())
			}
			return nil, fmt.Errorf("open %s database: %w", name, err)
		}
		c.dbs = append(c.dbs, db)
	}
	c.blocks = cmtstore.NewBlockStore(c.dbs[0])
	c.state = sm.NewStore(c.dbs[1], sm.StoreOptions{DiscardABCIResponses: false})
	return c, nil
}

// openReadOnly opens a goleveldb database read-only (no journal rewrite,
// no compaction); other backends are opened normally.
func openReadOnly(name, backend, dir string) (cmtdb.DB, error) {
	if backend == "" || backend == string(cmtdb.GoLevelDBBackend) {
		return cmtdb.NewGoLevelDBWithOpts(name, dir, &opt.Options{ReadOnly: true})
	}
	if _, err := os.Stat(filepath.Join(dir, name+".db")); err != nil {
		return nil, err
	}
	return cmtdb.NewDB(name, cmtdb.BackendType(backend), dir)
}

// isLocked recognises goleveldb's "LOCK held by another process" (flock
// EWOULDBLOCK), which is how a running node shows.
func isLocked(err error) bool {
	return errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN)
}

// replayer carries the consensus state CometBFT would derive while
// applying blocks: validator sets and consensus params evolve from genesis
// through the app's own responses, independently of the state store.
type replayer struct {
	chainID     string
	initial     int64
	app         *app.App
	src         blockSource
	state       *sm.State           // consensus state the last block is checked against; nil: none
	vals        *types.ValidatorSet // validators of the current height
	nextVals    *types.ValidatorSet
	lastVals    *types.ValidatorSet // validators of the previous height
	params      types.ConsensusParams
	lastResults []byte // results hash the next header must carry
	// The hashes of vals, nextVals and params, kept because they change
	// only with validator or params updates (a set's hash covers its
	// members and their power, not the proposer priorities).
	valsHash, nextValsHash, paramsHash []byte
	sigs                               *commitVerifier
	// appVersion is the version.app the next header must carry, as
	// CometBFT derives it: Info's AppVersion at genesis, then consensus
	// param updates (InitChain's, an upgrade block's).
	appVersion uint64
	// recorded: the state keeps the validator set (protocol 2 on).
	recorded bool
}

func replay(ctx context.Context, home string, progress func(done, total int64)) (*Report, error) {
	conf, err := node.LoadConfig(home)
	if err != nil {
		return nil, err
	}
	gen, err := types.GenesisDocFromFile(conf.GenesisFile())
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	cs, err := openChainStores(home)
	if err != nil {
		return nil, err
	}
	defer cs.Close()
	state, err := cs.state.Load()
	if err != nil {
		return nil, fmt.Errorf("load consensus state: %w", err)
	}
	if state.IsEmpty() || state.LastBlockHeight < gen.InitialHeight {
		return nil, fmt.Errorf("%s has no committed blocks yet: start the node first", home)
	}
	if state.ChainID != gen.ChainID {
		return nil, fmt.Errorf("consensus state is for chain %q, genesis.json for %q", state.ChainID, gen.ChainID)
	}
	first, last := gen.InitialHeight, state.LastBlockHeight
	if base := cs.blocks.Base(); base > first {
		return nil, fmt.Errorf("blocks below height %d were pruned; a replay needs every block from genesis (height %d)", base, first)
	}
	if h := cs.blocks.Height(); h < last {
		return nil, fmt.Errorf("block store ends at height %d but the consensus state is at %d", h, last)
	}
	report := &Report{Home: home, ChainID: gen.ChainID, FirstHeight: first, Source: SourceStores}
	if cs.blocks.Height() > last {
		report.Note = fmt.Sprintf("block %d is stored but the node had not executed it yet; it is not replayed", last+1)
	}
	p := plan{gen: gen, src: storeSource{cs.blocks}, first: first, last: last, top: cs.blocks.Height(), state: &state}
	return run(ctx, p, report, progress)
}

// run re-executes p.first..p.last into a fresh temporary state, which is
// removed afterwards, filling in report.
func run(ctx context.Context, p plan, report *Report, progress func(done, total int64)) (*Report, error) {
	tmp, err := os.MkdirTemp("", "publica-replay-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// The throwaway state is rebuilt from genesis if anything goes wrong,
	// so its saves need not wait for the disk (two fsyncs a block, which
	// bounded a replay at ~400 empty blocks/s); the hashes are the same.
	opts := store.DefaultOptions()
	opts.NoSync = true
	st, err := store.Open(tmp, dbm.PebbleDBBackend, opts)
	if err != nil {
		return nil, err
	}
	defer st.Close()

	rp := &replayer{chainID: p.gen.ChainID, initial: p.first, app: app.New(st), src: p.src, state: p.state,
		sigs: newCommitVerifier(p.gen.ChainID)}
	defer rp.sigs.finish()
	genesisHash, err := rp.initChain(ctx, p.gen)
	if err != nil {
		return nil, err
	}
	report.GenesisAppHash = fmt.Sprintf("%X", genesisHash)
	report.FinalAppHash = report.GenesisAppHash

	first, last := p.first, p.last
	total := last - first + 1
	readTo := last
	if last < p.top {
		readTo = last + 1 // its header records the last app hash
	}
	read, stopReading := readAhead(ctx, p.src, first, readTo)
	defer stopReading()
	take := func() (*fetched, error) {
		f, ok := read()
		if !ok {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return nil, errors.New("block reader stopped")
		}
		if f.err != nil {
			return nil, f.err
		}
		return f, nil
	}
	// applied remembers the outcome of each block whose commit signatures
	// may not be verified yet, so a bad one found later ends the report
	// just before its block.
	var applied []appliedBlock
	// settle ends the replay on err (at the current height), unless a
	// signature of this or an earlier block is bad: that check came first.
	settle := func(err error) (*Report, error) {
		if mm := rp.sigs.finish(); mm != nil {
			return failAt(report, mm, applied), mm
		}
		return reportOf(report, err), err
	}
	cur, err := take()
	if err != nil {
		return reportOf(report, err), err
	}
	if !bytes.Equal(cur.block.AppHash, genesisHash) {
		return report, mismatch(first, "genesis app hash", cur.block.AppHash, genesisHash,
			"InitChain produced app hash %X but block %d's header records %X", genesisHash, first, cur.block.AppHash)
	}
	for h := first; h <= last; h++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if mm := rp.sigs.failed(); mm != nil {
			return settle(mm)
		}
		var next *fetched
		if h < p.top {
			if next, err = take(); err != nil {
				return settle(err)
			}
		}
		appHash, err := rp.apply(ctx, cur, next, h == last)
		if err != nil {
			return settle(err)
		}
		report.Blocks++
		report.Transactions += int64(len(cur.block.Txs))
		if v := cur.block.Version.App; len(report.Versions) == 0 || report.Versions[len(report.Versions)-1].Version != v {
			report.Versions = append(report.Versions, VersionSpan{Version: v, FirstHeight: h})
		}
		if cur.valChange {
			report.ValidatorChanges++
		}
		report.LastHeight = h
		report.FinalAppHash = fmt.Sprintf("%X", appHash)
		verified := rp.sigs.verifiedThrough()
		for len(applied) > 0 && applied[0].height < verified {
			applied = applied[1:]
		}
		applied = append(applied, appliedBlock{height: h, appHash: report.FinalAppHash, txs: report.Transactions})
		if progress != nil {
			progress(report.Blocks, total)
		}
		cur = next
	}
	if mm := rp.sigs.finish(); mm != nil {
		return failAt(report, mm, applied), mm
	}
	if p.signedTip {
		var tip *types.Block
		if cur != nil {
			tip = cur.block
		}
		if err := rp.checkTip(ctx, tip, last+1); err != nil {
			return reportOf(report, err), err
		}
	}
	return report, nil
}

// appliedBlock is what the report says after a block.
type appliedBlock struct {
	height  int64
	appHash string
	txs     int64
}

// failAt makes report end just before mm's height, whose commit holds a
// bad signature (found after later blocks were executed).
func failAt(report *Report, mm *MismatchError, applied []appliedBlock) *Report {
	report.Blocks = mm.Height - report.FirstHeight
	report.LastHeight, report.Transactions, report.FinalAppHash = 0, 0, report.GenesisAppHash
	for _, a := range applied {
		if a.height == mm.Height-1 {
			report.LastHeight, report.Transactions, report.FinalAppHash = a.height, a.txs, a.appHash
		}
	}
	return report
}

// reportOf keeps the report for a mismatch, drops it for other errors
// (a source that could not be read, a cancelled context).
func reportOf(r *Report, err error) *Report {
	var mm *MismatchError
	if errors.As(err, &mm) {
		return r
	}
	return nil
}

// checkTip verifies that block h (the one after the last replayed block)
// is the one the validators signed: its header carries the app hash and
// results hash the last block was checked against.
func (rp *replayer) checkTip(ctx context.Context, tip *types.Block, h int64) error {
	if tip == nil {
		return &MismatchError{Height: h, Check: "block missing", Reason: fmt.Sprintf("block missing: block %d is needed to check the block before it", h)}
	}
	commit, err := rp.src.Commit(ctx, h)
	if err != nil {
		return err
	}
	if commit == nil {
		return &MismatchError{Height: h, Check: "commit missing", Reason: fmt.Sprintf("commit missing: the source has no commit for block %d", h)}
	}
	if got := rp.vals.Hash(); !bytes.Equal(got, tip.ValidatorsHash) {
		return mismatch(h, "validators hash", tip.ValidatorsHash, got,
			"the validator set derived from genesis hashes to %X, the header says %X", got, tip.ValidatorsHash)
	}
	if got := tip.Hash(); !bytes.Equal(got, commit.BlockID.Hash) {
		return mismatch(h, "block hash", commit.BlockID.Hash, got,
			"the commit for block %d names block %X but the block served hashes to %X", h, commit.BlockID.Hash, got)
	}
	if err := rp.vals.VerifyCommitLight(rp.chainID, commit.BlockID, h, commit); err != nil {
		return &MismatchError{Height: h, Check: "commit signatures", Reason: fmt.Sprintf("commit signatures (of block %d, which records the last app hash): %v", h, err)}
	}
	return nil
}

// initChain sends InitChain exactly as CometBFT's handshake does.
func (rp *replayer) initChain(ctx context.Context, gen *types.GenesisDoc) ([]byte, error) {
	validators := make([]*types.Validator, len(gen.Validators))
	for i, v := range gen.Validators {
		validators[i] = types.NewValidator(v.PubKey, v.Power)
	}
	set := types.NewValidatorSet(validators)
	pbparams := gen.ConsensusParams.ToProto()
	info, err := rp.app.Info(ctx, &abci.RequestInfo{})
	if err != nil {
		return nil, err
	}
	rp.appVersion = info.AppVersion
	res, err := rp.app.InitChain(ctx, &abci.RequestInitChain{
		Time:            gen.GenesisTime,
		ChainId:         gen.ChainID,
		InitialHeight:   gen.InitialHeight,
		ConsensusParams: &pbparams,
		Validators:      types.TM2PB.ValidatorUpdates(set),
		AppStateBytes:   gen.AppState,
	})
	if err != nil {
		return nil, fmt.Errorf("InitChain: %w", err)
	}
	rp.params = *gen.ConsensusParams
	if len(res.Validators) > 0 {
		vals, err := types.PB2TM.ValidatorUpdates(res.Validators)
		if err != nil {
			return nil, fmt.Errorf("InitChain validators: %w", err)
		}
		validators = vals
	}
	if len(validators) == 0 {
		return nil, errors.New("genesis has no validators and InitChain returned none")
	}
	rp.vals = types.NewValidatorSet(validators)
	rp.nextVals = types.NewValidatorSet(validators).CopyIncrementProposerPriority(1)
	rp.lastVals = types.NewValidatorSet(nil)
	if res.ConsensusParams != nil {
		rp.params = rp.params.Update(res.ConsensusParams)
		rp.appVersion = rp.params.Version.App
	}
	recorded, err := rp.app.RecordedValidators()
	if err != nil {
		return nil, fmt.Errorf("InitChain: validator records: %w", err)
	}
	if rp.recorded = len(recorded) > 0; rp.recorded {
		if err := sameSet(recorded, rp.vals); err != nil {
			return nil, fmt.Errorf("InitChain: the recorded genesis validators differ from genesis.json's: %w", err)
		}
	}
	rp.valsHash, rp.nextValsHash, rp.paramsHash = rp.vals.Hash(), rp.nextVals.Hash(), rp.params.Hash()
	// CometBFT sends no Commit after InitChain: the genesis state is saved
	// with the first block.
	rp.lastResults = merkle.HashFromByteSlices(nil)
	return res.AppHash, nil
}

// storeSource reads the node's block store directly (the offline replay).
type storeSource struct{ blocks *cmtstore.BlockStore }

// Block reads a block. Unlike BlockStore.LoadBlock it keeps a block that
// decodes but fails validation, so apply can name the check that fails;
// a block that cannot be decoded at all is a mismatch at its height.
func (s storeSource) Block(_ context.Context, h int64) (b *types.Block, err error) {
	defer func() {
		if r := recover(); r != nil { // the block store panics on corrupt records
			b, err = nil, &MismatchError{Height: h, Check: "block decoding", Reason: fmt.Sprintf("block decoding: %v", r)}
		}
	}()
	meta := s.blocks.LoadBlockMeta(h)
	if meta == nil {
		return nil, &MismatchError{Height: h, Check: "block missing", Reason: fmt.Sprintf("block missing: block %d is not in the block store", h)}
	}
	var buf []byte
	for i := 0; i < int(meta.BlockID.PartSetHeader.Total); i++ {
		part := s.blocks.LoadBlockPart(h, i)
		if part == nil {
			return nil, &MismatchError{Height: h, Check: "block missing", Reason: fmt.Sprintf("block missing: part %d of block %d is not in the block store", i, h)}
		}
		buf = append(buf, part.Bytes...)
	}
	var pb cmtproto.Block
	if err := proto.Unmarshal(buf, &pb); err != nil {
		return nil, &MismatchError{Height: h, Check: "block decoding", Reason: fmt.Sprintf("block decoding: %v", err)}
	}
	return blockFromProto(h, &pb, "stored at")
}

// Commit is the seen commit the node stored for its latest block.
func (s storeSource) Commit(_ context.Context, h int64) (c *types.Commit, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, &MismatchError{Height: h, Check: "commit decoding", Reason: fmt.Sprintf("commit decoding: %v", r)}
		}
	}()
	return s.blocks.LoadSeenCommit(h), nil
}

// blockFromProto decodes a block read for height h, keeping one that
// fails validation (err is then found again by apply).
func blockFromProto(h int64, pb *cmtproto.Block, where string) (*types.Block, error) {
	b, err := types.BlockFromProto(pb)
	if b == nil {
		return nil, &MismatchError{Height: h, Check: "block decoding", Reason: fmt.Sprintf("block decoding: %v", err)}
	}
	if b.Height != h {
		return nil, &MismatchError{Height: h, Check: "block height", Reason: fmt.Sprintf("block height: block %s %d says it is %d", where, h, b.Height)}
	}
	return b, nil
}

func mismatch(h int64, check string, expected, got []byte, format string, args ...any) *MismatchError {
	return &MismatchError{Height: h, Check: check, Reason: check + ": " + fmt.Sprintf(format, args...),
		Expected: fmt.Sprintf("%X", expected), Got: fmt.Sprintf("%X", got)}
}

// apply checks block (height h) against the chain, executes it and
// compares the outcome with the next header (next may be nil) and, for the
// last executed block, with the stored consensus state.
func (rp *replayer) apply(ctx context.Context, cur, next *fetched, isLast bool) ([]byte, error) {
	block := cur.block
	h := block.Height
	if block.ChainID != rp.chainID {
		return nil, &MismatchError{Height: h, Check: "chain id", Reason: fmt.Sprintf("chain id: header says %q, genesis %q", block.ChainID, rp.chainID)}
	}
	// An altered transaction changes the data hash, not the block hash
	// (which covers the header only): check it first, hashing the
	// transactions afresh (Data.Hash may be a cached value).
	if got := cur.txsHash; !bytes.Equal(got, block.DataHash) {
		return nil, mismatch(h, "data hash", block.DataHash, got,
			"the transactions hash to %X but the header's data hash is %X", got, block.DataHash)
	}
	if err := cur.validErr; err != nil {
		return nil, &MismatchError{Height: h, Check: "block validity", Reason: fmt.Sprintf("block validity: %v", err)}
	}
	if got := rp.valsHash; !bytes.Equal(got, block.ValidatorsHash) {
		return nil, mismatch(h, "validators hash", block.ValidatorsHash, got,
			"the validator set derived from genesis hashes to %X, the header says %X", got, block.ValidatorsHash)
	}
	if got := rp.nextValsHash; !bytes.Equal(got, block.NextValidatorsHash) {
		return nil, mismatch(h, "next validators hash", block.NextValidatorsHash, got,
			"the next validator set hashes to %X, the header says %X", got, block.NextValidatorsHash)
	}
	if got := block.Version.App; got != rp.appVersion {
		return nil, &MismatchError{Height: h, Check: "app version", Reason: fmt.Sprintf(
			"app version: the header says protocol version %d, the chain's upgrades lead to %d", got, rp.appVersion),
			Expected: fmt.Sprint(got), Got: fmt.Sprint(rp.appVersion)}
	}
	if got := rp.paramsHash; !bytes.Equal(got, block.ConsensusHash) {
		return nil, mismatch(h, "consensus params hash", block.ConsensusHash, got,
			"the consensus params hash to %X, the header says %X", got, block.ConsensusHash)
	}
	if !bytes.Equal(rp.lastResults, block.LastResultsHash) {
		return nil, mismatch(h, "last results hash", block.LastResultsHash, rp.lastResults,
			"the previous block's results hash to %X, the header says %X", rp.lastResults, block.LastResultsHash)
	}

	// Which block id (and commit) the chain recorded for this block.
	var blockID types.BlockID
	var commit *types.Commit
	source := fmt.Sprintf("block %d", h+1)
	if next != nil {
		blockID, commit = next.block.LastBlockID, next.block.LastCommit
	} else {
		var err error
		if commit, err = rp.src.Commit(ctx, h); err != nil {
			return nil, err
		}
		if commit == nil {
			return nil, &MismatchError{Height: h, Check: "commit missing", Reason: fmt.Sprintf("commit missing: no seen commit stored for the last block %d", h)}
		}
		blockID, source = commit.BlockID, "the stored seen commit"
	}
	if got := cur.hash; !bytes.Equal(got, blockID.Hash) {
		return nil, mismatch(h, "block hash", blockID.Hash, got,
			"%s names block %X but the stored block hashes to %X", source, blockID.Hash, got)
	}
	if err := cur.partsErr; err != nil {
		return nil, &MismatchError{Height: h, Check: "part set", Reason: fmt.Sprintf("part set: %v", err)}
	}
	if got := cur.parts; !got.Equals(blockID.PartSetHeader) {
		return nil, mismatch(h, "part set", blockID.PartSetHeader.Hash, got.Hash,
			"the block's parts hash to %X but %s names %X", got.Hash, source, blockID.PartSetHeader.Hash)
	}
	state := rp.state
	if isLast && state != nil && !state.LastBlockID.Equals(blockID) {
		return nil, mismatch(h, "block id", state.LastBlockID.Hash, blockID.Hash,
			"the stored consensus state names block %X as the last one, the chain %X", state.LastBlockID.Hash, blockID.Hash)
	}
	// The signatures themselves are verified in batches, on another core.
	if err := rp.sigs.add(rp.vals, blockID, h, commit, source); err != nil {
		return nil, err
	}

	// Rebuild FinalizeBlock exactly as CometBFT's BlockExecutor does.
	var lastCommit abci.CommitInfo
	if h != rp.initial {
		if block.LastCommit.Size() != rp.lastVals.Size() {
			return nil, &MismatchError{Height: h, Check: "last commit", Reason: fmt.Sprintf("last commit: %d signatures for %d validators", block.LastCommit.Size(), rp.lastVals.Size())}
		}
		lastCommit = sm.BuildLastCommitInfo(block, rp.lastVals, rp.initial)
	}
	res, err := rp.app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{
		Hash:               cur.hash,
		NextValidatorsHash: block.NextValidatorsHash,
		ProposerAddress:    block.ProposerAddress,
		Height:             block.Height,
		Time:               block.Time,
		DecidedLastCommit:  lastCommit,
		Misbehavior:        block.Evidence.Evidence.ToABCI(),
		Txs:                block.Txs.ToSliceOfBytes(),
	})
	if need, ok := errors.AsType[*app.UpgradeNeededError](err); ok {
		return nil, fmt.Errorf("replay stopped at height %d: blocks from height %d run protocol version %d (upgrade %q%s), "+
			"which this software does not know (it knows up to %d); heights %d..%d verified: replay with a release that supports protocol %d",
			h, need.Plan.Height, need.Plan.Version, need.Plan.Name, infoSuffix(need.Plan.Info), need.Supported, rp.initial, h-1, need.Plan.Version)
	}
	if err != nil {
		return nil, &MismatchError{Height: h, Check: "execution", Reason: fmt.Sprintf("execution: FinalizeBlock failed: %v", err)}
	}
	if len(res.TxResults) != len(block.Txs) {
		return nil, &MismatchError{Height: h, Check: "execution", Reason: fmt.Sprintf("execution: %d results for %d transactions", len(res.TxResults), len(block.Txs))}
	}
	if _, err := rp.app.Commit(ctx, &abci.RequestCommit{}); err != nil {
		return nil, fmt.Errorf("commit replayed block %d: %w", h, err)
	}
	results := types.NewResults(res.TxResults).Hash()
	if err := rp.advance(h, res); err != nil {
		return nil, &MismatchError{Height: h, Check: "validator updates", Reason: fmt.Sprintf("validator updates: %v", err)}
	}
	rp.lastResults = results
	if len(res.ValidatorUpdates) > 0 {
		cur.valChange = true
		// The state's proven validator records must be the set the
		// headers commit to from height h+2 (NextValidatorsHash of h+1).
		recorded, err := rp.app.RecordedValidators()
		if err == nil {
			err = sameSet(recorded, rp.nextVals)
		}
		if err != nil {
			return nil, &MismatchError{Height: h, Check: "validator records", Reason: fmt.Sprintf("validator records: after block %d: %v", h, err)}
		}
	}

	if next != nil {
		if nb := next.block; !bytes.Equal(nb.AppHash, res.AppHash) {
			return nil, mismatch(h, "app hash", nb.AppHash, res.AppHash,
				"replay computed %X, block %d's header records %X", res.AppHash, h+1, nb.AppHash)
		}
		if nb := next.block; !bytes.Equal(nb.LastResultsHash, results) {
			return nil, mismatch(h, "results hash", nb.LastResultsHash, results,
				"replayed results hash to %X, block %d's header records %X", results, h+1, nb.LastResultsHash)
		}
	}
	if isLast && state != nil {
		if !bytes.Equal(state.AppHash, res.AppHash) {
			return nil, mismatch(h, "app hash", state.AppHash, res.AppHash,
				"replay computed %X, the stored consensus state records %X", res.AppHash, state.AppHash)
		}
		if !bytes.Equal(state.LastResultsHash, results) {
			return nil, mismatch(h, "results hash", state.LastResultsHash, results,
				"replayed results hash to %X, the stored consensus state records %X", results, state.LastResultsHash)
		}
	}
	return res.AppHash, nil
}

// advance moves the validator sets and params on by one height, as
// CometBFT's updateState does.
func (rp *replayer) advance(h int64, res *abci.ResponseFinalizeBlock) error {
	nextNext := rp.nextVals.Copy()
	if len(res.ValidatorUpdates) > 0 {
		updates, err := types.PB2TM.ValidatorUpdates(res.ValidatorUpdates)
		if err != nil {
			return err
		}
		if err := nextNext.UpdateWithChangeSet(updates); err != nil {
			return err
		}
	}
	nextNext.IncrementProposerPriority(1)
	if res.ConsensusParamUpdates != nil {
		p := rp.params.Update(res.ConsensusParamUpdates)
		if err := p.ValidateBasic(); err != nil {
			return fmt.Errorf("consensus params: %w", err)
		}
		rp.params = p
		rp.paramsHash = p.Hash()
	}
	if res.ConsensusParamUpdates != nil {
		rp.appVersion = rp.params.Version.App
	}
	rp.lastVals = rp.vals
	rp.vals = rp.nextVals
	rp.nextVals = nextNext
	rp.valsHash = rp.nextValsHash
	if len(res.ValidatorUpdates) > 0 {
		rp.nextValsHash = nextNext.Hash()
	}
	return nil
}

// sameSet checks that the state's validator records are exactly set.
func sameSet(recorded []governance.Validator, set *types.ValidatorSet) error {
	vals := make([]*types.Validator, 0, len(recorded))
	for _, r := range recorded {
		pub, err := governance.ParseConsensusKey(r.PubKey)
		if err != nil {
			return err
		}
		vals = append(vals, types.NewValidator(pub, r.Power))
	}
	got := types.NewValidatorSet(vals)
	if !bytes.Equal(got.Hash(), set.Hash()) {
		return fmt.Errorf("the state records %d validators (hash %X), the headers' set has %d (hash %X)",
			got.Size(), got.Hash(), set.Size(), set.Hash())
	}
	return nil
}

func infoSuffix(info string) string {
	if info == "" {
		return ""
	}
	return ": " + info
}
