package bench

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/gtank/ristretto255"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/client"
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/node"
	"github.com/publica/publica/rollimport"
	"github.com/publica/publica/store"
	"github.com/publica/publica/testnet"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

// BallotNetOptions size the election-on-a-network run.
type BallotNetOptions struct {
	Validators int // default 4
	Ballots    int // ballots flooded, one per voter (default 60,000)
	// Roll is the size of the election's roll, imported through the
	// running network as publica ballot roll import does: the voters who
	// cast and others up to this size (default 1,000,000).
	Roll    int
	Workers int // concurrent broadcast_tx_sync requests over all nodes (default 64)
	// BlockInterval is timeout_commit (default 1 s, as publica init).
	BlockInterval time.Duration
	// P2PRate is each node's p2p send and receive rate in bytes a second
	// (default 20 MB/s; CometBFT's default of 5 MB/s is about 1,000
	// ballots a second, which every validator must receive).
	P2PRate int64
	// MaxBlockBytes caps a block (genesis consensus parameter; default 4
	// MiB, about 1,000 ballots: the goal's second). CometBFT's default of
	// 21 MiB lets a flood fill a 5,000-ballot proposal that a starved
	// machine cannot gossip and check within the round's timeouts.
	MaxBlockBytes int64
	// CPUProfile, if set, is where node0's CPU profile of ProfileSeconds
	// (default 20) in the middle of the flood is written.
	CPUProfile     string
	ProfileSeconds int
	// CloseAfter is how long after its creation the election closes (0:
	// 90 s, 1 ms a voter on the roll and 20 ms a ballot). No transaction
	// closes an election, so the close must be set when it is created and
	// lie after the flood; the run then waits for the close to tally.
	CloseAfter time.Duration
	// Node makes the command that runs a validator in home until SIGTERM;
	// nil runs this executable's start (publica start
	// --no-admission-limits, no portal).
	Node func(home string) *exec.Cmd
	Log  io.Writer // progress (nil: none)
}

// BallotNetResult holds the measured figures.
type BallotNetResult struct {
	Validators     int
	Ballots        int
	Roll           int
	RollElapsed    time.Duration
	EncryptElapsed time.Duration // the voters' side, untimed
	TxBytes        int           // mean size of a cast transaction
	Flood          CeilingRun    // the cast flood: rate, CPU, latency, blocks
	// CPUPerBallot is each validator's CPU time over the flood divided by
	// the ballots; BlockP50/P99 are the intervals between the flood's
	// blocks' header times.
	CPUPerBallot       []time.Duration
	BlockP50, BlockP99 time.Duration
	PeakRSS            []uint64 // each validator's peak resident set (VmHWM)
	Counted            uint64   // ballots in the chain's aggregate at the end
	// ABCI is node0's time per ballot in each ABCI method over the flood
	// (CometBFT's method timing metrics): check_tx (Preverify and CheckTx,
	// new transactions and rechecks), prepare_proposal, finalize_block,
	// commit. FinalizeBlock and Commit run one block at a time.
	ABCI map[string]time.Duration

	CloseWait time.Duration // from the flood's end to the first block after the close
	// Tally: two of the three trustees read the chain's aggregate with a
	// proof, make their partial decryptions with proofs (TallyTrustees,
	// their CPU side) and post them; TallyElapsed runs from the first
	// read to the result committed (every validator verifies each partial
	// decryption, combines them and solves the discrete logarithms).
	TallyTrustees, TallyElapsed time.Duration
	Result                      [][]uint64 // the chain's result, per question and option
	ResultHeight                int64      // the block that combined it
	// The independent verifier (audit/election, as publica audit
	// election): over node1's RPC with every record proven against a
	// signed header (VerifyRPC), and offline from node0's stopped home
	// (VerifyOffline).
	VerifyRPC, VerifyOffline time.Duration
	Verified                 int // ballots whose proofs the verifier checked
	Size                     BallotNetSize
	Projection               BallotNetProjection
}

// BallotNetSize is node0's disk after the run (the nodes stopped).
type BallotNetSize struct {
	State, Chain int64 // the application state (data/state) and the rest of data/ (CometBFT's blocks, index, state)
	// ChainBeforeFlood is data/ without data/state before the flood (the
	// node running: its write-ahead logs included).
	ChainBeforeFlood int64
	// Logical bytes (keys and values) of node0's state: every record, the
	// election's roll, and its votes and trackers.
	Logical, RollLogical, BallotLogical int64
}

