package crashtest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	dbm "github.com/cosmos/cosmos-db"

	"github.com/publica/publica/client"
	"github.com/publica/publica/genesis"
	pnode "github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// The run is reproducible in what the test decides: the kill moments and
// the keys come from this seed. (What the node is doing at each moment
// still depends on the machine's load.)
const seed = 20261203

// How each run ends, by run: killed at a seeded random moment under the
// flood; killed at the archive's next write after such a moment, which
// lands inside a block's commit, between the archive's write and the
// latest tree's; or killed at a seeded random moment while starting
// (handshake, block replay, first blocks).
type killMode int

const (
	underFlood killMode = iota
	inCommit
	whileStarting
)

var kills = []killMode{underFlood, inCommit, whileStarting, underFlood, inCommit, whileStarting, underFlood, inCommit}

func (m killMode) String() string {
	return [...]string{"under the flood", "at the archive's write", "while starting"}[m]
}

// blockInterval is short so that blocks follow each other under the
// flood: a kill then often lands inside a block's execution or commit.
const blockInterval = "20ms"

// Flood shape: workers each broadcast a batch of fresh-key registrations,
// then wait for every one of them to show up committed in /tx.
const (
	workers = 3
	batch   = 12
)

// TestCrashRecovery builds the publica binary, starts a development chain,
// floods it with account registrations and kills it with SIGKILL (see
// kills: at seeded random moments under the flood or while starting, and
// at the archive's write inside a commit), restarting it each time on the
// same home. After each restart: the node comes back (CometBFT replays
// what the application lacks), the app hash the application reports is
// the next header's, each new height's state proves against the next
// header, and every transaction seen committed before a crash is still in
// /tx, at the same height, and its account in the state, proven. At the
// end every height is proven again, and the accounts acknowledged since
// the last restart with a sample of the others at the height each was
// made and their absence just before; the node stops cleanly on SIGINT.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills real nodes")
	}
	began := time.Now()
	dir := workDir(t)
	bin := buildPublica(t, dir)
	built := time.Since(began)

	home := filepath.Join(dir, "home")
	rpcAddr := freeAddr(t)
	out, err := exec.Command(bin, "init", "--dev", "--home", home, "--rpc", "tcp://"+rpcAddr,
		"--p2p", "tcp://"+freeAddr(t), "--block-interval", blockInterval).CombinedOutput()
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	setMetricsAddr(t, home, freeAddr(t))

	rng := rand.New(rand.NewPCG(seed, 1))
	var keySeed [32]byte
	copy(keySeed[:], strconv.Itoa(seed))
	f := &flood{chainID: genesis.DevChainID, keys: rand.NewChaCha8(keySeed)}
	st := &checked{}
	var restarts []string
	archiveAhead := 0 // kills that left the archive a version ahead
	archive := filepath.Join(home, "data", "state", "archive.db")

	for run, mode := range kills {
		n := startNode(t, bin, home, filepath.Join(dir, fmt.Sprintf("node-%d.log", run)))
		c := rpcClient(t, rpcAddr)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		startFlood := func() {
			for range workers {
				wg.Go(func() { f.run(ctx, c.RPC) })
			}
		}
		var wait time.Duration
		if mode == whileStarting {
			wait = time.Duration(rng.Int64N(int64(1500 * time.Millisecond)))
			startFlood()
		} else {
			n.waitReady(t, c)
			// The flood also makes the blocks the checks wait for: a
			// node may make no empty blocks.
			before := f.acked()
			startFlood()
			st.afterRestart(t, c, before, n)
			wait = 300*time.Millisecond + time.Duration(rng.Int64N(int64(1500*time.Millisecond)))
		}
		time.Sleep(wait)
		note := ""
		if mode == inCommit {
			n.alive(t)
			hit, err := killOnLogWrite(n.cmd.Process, archive, 10*time.Second)
			if !hit {
				note = fmt.Sprintf(" (no archive write came: %v)", err)
			}
		}
		n.kill(t)
		cancel()
		wg.Wait()
		if run > 0 {
			restarts = append(restarts, fmt.Sprintf("run %d started: %s", run, n.handshake()))
		}
		state, ahead := inspect(t, home)
		if ahead {
			archiveAhead++
		}
		restarts = append(restarts, fmt.Sprintf("killed %s after %v%s: %s", mode, wait.Round(time.Millisecond), note, state))
		t.Log(restarts[len(restarts)-1])
	}

	n := startNode(t, bin, home, filepath.Join(dir, "node-final.log"))
	c := rpcClient(t, rpcAddr)
	n.waitReady(t, c)
	restarts = append(restarts, "last run started: "+n.handshake())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	before := f.acked()
	for range workers {
		wg.Go(func() { f.run(ctx, c.RPC) })
	}
	st.afterRestart(t, c, before, n)
	time.Sleep(500 * time.Millisecond)
	cancel()
	wg.Wait()
	st.final(t, c, f, n)
	n.stop(t)
	if t.Failed() {
		return
	}
	t.Logf("kills and restarts:\n  %s", strings.Join(restarts, "\n  "))
	// Whether a kill lands inside a commit depends on the machine; it is
	// reported, not required.
	t.Logf("%d of %d kills left the archive a version ahead of the latest tree", archiveAhead, len(kills))
	t.Logf("%d kills, %d transactions acknowledged and found after recovery, %d height proofs; build %v, whole test %v",
		len(kills), f.count(), st.heights, built.Round(time.Second), time.Since(began).Round(time.Second))
}

