// Package bench measures the chain's throughput against baselines run in
// the same process, so the figures are comparable across machines as
// ratios.
package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/cosmos-db"

	"github.com/publica/publica/app"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// ChainOptions size the run.
type ChainOptions struct {
	Blocks      int // timed blocks
	TxsPerBlock int
}

// ChainResult holds the measured figures.
type ChainResult struct {
	Kind          string
	Txs           int
	Elapsed       time.Duration
	TxPerSec      float64
	VerifyPerSec  float64 // bare ed25519 verifications per second on all cores
	VerifyPerSec1 float64 // on one core
	// Finalize and Commit split Elapsed between the two ABCI calls:
	// execution with the new app hash, and saving the version.
	Finalize, Commit time.Duration
}

// Chain measures signed transactions through FinalizeBlock+Commit on an
// on-disk pebble store: account registrations (one signature each) and
// 2-of-3 role grants (two signatures each).
func Chain(w io.Writer, opts ChainOptions) ([]ChainResult, error) {
	v1 := verifyRate(1, time.Second)
	vn := verifyRate(runtime.GOMAXPROCS(0), time.Second)
	fmt.Fprintf(w, "ed25519 verify: %.0f/s on 1 core, %.0f/s on %d cores\n", v1, vn, runtime.GOMAXPROCS(0))
	var out []ChainResult
	for _, kind := range []string{"register-account", "grant-role (2 signatures)"} {
		r, err := chainRun(kind, opts)
		if err != nil {
			return nil, err
		}
		r.VerifyPerSec, r.VerifyPerSec1 = vn, v1
		sigs := 1.0
		if kind != "register-account" {
			sigs = 2
		}
		fmt.Fprintf(w, "%-26s %7d txs in %6.2fs: %8.0f tx/s through FinalizeBlock+Commit; %.2f of the bare verify rate (%.0f signatures/s vs %.0f)\n",
			kind, r.Txs, r.Elapsed.Seconds(), r.TxPerSec, r.TxPerSec*sigs/vn, r.TxPerSec*sigs, vn)
		out = append(out, r)
	}
	return out, nil
}

func chainRun(kind string, opts ChainOptions) (ChainResult, error) {
	dir, err := os.MkdirTemp("", "publica-bench-")
	if err != nil {
		return ChainResult{}, err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(dir, dbm.PebbleDBBackend, store.DefaultOptions())
	if err != nil {
		return ChainResult{}, err
	}
	defer st.Close()
	a := app.New(st)
	ctx := context.Background()
	if _, err := a.InitChain(ctx, devInit(genesis.DevAppState())); err != nil {
		return ChainResult{}, err
	}
	var blocks [][][]byte
	switch kind {
	case "register-account":
		blocks = registrations(opts)
	default:
		// Grants need accounts to grant to: register them first (untimed).
		regs := registrations(opts)
		h := int64(0)
		for _, b := range regs {
			h++
			if err := finalize(ctx, a, h, b); err != nil {
				return ChainResult{}, err
			}
		}
		blocks = grants(opts, regs)
		res, err := timed(ctx, a, h, blocks)
		res.Kind = kind
		return res, err
	}
	res, err := timed(ctx, a, 0, blocks)
	res.Kind = kind
	return res, err
}

func timed(ctx context.Context, a *app.App, h int64, blocks [][][]byte) (ChainResult, error) {
	out := ChainResult{}
	start := time.Now()
	for _, b := range blocks {
		h++
		fin, com, _, err := finalizeTimed(ctx, a, h, b)
		if err != nil {
			return ChainResult{}, err
		}
		out.Txs += len(b)
		out.Finalize += fin
		out.Commit += com
	}
	out.Elapsed = time.Since(start)
	out.TxPerSec = float64(out.Txs) / out.Elapsed.Seconds()
	return out, nil
}

func finalize(ctx context.Context, a *app.App, h int64, txs [][]byte) error {
	_, _, _, err := finalizeTimed(ctx, a, h, txs)
	return err
}

// finalizeTimed runs one block through FinalizeBlock and Commit, failing
// on any refused transaction, and returns how long each call took and
// the disk-reading page faults taken during the commit.
func finalizeTimed(ctx context.Context, a *app.App, h int64, txs [][]byte) (fin, com time.Duration, commitFaults int64, err error) {
	start := time.Now()
	res, err := a.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: txs, Height: h, Time: blockTime(h)})
	if err != nil {
		return 0, 0, 0, err
	}
	fin = time.Since(start)
	for i, r := range res.TxResults {
		if r.Code != 0 {
			return 0, 0, 0, fmt.Errorf("height %d tx %d failed: %s", h, i, r.Log)
		}
	}
	faults0 := majorFaults()
	start = time.Now()
	_, err = a.Commit(ctx, &abci.RequestCommit{})
	return fin, time.Since(start), majorFaults() - faults0, err
}

