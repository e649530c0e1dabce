package node

import (
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	cmtdb "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
	cmtflags "github.com/cometbft/cometbft/libs/cli/flags"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	nm "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	dbm "github.com/cosmos/cosmos-db"

	"github.com/publica/publica/app"
	"github.com/publica/publica/store"
)

// Options for running a node.
type Options struct {
	// Store tunes the state tree (pruning, cache).
	Store store.Options
	// Log receives CometBFT's log; nil discards it.
	Log io.Writer
	// LogLevel is CometBFT's log level filter, e.g. "info" or "*:error".
	LogLevel string
	// StallAfter is how long without a new block makes Health report
	// consensus stalled; 0 means DefaultStallAfter, negative never.
	StallAfter time.Duration
	// MaxProtocol, if not 0, makes the application behave as a release
	// that knows protocol versions up to MaxProtocol only
	// (app.LimitProtocol): for rehearsing upgrades.
	MaxProtocol uint64
	// SnapshotInterval, if not 0, writes a state-sync snapshot every so
	// many heights into data/snapshots, keeping SnapshotKeep of them
	// (default 2), for new nodes to join from (docs/network.md).
	SnapshotInterval uint64
	SnapshotKeep     int
	// Admission is the node's mempool admission policy (quotas, the
	// registration's proof of work, role holders first); nil means
	// app.DefaultAdmission.
	Admission *app.Admission
}

// DefaultSnapshotInterval: a snapshot is a whole copy of the state, so
// not often; at the empty-block heartbeat (30 s) 10,000 heights is about
// three and a half days, and a joining node replays at most that many
// blocks after restoring.
const DefaultSnapshotInterval = 10_000

// SnapshotDir is where a node keeps its state-sync snapshots.
func SnapshotDir(home string) string { return filepath.Join(home, "data", "snapshots") }

// Node is a running CometBFT node with the Publica application.
type Node struct {
	Config *cfg.Config
	App    *app.App
	Comet  *nm.Node
	store  *store.Store
	// IndexRepaired lists the heights whose transaction index entries were
	// missing at start-up and were indexed again from the block store.
	IndexRepaired []int64

	dbs    *openDBs
	health *healthState

	stopOnce sync.Once
	stopErr  error
}

// AppDBDir is where the application state database lives in a home.
func AppDBDir(home string) string { return filepath.Join(home, "data") }

// Start opens the home's stores, starts CometBFT and returns once the node
// is running (CometBFT has replayed any blocks the app had not committed).
func Start(home string, opts Options) (*Node, error) {
	conf, err := LoadConfig(home)
	if err != nil {
		return nil, err
	}
	// Before CometBFT opens them: restore index entries a crash lost.
	repaired, err := RepairIndex(home, IndexCheckDepth)
	if err != nil {
		return nil, fmt.Errorf("check transaction index: %w", err)
	}
	stallAfter := opts.StallAfter
	if stallAfter == 0 {
		stallAfter = DefaultStallAfter(conf.Consensus)
	}
	health := newHealthState(max(stallAfter, 0), time.Now())
	var logger cmtlog.Logger = cmtlog.NewNopLogger()
	if opts.Log != nil {
		logger = cmtlog.NewTMLogger(cmtlog.NewSyncWriter(opts.Log))
		level := opts.LogLevel
		if level == "" {
			level = conf.LogLevel
		}
		if logger, err = cmtflags.ParseLogLevel(level, logger, cfg.DefaultLogLevel); err != nil {
			return nil, fmt.Errorf("log level: %w", err)
		}
	}
	logger = watchLogger{next: logger, fault: health.fault}
	storeOpts := opts.Store
	if storeOpts.Logger == nil {
		storeOpts.Logger = logger.With("module", "state")
	}
	st, err := store.Open(AppDBDir(home), dbm.PebbleDBBackend, storeOpts)
	if err != nil {
		return nil, err
	}
	application := app.New(st)
	application.LimitProtocol(opts.MaxProtocol)
	admission := app.DefaultAdmission
	if opts.Admission != nil {
		admission = *opts.Admission
	}
	application.SetAdmission(admission)
	// Any node can restore a snapshot (state sync decides whether it
	// asks for one); it writes them only with an interval.
	application.EnableSnapshots(SnapshotDir(home), opts.SnapshotInterval, max(opts.SnapshotKeep, 2))
	if err := application.CheckSupported(); err != nil {
		st.Close()
		return nil, err
	}
	nodeKey, err := p2p.LoadNodeKey(conf.NodeKeyFile())
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("node key: %w", err)
	}
	dbs := &openDBs{}
	pv := privval.LoadFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
	n, err := nm.NewNode(conf, pv, nodeKey,
		newMeteredCreator(newClientCreator(application), application),
		nm.DefaultGenesisDocProviderFunc(conf),
		dbs.provide,
		metricsProvider(conf.Instrumentation),
		logger)
	if err != nil {
		dbs.closeAll()
		st.Close()
		return nil, fmt.Errorf("create node: %w", err)
	}
	if err := n.Start(); err != nil {
		// NewNode has started the event bus, the indexer and the app's
		// connections, and OnStart may have opened servers before the
		// step that failed (a port in use): stop them and close every
		// database, so that the home can be started again in this process.
		n.OnStop()
		_ = n.ProxyApp().Stop()
		dbs.closeAll()
		st.Close()
		return nil, fmt.Errorf("start node: %w", err)
	}
	health.watch(time.Second, n.BlockStore().Height)
	return &Node{Config: conf, App: application, Comet: n, store: st, dbs: dbs, health: health, IndexRepaired: repaired}, nil
}

// Stop stops CometBFT, waits for it, then closes the application state.
// It is safe to call more than once.
func (n *Node) Stop() error {
	n.stopOnce.Do(func() {
		n.health.stopWatching()
		if n.Comet.IsRunning() {
			if err := n.Comet.Stop(); err != nil {
				n.stopErr = err
				return
			}
		}
		n.Comet.Wait()
		n.dbs.closeAll()
		n.stopErr = n.store.Close()
	})
	return n.stopErr
}

// RPCAddress is the CometBFT RPC listen address (tcp://host:port).
func (n *Node) RPCAddress() string { return n.Config.RPC.ListenAddress }

// openDBs remembers every database CometBFT opens. CometBFT v0.38 does not
// close the transaction index database on stop, which keeps its file lock
// and prevents starting the node again in the same process. Each is
// wrapped in a stoppingDB: CometBFT closes the block store while some of
// its goroutines may still read it (see stoppingDB).
type openDBs struct {
	mu  sync.Mutex
	dbs []cmtdb.DB
}

func (o *openDBs) provide(ctx *cfg.DBContext) (cmtdb.DB, error) {
	db, err := cfg.DefaultDBProvider(ctx)
	if err != nil {
		return nil, err
	}
	s := newStoppingDB(db)
	o.mu.Lock()
	o.dbs = append(o.dbs, s)
	o.mu.Unlock()
	return s, nil
}

// closeAll closes the databases; those CometBFT already closed are left
// alone.
func (o *openDBs) closeAll() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, db := range o.dbs {
		_ = db.Close()
	}
	o.dbs = nil
}

// MetricsAddress is where Prometheus metrics are served (host:port), or ""
// when they are off.
func (n *Node) MetricsAddress() string {
	if !n.Config.Instrumentation.Prometheus {
		return ""
	}
	return n.Config.Instrumentation.PrometheusListenAddr
}
