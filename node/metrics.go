package node

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	abcicli "github.com/cometbft/cometbft/abci/client"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/blocksync"
	cfg "github.com/cometbft/cometbft/config"
	cs "github.com/cometbft/cometbft/consensus"
	mempl "github.com/cometbft/cometbft/mempool"
	nm "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/proxy"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/statesync"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/publica/publica/app"
	"github.com/publica/publica/tx"
)

// DefaultMetricsAddr is where a node serves its Prometheus metrics (its
// own and CometBFT's) unless config.toml says otherwise: loopback only,
// CometBFT's usual port.
const DefaultMetricsAddr = "127.0.0.1:26660"

// The application's metrics, registered once per process with the
// default registry, which CometBFT's metrics server exposes.
var (
	txsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "publica", Name: "txs_total",
		Help: "Transactions executed in blocks, by module, message type and result code (0 = accepted).",
	}, []string{"module", "type", "code"})
	ballotsCast = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "publica", Name: "ballots_cast_total",
		Help: "Ballots accepted into blocks.",
	})
	blockExecSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "publica", Name: "block_execution_seconds",
		Help:    "Time the application takes to execute a block (FinalizeBlock).",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
	})
	blockTxs = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "publica", Name: "block_txs",
		Help:    "Transactions per block.",
		Buckets: prometheus.ExponentialBuckets(1, 4, 8),
	})
	storeCommitSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "publica", Name: "store_commit_seconds",
		Help:    "Time the application takes to commit a block's state to disk (Commit).",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
	})
	// The latest tree's log beyond its snapshot (what a restart replays)
	// and the rewrites held back for want of disk: an operator's early
	// warning that the disk is too small for the state (docs/state.md).
	storeLogBytes = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "publica", Name: "store_log_bytes",
		Help: "Bytes of the latest state's log beyond its snapshot: what a restart replays.",
	})
	storeLogVersions = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "publica", Name: "store_log_versions",
		Help: "Blocks in the latest state's log beyond its snapshot.",
	})
	storeRewritesHeldBack = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "publica", Name: "store_snapshot_rewrites_held_back",
		Help: "Snapshot rewrites due but held back since the node started because the disk had no room for a second snapshot.",
	})
	storeRewritesAsLayers = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "publica", Name: "store_snapshot_rewrites_as_layers",
		Help: "Snapshot rewrites since the node started written as layers because the disk had no room to write a tree whole.",
	})
	storeRewritesFailed = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "publica", Name: "store_snapshot_rewrites_failed",
		Help: "Snapshot rewrites since the node started that could not write their snapshot (the node log says why).",
	})
	// What the latest state's snapshots take: a node runs from memory
	// while the bytes fit (docs/state.md), and the layers are what a
	// whole rewrite will next fold back into one snapshot.
	storeSnapshotBytes = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "publica", Name: "store_snapshot_bytes",
		Help: "Bytes of the latest state's snapshot files, layers included: what its reads need in the page cache.",
	})
	storeSnapshotLayers = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "publica", Name: "store_snapshot_layers",
		Help: "Layers the latest state's snapshot has over its base.",
	})
	registerAppMetrics sync.Once
)

// meteredCreator connects CometBFT to the application through next and
// takes the application's metrics at the ABCI boundary: block execution
// and commit time, transactions by type and result.
type meteredCreator struct {
	next  proxy.ClientCreator
	app   *app.App
	types map[string]bool // registered message types (bounded label values)
}

func newMeteredCreator(next proxy.ClientCreator, a *app.App) proxy.ClientCreator {
	registerAppMetrics.Do(func() {
		prometheus.MustRegister(txsTotal, ballotsCast, blockExecSeconds, blockTxs, storeCommitSeconds,
			storeLogBytes, storeLogVersions, storeRewritesHeldBack, storeRewritesAsLayers, storeRewritesFailed, storeSnapshotBytes, storeSnapshotLayers)
	})
	m := meteredCreator{next: next, app: a, types: map[string]bool{}}
	for _, t := range a.MessageTypes() {
		m.types[t] = true
	}
	return m
}

