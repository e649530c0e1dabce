package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/publica/publica/app"
	"github.com/publica/publica/client"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/land"
)

// AbuseOptions describe the abuse run: one attacker floods a real node at
// full speed from many accounts without a role (and keeps registering
// fresh ones), while a clerk sends transactions one after another; the
// figure is how many blocks each of the clerk's transactions waits.
type AbuseOptions struct {
	// Accounts are the attacker's accounts at the start, each registered
	// earlier at the cost of its proof of work (in the genesis here, to
	// save the bench that work; default 400).
	Accounts int
	// Workers are the attacker's concurrent broadcast_tx_sync senders
	// (default 8); Registrars its concurrent fresh registrations, each
	// paying the node's proof of work (default 1).
	Workers, Registrars int
	// ClerkTxs are the clerk's transactions timed (default 50).
	ClerkTxs int
	// BlockInterval is timeout_commit (default 1 s, as publica init).
	BlockInterval time.Duration
	// Admission is the node's policy (nil: app.DefaultAdmission).
	Admission *app.Admission
	// Log receives progress lines (nil: none).
	Log io.Writer
}

// AbuseRun is one run's figures.
type AbuseRun struct {
	Policy string
	// ClerkBlocks is each clerk transaction's wait in blocks: the height
	// of its block minus the latest height when it was sent (1: the next
	// block). ClerkRefused counts those the node would not admit.
	ClerkBlocks  []int64
	ClerkSeconds []time.Duration
	ClerkRefused int
	// The attacker's transactions admitted and refused by CheckTx (by
	// quota, or anything else), fresh registrations admitted.
	Admitted, Quota, OtherRefused, Registered int64
	// Blocks and transactions committed during the clerk's run, and the
	// largest mempool seen.
	Blocks, Txs int64
	MaxMempool  int
}

// Percentile is the p-th percentile (0..100) of the sorted copy of v.
func percentile[T int64 | time.Duration](v []T, p int) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(min(i, len(s))-1, 0)]
}

// Print writes the run's line.
func (r AbuseRun) Print(w io.Writer) {
	fmt.Fprintf(w, "  %-9s clerk wait p50 %d block(s) / %s, p99 %d / %s, max %d; clerk refused %d of %d\n",
		r.Policy, percentile(r.ClerkBlocks, 50), percentile(r.ClerkSeconds, 50).Round(time.Millisecond),
		percentile(r.ClerkBlocks, 99), percentile(r.ClerkSeconds, 99).Round(time.Millisecond),
		percentile(r.ClerkBlocks, 100), r.ClerkRefused, len(r.ClerkBlocks)+r.ClerkRefused)
	fmt.Fprintf(w, "  %-9s attacker: %d admitted, %d refused by quota, %d refused otherwise, %d fresh accounts registered; %d blocks, %d txs (%.0f/block), mempool up to %d\n",
		"", r.Admitted, r.Quota, r.OtherRefused, r.Registered, r.Blocks, r.Txs, float64(r.Txs)/float64(max(r.Blocks, 1)), r.MaxMempool)
}

func attackerKey(i int) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(fmt.Sprintf("publica abuse bench attacker %d", i)))
	return ed25519.NewKeyFromSeed(seed[:])
}