// BallotNetProjection scales the measured figures to Voters (10 million)
// voters on the roll all casting a ballot, on the same machine.
type BallotNetProjection struct {
	Voters int
	// State: the roll and the ballots' records at their measured logical
	// bytes a voter and a ballot, times the measured ratio of disk to
	// logical bytes; Chain: the blocks' disk a ballot measured over the
	// flood.
	State, Chain int64
	// Verify: the offline and RPC verifier's time a ballot (its work is
	// per ballot: proofs, tracker, roll entry; the ceremony, aggregate and
	// tally checks are constant); Tally: the trustees' and the chain's
	// measured tally time (5 ciphertexts whatever the size) plus a
	// discrete-logarithm table for Voters and five worst-case solves,
	// measured here (DLog).
	VerifyOffline, VerifyRPC, Tally, DLog time.Duration
}

// BallotNet starts a network of opts.Validators validators, each its own
// process, on loopback (testnet.Generate: one genesis, every validator
// with equal power, dialling each other), whose genesis holds opts.Ballots
// voter accounts. It creates a roll election signed by the demo election
// official, imports a roll of opts.Roll voters through the running network
// (rollimport, as publica ballot roll import), runs the key ceremony of
// the three demo trustees, encrypts one ballot per voter with its proofs
// (in parallel, untimed), and floods the casts over RPC broadcast_tx_sync
// to all the validators in turn. Every validator checks every ballot's
// signature and proofs before it enters its mempool and when its block
// executes. It reports ballots committed per second, each validator's
// CPU per ballot and peak RSS, block intervals and commit latency. Once
// every ballot is counted it waits for the close, has two trustees tally
// over the network (the result must be the choices cast), runs the
// independent verifier over RPC and, the nodes stopped, offline, measures
// node0's disk and projects it, the tally and the verifier to 10 million
// voters.
func BallotNet(w io.Writer, opts BallotNetOptions) (*BallotNetResult, error) {
	if opts.Validators <= 0 {
		opts.Validators = 4
	}
	if opts.Ballots <= 0 {
		opts.Ballots = 60_000
	}
	if opts.Roll < opts.Ballots {
		opts.Roll = max(opts.Ballots, 1_000_000)
	}
	if opts.Workers <= 0 {
		opts.Workers = 64
	}
	if opts.BlockInterval <= 0 {
		opts.BlockInterval = time.Second
	}
	if opts.P2PRate <= 0 {
		opts.P2PRate = 20_000_000
	}
	if opts.CloseAfter <= 0 {
		opts.CloseAfter = 90*time.Second + time.Duration(opts.Roll)*time.Millisecond + time.Duration(opts.Ballots)*20*time.Millisecond
	}
	if opts.MaxBlockBytes <= 0 {
		opts.MaxBlockBytes = 4 << 20
	}
	if opts.ProfileSeconds <= 0 {
		opts.ProfileSeconds = 20
	}
	logf := func(format string, a ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, "ballot-net: "+format+"\n", a...)
		}
	}
	if opts.Node == nil {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		opts.Node = func(home string) *exec.Cmd {
			return exec.Command(exe, "start", "--home", home, "--portal", "", "--log-level", "*:error", "--no-admission-limits")
		}
	}
	n := opts.Ballots
	res := &BallotNetResult{Validators: opts.Validators, Ballots: n, Roll: opts.Roll}

	// Voters: accounts at genesis (their registration is not what is
	// measured), keys derived in parallel.
	keys := make([]ed25519.PrivateKey, n)
	ids := make([]string, n)
	parallel(n, func(i int) {
		keys[i] = benchKey(30_000_000 + i)
		ids[i] = tx.AccountID(keys[i].Public().(ed25519.PublicKey))
	})
	appState, err := appStateWithAccounts(keys)
	if err != nil {
		return nil, err
	}

	dir, err := os.MkdirTemp("", "publica-ballot-net-")
	if err != nil {
		return nil, err
	}
	defer removeRetry(dir)
	base, err := testnet.FreeBasePort(opts.Validators)
	if err != nil {
		return nil, err
	}
	tn, err := testnet.Generate(testnet.Options{Validators: opts.Validators, Output: dir, BasePort: base,
		BlockInterval: opts.BlockInterval, AppState: appState,
		// Blocks without transactions while waiting for the close (block
		// time decides it), instead of the 30 s heartbeat.
		EmptyBlockInterval: 2 * time.Second})
	if err != nil {
		return nil, err
	}
	pprofAddr, metricsAddr := "", ""
	for i, nd := range tn.Nodes {
		conf, err := node.LoadConfig(nd.Home)
		if err != nil {
			return nil, err
		}
		conf.P2P.SendRate, conf.P2P.RecvRate = opts.P2PRate, opts.P2PRate
		doc, err := types.GenesisDocFromFile(conf.GenesisFile())
		if err != nil {
			return nil, err
		}
		doc.ConsensusParams.Block.MaxBytes = opts.MaxBlockBytes
		if err := doc.SaveAs(conf.GenesisFile()); err != nil {
			return nil, err
		}
		if i == 0 && opts.CPUProfile != "" {
			pprofAddr = freeAddr()
			conf.RPC.PprofListenAddress = pprofAddr
		}
		if i == 0 && conf.Instrumentation.Prometheus {
			metricsAddr = conf.Instrumentation.PrometheusListenAddr
		}
		if err := node.WriteConfig(conf); err != nil {
			return nil, err
		}
	}

	// Start every validator; any exit ends the run.
	exited := make(chan error, len(tn.Nodes))
	var pids []int
	var rpcs []string
	var logs []*bytes.Buffer
	var cmds []*exec.Cmd
	var waits []chan struct{}
	stop := func() {
		for i, cmd := range cmds {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-waits[i]:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-waits[i]
			}
		}
		cmds = nil
	}
	defer stop()
	for _, nd := range tn.Nodes {
		cmd := opts.Node(nd.Home)
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		done := make(chan struct{})
		go func() {
			err := cmd.Wait()
			close(done)
			exited <- fmt.Errorf("%s exited: %v", nd.Name, err)
		}()
		cmds, waits, logs = append(cmds, cmd), append(waits, done), append(logs, &buf)
		pids = append(pids, cmd.Process.Pid)
		rpcs = append(rpcs, strings.TrimPrefix(nd.RPCAddr(), "tcp://"))
	}
	nodeLogs := func(err error) error {
		var b strings.Builder
		for i, l := range logs {
			fmt.Fprintf(&b, "\n--- %s\n%s", tn.Nodes[i].Name, tail(l.String(), 1500))
		}
		return fmt.Errorf("%w%s", err, b.String())
	}
	c, err := client.New(tn.Nodes[0].RPCAddr())
	if err != nil {
		return nil, err
	}
	for _, nd := range tn.Nodes {
		cl, err := client.New(nd.RPCAddr())
		if err != nil {
			return nil, err
		}
		if err := waitHeight(cl, 2); err != nil {
			return nil, nodeLogs(fmt.Errorf("%s: %w", nd.Name, err))
		}
	}
	logf("%d validators up (%s), %d voter accounts at genesis", len(tn.Nodes), tn.ChainID, n)

	ctx := context.Background()
	demo := map[string]ed25519.PrivateKey{}
	for _, d := range genesis.DemoKeys {
		demo[d.Name] = d.PrivateKey()
	}
	official := demo["election-official"]
	tkeys := []ed25519.PrivateKey{demo["trustee-1"], demo["trustee-2"], demo["trustee-3"]}
	var tids []string
	for _, k := range tkeys {
		tids = append(tids, tx.AccountID(k.Public().(ed25519.PublicKey)))
	}
	send := func(k ed25519.PrivateKey, typ string, msg any) error {
		t, err := c.Build(ctx, k.Public().(ed25519.PublicKey), typ, msg, 100)
		if err != nil {
			return err
		}
		_, err = c.Send(ctx, t, k)
		return err
	}
	const id = "national"
	now := time.Now()
	create := &ballot.MsgCreateElection{ID: id, Title: "National election (benchmark)", Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll},
		Questions: []ballot.Question{
			{Text: "Approve?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
			{Text: "Chair", Kind: ballot.KindSingle, Options: []string{"Ann", "Ben", "Cy"}},
		},
		Trustees: tids, Threshold: 2, OpensAt: now.Unix(), ClosesAt: now.Add(opts.CloseAfter).Unix()}
	if err := send(official, ballot.TypeCreateElection, create); err != nil {
		return nil, nodeLogs(fmt.Errorf("create the election: %w", err))
	}

	// The roll: the voters and others up to opts.Roll, from a CSV, through
	// the running network.
	var csv bytes.Buffer
	csv.WriteString("account\n")
	for _, v := range ids {
		csv.WriteString(v + "\n")
	}
	var buf [8]byte
	for i := 0; i < opts.Roll-n; i++ {
		for j := range buf {
			buf[j] = byte(uint64(i) >> (8 * j))
		}
		sum := sha256.Sum256(append([]byte("publica ballot-net roll "), buf[:]...))
		csv.WriteString(hex.EncodeToString(sum[:20]) + "\n")
	}
	start := time.Now()
	entries, refused, err := rollimport.ReadCSV(&csv)
	if err != nil {
		return nil, err
	}
	last := time.Now()
	rep, err := rollimport.Run(ctx, c, official, id, entries, refused, rollimport.Options{InFlight: 16, Progress: func(p rollimport.Progress) {
		if time.Since(last) >= 15*time.Second {
			last = time.Now()
			logf("roll: %d of %d voters after %.0fs", p.Done(), p.Entries, p.Elapsed.Seconds())
		}
	}})
	if err != nil {
		return nil, nodeLogs(fmt.Errorf("roll import: %w", err))
	}
	if rep.Added != opts.Roll {
		return nil, fmt.Errorf("roll import added %d of %d voters (%d refused)", rep.Added, opts.Roll, rep.Refused)
	}
	res.RollElapsed = time.Since(start)
	logf("roll of %d voters imported in %.1fs (%.0f voters/s, %d transactions in %d blocks)",
		opts.Roll, res.RollElapsed.Seconds(), float64(opts.Roll)/res.RollElapsed.Seconds(), rep.Transactions, rep.Blocks)

	// The key ceremony.
	for _, k := range tkeys {
		if err := send(k, ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, id)); err != nil {
			return nil, fmt.Errorf("trustee key: %w", err)
		}
	}
	e, trs, err := fetchElectionAndTrustees(ctx, c, id)
	if err != nil {
		return nil, err
	}
	for j, k := range tkeys {
		d, err := ballot.DealMsg(k, e, uint32(j+1), trs)
		if err != nil {
			return nil, err
		}
		if err := send(k, ballot.TypeDeal, d); err != nil {
			return nil, fmt.Errorf("deal: %w", err)
		}
	}
	if err := send(official, ballot.TypePublishKey, &ballot.MsgPublishKey{Election: id}); err != nil {
		return nil, fmt.Errorf("publish the key: %w", err)
	}
	if e, _, err = fetchElectionAndTrustees(ctx, c, id); err != nil {
		return nil, err
	}
	params, err := e.Params()
	if err != nil {
		return nil, err
	}

	// The voters' side: one encrypted ballot with proofs each, signed, in
	// parallel (untimed).
	start = time.Now()
	casts := make([][]byte, n)
	var encMu sync.Mutex
	var encErr error
	parallel(n, func(i int) {
		ch := [][]bool{{i%3 != 0, i%3 == 0}, {i%3 == 0, i%3 == 1, i%3 == 2}}
		b, _, err := elgamal.EncryptBallot(params, ids[i], ch, rand.Reader)
		var enc []byte
		if err == nil {
			enc, err = b.Encode()
		}
		if err != nil {
			encMu.Lock()
			encErr = err
			encMu.Unlock()
			return
		}
		body, _ := tx.EncodeMsg(&ballot.MsgCast{Election: id, Ballot: hex.EncodeToString(enc)})
		t := &tx.Tx{ChainID: tn.ChainID, Sequence: 0, ValidUntil: 1 << 40, MsgType: ballot.TypeCast, Msg: body}
		t.Sign(keys[i])
		casts[i] = t.Encode()
	})
	if encErr != nil {
		return nil, encErr
	}
	res.EncryptElapsed = time.Since(start)
	total := 0
	for _, t := range casts {
		total += len(t)
	}
	res.TxBytes = total / n
	logf("%d ballots encrypted with their proofs and signed in %.1fs (untimed; %d bytes a transaction); flooding %d validators",
		n, res.EncryptElapsed.Seconds(), res.TxBytes, len(tn.Nodes))

	var profile func() error
	if pprofAddr != "" {
		profile = func() error {
			// The middle of the flood, at the expected rate of a few
			// hundred ballots a second.
			time.Sleep(min(30*time.Second, time.Duration(n/400)*time.Second))
			return cpuProfileFor(pprofAddr, opts.CPUProfile, opts.ProfileSeconds)
		}
	}
	res.Size.ChainBeforeFlood = diskSize(node.AppDBDir(tn.Nodes[0].Home)) - diskSize(stateDir(tn.Nodes[0].Home))
	abci0 := abciSeconds(metricsAddr)
	run, err := flood("ballot-net", pids, rpcs, CeilingOptions{Workers: opts.Workers, Timeout: 10*time.Minute + time.Duration(n)*20*time.Millisecond},
		casts, exited, profile)
	if err != nil {
		if time.Now().Unix() >= create.ClosesAt {
			err = fmt.Errorf("%w (the election closed %s after its creation, before the flood ended: give it longer, --ballot-net-close-after)", err, opts.CloseAfter)
		}
		return nil, nodeLogs(err)
	}
	res.Flood = run
	if abci1 := abciSeconds(metricsAddr); abci0 != nil && abci1 != nil {
		res.ABCI = map[string]time.Duration{}
		for m, v := range abci1 {
			res.ABCI[m] = time.Duration((v - abci0[m]) / float64(n) * float64(time.Second))
		}
	}
	for _, cpu := range run.NodeCPU {
		res.CPUPerBallot = append(res.CPUPerBallot, cpu/time.Duration(n))
	}
	for _, pid := range pids {
		res.PeakRSS = append(res.PeakRSS, procField(fmt.Sprintf("/proc/%d/status", pid), "VmHWM:")<<10)
	}
	// Block intervals from the headers of the flood's blocks (and the
	// block before the first).
	var times []time.Time
	for h := max(1, run.FirstHeight-1); h <= run.LastHeight; h++ {
		hh := h
		b, err := c.RPC.Header(ctx, &hh)
		if err != nil {
			return nil, err
		}
		times = append(times, b.Header.Time)
	}
	var gaps []time.Duration
	for i := 1; i < len(times); i++ {
		gaps = append(gaps, times[i].Sub(times[i-1]))
	}
	slices.Sort(gaps)
	if len(gaps) > 0 {
		q := func(p float64) time.Duration { return gaps[max(0, int(math.Ceil(p*float64(len(gaps))))-1)] }
		res.BlockP50, res.BlockP99 = q(0.50), q(0.99)
	}
	agg, err := c.Query(ctx, "/ballot/aggregate/"+id, nil, 0, false)
	if err != nil {
		return nil, err
	}
	var a struct {
		Ballots uint64 `json:"ballots"`
	}
	if err := json.Unmarshal(agg.Value, &a); err != nil {
		return nil, fmt.Errorf("the aggregate: %w", err)
	}
	res.Counted = a.Ballots
	if res.Counted != uint64(n) {
		return nil, fmt.Errorf("the aggregate counts %d ballots, %d were cast", res.Counted, n)
	}
	logf("%d ballots committed at %.0f a second and counted in the aggregate", n, run.TxPerSec)

	// The close: block time, not this clock, decides it.
	start = time.Now()
	closes := time.Unix(create.ClosesAt, 0)
	logf("waiting %.0fs for the election to close (block time)", time.Until(closes).Seconds())
	if err := waitBlockTime(ctx, c, closes, time.Until(closes)+2*time.Minute); err != nil {
		return nil, nodeLogs(err)
	}
	res.CloseWait = time.Since(start)

	// The tally over the network.
	if err := tallyOverNetwork(ctx, c, id, tkeys, send, res); err != nil {
		return nil, nodeLogs(fmt.Errorf("tally: %w", err))
	}
	if want := expectedCounts(n); !slices.EqualFunc(res.Result, want, slices.Equal) {
		return nil, fmt.Errorf("the chain's result %v is not the ballots cast %v", res.Result, want)
	}
	logf("tallied by 2 of 3 trustees in %.2fs: %v", res.TallyElapsed.Seconds(), res.Result)

	// The independent verifier over RPC, every record proven.
	c1, err := client.New(tn.Nodes[len(tn.Nodes)-1].RPCAddr())
	if err != nil {
		return nil, err
	}
	if res.VerifyRPC, err = verifyOverRPC(ctx, c1, id, n, res.ResultHeight); err != nil {
		return nil, err
	}
	logf("verified over RPC with proofs in %.1fs", res.VerifyRPC.Seconds())

	// Stopped: disk, and the verifier offline from node0's home.
	stop()
	if err := offlineAudit(node.AppDBDir(tn.Nodes[0].Home), id, n, res); err != nil {
		return nil, err
	}
	res.project(10_000_000)
	res.Print(w)
	return res, nil
}

