package bench

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/node"
)

// CeilingOptions size the consensus ceiling run: the same flood of
// pre-signed transactions over RPC into a one-validator Publica node and
// into CometBFT's own kvstore application, each in its own process on
// loopback with the same consensus and mempool configuration.
type CeilingOptions struct {
	Txs     int // transactions flooded into each node (default 20,000)
	Workers int // concurrent broadcast_tx_sync requests (default 64)
	Rounds  int // runs of each side, back to back; the median is reported (default 3)
	// BlockInterval is timeout_commit (default 1 s, as `publica init`).
	BlockInterval time.Duration
	// CometBFT is the cometbft executable; "" installs the version this
	// binary is built with (go install, once) into the user cache dir.
	CometBFT string
	// CPUProfile, if set, is where the first round writes each node's CPU
	// profile of the flood (CPUProfile.publica, CPUProfile.kvstore), taken
	// through CometBFT's pprof listener.
	CPUProfile string
	// SkipKVStore runs the Publica side only (for a quick test).
	SkipKVStore bool
	// PublicaNode makes the command that runs a Publica node in home until
	// SIGTERM; nil runs this executable's "start" (publica start).
	PublicaNode func(home string) *exec.Cmd
	// Timeout bounds a flood (0: two minutes and 5 ms a transaction).
	Timeout time.Duration
}

// CeilingRun is one side's figures.
type CeilingRun struct {
	Name     string
	Txs      int
	Elapsed  time.Duration // first send to the commit of the last transaction
	TxPerSec float64
	// CPUPerTx is the node process's CPU time (user+system) over the run
	// divided by Txs; CPUCores is that CPU time over Elapsed.
	CPUPerTx time.Duration
	CPUCores float64
	// Commit latency: from a transaction's first send to the local arrival
	// of the event of the block that commits it.
	P50, P99    time.Duration
	Blocks      int // blocks carrying the transactions
	MaxPerBlock int
	MempoolFull int // sends refused with "mempool is full" and retried
	Resent      int // sends CometBFT answered OK but dropped (mempool full meanwhile), sent again
	Unread      int // sends the node answered without reading the request in time (starved of CPU), sent again
	Failed      int // transactions committed with a non-zero code
	// NodeCPU is each node process's CPU time over the run (the flood's
	// processes in order); FirstHeight and LastHeight bound the blocks
	// that carried the transactions.
	NodeCPU                 []time.Duration
	FirstHeight, LastHeight int64
}

// CeilingResult holds the medians (by tx/s) of every round.
type CeilingResult struct {
	Publica, KVStore CeilingRun
	Ratio            float64 // median over the rounds of Publica tx/s over kvstore tx/s
	Rounds           [][]CeilingRun
}