// ack is a transaction seen committed (in /tx with code 0) before a crash.
type ack struct {
	hash   []byte
	height int64
	pub    ed25519.PublicKey
}

// flood sends account registrations for fresh keys and records those it
// sees committed.
type flood struct {
	chainID string

	mu      sync.Mutex
	keys    *rand.ChaCha8
	acks    []ack
	refused []string
}

func (f *flood) nextKey() ed25519.PrivateKey {
	f.mu.Lock()
	defer f.mu.Unlock()
	var s [ed25519.SeedSize]byte
	f.keys.Read(s[:])
	return ed25519.NewKeyFromSeed(s[:])
}

func (f *flood) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.acks)
}

// acked is a copy of the transactions acknowledged so far.
func (f *flood) acked() []ack {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ack(nil), f.acks...)
}

// takeRefused returns the refusals seen so far and forgets them.
func (f *flood) takeRefused() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.refused
	f.refused = nil
	return r
}

// nudge sends one registration and waits for its block: on a node that
// makes no empty blocks, it is what makes the next block.
func (f *flood) nudge(ctx context.Context, rpc rpcclient.Client) (int64, error) {
	res, err := rpc.BroadcastTxSync(ctx, registration(f.chainID, f.nextKey()))
	if err != nil {
		return 0, err
	}
	if res.Code != 0 {
		return 0, fmt.Errorf("CheckTx refused a registration: %d %s", res.Code, res.Log)
	}
	for {
		r, err := rpc.Tx(ctx, res.Hash, false)
		if err == nil {
			return r.Height, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("registration %X not committed: %w", res.Hash, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// run broadcasts batches until ctx ends (the node is being killed). A
// broadcast that fails (the node is down or starting) drops that
// transaction: it was never acknowledged.
func (f *flood) run(ctx context.Context, rpc rpcclient.Client) {
	type pending struct {
		hash []byte
		pub  ed25519.PublicKey
	}
	for ctx.Err() == nil {
		var pend []pending
		for range batch {
			key := f.nextKey()
			res, err := rpc.BroadcastTxSync(ctx, registration(f.chainID, key))
			if err != nil {
				break
			}
			pub := key.Public().(ed25519.PublicKey)
			if res.Code != 0 {
				f.refuse(fmt.Sprintf("CheckTx refused the registration of %x: %d %s", []byte(pub), res.Code, res.Log))
				continue
			}
			pend = append(pend, pending{hash: res.Hash, pub: pub})
		}
		if len(pend) == 0 {
			sleep(ctx, 100*time.Millisecond)
			continue
		}
		// Wait for the batch; a transaction that never shows up (lost
		// from the mempool by a crash) is given up on.
		giveUp := time.Now().Add(15 * time.Second)
		for len(pend) > 0 && ctx.Err() == nil && time.Now().Before(giveUp) {
			sleep(ctx, 50*time.Millisecond)
			keep := pend[:0]
			for _, p := range pend {
				r, err := rpc.Tx(ctx, p.hash, false)
				switch {
				case err != nil:
					keep = append(keep, p)
				case r.TxResult.Code != 0:
					f.refuse(fmt.Sprintf("registration %X failed in block %d: %d %s", p.hash, r.Height, r.TxResult.Code, r.TxResult.Log))
				default:
					f.mu.Lock()
					f.acks = append(f.acks, ack{hash: p.hash, height: r.Height, pub: p.pub})
					f.mu.Unlock()
				}
			}
			pend = keep
		}
	}
}

func (f *flood) refuse(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refused = append(f.refused, msg)
}

// registration is a signed authority/register-account for key, valid at
// any height (a fresh key's only transaction, at sequence 0).
func registration(chainID string, key ed25519.PrivateKey) []byte {
	body, err := tx.EncodeMsg(authority.MsgRegisterAccount{})
	if err != nil {
		panic(err)
	}
	t := &tx.Tx{ChainID: chainID, ValidUntil: 1 << 40, MsgType: authority.TypeRegisterAccount, Msg: body}
	t.Sign(key)
	return t.Encode()
}

// checked is how far the checks have got, across restarts.
type checked struct {
	provenTo int64 // every height up to here proved against its next header
	acksDone int   // acks[:acksDone] were checked after a restart
	heights  int   // heights proven, counting the final pass
}

// afterRestart checks a node that just came back, given the transactions
// acknowledged before it did.
func (s *checked) afterRestart(t *testing.T, c *client.Client, acks []ack, n *node) {
	t.Helper()
	// Each step has its own deadline (within): under a loaded CI machine
	// the flood keeps making blocks (ten and more a second) while each
	// acknowledged transaction and every new height is proven, and a
	// budget for the whole pass once ran out.
	ctx := context.Background()

	// The app hash the application reports is the one the next header
	// carries (CometBFT's handshake checked it against its saved state;
	// this checks it against the chain the node goes on to make). At
	// height 0 nothing was saved yet: the node runs InitChain again, and
	// the hash Info reports is the empty tree's, not genesis's.
	var appHeight int64
	info, err := within(ctx, c.RPC.ABCIInfo)
	if err != nil {
		n.fatal(t, "abci_info: %v", err)
	}
	appHeight = info.Response.LastBlockHeight
	appHash := info.Response.LastBlockAppHash
	blockCtx, cancel := context.WithTimeout(ctx, queryDeadline)
	defer cancel()
	if header := waitBlock(blockCtx, t, c, n, appHeight+1); appHeight > 0 && !bytes.Equal(header, appHash) {
		n.fatal(t, "abci_info reports app hash %X at height %d; the header of block %d says %X", appHash, appHeight, appHeight+1, header)
	}
	var maxAck int64
	for _, a := range acks {
		maxAck = max(maxAck, a.height)
	}
	if appHeight < maxAck {
		n.fatal(t, "after the restart the application is at height %d, but a transaction was acknowledged at height %d", appHeight, maxAck)
	}
	for v := s.provenTo + 1; v <= appHeight; v++ {
		if _, err := within(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, proveParams(ctx, c, v) }); err != nil {
			n.fatal(t, "%v", err)
		}
		s.heights++
	}
	s.provenTo = max(s.provenTo, appHeight)
	for _, a := range acks[s.acksDone:] {
		if _, err := within(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, checkAck(ctx, c, a, false) }); err != nil {
			n.fatal(t, "%v", err)
		}
	}
	s.acksDone = len(acks)
}

// proveParams proves a key of the state at height v: the saved state of
// v has the root that the header of v+1 carries.
func proveParams(ctx context.Context, c *client.Client, v int64) error {
	p, err := c.QueryProven(ctx, "/authority/params", nil, v)
	if err != nil {
		return fmt.Errorf("proven query at height %d: %w", v, err)
	}
	if p.Height != v || len(p.Value) == 0 {
		return fmt.Errorf("proven query at height %d answered for height %d with %d bytes", v, p.Height, len(p.Value))
	}
	return nil
}

// checkAck finds an acknowledged transaction in /tx at the height it was
// acknowledged at, and its account in the latest state with a proof;
// atHeight also proves the account at its block's height and its absence
// just before.
func checkAck(ctx context.Context, c *client.Client, a ack, atHeight bool) error {
	r, err := c.RPC.Tx(ctx, a.hash, false)
	if err != nil {
		return fmt.Errorf("transaction %X, acknowledged at height %d, is not in /tx after the crash: %v", a.hash, a.height, err)
	}
	if r.Height != a.height || r.TxResult.Code != 0 {
		return fmt.Errorf("transaction %X acknowledged at height %d with code 0 is now at height %d with code %d", a.hash, a.height, r.Height, r.TxResult.Code)
	}
	// The account a registration makes is named by its key's hash and
	// holds the key: its record answers for the key (protocol 4 keeps no
	// separate key index entry for it).
	want := tx.AccountID(a.pub)
	path := "/authority/account/" + want
	heights := []int64{0}
	if atHeight {
		heights = append(heights, a.height)
	}
	for _, h := range heights {
		if h == 0 {
			settled, err := c.SettledHeight(ctx)
			if err != nil {
				return fmt.Errorf("settled height: %w", err)
			}
			h = settled
		}
		p, err := c.QueryProven(ctx, path, nil, h)
		if err != nil {
			return fmt.Errorf("proven account query for the key of %X at height %d: %v", a.hash, h, err)
		}
		var acct authority.Account
		if err := json.Unmarshal(p.Value, &acct); err != nil || acct.ID != want || acct.PubKey != hex.EncodeToString(a.pub) {
			return fmt.Errorf("the key registered by %X (height %d): account %s at height %d is %q (%v), want it controlled by the key", a.hash, a.height, want, h, p.Value, err)
		}
	}
	if atHeight && a.height > 1 {
		p, err := c.QueryProven(ctx, path, nil, a.height-1)
		if err != nil {
			return fmt.Errorf("proven absence of the key of %X at height %d: %v", a.hash, a.height-1, err)
		}
		if len(p.Value) != 0 {
			return fmt.Errorf("the key registered by %X at height %d already had account %q at height %d", a.hash, a.height, p.Value, a.height-1)
		}
	}
	return nil
}

// final proves every height again (a later crash must not have damaged an
// earlier version) and acknowledged accounts at their own heights: all
// those acknowledged since the last restart, and a sample of the others.
func (s *checked) final(t *testing.T, c *client.Client, f *flood, n *node) {
	t.Helper()
	// Each query has its own deadline, not the pass as a whole: the pass
	// proves thousands of heights and accounts, and on a loaded CI machine
	// (other packages' tests beside it) a 3-minute budget for all of them
	// ran out while the node was answering every query.
	ctx := context.Background()
	began := time.Now()
	for _, r := range f.takeRefused() {
		t.Errorf("refused: %s", r)
	}
	acks := f.acked()
	if len(acks) < 100 {
		t.Errorf("only %d transactions were acknowledged: the flood did not load the node", len(acks))
	}
	// Blocks past every acknowledged one and every proven height, so that
	// the latest settled state holds every account and each proven
	// height has its next header.
	target := s.provenTo
	for _, a := range acks {
		target = max(target, a.height)
	}
	for {
		h, err := within(ctx, func(ctx context.Context) (int64, error) { return f.nudge(ctx, c.RPC) })
		if err != nil {
			n.fatal(t, "%v", err)
		}
		if h > target+1 {
			break
		}
	}
	// The accounts proven at their own heights: every one the last run's
	// checks did not see, and a spread sample of at most finalSample of
	// the earlier ones, each of which was already found after its own
	// restart (and every height's root is proven again below). Proving all
	// of them (thousands, five queries each) outran go test's timeout on a
	// loaded CI machine.
	check := slices.Clone(acks[min(s.acksDone, len(acks)):])
	earlier := acks[:min(s.acksDone, len(acks))]
	step := max(1, (len(earlier)+finalSample-1)/finalSample)
	for i := 0; i < len(earlier); i += step {
		check = append(check, earlier[i])
	}
	// Two readers at a time: the node answers on both cores.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for part := range 2 {
		wg.Go(func() {
			for v := int64(1 + part); v <= s.provenTo && errs[part] == nil; v += 2 {
				_, errs[part] = within(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, proveParams(ctx, c, v) })
			}
			for i := part; i < len(check) && errs[part] == nil; i += 2 {
				_, errs[part] = within(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, checkAck(ctx, c, check[i], true) })
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			n.fatal(t, "%v", err)
		}
	}
	s.heights += int(s.provenTo)
	t.Logf("final pass: %d heights and %d of %d accounts proven at their heights in %v", s.provenTo, len(check), len(acks), time.Since(began).Round(time.Second))
}

// finalSample bounds how many accounts, already checked after their own
// restart, the final pass proves again at their heights.
const finalSample = 1000

// queryDeadline bounds one check's queries: long enough for a loaded
// machine, short enough that a node that stopped answering fails the test
// well before go test's own timeout.
const queryDeadline = time.Minute

// within runs one check with its own deadline.
func within[T any](ctx context.Context, check func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, queryDeadline)
	defer cancel()
	return check(ctx)
}