// stateDir is where a node keeps its application state (store.Open of
// node.AppDBDir).
func stateDir(home string) string { return filepath.Join(node.AppDBDir(home), "state") }

// expectedCounts is the result of the first n voters' choices in BallotNet
// (voter i: yes unless i is a multiple of 3; Ann, Ben or Cy by i mod 3).
func expectedCounts(n int) [][]uint64 {
	want := [][]uint64{{0, 0}, {0, 0, 0}}
	for i := range n {
		if i%3 == 0 {
			want[0][1]++
		} else {
			want[0][0]++
		}
		want[1][i%3]++
	}
	return want
}

// waitBlockTime waits until the node's latest block is at or after at.
func waitBlockTime(ctx context.Context, c *client.Client, at time.Time, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		st, err := c.RPC.Status(ctx)
		if err == nil && !st.SyncInfo.LatestBlockTime.Before(at) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no block at or after %s: %w", at.UTC().Format(time.RFC3339), ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// tallyOverNetwork has trustees 1 and 3 decrypt the chain's aggregate as
// publica tx ballot tally does (the aggregate read with a proof), and
// reads the result.
func tallyOverNetwork(ctx context.Context, c *client.Client, id string, tkeys []ed25519.PrivateKey,
	send func(ed25519.PrivateKey, string, any) error, res *BallotNetResult) error {
	start := time.Now()
	p, err := c.QueryProven(ctx, "/ballot/aggregate/"+id, nil, 0)
	if err != nil {
		return fmt.Errorf("the aggregate with a proof: %w", err)
	}
	var agg ballot.Aggregate
	if err := json.Unmarshal(p.Value, &agg); err != nil {
		return fmt.Errorf("the aggregate: %w", err)
	}
	e, trs, err := fetchElectionAndTrustees(ctx, c, id)
	if err != nil {
		return err
	}
	r, err := c.Query(ctx, "/ballot/list/complaint/"+id, nil, 0, false)
	if err != nil {
		return err
	}
	var page ballot.Page
	if err := json.Unmarshal(r.Value, &page); err != nil {
		return fmt.Errorf("complaints: %w", err)
	}
	var cs []*ballot.Complaint
	for _, en := range page.Entries {
		var cp ballot.Complaint
		if err := json.Unmarshal(en.Value, &cp); err != nil {
			return err
		}
		cs = append(cs, &cp)
	}
	for _, j := range []uint32{1, 3} {
		t0 := time.Now()
		ks, err := ballot.KeyShareFor(tkeys[j-1], e, j, trs, cs)
		if err != nil {
			return err
		}
		m, err := ballot.TallyMsg(ks, e, &agg, rand.Reader)
		if err != nil {
			return err
		}
		res.TallyTrustees += time.Since(t0)
		if err := send(tkeys[j-1], ballot.TypeTally, m); err != nil {
			return fmt.Errorf("trustee %d: %w", j, err)
		}
	}
	res.TallyElapsed = time.Since(start)
	rr, err := c.Query(ctx, "/ballot/result/"+id, nil, 0, false)
	if err != nil {
		return err
	}
	var result ballot.Result
	if len(rr.Value) == 0 {
		return errors.New("no result after two of three trustees")
	}
	if err := json.Unmarshal(rr.Value, &result); err != nil {
		return fmt.Errorf("the result: %w", err)
	}
	if result.Ballots != agg.Ballots {
		return fmt.Errorf("the result counts %d ballots, the aggregate %d", result.Ballots, agg.Ballots)
	}
	res.Result, res.ResultHeight = result.Counts, result.Height
	return nil
}

// verifyOverRPC runs the independent verifier as publica audit election
// does by default: at the node's settled height, every record proven.
// Its clock starts once the block after the result's is signed.
func verifyOverRPC(ctx context.Context, c *client.Client, id string, n int, resultHeight int64) (time.Duration, error) {
	var settled int64
	for wait := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		h, err := c.SettledHeight(ctx)
		if err == nil && h >= resultHeight {
			settled = h
			break
		}
		if time.Since(wait) > time.Minute {
			return 0, fmt.Errorf("no block after the result's (height %d) within a minute", resultHeight)
		}
	}
	start := time.Now()
	info, err := c.RPC.ABCIInfo(ctx)
	if err != nil {
		return 0, err
	}
	height := min(info.Response.LastBlockHeight, settled)
	rep, err := election.Verify(election.RPCSource{Ctx: ctx, Client: c, Height: height, Prove: true}, id)
	if err != nil {
		return 0, fmt.Errorf("verifier over RPC: %w", err)
	}
	if err := verdict(rep, n); err != nil {
		return 0, fmt.Errorf("verifier over RPC: %w", err)
	}
	return time.Since(start), nil
}