// Ceiling measures both nodes Rounds times, publica then kvstore each
// round, and prints one table of the medians.
func Ceiling(w io.Writer, opts CeilingOptions) (*CeilingResult, error) {
	if opts.Txs <= 0 {
		opts.Txs = 20_000
	}
	if opts.Workers <= 0 {
		opts.Workers = 64
	}
	if opts.Rounds <= 0 {
		opts.Rounds = 3
	}
	if opts.BlockInterval <= 0 {
		opts.BlockInterval = time.Second
	}
	if opts.PublicaNode == nil {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		opts.PublicaNode = func(home string) *exec.Cmd {
			return exec.Command(exe, "start", "--home", home, "--portal", "", "--log-level", "*:error", "--no-admission-limits")
		}
	}
	if opts.CometBFT == "" && !opts.SkipKVStore {
		bin, err := installCometBFT(w)
		if err != nil {
			return nil, err
		}
		opts.CometBFT = bin
	}
	fmt.Fprintf(w, "ceiling: %d pre-signed transactions per node over RPC broadcast_tx_sync (%d at once), one validator on loopback, timeout_commit %s, %d rounds; load before: %s\n",
		opts.Txs, opts.Workers, opts.BlockInterval, opts.Rounds, loadAvg())

	// Register-account transactions from fresh keys; kvstore's key=value
	// transactions of the same length.
	regs := registrations(ChainOptions{Blocks: (opts.Txs + 499) / 500, TxsPerBlock: 500})
	pub := slices.Concat(regs...)[:opts.Txs]
	kv := make([][]byte, opts.Txs)
	for i := range kv {
		k := fmt.Sprintf("ceiling%08d=", i)
		kv[i] = []byte(k + strings.Repeat("v", max(1, len(pub[i])-len(k))))
	}

	out := &CeilingResult{}
	for r := range opts.Rounds {
		var round []CeilingRun
		if r > 0 {
			opts.CPUProfile = ""
		}
		p, err := ceilingPublica(opts, pub)
		if err != nil {
			return nil, fmt.Errorf("publica round %d: %w", r+1, err)
		}
		fmt.Fprintf(w, "  round %d %-8s %s\n", r+1, p.Name, ceilingRow(p))
		round = append(round, p)
		if !opts.SkipKVStore {
			k, err := ceilingKVStore(opts, kv)
			if err != nil {
				return nil, fmt.Errorf("kvstore round %d: %w", r+1, err)
			}
			fmt.Fprintf(w, "  round %d %-8s %s\n", r+1, k.Name, ceilingRow(k))
			round = append(round, k)
		}
		out.Rounds = append(out.Rounds, round)
	}
	out.Publica = medianRun(out.Rounds, 0)
	fmt.Fprintf(w, "ceiling (median of %d; load after: %s)\n", opts.Rounds, loadAvg())
	fmt.Fprintf(w, "  %-8s %9s %9s %10s %10s %10s %7s %14s %12s\n", "node", "tx/s", "CPU/tx", "node CPU", "commit p50", "commit p99", "blocks", "txs/block avg/max", "full/dropped")
	fmt.Fprintf(w, "  %-8s %s\n", "publica", ceilingRow(out.Publica))
	if !opts.SkipKVStore {
		out.KVStore = medianRun(out.Rounds, 1)
		// Each round's two runs are back to back, under about the same
		// machine load: the ratio is taken per round, then the median.
		var ratios, cpu []float64
		for _, r := range out.Rounds {
			ratios = append(ratios, r[0].TxPerSec/r[1].TxPerSec)
			cpu = append(cpu, float64(r[0].CPUPerTx)/float64(r[1].CPUPerTx))
		}
		slices.Sort(ratios)
		slices.Sort(cpu)
		out.Ratio = ratios[len(ratios)/2]
		fmt.Fprintf(w, "  %-8s %s\n", "kvstore", ceilingRow(out.KVStore))
		fmt.Fprintf(w, "  publica/kvstore (median of the rounds' ratios): %.2f× the committed tx/s, %.2f× the CPU per transaction (goal ≥ 0.9× tx/s)\n",
			out.Ratio, cpu[len(cpu)/2])
	}
	return out, nil
}

func ceilingRow(r CeilingRun) string {
	return fmt.Sprintf("%9.0f %7.0fµs %8.2f c %10s %10s %7d %14s %12s", r.TxPerSec, float64(r.CPUPerTx)/float64(time.Microsecond),
		r.CPUCores, ms(r.P50), ms(r.P99), r.Blocks, fmt.Sprintf("%.0f / %d", float64(r.Txs)/float64(max(1, r.Blocks)), r.MaxPerBlock),
		fmt.Sprintf("%d/%d", r.MempoolFull, r.Resent))
}