// blockTime is the time of the bench chains' block h: fixed, so that runs
// reproduce the same states.
func blockTime(h int64) time.Time { return time.Unix(1_800_000_000+h, 0) }

func benchKey(i int) ed25519.PrivateKey {
	var seed [32]byte
	binary.BigEndian.PutUint64(seed[:], uint64(i)+1)
	copy(seed[8:], "publica-bench")
	return ed25519.NewKeyFromSeed(seed[:])
}

func build(seq uint64, msgType string, msg any, keys ...ed25519.PrivateKey) []byte {
	body, _ := tx.EncodeMsg(msg)
	t := &tx.Tx{ChainID: genesis.DevChainID, Sequence: seq, ValidUntil: 1 << 40, MsgType: msgType, Msg: body}
	for _, k := range keys {
		t.Sign(k)
	}
	return t.Encode()
}

// registrations signs one register-account per fresh key (in parallel:
// preparing the load is not what is measured).
func registrations(opts ChainOptions) [][][]byte {
	blocks := make([][][]byte, opts.Blocks)
	var wg sync.WaitGroup
	for b := range blocks {
		blocks[b] = make([][]byte, opts.TxsPerBlock)
		wg.Go(func() {
			for i := range blocks[b] {
				k := benchKey(b*opts.TxsPerBlock + i)
				blocks[b][i] = build(0, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, k)
			}
		})
	}
	wg.Wait()
	return blocks
}

// grants: authority-1 (primary, consecutive sequences) and authority-2
// grant the clerk role to each registered account.
func grants(opts ChainOptions, regs [][][]byte) [][][]byte {
	a1, a2 := genesis.DemoKeys[0].PrivateKey(), genesis.DemoKeys[1].PrivateKey()
	blocks := make([][][]byte, opts.Blocks)
	var wg sync.WaitGroup
	for b := range blocks {
		blocks[b] = make([][]byte, opts.TxsPerBlock)
		wg.Go(func() {
			for i := range blocks[b] {
				n := b*opts.TxsPerBlock + i
				id := tx.AccountID(benchKey(n).Public().(ed25519.PublicKey))
				blocks[b][i] = build(uint64(n), authority.TypeGrantRole, authority.MsgGrantRole{Account: id, Role: authority.RoleClerk}, a1, a2)
			}
		})
	}
	wg.Wait()
	return blocks
}

// verifyRate measures bare ed25519.Verify calls per second on workers
// goroutines.
func verifyRate(workers int, d time.Duration) float64 {
	k := benchKey(0)
	msg := []byte("publica/tx/v1 benchmark message of a typical transaction size, about one hundred bytes long....")
	sig := ed25519.Sign(k, msg)
	pub := k.Public().(ed25519.PublicKey)
	var wg sync.WaitGroup
	counts := make([]int, workers)
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for time.Since(start) < d {
				for range 100 {
					if !ed25519.Verify(pub, msg, sig) {
						panic("benchmark signature does not verify")
					}
				}
				counts[w] += 100
			}
		})
	}
	wg.Wait()
	total := 0
	for _, c := range counts {
		total += c
	}
	return float64(total) / time.Since(start).Seconds()
}
