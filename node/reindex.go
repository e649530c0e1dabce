package node

import (
	"errors"
	"fmt"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/state/indexer"
	blockidx "github.com/cometbft/cometbft/state/indexer/block"
	"github.com/cometbft/cometbft/state/txindex"
	cmtstore "github.com/cometbft/cometbft/store"
	"github.com/cometbft/cometbft/types"
)

// IndexCheckDepth is how many of the latest heights Start checks against
// the transaction index. CometBFT indexes a block's transactions after
// the block is committed, so a crash (kill -9, power loss) can lose the
// index entries of the last block or two while the block and its results
// are safe; looking further back costs little.
const IndexCheckDepth = 100

// indexes is a stopped home's block store, state store and event
// indexers, opened together (CometBFT's own databases, as the node opens
// them).
type indexes struct {
	dbs    openDBs
	blocks *cmtstore.BlockStore
	state  sm.Store
	txs    txindex.TxIndexer
	events indexer.BlockIndexer
	last   int64 // the last height the application executed
	base   int64 // the first height the block store holds
}

func openIndexes(conf *cfg.Config) (ix *indexes, err error) {
	if strings.ToLower(conf.TxIndex.Indexer) != "kv" {
		return nil, fmt.Errorf("transaction indexer is %q in config.toml; only \"kv\" can be rebuilt", conf.TxIndex.Indexer)
	}
	opened := &indexes{}
	ix = opened
	defer func() {
		if err != nil {
			opened.close()
		}
	}()
	blockDB, err := ix.dbs.provide(&cfg.DBContext{ID: "blockstore", Config: conf})
	if err != nil {
		return nil, lockHint(err)
	}
	stateDB, err := ix.dbs.provide(&cfg.DBContext{ID: "state", Config: conf})
	if err != nil {
		return nil, lockHint(err)
	}
	ix.blocks = cmtstore.NewBlockStore(blockDB)
	ix.state = sm.NewStore(stateDB, sm.StoreOptions{DiscardABCIResponses: conf.Storage.DiscardABCIResponses})
	st, err := ix.state.Load()
	if err != nil {
		return nil, err
	}
	ix.txs, ix.events, err = blockidx.IndexerFromConfig(conf, ix.dbs.provide, st.ChainID)
	if err != nil {
		return nil, lockHint(err)
	}
	ix.last, ix.base = st.LastBlockHeight, ix.blocks.Base()
	return ix, nil
}

func (ix *indexes) close() { ix.dbs.closeAll() }

// lockHint explains the usual reason a database will not open.
func lockHint(err error) error {
	if strings.Contains(err.Error(), "resource temporarily unavailable") {
		return fmt.Errorf("%w (is the node still running?)", err)
	}
	return err
}

// missing reports whether height's transactions or block events are absent
// from the index.
func (ix *indexes) missing(height int64) (bool, error) {
	block := ix.blocks.LoadBlock(height)
	if block == nil {
		return false, fmt.Errorf("block %d is not in the block store", height)
	}
	for _, tx := range block.Txs {
		res, err := ix.txs.Get(tx.Hash())
		if err != nil {
			return false, err
		}
		if res == nil {
			return true, nil
		}
	}
	has, err := ix.events.Has(height)
	return !has, err
}

// reindex indexes height again from the block store and the results the
// application returned for it, as CometBFT's indexer service does.
func (ix *indexes) reindex(height int64) error {
	block := ix.blocks.LoadBlock(height)
	if block == nil {
		return fmt.Errorf("block %d is not in the block store", height)
	}
	resp, err := ix.state.LoadFinalizeBlockResponse(height)
	if err != nil {
		return fmt.Errorf("results of block %d: %w", height, err)
	}
	if len(resp.TxResults) != len(block.Txs) {
		return fmt.Errorf("block %d has %d transactions but %d results", height, len(block.Txs), len(resp.TxResults))
	}
	if len(block.Txs) > 0 {
		batch := txindex.NewBatch(int64(len(block.Txs)))
		for i, res := range resp.TxResults {
			if err := batch.Add(&abci.TxResult{Height: height, Index: uint32(i), Tx: block.Txs[i], Result: *res}); err != nil {
				return err
			}
		}
		if err := ix.txs.AddBatch(batch); err != nil {
			return fmt.Errorf("index transactions of block %d: %w", height, err)
		}
	}
	if err := ix.events.Index(types.EventDataNewBlockEvents{Height: height, Events: resp.Events, NumTxs: int64(len(block.Txs))}); err != nil {
		return fmt.Errorf("index events of block %d: %w", height, err)
	}
	return nil
}

// Reindex rebuilds the transaction and block-event index of heights
// from..to (inclusive; 0 means the first or last height available) of the
// stopped node in home, and returns the range it indexed.
func Reindex(home string, from, to int64) (int64, int64, error) {
	conf, err := LoadConfig(home)
	if err != nil {
		return 0, 0, err
	}
	ix, err := openIndexes(conf)
	if err != nil {
		return 0, 0, err
	}
	defer ix.close()
	if ix.last == 0 {
		return 0, 0, errors.New("the chain has no blocks yet")
	}
	if from == 0 {
		from = ix.base
	}
	if to == 0 {
		to = ix.last
	}
	switch {
	case from < ix.base || from > ix.last:
		return 0, 0, fmt.Errorf("--from %d is outside the heights this node holds (%d..%d)", from, ix.base, ix.last)
	case to < from || to > ix.last:
		return 0, 0, fmt.Errorf("--to %d is outside %d..%d", to, from, ix.last)
	}
	for h := from; h <= to; h++ {
		if err := ix.reindex(h); err != nil {
			return 0, 0, err
		}
	}
	return from, to, nil
}

// RepairIndex finds, among the last depth heights of the stopped node in
// home, those missing from the transaction or block-event index, indexes
// them again, and returns them (ascending). A home whose indexer is not
// "kv" is left alone.
func RepairIndex(home string, depth int64) ([]int64, error) {
	conf, err := LoadConfig(home)
	if err != nil {
		return nil, err
	}
	if strings.ToLower(conf.TxIndex.Indexer) != "kv" {
		return nil, nil
	}
	ix, err := openIndexes(conf)
	if err != nil {
		return nil, err
	}
	defer ix.close()
	var repaired []int64
	for h := max(ix.base, ix.last-depth+1, 1); h <= ix.last; h++ {
		miss, err := ix.missing(h)
		if err != nil {
			return repaired, err
		}
		if !miss {
			continue
		}
		if err := ix.reindex(h); err != nil {
			return repaired, err
		}
		repaired = append(repaired, h)
	}
	return repaired, nil
}
