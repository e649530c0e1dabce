// Package app is the Publica ABCI application: it decodes and authenticates
// transactions, routes messages to the modules, and keeps the state in a
// versioned IAVL-shaped Merkle tree (package store) whose root is the app
// hash.
package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/internal/batch"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
	"github.com/publica/publica/x/governance"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/land"
)

// Version is the software version reported to CometBFT in Info; the
// protocol version (Info's AppVersion) is the committed state's, see
// governance.go.
const Version = "0.2.0"

var (
	keyChainID = []byte("app/chain_id")
)

// BlockTimeKey is the state key holding the time of block height: a
// block-time index that lets readers map a date to a height (module
// spells the key, so modules read it without importing the app).
func BlockTimeKey(height int64) []byte { return module.BlockTimeKey(height) }

// ChainIDKey is the state key holding the chain id.
func ChainIDKey() []byte { return keyChainID }

// App implements abci.Application. CometBFT's local client serialises all
// calls, so the fields below are only touched by one ABCI call at a time;
// mu additionally guards what readers outside ABCI (the portal) look at.
type App struct {
	abci.BaseApplication

	store   *store.Store
	modules []module.Module
	routes  map[string]module.MsgSpec
	auth    *authority.Module
	net     *governance.Module

	// maxProtocol, if set, caps the protocol versions this application
	// runs (LimitProtocol); committedVersion is the committed state's
	// protocol version; upgradeNeeded is set when an upgrade halted it.
	maxProtocol      uint64
	committedVersion atomic.Uint64
	upgradeNeeded    atomic.Pointer[UpgradeNeededError]

	mu      sync.RWMutex
	chainID string

	// pendingSeq is the next sequence CheckTx expects per account, for
	// transactions waiting in the mempool; reset at every Commit.
	pendingSeq map[string]uint64
	// admission is the node's mempool policy (admission.go); pendingCount
	// and pendingOpen count the waiting transactions of accounts without
	// a role, per account and in all; reset at every Commit, like
	// pendingSeq, and counted again as CometBFT rechecks the mempool.
	admission    Admission
	pendingCount map[string]int
	pendingOpen  int
	// block is the block being finalized, nil between Commit and the next
	// FinalizeBlock.
	block *blockState
	// lastBlockTime is the time of the last block executed, empty or not:
	// CheckTx's clock (state records only blocks with transactions).
	lastBlockTime atomic.Pointer[time.Time]
	// sigs are the transactions whose signatures are known to verify;
	// batcher verifies those of concurrent Preverify calls together.
	sigs    sigCache
	batcher *batch.Batcher[*tx.Tx] // Preverify's signature batches (sigcache.go)
	// snaps, when enabled, writes and serves state-sync snapshots
	// (statesync.go); snapshotErr is the last failure to write one.
	snaps       *snapshots
	snapshotErr atomic.Pointer[error]
	// readAheadMode says when blocks are read ahead (readahead.go).
	readAheadMode ReadAheadMode
	// readAheadWorkers is the read-ahead's reads in flight (0: the
	// default).
	readAheadWorkers int
	readAheadTxs     atomic.Int64
	keptAhead        atomic.Int64 // transactions whose run ahead the block kept
	readAheadFirst   bool         // tests: a block runs its transactions ahead before it executes them
	readAheadKeys    atomic.Int64
	// phase, when set, hears FinalizeBlock reach each of its phases
	// (phases.go): measurement only, never part of an outcome.
	phase          func(BlockPhase)
	precheckWaited time.Duration
	// procsRaised says the Go scheduler's processors were raised for
	// reading ahead (procs.go).
	procsRaised bool
}

type blockState struct {
	height  int64
	time    time.Time
	version uint64 // the protocol version the block runs
	// readAhead says whether the block is read ahead (readAheadOn,
	// decided once at its start).
	readAhead bool
}

// New builds the application over an opened store.
func New(st *store.Store) *App {
	auth := authority.New()
	ident := identity.New(auth.Keeper)
	net := governance.New(auth.Keeper)
	a := &App{
		store:      st,
		auth:       auth,
		net:        net,
		modules:    []module.Module{auth, land.New(auth.Keeper), ident, ballot.New(auth.Keeper, ident.Keeper), net},
		routes:     map[string]module.MsgSpec{},
		pendingSeq: map[string]uint64{},
		batcher:    newSigBatcher(),

		pendingCount: map[string]int{},
	}
	for _, m := range a.modules {
		for _, spec := range m.Messages() {
			if _, dup := a.routes[spec.Type]; dup {
				panic("app: message type registered twice: " + spec.Type)
			}
			a.routes[spec.Type] = spec
		}
	}
	if b := st.Working().Get(keyChainID); b != nil {
		a.chainID = string(b)
	}
	a.loadCommittedVersion()
	return a
}