// RunAbuse runs the abuse measurement once on a fresh node.
func RunAbuse(opts AbuseOptions) (AbuseRun, error) {
	if opts.Accounts <= 0 {
		opts.Accounts = 400
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Registrars < 0 {
		opts.Registrars = 0
	} else if opts.Registrars == 0 {
		opts.Registrars = 1
	}
	if opts.ClerkTxs <= 0 {
		opts.ClerkTxs = 50
	}
	if opts.BlockInterval <= 0 {
		opts.BlockInterval = time.Second
	}
	pol := app.DefaultAdmission
	if opts.Admission != nil {
		pol = *opts.Admission
	}
	run := AbuseRun{Policy: "policy"}
	if pol == (app.Admission{}) {
		run.Policy = "no policy"
	}
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}

	// The development genesis, plus the attacker's accounts.
	var st map[string]json.RawMessage
	if err := json.Unmarshal(genesis.DevAppState(), &st); err != nil {
		return run, err
	}
	var auth authority.Genesis
	if err := json.Unmarshal(st[authority.ModuleName], &auth); err != nil {
		return run, err
	}
	keys := make([]ed25519.PrivateKey, opts.Accounts)
	for i := range keys {
		keys[i] = attackerKey(i)
		auth.Accounts = append(auth.Accounts, authority.GenesisAccountFor(keys[i].Public().(ed25519.PublicKey)))
	}
	st[authority.ModuleName], _ = json.Marshal(auth)
	appState, _ := json.Marshal(st)

	home, err := os.MkdirTemp("", "publica-abuse-")
	if err != nil {
		return run, err
	}
	defer os.RemoveAll(home)
	rpcAddr, p2pAddr := freeAddr(), freeAddr()
	if err := node.Init(home, node.InitOptions{ChainID: genesis.DevChainID, AppState: appState, BlockInterval: opts.BlockInterval,
		RPCAddr: "tcp://" + rpcAddr, P2PAddr: "tcp://" + p2pAddr, MetricsAddr: "off"}); err != nil {
		return run, err
	}
	n, err := node.Start(home, node.Options{Store: store.DefaultOptions(), Admission: &pol})
	if err != nil {
		return run, err
	}
	defer n.Stop()
	c, err := client.New(n.RPCAddress())
	if err != nil {
		return run, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for {
		if h, err := c.LatestHeight(ctx); err == nil && h >= 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The latest height, for valid-until heights and the clerk's waits.
	var height atomic.Int64
	updateHeight := func() {
		if st, err := c.RPC.Status(ctx); err == nil {
			height.Store(st.SyncInfo.LatestBlockHeight)
		}
	}
	updateHeight()
	var maxMempool atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			updateHeight()
			if r, err := c.RPC.NumUnconfirmedTxs(ctx); err == nil && int64(r.Total) > maxMempool.Load() {
				maxMempool.Store(int64(r.Total))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()

	spam, _ := tx.EncodeMsg(land.MsgRegisterParty{Kind: land.PartyOrganisation, Name: "Spam Ltd"})
	// The flood: each worker cycles through its accounts, sending from
	// each until the node refuses, as fast as the node answers.
	for w := 0; w < opts.Workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			next := map[int]uint64{}
			for ctx.Err() == nil {
				for i := w; i < len(keys) && ctx.Err() == nil; i += opts.Workers {
					for ctx.Err() == nil {
						x := &tx.Tx{ChainID: genesis.DevChainID, Sequence: next[i], ValidUntil: uint64(height.Load()) + 100,
							MsgType: land.TypeRegisterParty, Msg: spam}
						x.Sign(keys[i])
						res, err := c.RPC.BroadcastTxSync(ctx, x.Encode())
						if err != nil {
							break
						}
						if res.Code == 0 {
							run.countAdmitted()
							next[i]++
							continue
						}
						if res.Codespace == errs.Codespace && res.Code == errs.MempoolQuota.Code {
							atomic.AddInt64(&run.Quota, 1)
						} else {
							atomic.AddInt64(&run.OtherRefused, 1)
						}
						if res.Codespace == errs.Codespace && res.Code == errs.BadSequence.Code {
							if a, err := c.AccountByKey(ctx, keys[i].Public().(ed25519.PublicKey)); err == nil && a != nil {
								next[i] = a.Sequence
							}
						}
						break
					}
				}
			}
		}(w)
	}
	// Fresh accounts, each paying the node's proof of work.
	for r := 0; r < opts.Registrars; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			reg, _ := tx.EncodeMsg(authority.MsgRegisterAccount{})
			for i := 0; ctx.Err() == nil; i++ {
				seed := sha256.Sum256([]byte(fmt.Sprintf("publica abuse bench fresh %d/%d", r, i)))
				k := ed25519.NewKeyFromSeed(seed[:])
				vu := uint64(height.Load()) + 100
				if pol.RegisterWorkBits > 0 {
					vu = tx.FindRegisterWork(genesis.DevChainID, k.Public().(ed25519.PublicKey), vu, pol.RegisterWorkBits)
				}
				x := &tx.Tx{ChainID: genesis.DevChainID, ValidUntil: vu, MsgType: authority.TypeRegisterAccount, Msg: reg}
				x.Sign(k)
				if res, err := c.RPC.BroadcastTxSync(ctx, x.Encode()); err == nil && res.Code == 0 {
					atomic.AddInt64(&run.Registered, 1)
				}
			}
		}(r)
	}

	// Let the flood fill the mempool before the clerk starts.
	logf("abuse (%s): flooding from %d accounts with %d workers", run.Policy, opts.Accounts, opts.Workers)
	warm := time.Now()
	for time.Since(warm) < 20*time.Second && maxMempool.Load() < 3000 {
		time.Sleep(200 * time.Millisecond)
	}
	logf("abuse (%s): mempool at %d after %s; the clerk starts", run.Policy, maxMempool.Load(), time.Since(warm).Round(time.Second))

	var clerk ed25519.PrivateKey
	for _, d := range genesis.DemoKeys {
		if d.Name == "clerk" {
			clerk = d.PrivateKey()
		}
	}
	start := height.Load()
	var startTxs int64
	if st, err := c.RPC.Status(ctx); err == nil {
		start = st.SyncInfo.LatestBlockHeight
	}
	for i := 0; i < opts.ClerkTxs; i++ {
		msg := land.MsgRegisterParty{Kind: land.PartyOrganisation, Name: fmt.Sprintf("Bench Holdings %d", i)}
		sctx, scancel := context.WithTimeout(ctx, 2*time.Minute)
		x, err := c.Build(sctx, clerk.Public().(ed25519.PublicKey), land.TypeRegisterParty, msg, 1000)
		if err != nil {
			scancel()
			return run, fmt.Errorf("clerk: %w", err)
		}
		h0 := height.Load()
		if st, err := c.RPC.Status(sctx); err == nil {
			h0 = st.SyncInfo.LatestBlockHeight
		}
		t0 := time.Now()
		res, err := c.Send(sctx, x, clerk)
		scancel()
		var te *client.TxError
		switch {
		case err == nil:
			run.ClerkBlocks = append(run.ClerkBlocks, res.Height-h0)
			run.ClerkSeconds = append(run.ClerkSeconds, time.Since(t0))
		case errors.As(err, &te) && te.Stage == "check":
			run.ClerkRefused++
			time.Sleep(opts.BlockInterval)
		default:
			run.ClerkRefused++
			logf("clerk transaction %d: %v", i, err)
		}
	}
	end := height.Load()
	cancel()
	wg.Wait()
	run.Blocks = end - start
	bctx, bcancel := context.WithTimeout(context.Background(), time.Minute)
	defer bcancel()
	for h := start + 1; h <= end; h++ {
		if b, err := c.RPC.Block(bctx, &h); err == nil {
			startTxs += int64(len(b.Block.Txs))
		}
	}
	run.Txs = startTxs
	run.MaxMempool = int(maxMempool.Load())
	return run, nil
}

func (r *AbuseRun) countAdmitted() { atomic.AddInt64(&r.Admitted, 1) }