// node is one run of `publica start` in a subprocess.
type node struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func startNode(t *testing.T, bin, home, logPath string) *node {
	t.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// consensus:info logs the handshake (how far the application was behind).
	cmd := exec.Command(bin, "start", "--home", home, "--portal", "", "--log-level", "consensus:info,*:error", "--no-admission-limits")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		n.err = cmd.Wait()
		logFile.Close()
		close(n.done)
	}()
	t.Cleanup(func() {
		select {
		case <-n.done:
		default:
			cmd.Process.Kill()
			<-n.done
		}
	})
	return n
}

// waitReady waits until the node answers RPC, which it does once
// CometBFT's handshake with the application (and any replay) is done.
func (n *node) waitReady(t *testing.T, c *client.Client) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-n.done:
			n.fatal(t, "the node exited while starting: %v", n.err)
		default:
		}
		if _, err := c.RPC.ABCIInfo(context.Background()); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	n.fatal(t, "the node did not answer RPC within 60s of starting")
}

// alive stops the test if the node has exited by itself.
func (n *node) alive(t *testing.T) {
	t.Helper()
	select {
	case <-n.done:
		n.fatal(t, "the node exited by itself: %v", n.err)
	default:
	}
}

// kill sends SIGKILL (unless already sent) and waits for the process to
// be gone.
func (n *node) kill(t *testing.T) {
	t.Helper()
	select {
	case <-n.done:
	default:
		n.cmd.Process.Signal(syscall.SIGKILL)
		<-n.done
	}
	if ws, ok := n.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		n.fatal(t, "the node ended otherwise than by SIGKILL: %v", n.err)
	}
}