// verdict accepts a report that passed with every ballot verified and the
// result recomputed.
func verdict(rep *election.Report, n int) error {
	if !rep.OK || rep.Ballots != n || rep.BallotsValid != n || !rep.AggregateMatches || !rep.ResultMatches || rep.Phase != "tallied" {
		return fmt.Errorf("not a pass with %d ballots:\n%s", n, rep.Summary())
	}
	return nil
}

// offlineAudit measures a stopped node's disk, runs the verifier from its
// state and counts the state's logical bytes.
func offlineAudit(data, id string, n int, res *BallotNetResult) error {
	res.Size.State = diskSize(filepath.Join(data, "state"))
	res.Size.Chain = diskSize(data) - res.Size.State
	st, err := store.Open(data, dbm.PebbleDBBackend, store.DefaultOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	view, err := st.At(st.Version())
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := election.Verify(election.StoreSource{KV: view}, id)
	if err != nil {
		return fmt.Errorf("verifier offline: %w", err)
	}
	if err := verdict(rep, n); err != nil {
		return fmt.Errorf("verifier offline: %w", err)
	}
	res.VerifyOffline = time.Since(start)
	res.Verified = rep.BallotsValid
	roll, vote, tracker := string(ballot.RollPrefix(id)), string(ballot.VotePrefix(id)), string(ballot.TrackerPrefix(id))
	view.Iterate(nil, nil, false, func(k, v []byte) bool {
		b := int64(len(k) + len(v))
		res.Size.Logical += b
		switch {
		case bytes.HasPrefix(k, []byte(roll)):
			res.Size.RollLogical += b
		case bytes.HasPrefix(k, []byte(vote)), bytes.HasPrefix(k, []byte(tracker)):
			res.Size.BallotLogical += b
		}
		return true
	})
	return nil
}

// project scales the measured figures to voters.
func (r *BallotNetResult) project(voters int) {
	p := BallotNetProjection{Voters: voters}
	if r.Size.Logical > 0 {
		perVoter := float64(r.Size.RollLogical) / float64(r.Roll)
		perBallot := float64(r.Size.BallotLogical) / float64(r.Ballots)
		ratio := float64(r.Size.State) / float64(r.Size.Logical)
		p.State = int64((perVoter + perBallot) * float64(voters) * ratio)
	}
	p.Chain = int64(float64(r.Size.Chain-r.Size.ChainBeforeFlood) / float64(r.Ballots) * float64(voters))
	scale := float64(voters) / float64(r.Ballots)
	p.VerifyOffline = time.Duration(float64(r.VerifyOffline) * scale)
	p.VerifyRPC = time.Duration(float64(r.VerifyRPC) * scale)
	p.DLog = dlogTime(uint64(voters))
	p.Tally = r.TallyElapsed + p.DLog
	r.Projection = p
}

// dlogTime is the time to build the discrete-logarithm table for counts up
// to max and solve five counts of max (the most giant steps), as the
// tally does for the five options of BallotNet's questions.
func dlogTime(max uint64) time.Duration {
	start := time.Now()
	t, err := elgamal.NewDLogTable(max)
	if err != nil {
		return 0
	}
	acc, base := ristretto255.NewIdentityElement(), ristretto255.NewGeneratorElement()
	for v := max; v > 0; v >>= 1 {
		if v&1 == 1 {
			acc.Add(acc, base)
		}
		base.Add(base, base)
	}
	p := elgamal.NewPoint(acc)
	for range 5 {
		if got, err := t.Solve(p); err != nil || got != max {
			return 0
		}
	}
	return time.Since(start)
}

// Print writes the figures.
func (r *BallotNetResult) Print(w io.Writer) {
	f := r.Flood
	fmt.Fprintf(w, "ballot-net: %d validators on loopback (one process each), roll of %d voters imported in %.1fs; %d ballots (%d bytes a transaction) flooded over RPC to every validator\n",
		r.Validators, r.Roll, r.RollElapsed.Seconds(), r.Ballots, r.TxBytes)
	fmt.Fprintf(w, "  committed:     %.0f ballots/s (%d ballots in %.1fs, %d blocks of %.0f on average, largest %d); commit latency p50 %s, p99 %s; block interval p50 %s, p99 %s\n",
		f.TxPerSec, f.Txs, f.Elapsed.Seconds(), f.Blocks, float64(f.Txs)/float64(max(1, f.Blocks)), f.MaxPerBlock, ms(f.P50), ms(f.P99), ms(r.BlockP50), ms(r.BlockP99))
	var cpus, rss []string
	var sum time.Duration
	for i, c := range r.CPUPerBallot {
		cpus = append(cpus, fmt.Sprintf("%.0f", float64(c)/float64(time.Microsecond)))
		sum += c
		if i < len(r.PeakRSS) {
			rss = append(rss, fmt.Sprintf("%d", r.PeakRSS[i]>>20))
		}
	}
	fmt.Fprintf(w, "  CPU per ballot: %s µs per validator (%.0f µs for all %d; the validators used %.2f cores of %d)\n",
		strings.Join(cpus, " / "), float64(sum)/float64(time.Microsecond), len(r.CPUPerBallot), f.CPUCores, runtime.NumCPU())
	fmt.Fprintf(w, "  peak RSS:      %s MiB per validator; mempool full %d times, resent %d, unread by a starved node and resent %d; counted in the aggregate: %d\n",
		strings.Join(rss, " / "), f.MempoolFull, f.Resent, f.Unread, r.Counted)
	if len(r.ABCI) > 0 {
		var parts []string
		for _, m := range []string{"check_tx", "prepare_proposal", "process_proposal", "finalize_block", "commit"} {
			parts = append(parts, fmt.Sprintf("%s %.0f µs", m, float64(r.ABCI[m])/float64(time.Microsecond)))
		}
		fmt.Fprintf(w, "  node0's ABCI time per ballot: %s (FinalizeBlock and Commit hold the chain: %.0f µs a ballot, at most %.0f ballots/s however many cores)\n",
			strings.Join(parts, ", "), float64(r.ABCI["finalize_block"]+r.ABCI["commit"])/float64(time.Microsecond),
			float64(time.Second)/float64(max(1, r.ABCI["finalize_block"]+r.ABCI["commit"])))
	}
	if len(r.CPUPerBallot) > 0 {
		per := sum / time.Duration(len(r.CPUPerBallot))
		fmt.Fprintf(w, "  one validator per machine: about %.0f ballots/s per core of CPU (%.0f µs a ballot on each validator); %d validators on this machine's %d cores: at most %.0f ballots/s\n",
			float64(time.Second)/float64(per), float64(per)/float64(time.Microsecond),
			len(r.CPUPerBallot), runtime.NumCPU(), float64(runtime.NumCPU())*float64(time.Second)/float64(max(1, sum)))
	}
	if r.Result == nil {
		return
	}
	fmt.Fprintf(w, "  close:         %.1fs after the flood (the election's closing time, set at its creation)\n", r.CloseWait.Seconds())
	fmt.Fprintf(w, "  tally:         %.2fs from reading the aggregate to the result committed (2 of 3 trustees; their partial decryptions with proofs %.3fs); result %v\n",
		r.TallyElapsed.Seconds(), r.TallyTrustees.Seconds(), r.Result)
	fmt.Fprintf(w, "  verifier:      %d ballots: PASS over RPC, every record proven, in %.1fs (%.0f ballots/s); PASS offline from node0's home in %.2fs (%.0f ballots/s on %d cores)\n",
		r.Verified, r.VerifyRPC.Seconds(), float64(r.Ballots)/r.VerifyRPC.Seconds(), r.VerifyOffline.Seconds(),
		float64(r.Ballots)/r.VerifyOffline.Seconds(), runtime.GOMAXPROCS(0))
	z := r.Size
	fmt.Fprintf(w, "  disk (node0):  state %.1f MiB (%.1f MiB of keys and values: roll %.0f bytes a voter, votes and trackers %.0f bytes a ballot), blocks and CometBFT's state %.1f MiB (%.0f bytes a ballot over the flood)\n",
		mib(z.State), mib(z.Logical), float64(z.RollLogical)/float64(r.Roll), float64(z.BallotLogical)/float64(r.Ballots),
		mib(z.Chain), float64(z.Chain-z.ChainBeforeFlood)/float64(r.Ballots))
	p := r.Projection
	fmt.Fprintf(w, "  %d voters, all casting (projected linearly from the per-voter and per-ballot figures above): state %.1f GiB and blocks %.1f GiB a validator; verifier %s offline, %s over RPC; tally %.1fs (measured tally plus a discrete-log table for %d and five worst-case solves, %.2fs); the flood at %.0f ballots/s: %s\n",
		p.Voters, gib(p.State), gib(p.Chain), p.VerifyOffline.Round(time.Second), p.VerifyRPC.Round(time.Second),
		p.Tally.Seconds(), p.Voters, p.DLog.Seconds(), f.TxPerSec, time.Duration(float64(p.Voters)/f.TxPerSec*float64(time.Second)).Round(time.Second))
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
func gib(b int64) float64 { return float64(b) / (1 << 30) }

// appStateWithAccounts is the development app state with an account for
// each key (no role).
func appStateWithAccounts(keys []ed25519.PrivateKey) ([]byte, error) {
	var gs map[string]json.RawMessage
	if err := json.Unmarshal(genesis.DevAppState(), &gs); err != nil {
		return nil, err
	}
	var g authority.Genesis
	if err := json.Unmarshal(gs[authority.ModuleName], &g); err != nil {
		return nil, err
	}
	for _, k := range keys {
		g.Accounts = append(g.Accounts, authority.GenesisAccountFor(k.Public().(ed25519.PublicKey)))
	}
	b, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}
	gs[authority.ModuleName] = b
	return json.Marshal(gs)
}

// fetchElectionAndTrustees reads an election and its trustee records.
func fetchElectionAndTrustees(ctx context.Context, c *client.Client, id string) (*ballot.Election, []*ballot.Trustee, error) {
	get := func(path string, v any) error {
		r, err := c.Query(ctx, path, nil, 0, false)
		if err != nil {
			return err
		}
		if len(r.Value) == 0 {
			return fmt.Errorf("%s: not found", path)
		}
		return json.Unmarshal(r.Value, v)
	}
	var e ballot.Election
	if err := get("/ballot/election/"+id, &e); err != nil {
		return nil, nil, err
	}
	trs := make([]*ballot.Trustee, len(e.Trustees))
	for j := range trs {
		var t ballot.Trustee
		if err := get(fmt.Sprintf("/ballot/trustee/%s/%d", id, j+1), &t); err != nil {
			return nil, nil, err
		}
		trs[j] = &t
	}
	return &e, trs, nil
}

// abciSeconds scrapes a node's Prometheus metrics for the total seconds
// spent in each ABCI method (CometBFT's
// abci_connection_method_timing_seconds, summed over its types); nil if
// they cannot be read.
func abciSeconds(addr string) map[string]float64 {
	if addr == "" {
		return nil
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	res, err := hc.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "cometbft_abci_connection_method_timing_seconds_sum{") {
			continue
		}
		_, rest, ok := strings.Cut(line, `method="`)
		if !ok {
			continue
		}
		method, _, _ := strings.Cut(rest, `"`)
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			out[method] += v
		}
	}
	return out
}