// MessageTypes lists every message type the modules registered, sorted.
func (a *App) MessageTypes() []string {
	types := make([]string, 0, len(a.routes))
	for t := range a.routes {
		types = append(types, t)
	}
	slices.Sort(types)
	return types
}

// Store returns the underlying state store (read access for tools).
func (a *App) Store() *store.Store { return a.store }

// ChainID is the chain id recorded at genesis ("" before InitChain).
func (a *App) ChainID() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.chainID
}

// Info tells CometBFT where the application's state stands, so it can
// replay any blocks the application has not committed yet.
func (a *App) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	return &abci.ResponseInfo{
		Data:             "publica",
		Version:          Version,
		AppVersion:       a.Protocol(),
		LastBlockHeight:  a.store.Version(),
		LastBlockAppHash: a.store.Hash(),
	}, nil
}

// GenesisState is the app_state of genesis.json: one entry per module, and
// "state" for the shape of the state tree.
type GenesisState map[string]json.RawMessage

// GenesisStateKey names the app_state entry of the state tree's shape:
// {"split": KEY} keeps the state as two trees split at KEY (their writes,
// hashing and saving run on two cores; see package store); without it the
// state is one tree, as on chains made before the split existed.
const GenesisStateKey = "state"

// StateShape is the "state" entry of app_state.
type StateShape struct {
	Split string `json:"split"`
}

// InitChain writes the genesis state into the working tree. It is saved
// with the first block, whose header carries the hash returned here.
func (a *App) InitChain(_ context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	if a.store.Version() != 0 {
		return nil, fmt.Errorf("InitChain on a store already at height %d", a.store.Version())
	}
	if req.InitialHeight > 1 {
		a.store.SetInitialVersion(req.InitialHeight)
	}
	var gs GenesisState
	if err := json.Unmarshal(req.AppStateBytes, &gs); err != nil {
		return nil, fmt.Errorf("genesis app_state: %w", err)
	}
	var shape StateShape
	if raw, ok := gs[GenesisStateKey]; ok {
		if err := json.Unmarshal(raw, &shape); err != nil || shape.Split == "" {
			return nil, fmt.Errorf("genesis app_state.%s: want {\"split\": KEY}: %s", GenesisStateKey, raw)
		}
	}
	if err := a.store.SetSplit(shape.Split); err != nil {
		return nil, fmt.Errorf("genesis app_state.%s: %w", GenesisStateKey, err)
	}
	known := map[string]bool{GenesisStateKey: true}
	kv := a.store.Working()
	if err := genesisMigrations(kv, req); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	for _, m := range a.modules {
		known[m.Name()] = true
		if err := m.InitGenesis(kv, gs[m.Name()]); err != nil {
			return nil, fmt.Errorf("genesis of module %s: %w", m.Name(), err)
		}
	}
	for name := range gs {
		if !known[name] {
			return nil, fmt.Errorf("genesis app_state names unknown module %q", name)
		}
	}
	params, err := a.initGovernance(kv, req)
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	kv.Set(keyChainID, []byte(req.ChainId))
	a.mu.Lock()
	a.chainID = req.ChainId
	a.mu.Unlock()
	a.loadCommittedVersion()
	return &abci.ResponseInitChain{AppHash: a.store.WorkingHash(), ConsensusParams: params}, nil
}

// Commit saves the block's state as a new tree version.
func (a *App) Commit(context.Context, *abci.RequestCommit) (*abci.ResponseCommit, error) {
	if _, _, err := a.store.Commit(); err != nil {
		return nil, err
	}
	a.block = nil
	clear(a.pendingSeq)
	clear(a.pendingCount)
	a.pendingOpen = 0
	a.loadCommittedVersion()
	a.snapshotAfterCommit(a.store.Version())
	// Keep every block: auditors replay history from genesis.
	return &abci.ResponseCommit{RetainHeight: 0}, nil
}

// ExportGenesis returns the app_state of the latest committed version.
func (a *App) ExportGenesis() (GenesisState, error) {
	view, err := a.store.At(a.store.Version())
	if err != nil {
		return nil, err
	}
	gs := GenesisState{}
	if split := a.store.Split(); split != store.NoSplit {
		gs[GenesisStateKey], _ = json.Marshal(StateShape{Split: split})
	}
	for _, m := range a.modules {
		raw, err := m.ExportGenesis(view)
		if err != nil {
			return nil, fmt.Errorf("export module %s: %w", m.Name(), err)
		}
		gs[m.Name()] = raw
	}
	return gs, nil
}

func heightString(h int64) string { return strconv.FormatInt(h, 10) }