// stop interrupts the node, as an operator does, and expects a clean exit.
func (n *node) stop(t *testing.T) {
	t.Helper()
	n.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-n.done:
		if n.err != nil {
			n.fatal(t, "the node did not stop cleanly: %v", n.err)
		}
	case <-time.After(30 * time.Second):
		n.fatal(t, "the node did not stop within 30s of SIGINT")
	}
}

var handshakeLine = regexp.MustCompile(`ABCI Replay Blocks.*appHeight=(\d+) storeHeight=(\d+) stateHeight=(\d+)`)

// handshake summarises how far behind CometBFT found the application.
func (n *node) handshake() string {
	b, _ := os.ReadFile(n.log)
	m := handshakeLine.FindSubmatch(b)
	if m == nil {
		return "no handshake line in the log"
	}
	app, _ := strconv.ParseInt(string(m[1]), 10, 64)
	store, _ := strconv.ParseInt(string(m[2]), 10, 64)
	state, _ := strconv.ParseInt(string(m[3]), 10, 64)
	what := "application level with CometBFT"
	switch {
	case app < store && store > state:
		what = fmt.Sprintf("block %d saved but not executed: replayed %d block(s) through the application", store, store-app)
	case app < store:
		what = fmt.Sprintf("application %d block(s) behind: replayed", store-app)
	case store > state:
		what = "application committed the last block before CometBFT saved its state"
	}
	return fmt.Sprintf("app %d, block store %d, state %d: %s", app, store, state, what)
}