func (m meteredCreator) NewABCIClient() (abcicli.Client, error) {
	c, err := m.next.NewABCIClient()
	if err != nil {
		return nil, err
	}
	return &meteredClient{Client: c, app: m.app, types: m.types}, nil
}

type meteredClient struct {
	abcicli.Client
	app   *app.App
	types map[string]bool
}

func (m *meteredClient) FinalizeBlock(ctx context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	start := time.Now()
	resp, err := m.Client.FinalizeBlock(ctx, req)
	if err != nil {
		return resp, err
	}
	blockExecSeconds.Observe(time.Since(start).Seconds())
	blockTxs.Observe(float64(len(req.Txs)))
	for i, raw := range req.Txs {
		if i >= len(resp.TxResults) {
			break
		}
		mod, typ := m.label(raw)
		code := resp.TxResults[i].Code
		txsTotal.WithLabelValues(mod, typ, strconv.FormatUint(uint64(code), 10)).Inc()
		if typ == "ballot/cast" && code == 0 {
			ballotsCast.Inc()
		}
	}
	return resp, nil
}

func (m *meteredClient) Commit(ctx context.Context, req *abci.RequestCommit) (*abci.ResponseCommit, error) {
	start := time.Now()
	resp, err := m.Client.Commit(ctx, req)
	if err == nil {
		storeCommitSeconds.Observe(time.Since(start).Seconds())
		st := m.app.Store()
		_, grown := st.LatestSnapshot()
		storeLogBytes.Set(float64(grown.Bytes))
		storeLogVersions.Set(float64(grown.Versions))
		storeRewritesHeldBack.Set(float64(st.RewritesHeldBack()))
		storeRewritesAsLayers.Set(float64(st.RewritesAsLayers()))
		storeRewritesFailed.Set(float64(st.RewritesFailed()))
		storeSnapshotBytes.Set(float64(st.SnapshotBytes()))
		storeSnapshotLayers.Set(float64(st.SnapshotLayers()))
	}
	return resp, err
}

// label is a transaction's module and message type; anything that does
// not decode to a registered type is "unknown", so a sender cannot make
// new label values.
func (m *meteredClient) label(raw []byte) (module, typ string) {
	t, err := tx.Decode(raw)
	if err != nil || !m.types[t.MsgType] {
		return "unknown", "unknown"
	}
	module, _, _ = strings.Cut(t.MsgType, "/")
	return module, t.MsgType
}

// cometMetrics are CometBFT's metrics per chain, made once per process:
// CometBFT registers them with the default registry, which refuses a
// second set, so nodes started one after another in one process (tests,
// a restart) share them.
var cometMetrics = struct {
	sync.Mutex
	byChain map[string]*cometSet
}{byChain: map[string]*cometSet{}}

type cometSet struct {
	cs        *cs.Metrics
	p2p       *p2p.Metrics
	mempool   *mempl.Metrics
	state     *sm.Metrics
	proxy     *proxy.Metrics
	blocksync *blocksync.Metrics
	statesync *statesync.Metrics
}

func metricsProvider(conf *cfg.InstrumentationConfig) nm.MetricsProvider {
	def := nm.DefaultMetricsProvider(conf)
	if !conf.Prometheus {
		return def
	}
	return func(chainID string) (*cs.Metrics, *p2p.Metrics, *mempl.Metrics, *sm.Metrics, *proxy.Metrics, *blocksync.Metrics, *statesync.Metrics) {
		cometMetrics.Lock()
		defer cometMetrics.Unlock()
		m, ok := cometMetrics.byChain[chainID]
		if !ok && len(cometMetrics.byChain) > 0 {
			// CometBFT's collectors take the chain id as a label value, not
			// a name: a second chain in one process (tests only; a node
			// runs one chain) cannot register its own set, so it shares
			// the first chain's (labelled with that chain's id) rather
			// than panic on the duplicate registration.
			for _, first := range cometMetrics.byChain {
				m, ok = first, true
			}
		}
		if !ok {
			m = &cometSet{}
			m.cs, m.p2p, m.mempool, m.state, m.proxy, m.blocksync, m.statesync = def(chainID)
			cometMetrics.byChain[chainID] = m
		}
		return m.cs, m.p2p, m.mempool, m.state, m.proxy, m.blocksync, m.statesync
	}
}
