package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	cmtdb "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/consensus"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/mempool"
	"github.com/cometbft/cometbft/privval"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/proxy"
	sm "github.com/cometbft/cometbft/state"
	cmtstore "github.com/cometbft/cometbft/store"
	"github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"

	"github.com/publica/publica/app"
	"github.com/publica/publica/audit"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
)

// ReplayOptions size the audit replay run: two stopped homes, one of
// empty blocks and one of land transfers, each replayed by audit.Replay.
type ReplayOptions struct {
	EmptyBlocks int // blocks of the empty chain (0 skips it)
	// Transfers land/transfer transactions (clerk, seller and buyer sign
	// each), PerBlock to a block, on a registry of as many parcels (0
	// skips the land chain).
	Transfers int
	PerBlock  int
	// Runs replays each home this many times (the figures of each run
	// are printed; the best is returned).
	Runs int
	// CPUProfile, when set, is where the first replay of each home writes
	// a CPU profile: CPUProfile + "." + the chain's name.
	CPUProfile string
}

// ReplayResult is one replay of one home.
type ReplayResult struct {
	Chain        string // "empty" or "land"
	Blocks       int64
	Transactions int64
	// Elapsed is the whole replay (opening the stores, InitChain, the
	// blocks, removing the throwaway state); BlockTime only the blocks
	// after the first (InitChain and genesis loading excluded).
	Elapsed, BlockTime time.Duration
	BlocksPerSec       float64 // over BlockTime
	TxPerSec           float64 // over BlockTime
	CPUPerBlock        time.Duration
	CPUPerTx           time.Duration // land chain only
	PeakRSSBytes       uint64
}