// inspect opens the killed node's state as the node will, and says where
// the archive and the latest tree stand: the archive is written first, so
// a kill inside a commit leaves it one version ahead.
func inspect(t *testing.T, home string) (string, bool) {
	t.Helper()
	st, err := store.Open(pnode.AppDBDir(home), dbm.PebbleDBBackend, store.DefaultOptions())
	if err != nil {
		t.Fatalf("open the state after a kill: %v", err)
	}
	defer st.Close()
	v := st.Version()
	if _, err := st.At(v + 1); err == nil {
		return fmt.Sprintf("latest tree at %d, archive at %d: killed inside a commit, after the archive's write", v, v+1), true
	}
	return fmt.Sprintf("latest tree and archive at %d", v), false
}

// fatal stops the test with the node's log tail.
func (n *node) fatal(t *testing.T, format string, args ...any) {
	t.Helper()
	b, _ := os.ReadFile(n.log)
	t.Fatalf("%s\nnode log (%s), last lines:\n%s", fmt.Sprintf(format, args...), n.log, tail(string(b), 40))
}

func waitBlock(ctx context.Context, t *testing.T, c *client.Client, n *node, h int64) []byte {
	t.Helper()
	for {
		b, err := c.RPC.Block(ctx, &h)
		if err == nil {
			return b.Block.Header.AppHash
		}
		select {
		case <-ctx.Done():
			n.fatal(t, "block %d: %v", h, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func rpcClient(t *testing.T, addr string) *client.Client {
	t.Helper()
	c, err := client.New("tcp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// workDir is the test's directory (binary, home, node logs), kept for a
// look when the test fails.
func workDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "publica-crashtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kept %s (binary, home, node logs)", dir)
			return
		}
		// Retried: a killed node's files may still be closing.
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return dir
}

// buildPublica builds the binary the way an operator gets it.
func buildPublica(t *testing.T, dir string) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "publica")
	build := exec.Command("go", "build", "-o", bin, "./cmd/publica")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// setMetricsAddr moves the Prometheus listener off its fixed default port,
// which another node on the machine may hold.
func setMetricsAddr(t *testing.T, home, addr string) {
	t.Helper()
	path := filepath.Join(home, "config", "config.toml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^prometheus_listen_addr = ".*"$`)
	b = re.ReplaceAll(b, []byte(`prometheus_listen_addr = "`+addr+`"`))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
