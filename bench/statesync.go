package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/client"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/node"
	"github.com/publica/publica/x/land"
)

// StateSyncOptions size the state sync join run: a validator whose state
// holds a land register serves a snapshot, and a new node joins from it.
type StateSyncOptions struct {
	Parcels int    // parcels in state, each on its own title with its owner's account
	Dir     string // parent of the two homes (default: the system's temporary directory)
	// BlockInterval is the validator's pause between blocks (default 1 s;
	// it makes a block every interval, empty or not).
	BlockInterval time.Duration
	// DiscoveryTime is how long the joining node gathers snapshots
	// before offering one (CometBFT's statesync.discovery_time; default
	// and least 5 s).
	DiscoveryTime time.Duration
	// Chunk is how many parcels each loading step builds (GrowthOptions.Chunk).
	Chunk int
	// Rate, if not 0, is both nodes' p2p send_rate and recv_rate in
	// bytes a second (publica init keeps CometBFT's 5,120,000): a
	// snapshot crosses one peer connection, at most this fast.
	Rate int64
	// CPUProfile, if set, is where the joining node's CPU profile is
	// written, from the snapshot's offer to the first block after it, in
	// windows of a few seconds: CPUProfile.0, .1, … (go tool pprof
	// takes them together).
	CPUProfile string
	// Node makes the command that runs a node in home until SIGTERM,
	// writing a snapshot every interval heights (0: none) and CometBFT's
	// log at logLevel on stderr; nil runs this executable's start
	// (publica start).
	Node func(home string, interval uint64, logLevel string) *exec.Cmd
}

// StateSyncResult holds the run's figures. The join's stages are times
// since the joining node's process started.
type StateSyncResult struct {
	Parcels    int
	Rate       int64         // the nodes' p2p send and receive rate, bytes a second
	Setup      time.Duration // building the validator's home (register built, sorted, imported)
	StateBytes int64         // the validator's state on disk before it started

	SnapshotHeight int64
	SnapshotWrite  time.Duration // the validator writing its snapshot (store.View.Export, compression, files)
	Chunks         int
	SnapshotBytes  int64 // the chunks, as sent

	Offered   time.Duration // the snapshot offered to the application (after CometBFT's discovery)
	Fetched   time.Duration // the last chunk received and kept (all bytes transferred)
	Restored  time.Duration // the state rebuilt and its root checked against the verified app hash (ABCI)
	Synced    time.Duration // CometBFT's state sync done (light client's state and commit stored)
	Verified  time.Duration // the first block after the snapshot applied (block sync, signatures checked)
	Served    time.Duration // a title read with a proof verified against a light-client header
	JoinCPU   time.Duration // the joining node's CPU (user + system) until the proven read
	JoinRSS   uint64        // its peak resident memory
	JoinDisk  int64         // its home on disk after the join
	ProofSize int
}

// stateSyncHeight is the height the validator's snapshot is taken at:
// its register is imported four heights before, so the snapshot is due
// at its fourth block, and its interval (this height) makes no second one
// while the new node joins.
const stateSyncHeight = 1_000_000