// medianRun is side's run of median tx/s over the rounds.
func medianRun(rounds [][]CeilingRun, side int) CeilingRun {
	var runs []CeilingRun
	for _, r := range rounds {
		runs = append(runs, r[side])
	}
	slices.SortFunc(runs, func(a, b CeilingRun) int { return cmp.Compare(a.TxPerSec, b.TxPerSec) })
	return runs[len(runs)/2]
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// ceilingPublica runs the flood against a fresh development node.
func ceilingPublica(opts CeilingOptions, txs [][]byte) (CeilingRun, error) {
	home, err := os.MkdirTemp("", "publica-ceiling-")
	if err != nil {
		return CeilingRun{}, err
	}
	defer removeRetry(home)
	rpc, p2p := freeAddr(), freeAddr()
	if err := node.Init(home, node.InitOptions{ChainID: genesis.DevChainID, AppState: genesis.DevAppState(),
		BlockInterval: opts.BlockInterval, RPCAddr: "tcp://" + rpc, P2PAddr: "tcp://" + p2p, MetricsAddr: freeAddr()}); err != nil {
		return CeilingRun{}, err
	}
	if opts.CPUProfile != "" {
		conf, err := node.LoadConfig(home)
		if err != nil {
			return CeilingRun{}, err
		}
		conf.RPC.PprofListenAddress = freeAddr()
		if err := node.WriteConfig(conf); err != nil {
			return CeilingRun{}, err
		}
	}
	return ceilingRun("publica", opts.PublicaNode(home), home, rpc, opts, txs)
}

// ceilingKVStore runs the flood against a fresh kvstore node whose
// config.toml is Publica's (node.DefaultConfig) with proxy_app kvstore.
func ceilingKVStore(opts CeilingOptions, txs [][]byte) (CeilingRun, error) {
	home, err := os.MkdirTemp("", "publica-ceiling-kvstore-")
	if err != nil {
		return CeilingRun{}, err
	}
	defer removeRetry(home)
	if out, err := exec.Command(opts.CometBFT, "init", "--home", home).CombinedOutput(); err != nil {
		return CeilingRun{}, fmt.Errorf("cometbft init: %w: %s", err, out)
	}
	rpc, p2p := freeAddr(), freeAddr()
	conf := node.DefaultConfig(home, node.InitOptions{BlockInterval: opts.BlockInterval, RPCAddr: "tcp://" + rpc, P2PAddr: "tcp://" + p2p, MetricsAddr: freeAddr()})
	conf.ProxyApp = "kvstore"
	conf.LogLevel = "*:error" // as publica start logs
	if opts.CPUProfile != "" {
		conf.RPC.PprofListenAddress = freeAddr()
	}
	if err := node.WriteConfig(conf); err != nil {
		return CeilingRun{}, err
	}
	return ceilingRun("kvstore", exec.Command(opts.CometBFT, "start", "--home", home, "--proxy_app", "kvstore"), home, rpc, opts, txs)
}

// ceilingRun starts the node process, waits for its second block, floods
// it with txs and waits until every one is committed, then stops it.
func ceilingRun(name string, cmd *exec.Cmd, home, rpc string, opts CeilingOptions, txs [][]byte) (CeilingRun, error) {
	pprofAddr := ""
	if opts.CPUProfile != "" {
		conf, err := node.LoadConfig(home)
		if err != nil {
			return CeilingRun{}, err
		}
		pprofAddr = conf.RPC.PprofListenAddress
	}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return CeilingRun{}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}()
	var profiled func() error
	if pprofAddr != "" {
		profiled = func() error { return cpuProfile(pprofAddr, opts.CPUProfile+"."+name) }
	}
	run, err := flood(name, []int{cmd.Process.Pid}, []string{rpc}, opts, txs, exited, profiled)
	if err != nil {
		return run, fmt.Errorf("%w\n%s", err, tail(logs.String(), 2000))
	}
	return run, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// blockSeen is one committed block as the event subscription saw it.
type blockSeen struct {
	height int64
	txs    int
	at     time.Time
}

// cpuProfile fetches a CPU profile of the next seconds from a pprof
// listener into path.
func cpuProfile(addr, path string) error { return cpuProfileFor(addr, path, 4) }

// cpuProfileFor fetches a CPU profile of the next seconds.
func cpuProfileFor(addr, path string, seconds int) error {
	res, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, seconds))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: %s", res.Status)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// flood sends txs to the nodes at rpcs (transaction i to rpcs[i mod