// Replay builds the homes (CometBFT's own block executor applies and
// stores each block, as a node does, without waiting between blocks) and
// times audit.Replay on each, stopped.
func Replay(w io.Writer, opts ReplayOptions) ([]ReplayResult, error) {
	dir, err := os.MkdirTemp("", "publica-replay-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	runs := max(1, opts.Runs)
	var out []ReplayResult
	type chain struct {
		name   string
		state  func() ([]byte, error)
		blocks func() [][][]byte
	}
	var chains []chain
	if opts.EmptyBlocks > 0 {
		chains = append(chains, chain{"empty", func() ([]byte, error) { return genesis.DevAppState(), nil },
			func() [][][]byte { return make([][][]byte, opts.EmptyBlocks) }})
	}
	if opts.Transfers > 0 {
		lo := LandOptions{Parcels: opts.Transfers, Transfers: opts.Transfers, PerBlock: opts.PerBlock, OneTransaction: true}
		sold := soldTitles(lo)
		chains = append(chains, chain{"land", func() ([]byte, error) { return landGenesis(lo, sold) },
			func() [][][]byte { return landBlocks(lo, sold) }})
	}
	for _, c := range chains {
		home := filepath.Join(dir, c.name)
		appState, err := c.state()
		if err != nil {
			return nil, err
		}
		start := time.Now()
		blocks := c.blocks()
		if err := BuildHome(home, appState, blocks); err != nil {
			return nil, fmt.Errorf("build the %s chain: %w", c.name, err)
		}
		fmt.Fprintf(w, "replay: %s chain of %d blocks built in %.1fs\n", c.name, len(blocks), time.Since(start).Seconds())
		var best *ReplayResult
		for run := range runs {
			profile := ""
			if run == 0 && opts.CPUProfile != "" {
				profile = opts.CPUProfile + "." + c.name
			}
			firstTxs := 0
			if len(blocks) > 0 {
				firstTxs = len(blocks[0])
			}
			r, err := replayOnce(home, c.name, profile, firstTxs)
			if err != nil {
				return nil, err
			}
			line := fmt.Sprintf("replay (%s chain): %d blocks, %d txs in %.2fs: %.0f blocks/s", r.Chain, r.Blocks, r.Transactions, r.Elapsed.Seconds(), r.BlocksPerSec)
			if r.Transactions > 0 {
				line += fmt.Sprintf(", %.0f tx/s, %s CPU per tx", r.TxPerSec, r.CPUPerTx.Round(time.Microsecond))
			}
			fmt.Fprintf(w, "%s (blocks after InitChain); %s CPU per block; peak RSS %d MiB\n", line, r.CPUPerBlock.Round(time.Microsecond), r.PeakRSSBytes>>20)
			if best == nil || r.BlockTime < best.BlockTime {
				best = r
			}
		}
		out = append(out, *best)
	}
	return out, nil
}

// replayOnce times audit.Replay of home.
func replayOnce(home, name, profile string, firstTxs int) (*ReplayResult, error) {
	resetPeakRSS()
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	var firstAt time.Time
	var firstCPU time.Duration
	start := time.Now()
	r, err := audit.Replay(context.Background(), home, func(done, _ int64) {
		if done == 1 {
			firstAt, firstCPU = time.Now(), processCPU()
		}
	})
	elapsed, end, cpu1 := time.Since(start), time.Now(), processCPU()
	if err != nil {
		return nil, fmt.Errorf("replay of the %s chain: %w", name, err)
	}
	blocks := r.Blocks - 1 // those after the first, timed from its end
	bt := end.Sub(firstAt)
	res := &ReplayResult{Chain: name, Blocks: r.Blocks, Transactions: r.Transactions, Elapsed: elapsed, BlockTime: bt,
		BlocksPerSec: float64(blocks) / bt.Seconds(), CPUPerBlock: (cpu1 - firstCPU) / time.Duration(max(1, blocks)), PeakRSSBytes: peakRSS()}
	if txs := r.Transactions - int64(firstTxs); txs > 0 {
		res.TxPerSec = float64(txs) / bt.Seconds()
		res.CPUPerTx = (cpu1 - firstCPU) / time.Duration(txs)
	}
	return res, nil
}

// BuildHome makes a stopped single-validator home in home whose chain is
// genesis (with appState) and then one block per entry of blocks holding
// those transactions, every one of which must succeed. Each block is made,
// signed by the home's validator key, stored and applied by CometBFT's
// own code (the state's MakeBlock, the block store, the handshake and the
// block executor), as a running node does, but one block after another
// without consensus rounds, and the last block's commit is stored as the
// seen commit. Blocks are one second apart from the genesis time. Nothing
// waits for the disk (the home is rebuilt if the machine crashes).
func BuildHome(home string, appState []byte, blocks [][][]byte) error {
	if err := node.Init(home, node.InitOptions{ChainID: genesis.DevChainID, AppState: appState, BlockInterval: time.Second}); err != nil {
		return err
	}
	conf, err := node.LoadConfig(home)
	if err != nil {
		return err
	}
	gen, err := types.GenesisDocFromFile(conf.GenesisFile())
	if err != nil {
		return err
	}
	var dbs []cmtdb.DB
	defer func() {
		for _, db := range dbs {
			db.Close()
		}
	}()
	for _, name := range []string{"blockstore", "state"} {
		db, err := cmtdb.NewGoLevelDB(name, conf.DBDir())
		if err != nil {
			return err
		}
		dbs = append(dbs, noSyncDB{db})
	}
	blockStore := cmtstore.NewBlockStore(dbs[0])
	stateStore := sm.NewStore(dbs[1], sm.StoreOptions{})
	state, err := sm.MakeGenesisState(gen)
	if err != nil {
		return err
	}
	opts := store.DefaultOptions()
	opts.NoSync = true
	st, err := store.Open(node.AppDBDir(home), dbm.PebbleDBBackend, opts)
	if err != nil {
		return err
	}
	defer st.Close()
	conns := proxy.NewAppConns(proxy.NewLocalClientCreator(app.New(st)), proxy.NopMetrics())
	if err := conns.Start(); err != nil {
		return err
	}
	defer conns.Stop()
	if err := consensus.NewHandshaker(stateStore, state, blockStore, gen).Handshake(conns); err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	if state, err = stateStore.Load(); err != nil {
		return err
	}
	exec := sm.NewBlockExecutor(stateStore, cmtlog.NewNopLogger(), conns.Consensus(), &mempool.NopMempool{}, sm.EmptyEvidencePool{}, blockStore)
	pv := privval.LoadFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
	signer := []types.PrivValidator{types.NewMockPVWithParams(pv.Key.PrivKey, false, false)}
	lastCommit := &types.Commit{}
	for _, raw := range blocks {
		txs := make([]types.Tx, len(raw))
		for i, t := range raw {
			txs[i] = t
		}
		h := state.LastBlockHeight + 1
		if h == 1 && state.InitialHeight > 1 {
			h = state.InitialHeight
		}
		block, err := state.MakeBlock(h, txs, lastCommit, nil, state.Validators.GetProposer().Address)
		if err != nil {
			return err
		}
		parts, err := block.MakePartSet(types.BlockPartSizeBytes)
		if err != nil {
			return err
		}
		id := types.BlockID{Hash: block.Hash(), PartSetHeader: parts.Header()}
		votes := types.NewVoteSet(gen.ChainID, h, 0, cmtproto.PrecommitType, state.Validators)
		ext, err := types.MakeExtCommit(id, h, 0, votes, signer, gen.GenesisTime.Add(time.Duration(h)*time.Second), false)
		if err != nil {
			return err
		}
		lastCommit = ext.ToCommit()
		blockStore.SaveBlock(block, parts, lastCommit)
		if state, err = exec.ApplyBlock(state, id, block); err != nil {
			return fmt.Errorf("block %d: %w", h, err)
		}
		if err := refusals(stateStore, h); err != nil {
			return err
		}
	}
	return nil
}

// refusals fails if a transaction of block h was refused: a bench chain
// replays only what succeeded.
func refusals(ss sm.Store, h int64) error {
	res, err := ss.LoadFinalizeBlockResponse(h)
	if err != nil {
		return err
	}
	for i, r := range res.TxResults {
		if r.Code != 0 {
			return fmt.Errorf("block %d transaction %d refused: %s", h, i, r.Log)
		}
	}
	return nil
}

// noSyncDB writes without waiting for the disk: building a bench home.
type noSyncDB struct{ cmtdb.DB }

func (d noSyncDB) SetSync(k, v []byte) error { return d.DB.Set(k, v) }
func (d noSyncDB) DeleteSync(k []byte) error { return d.DB.Delete(k) }
func (d noSyncDB) NewBatch() cmtdb.Batch     { return noSyncBatch{d.DB.NewBatch()} }
func (d noSyncDB) Close() error              { return d.DB.Close() }

type noSyncBatch struct{ cmtdb.Batch }

func (b noSyncBatch) WriteSync() error { return b.Batch.Write() }