// StateSync builds a validator home whose state holds opts.Parcels
// parcels, titles and owners' accounts (the land growth register,
// imported as the state a chain starts from: genesis.json names its
// height and app hash), starts it with snapshots, then starts a new node
// (publica init --join's home) that joins by CometBFT state sync from a
// block the validator served, and times each stage until the new node
// answers a proven read.
func StateSync(w io.Writer, opts StateSyncOptions) (*StateSyncResult, error) {
	if opts.Parcels <= 0 {
		return nil, errors.New("state sync: no parcels")
	}
	if opts.Rate < 0 {
		return nil, fmt.Errorf("state sync: p2p rate %d bytes a second is negative (0 keeps CometBFT's)", opts.Rate)
	}
	if opts.BlockInterval <= 0 {
		opts.BlockInterval = time.Second
	}
	if opts.DiscoveryTime < 5*time.Second {
		opts.DiscoveryTime = 5 * time.Second
	}
	if opts.Node == nil {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		opts.Node = func(home string, interval uint64, logLevel string) *exec.Cmd {
			return exec.Command(exe, "start", "--home", home, "--portal", "", "--log-level", logLevel,
				"--snapshot-interval", strconv.FormatUint(interval, 10))
		}
	}
	dir, err := os.MkdirTemp(opts.Dir, "publica-statesync-")
	if err != nil {
		return nil, err
	}
	defer removeRetry(dir)
	res := &StateSyncResult{Parcels: opts.Parcels, SnapshotHeight: stateSyncHeight}
	n := opts.Parcels

	// The validator: a development home whose state is the register.
	setup := time.Now()
	server := filepath.Join(dir, "validator")
	serverRPC, serverP2P := freeAddr(), freeAddr()
	if err := node.Init(server, node.InitOptions{ChainID: genesis.DevChainID, AppState: genesis.DevAppState(),
		BlockInterval: opts.BlockInterval, EmptyBlockInterval: -1, RPCAddr: "tcp://" + serverRPC, P2PAddr: "tcp://" + serverP2P, MetricsAddr: "off"}); err != nil {
		return nil, err
	}
	sconf, err := node.LoadConfig(server)
	if err != nil {
		return nil, err
	}
	if opts.Rate > 0 {
		sconf.P2P.SendRate, sconf.P2P.RecvRate = opts.Rate, opts.Rate
		if err := node.WriteConfig(sconf); err != nil {
			return nil, err
		}
	}
	doc, err := types.GenesisDocFromFile(sconf.GenesisFile())
	if err != nil {
		return nil, err
	}
	vals := make([]*types.Validator, len(doc.Validators))
	for i, v := range doc.Validators {
		vals[i] = types.NewValidator(v.PubKey, v.Power)
	}
	params := doc.ConsensusParams.ToProto()
	init := &abci.RequestInitChain{Time: doc.GenesisTime, ChainId: doc.ChainID, InitialHeight: 1, ConsensusParams: &params,
		Validators: types.TM2PB.ValidatorUpdates(types.NewValidatorSet(vals)), AppStateBytes: doc.AppState}
	version := int64(stateSyncHeight - 4)
	hash, err := buildRegister(w, "register", node.AppDBDir(server), n, GrowthOptions{Chunk: opts.Chunk}, init, init.Time, version)
	if err != nil {
		return nil, err
	}
	doc.InitialHeight, doc.AppHash = version+1, hash
	if err := node.WriteGenesis(sconf, doc); err != nil {
		return nil, err
	}
	if err := saveGenesisState(sconf, doc); err != nil {
		return nil, err
	}
	syscall.Sync()
	res.Setup = time.Since(setup)
	res.StateBytes = diskSize(node.AppDBDir(server))
	fmt.Fprintf(w, "state sync: %d parcels: validator home built in %.0fs, state %.2f GB, chain starts at height %d\n",
		n, res.Setup.Seconds(), float64(res.StateBytes)/1e9, version+1)

	// The validator runs and writes its snapshot.
	srv, err := startProcess(opts.Node(server, stateSyncHeight, "*:error"), nil)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	snapDir := filepath.Join(node.SnapshotDir(server), strconv.Itoa(stateSyncHeight))
	var began time.Time
	for {
		if _, err := os.Stat(snapDir); err == nil {
			break
		}
		if began.IsZero() {
			if _, err := os.Stat(snapDir + ".tmp"); err == nil {
				began = time.Now()
			}
		}
		if err := srv.exited(); err != nil {
			return nil, fmt.Errorf("validator stopped before its snapshot: %w\n%s", err, srv.tail())
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.SnapshotWrite = time.Since(began)
	var meta struct{ Chunks [][]byte }
	if b, err := os.ReadFile(filepath.Join(snapDir, "meta.json")); err != nil || json.Unmarshal(b, &meta) != nil {
		return nil, fmt.Errorf("snapshot metadata: %v", err)
	}
	res.Chunks, res.SnapshotBytes = len(meta.Chunks), diskSize(snapDir)
	fmt.Fprintf(w, "state sync: %d parcels: snapshot of height %d written in %.1fs: %d chunks, %.1f MB\n",
		n, stateSyncHeight, res.SnapshotWrite.Seconds(), res.Chunks, float64(res.SnapshotBytes)/1e6)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()
	sc, err := client.New("tcp://" + serverRPC)
	if err != nil {
		return nil, err
	}
	// The light client needs the headers after the snapshot's.
	for {
		st, err := sc.RPC.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight >= stateSyncHeight+2 {
			break
		}
		if err := srv.exited(); err != nil {
			return nil, fmt.Errorf("validator stopped: %w\n%s", err, srv.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
	trustHeight := version + 1
	trust, err := sc.RPC.Block(ctx, &trustHeight)
	if err != nil {
		return nil, err
	}

	// The new node: its own keys, the network's genesis, the validator as
	// peer, state sync from the trusted block.
	joiner := filepath.Join(dir, "joiner")
	joinRPC, joinP2P := freeAddr(), freeAddr()
	if _, _, err := node.InitKeys(joiner, node.InitOptions{BlockInterval: opts.BlockInterval, EmptyBlockInterval: -1,
		RPCAddr: "tcp://" + joinRPC, P2PAddr: "tcp://" + joinP2P, MetricsAddr: "off"}); err != nil {
		return nil, err
	}
	nk, err := p2p.LoadNodeKey(sconf.NodeKeyFile())
	if err != nil {
		return nil, err
	}
	gen, err := os.ReadFile(sconf.GenesisFile())
	if err != nil {
		return nil, err
	}
	if _, err := node.InstallGenesis(joiner, gen, string(nk.ID())+"@"+serverP2P); err != nil {
		return nil, err
	}
	jconf, err := node.LoadConfig(joiner)
	if err != nil {
		return nil, err
	}
	jconf.StateSync.Enable = true
	jconf.StateSync.RPCServers = []string{serverRPC, serverRPC} // CometBFT asks for two; one validator serves both
	jconf.StateSync.TrustHeight = trustHeight
	jconf.StateSync.TrustHash = hex.EncodeToString(trust.BlockID.Hash)
	jconf.StateSync.TrustPeriod = 24 * time.Hour
	jconf.StateSync.DiscoveryTime = opts.DiscoveryTime
	if opts.Rate > 0 {
		jconf.P2P.SendRate, jconf.P2P.RecvRate = opts.Rate, opts.Rate
	}
	if opts.CPUProfile != "" {
		jconf.RPC.PprofListenAddress = freeAddr()
	}
	if err := node.WriteConfig(jconf); err != nil {
		return nil, err
	}
	// The rate the nodes will run with is what their config files say.
	if res.Rate, err = p2pRate(joiner, server); err != nil {
		return nil, err
	}

	stages := &logStages{marks: map[string]time.Time{}}
	start := time.Now()
	jn, err := startProcess(opts.Node(joiner, 0, "statesync:info,*:error"), stages.line)
	if err != nil {
		return nil, err
	}
	defer jn.stop()
	jc, err := client.New("tcp://" + joinRPC)
	if err != nil {
		return nil, err
	}
	rss := func() { res.JoinRSS = max(res.JoinRSS, procFileField(jn.cmd.Process.Pid, "VmHWM:")<<10) }
	var profiled chan error
	stopProfile := make(chan struct{})
	for {
		if opts.CPUProfile != "" && profiled == nil {
			stages.mu.Lock()
			_, offered := stages.marks["Offering snapshot to ABCI app"]
			stages.mu.Unlock()
			if offered {
				profiled = make(chan error, 1)
				go func() { profiled <- profileWindows(jconf.RPC.PprofListenAddress, opts.CPUProfile, stopProfile) }()
			}
		}
		st, err := jc.RPC.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight > stateSyncHeight {
			if st.SyncInfo.EarliestBlockHeight <= trustHeight {
				return nil, fmt.Errorf("the new node holds blocks from %d: it replayed instead of restoring", st.SyncInfo.EarliestBlockHeight)
			}
			res.Verified = time.Since(start)
			break
		}
		if err := jn.exited(); err != nil {
			return nil, fmt.Errorf("joining node stopped: %w\n%s", err, jn.tail())
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("the new node did not join\n%s", jn.tail())
		}
		rss()
		time.Sleep(50 * time.Millisecond)
	}
	close(stopProfile)
	if opts.CPUProfile != "" {
		if profiled == nil {
			return nil, errors.New("cpu profile: the joining node offered no snapshot")
		}
		if err := <-profiled; err != nil {
			return nil, fmt.Errorf("cpu profile of the joining node: %w", err)
		}
	}

	// A proven read on the new node: its proof checked against a header
	// CometBFT's light client verified from the trusted block (headers
	// from the validator).
	if err := jc.UseLightClient(ctx, doc.ChainID, "tcp://"+serverRPC, nil,
		client.TrustRoot{Height: trustHeight, Hash: trust.BlockID.Hash, Period: 24 * time.Hour}); err != nil {
		return nil, err
	}
	k := n/2 + 1
	p, err := jc.QueryProven(ctx, fmt.Sprintf("/land/title/T%d", k), nil, 0)
	if err != nil {
		return nil, fmt.Errorf("proven read on the new node: %w", err)
	}
	res.Served = time.Since(start)
	res.JoinCPU = childCPU(jn.cmd.Process.Pid)
	rss()
	var t land.Title
	if err := json.Unmarshal(p.Value, &t); err != nil || len(t.Owners) == 0 || t.Owners[0].Party != idOf(benchKey(k-1)) {
		return nil, fmt.Errorf("title T%d on the new node: %s (%v)", k, p.Value, err)
	}
	if q, err := jc.Query(ctx, fmt.Sprintf("/land/title/T%d", k), nil, p.Height, true); err == nil && q.ProofOps != nil {
		b, _ := q.ProofOps.Marshal()
		res.ProofSize = len(b)
	}
	// The same app hash as the validator's chain at the new node's height.
	info, err := jc.RPC.ABCIInfo(ctx)
	if err != nil {
		return nil, err
	}
	next := info.Response.LastBlockHeight + 1
	for {
		b, err := sc.RPC.Block(ctx, &next)
		if err == nil {
			if !bytes.Equal(b.Block.AppHash, info.Response.LastBlockAppHash) {
				return nil, fmt.Errorf("height %d: the new node's app hash %X, the chain's %X", info.Response.LastBlockHeight, info.Response.LastBlockAppHash, b.Block.AppHash)
			}
			break
		}
		if ctx.Err() != nil {
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
	res.JoinDisk = diskSize(joiner)

	stages.mu.Lock()
	res.Offered = stages.since("Offering snapshot to ABCI app", start)
	res.Fetched = stages.since("fetched", start)
	res.Restored = stages.since("Verified ABCI app", start)
	res.Synced = stages.since("Snapshot restored", start)
	applied, rejected := stages.applied, stages.rejected
	stages.mu.Unlock()
	if applied < res.Chunks {
		return nil, fmt.Errorf("the new node applied %d chunks of %d", applied, res.Chunks)
	}
	fmt.Fprintf(w, "state sync: %d parcels: joining node, from its start: snapshot offered %.1fs (discovery %s), chunks received %.1fs, state restored and checked %.1fs, state sync done %.1fs, first block after the snapshot %.1fs, proven title read %.1fs; CPU %.1fs, peak RSS %d MiB, disk %.2f GB; proof %d B; snapshots refused or retried: %d\n",
		n, res.Offered.Seconds(), opts.DiscoveryTime, res.Fetched.Seconds(), res.Restored.Seconds(), res.Synced.Seconds(), res.Verified.Seconds(), res.Served.Seconds(),
		res.JoinCPU.Seconds(), res.JoinRSS>>20, float64(res.JoinDisk)/1e9, res.ProofSize, rejected)
	return res, nil
}

// PrintStateSync prints the runs as one table.
func PrintStateSync(w io.Writer, rows []*StateSyncResult) {
	fmt.Fprintf(w, "state sync join (one validator serving, one new node, loopback; times from the new node's start):\n")
	fmt.Fprintf(w, "%10s %9s %9s %9s %7s %10s %8s %9s %9s %9s %9s %9s %8s %9s %8s\n",
		"parcels", "p2p rate", "state", "snap.write", "chunks", "snapshot", "offered", "received", "restored", "1st block", "proven", "CPU", "peak RSS", "disk", "setup")
	for _, r := range rows {
		fmt.Fprintf(w, "%10d %4.0f MB/s %6.2f GB %9.1fs %7d %7.0f MB %7.1fs %8.1fs %8.1fs %8.1fs %8.1fs %8.1fs %4d MiB %6.2f GB %7.0fs\n",
			r.Parcels, float64(r.Rate)/1e6, float64(r.StateBytes)/1e9, r.SnapshotWrite.Seconds(), r.Chunks, float64(r.SnapshotBytes)/1e6, r.Offered.Seconds(), r.Fetched.Seconds(),
			r.Restored.Seconds(), r.Verified.Seconds(), r.Served.Seconds(), r.JoinCPU.Seconds(), r.JoinRSS>>20, float64(r.JoinDisk)/1e9, r.Setup.Seconds())
	}
}

// profileWindows writes CPU profiles of the node whose pprof listener
// is addr, window after window, into path.0, path.1, … until stop is
// closed (the window under way is finished).
func profileWindows(addr, path string, stop <-chan struct{}) error {
	for i := 0; ; i++ {
		res, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=3", addr))
		if err != nil {
			return err
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("pprof: %s: %s", res.Status, b)
		}
		if err := os.WriteFile(fmt.Sprintf("%s.%d", path, i), b, 0o644); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		default:
		}
	}
}

// p2pRate is the p2p send and receive rate the homes' config files
// name, which must all be the same.
func p2pRate(homes ...string) (int64, error) {
	var rate int64
	for i, home := range homes {
		conf, err := node.LoadConfig(home)
		if err != nil {
			return 0, err
		}
		if conf.P2P.SendRate != conf.P2P.RecvRate {
			return 0, fmt.Errorf("%s: p2p send rate %d differs from its receive rate %d", home, conf.P2P.SendRate, conf.P2P.RecvRate)
		}
		if i > 0 && conf.P2P.RecvRate != rate {
			return 0, fmt.Errorf("%s: p2p rate %d, the other home's %d", home, conf.P2P.RecvRate, rate)
		}
		rate = conf.P2P.RecvRate
	}
	return rate, nil
}

// saveGenesisState writes CometBFT's state for doc into the home's
// state database, as a chain about to make its first block: CometBFT
// saves it itself only when it runs InitChain, which a node whose
// application already holds state skips.
func saveGenesisState(conf *cfg.Config, doc *types.GenesisDoc) error {
	state, err := sm.MakeGenesisState(doc)
	if err != nil {
		return err
	}
	state.Version.Consensus.App = doc.ConsensusParams.Version.App
	db, err := cfg.DefaultDBProvider(&cfg.DBContext{ID: "state", Config: conf})
	if err != nil {
		return err
	}
	if err := sm.NewStore(db, sm.StoreOptions{}).Save(state); err != nil {
		db.Close()
		return err
	}
	return db.Close()
}

// logStages stamps the joining node's state sync log lines as they
// arrive.
type logStages struct {
	mu                sync.Mutex
	marks             map[string]time.Time // first line with each message
	applied, rejected int
	chunks            int
}

func (s *logStages) line(l string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range []string{"Offering snapshot to ABCI app", "Verified ABCI app", "Snapshot restored"} {
		if strings.Contains(l, m) {
			if _, ok := s.marks[m]; !ok {
				s.marks[m] = now
			}
		}
	}
	switch {
	case strings.Contains(l, "Applied snapshot chunk to ABCI app"):
		s.applied++
		s.marks["fetched"] = now
	case strings.Contains(l, "Snapshot rejected"), strings.Contains(l, "Retrying snapshot"), strings.Contains(l, "Snapshot sender rejected"):
		s.rejected++
	}
}

func (s *logStages) since(mark string, start time.Time) time.Duration {
	t, ok := s.marks[mark]
	if !ok {
		return 0
	}
	return t.Sub(start)
}

// process is a node running in its own process.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	mu   sync.Mutex
	log  bytes.Buffer // the last lines
}

// startProcess starts cmd with its output read line by line (each also
// handed to onLine, if set).
func startProcess(cmd *exec.Cmd, onLine func(string)) (*process, error) {
	p := &process{cmd: cmd, done: make(chan struct{})}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			l := sc.Text()
			if onLine != nil {
				onLine(l)
			}
			p.mu.Lock()
			p.log.WriteString(l + "\n")
			if p.log.Len() > 64<<10 {
				b := p.log.Bytes()[p.log.Len()-16<<10:]
				p.log.Reset()
				p.log.Write(b)
			}
			p.mu.Unlock()
		}
		io.Copy(io.Discard, pr)
	}()
	go func() {
		p.err = cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	return p, nil
}

// exited is the process's end if it has ended, else nil.
func (p *process) exited() error {
	select {
	case <-p.done:
		if p.err == nil {
			return errors.New("exited")
		}
		return p.err
	default:
		return nil
	}
}

func (p *process) tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return tail(p.log.String(), 3000)
}

// stop ends the node with SIGTERM, and kills it if it has not stopped
// within a minute.
func (p *process) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// procFileField is a size field (kB) of process pid's /proc status.
func procFileField(pid int, field string) uint64 {
	return procField(fmt.Sprintf("/proc/%d/status", pid), field)
}