// len(rpcs)]) and waits until every one is committed, watching blocks on
// rpcs[0]; pids are the node processes whose CPU time is measured.
func flood(name string, pids []int, rpcs []string, opts CeilingOptions, txs [][]byte, exited <-chan error, profile func() error) (CeilingRun, error) {
	run := CeilingRun{Name: name, Txs: len(txs)}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 2*time.Minute + time.Duration(len(txs))*5*time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	rpc := rpcs[0]
	c, err := rpchttp.New("http://"+rpc, "/websocket")
	if err != nil {
		return run, err
	}
	for {
		st, err := c.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight >= 2 {
			break
		}
		select {
		case err := <-exited:
			return run, fmt.Errorf("node exited: %v", err)
		case <-ctx.Done():
			return run, fmt.Errorf("node did not reach height 2: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := c.Start(); err != nil {
		return run, err
	}
	defer c.Stop()
	events, err := c.Subscribe(ctx, "ceiling", types.EventQueryNewBlockEvents.String(), 1000)
	if err != nil {
		return run, err
	}

	// Request bodies are made before the clock starts.
	bodies := make([][]byte, len(txs))
	for i, t := range txs {
		bodies[i] = []byte(`{"jsonrpc":"2.0","id":1,"method":"broadcast_tx_sync","params":{"tx":"` + base64.StdEncoding.EncodeToString(t) + `"}}`)
	}
	tr := &http.Transport{MaxIdleConns: opts.Workers, MaxIdleConnsPerHost: opts.Workers, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	sent := make([]time.Time, len(txs))
	index := make(map[[32]byte]int, len(txs))
	for i, t := range txs {
		index[sha256.Sum256(t)] = i
	}

	profiled := make(chan error, 1)
	if profile != nil {
		go func() { profiled <- profile() }()
	} else {
		profiled <- nil
	}
	cpu0 := make([]time.Duration, len(pids))
	for k, pid := range pids {
		cpu0[k] = childCPU(pid)
	}
	start := time.Now()
	// Workers send the indices in todo; pending counts those queued or
	// being sent. A transaction CometBFT accepts may still be dropped
	// (the mempool filled up while CheckTx ran: it answers OK and does
	// not keep it), so once everything is sent and the mempool is empty,
	// the transactions no block carries are sent again.
	todo := make(chan int, len(txs))
	var pending, full, resent, unread atomic.Int64
	for i := range txs {
		pending.Add(1)
		todo <- i
	}
	var sendErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Go(func() {
			for i := range todo {
				again := !sent[i].IsZero()
				if !again {
					sent[i] = time.Now()
				}
				for ctx.Err() == nil {
					retry, err := broadcast(ctx, hc, "http://"+rpcs[i%len(rpcs)], bodies[i])
					if err == nil {
						if again {
							resent.Add(1)
						}
						break
					}
					if again && strings.Contains(err.Error(), "tx already exists in cache") {
						break // committed after all, its block's event still on the way
					}
					if !retry {
						errOnce.Do(func() { sendErr = fmt.Errorf("transaction %d: %w", i, err) })
						cancel()
						break
					}
					if errors.Is(err, errUnread) {
						unread.Add(1)
					} else {
						full.Add(1)
					}
					time.Sleep(5 * time.Millisecond)
				}
				pending.Add(-1)
			}
		})
	}
	defer func() {
		close(todo)
		wg.Wait()
	}()

	at := make([]time.Time, len(txs)) // commit time per transaction
	var seen []blockSeen
	scanned := 0
	// scan finds the transactions of the blocks seen so far.
	scan := func() error {
		for ; scanned < len(seen); scanned++ {
			b := seen[scanned]
			blk, err := c.Block(ctx, &b.height)
			if err != nil {
				return err
			}
			for _, t := range blk.Block.Txs {
				if i, ok := index[sha256.Sum256(t)]; ok {
					at[i] = b.at
				}
			}
		}
		return nil
	}
	committed := 0
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for committed < len(txs) {
		select {
		case ev := <-events:
			data, ok := ev.Data.(types.EventDataNewBlockEvents)
			if !ok || data.NumTxs == 0 {
				continue
			}
			seen = append(seen, blockSeen{height: data.Height, txs: int(data.NumTxs), at: time.Now()})
			committed += int(data.NumTxs)
		case <-tick.C:
			if pending.Load() > 0 {
				continue
			}
			if u, err := c.NumUnconfirmedTxs(ctx); err != nil || u.Total > 0 {
				continue
			}
			if err := scan(); err != nil {
				if sendErr != nil {
					return run, sendErr
				}
				return run, err
			}
			for i := range txs {
				if at[i].IsZero() {
					pending.Add(1)
					todo <- i
				}
			}
		case err := <-exited:
			return run, fmt.Errorf("node exited: %v", err)
		case <-ctx.Done():
			if sendErr != nil {
				return run, sendErr
			}
			return run, fmt.Errorf("%d of %d transactions committed before the deadline", committed, len(txs))
		}
	}
	end := seen[len(seen)-1].at
	cpu1 := make([]time.Duration, len(pids))
	for k, pid := range pids {
		cpu1[k] = childCPU(pid)
	}
	if err := <-profiled; err != nil {
		return run, fmt.Errorf("cpu profile: %w", err)
	}

	run.Elapsed = end.Sub(start)
	run.TxPerSec = float64(len(txs)) / run.Elapsed.Seconds()
	var cpu time.Duration
	for k := range pids {
		if cpu0[k] >= 0 && cpu1[k] >= 0 {
			run.NodeCPU = append(run.NodeCPU, cpu1[k]-cpu0[k])
			cpu += cpu1[k] - cpu0[k]
		}
	}
	if len(run.NodeCPU) == len(pids) {
		run.CPUPerTx = cpu / time.Duration(len(txs))
		run.CPUCores = float64(cpu) / float64(run.Elapsed)
	}
	run.Blocks = len(seen)
	run.FirstHeight, run.LastHeight = seen[0].height, seen[len(seen)-1].height
	run.MempoolFull = int(full.Load())
	run.Resent = int(resent.Load())
	run.Unread = int(unread.Load())

	// Latency and outcome of every transaction (after the clock).
	if err := scan(); err != nil {
		return run, err
	}
	var lat []time.Duration
	for i := range txs {
		if !at[i].IsZero() {
			lat = append(lat, at[i].Sub(sent[i]))
		}
	}
	for _, b := range seen {
		run.MaxPerBlock = max(run.MaxPerBlock, b.txs)
		res, err := c.BlockResults(ctx, &b.height)
		if err != nil {
			return run, err
		}
		for _, r := range res.TxsResults {
			if r.Code != 0 {
				run.Failed++
			}
		}
	}
	if len(lat) != len(txs) {
		return run, fmt.Errorf("%d transactions found in the blocks, %d sent", len(lat), len(txs))
	}
	if run.Failed > 0 {
		return run, fmt.Errorf("%d transactions failed in their block", run.Failed)
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[max(0, int(math.Ceil(p*float64(len(lat))))-1)] }
	run.P50, run.P99 = q(0.50), q(0.99)
	return run, nil
}

// broadcast sends one broadcast_tx_sync; retry reports a full mempool.
// errUnread is a broadcast the node answered without reading it.
var errUnread = errors.New("the node did not read the request in time")

func broadcast(ctx context.Context, hc *http.Client, url string, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	var ans struct {
		Result *struct {
			Code uint32 `json:"code"`
			Log  string `json:"log"`
		} `json:"result"`
		Error *struct {
			Message string `json:"message"`
			Data    string `json:"data"`
		} `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&ans); err != nil {
		return false, fmt.Errorf("broadcast answer: %w", err)
	}
	switch {
	case ans.Error != nil:
		if strings.Contains(ans.Error.Data, "mempool is full") {
			return true, errors.New(ans.Error.Data)
		}
		if strings.Contains(ans.Error.Data, "error reading request body") {
			// The node did not read the request in time (starved of
			// CPU): it never saw the transaction.
			return true, errUnread
		}
		return false, fmt.Errorf("broadcast: %s: %s", ans.Error.Message, ans.Error.Data)
	case ans.Result == nil:
		return false, errors.New("broadcast: empty answer")
	case ans.Result.Code != 0:
		return false, fmt.Errorf("CheckTx code %d: %s", ans.Result.Code, ans.Result.Log)
	}
	return false, nil
}

// childCPU is the user+system CPU time of process pid so far, from
// /proc (-1 where there is none).
func childCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces; utime and stime are fields 14 and 15 in clock ticks (100/s).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return -1
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// installCometBFT returns the cometbft executable of the version this
// binary is built with, installing it with go install into the user cache
// dir the first time.
func installCometBFT(w io.Writer) (string, error) {
	const mod = "github.com/cometbft/cometbft"
	version := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == mod {
				version = d.Version
				if d.Replace != nil {
					version = d.Replace.Version
				}
			}
		}
	}
	if version == "" {
		return "", fmt.Errorf("cannot tell which %s version this binary is built with", mod)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "publica-bench", "cometbft-"+version)
	bin := filepath.Join(dir, "cometbft")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	fmt.Fprintf(w, "ceiling: installing cometbft %s (kvstore) into %s\n", version, dir)
	cmd := exec.Command("go", "install", mod+"/cmd/cometbft@"+version)
	cmd.Dir = os.TempDir() // outside any module
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install cometbft %s: %w: %s", version, err, out)
	}
	return bin, nil
}
