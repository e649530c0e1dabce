package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/cosmos-db"

	"github.com/publica/publica/app"
	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

// BallotOptions size the election benchmark.
type BallotOptions struct {
	Ballots  int // voters, each casting one ballot
	PerBlock int
}

// BallotResult holds the measured figures.
type BallotResult struct {
	Ballots        int
	CastElapsed    time.Duration
	BallotsPerSec  float64
	TallyElapsed   time.Duration // the trustees' tally transactions through FinalizeBlock
	VerifyElapsed  time.Duration // the independent verifier over the whole election
	VerifierPerSec float64
}

// Ballot runs one election on an on-disk pebble store: Ballots voters
// cast a ballot of one yes/no question and one single choice of three
// (5 encrypted selections, 2 total proofs); the cast blocks are timed
// through FinalizeBlock+Commit (every proof verified, signatures in
// parallel, ballots sequentially). Then two of three trustees tally and
// the independent verifier checks everything.
func Ballot(w io.Writer, opts BallotOptions) (*BallotResult, error) {
	dir, err := os.MkdirTemp("", "publica-bench-ballot-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(dir, dbm.PebbleDBBackend, store.DefaultOptions())
	if err != nil {
		return nil, err
	}
	defer st.Close()
	a := app.New(st)
	ctx := context.Background()
	if _, err := a.InitChain(ctx, devInit(genesis.DevAppState())); err != nil {
		return nil, err
	}
	h := int64(0)
	t0 := time.Unix(1_800_000_000, 0)
	run := func(at time.Time, txs [][]byte) error {
		h++
		res, err := a.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: txs, Height: h, Time: at})
		if err != nil {
			return err
		}
		for i, r := range res.TxResults {
			if r.Code != 0 {
				return fmt.Errorf("height %d tx %d: %s", h, i, r.Log)
			}
		}
		_, err = a.Commit(ctx, &abci.RequestCommit{})
		return err
	}
	demo := func(name string) ed25519.PrivateKey {
		for _, d := range genesis.DemoKeys {
			if d.Name == name {
				return d.PrivateKey()
			}
		}
		panic(name)
	}
	seq := map[string]uint64{}
	mk := func(k ed25519.PrivateKey, typ string, msg any) []byte {
		id := tx.AccountID(k.Public().(ed25519.PublicKey))
		b := build(seq[id], typ, msg, k)
		seq[id]++
		return b
	}
	n := opts.Ballots
	fmt.Fprintf(w, "ballot bench: preparing %d voters (accounts, roll, key ceremony; untimed)\n", n)
	keys := make([]ed25519.PrivateKey, n)
	ids := make([]string, n)
	for i := range keys {
		keys[i] = benchKey(10_000_000 + i)
		ids[i] = tx.AccountID(keys[i].Public().(ed25519.PublicKey))
	}
	for lo := 0; lo < n; lo += opts.PerBlock {
		var txs [][]byte
		for i := lo; i < min(n, lo+opts.PerBlock); i++ {
			txs = append(txs, mk(keys[i], authority.TypeRegisterAccount, authority.MsgRegisterAccount{}))
		}
		if err := run(t0, txs); err != nil {
			return nil, err
		}
	}
	off := demo("election-official")
	tk := []ed25519.PrivateKey{demo("trustee-1"), demo("trustee-2"), demo("trustee-3")}
	var tids []string
	for _, k := range tk {
		tids = append(tids, tx.AccountID(k.Public().(ed25519.PublicKey)))
	}
	const id = "bench"
	create := &ballot.MsgCreateElection{ID: id, Title: "Benchmark election", Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll},
		Questions: []ballot.Question{
			{Text: "Approve?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
			{Text: "Chair", Kind: ballot.KindSingle, Options: []string{"Ann", "Ben", "Cy"}},
		},
		Trustees: tids, Threshold: 2, OpensAt: t0.Unix() + 10, ClosesAt: t0.Unix() + 1_000_000}
	if err := run(t0, [][]byte{mk(off, ballot.TypeCreateElection, create)}); err != nil {
		return nil, err
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	var rolls [][]byte
	for lo := 0; lo < n; lo += ballot.MaxRollChange {
		rolls = append(rolls, mk(off, ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: id, Voters: sorted[lo:min(n, lo+ballot.MaxRollChange)]}))
	}
	if err := run(t0, rolls); err != nil {
		return nil, err
	}
	var txs [][]byte
	for _, k := range tk {
		txs = append(txs, mk(k, ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, id)))
	}
	if err := run(t0, txs); err != nil {
		return nil, err
	}
	view, _ := st.At(st.Version())
	e, _ := ballot.Keeper{}.MustElection(view, id)
	trs := make([]*ballot.Trustee, 3)
	for j := range trs {
		trs[j], _ = ballot.Keeper{}.Trustee(view, id, uint32(j+1))
	}
	txs = nil
	for j, k := range tk {
		d, err := ballot.DealMsg(k, e, uint32(j+1), trs)
		if err != nil {
			return nil, err
		}
		txs = append(txs, mk(k, ballot.TypeDeal, d))
	}
	if err := run(t0, txs); err != nil {
		return nil, err
	}
	if err := run(t0, [][]byte{mk(off, ballot.TypePublishKey, &ballot.MsgPublishKey{Election: id})}); err != nil {
		return nil, err
	}
	view, _ = st.At(st.Version())
	e, _ = ballot.Keeper{}.MustElection(view, id)
	for j := range trs {
		trs[j], _ = ballot.Keeper{}.Trustee(view, id, uint32(j+1))
	}
	params, err := e.Params()
	if err != nil {
		return nil, err
	}

	// Encrypt every ballot in parallel (the voters' work, untimed).
	start := time.Now()
	casts := make([][]byte, n)
	var wg sync.WaitGroup
	next := make(chan int, 256)
	var encErr error
	var mu sync.Mutex
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				ch := [][]bool{{i%3 != 0, i%3 == 0}, {i%3 == 0, i%3 == 1, i%3 == 2}}
				b, _, err := elgamal.EncryptBallot(params, ids[i], ch, rand.Reader)
				var enc []byte
				if err == nil {
					enc, err = b.Encode()
				}
				if err != nil {
					mu.Lock()
					encErr = err
					mu.Unlock()
					continue
				}
				casts[i] = build(1, ballot.TypeCast, &ballot.MsgCast{Election: id, Ballot: hex.EncodeToString(enc)}, keys[i])
			}
		})
	}
	for i := range casts {
		next <- i
	}
	close(next)
	wg.Wait()
	if encErr != nil {
		return nil, encErr
	}
	fmt.Fprintf(w, "ballot bench: %d ballots encrypted by the voters' side in %.1fs (untimed)\n", n, time.Since(start).Seconds())

	res := &BallotResult{Ballots: n}
	open := time.Unix(create.OpensAt, 0)
	start = time.Now()
	for lo := 0; lo < n; lo += opts.PerBlock {
		if err := run(open, casts[lo:min(n, lo+opts.PerBlock)]); err != nil {
			return nil, err
		}
	}
	res.CastElapsed = time.Since(start)
	res.BallotsPerSec = float64(n) / res.CastElapsed.Seconds()
	fmt.Fprintf(w, "ballot cast:   %7d ballots in %6.2fs: %8.0f ballots/s through FinalizeBlock+Commit (%d per block, every proof verified)\n",
		n, res.CastElapsed.Seconds(), res.BallotsPerSec, opts.PerBlock)

	// Close and tally with trustees 1 and 3.
	closed := time.Unix(create.ClosesAt, 0)
	if err := run(closed, nil); err != nil {
		return nil, err
	}
	view, _ = st.At(st.Version())
	agg, _ := ballot.Keeper{}.Aggregate(view, id)
	complaints, _ := ballot.Keeper{}.Complaints(view, id)
	start = time.Now()
	for _, j := range []uint32{1, 3} {
		ks, err := ballot.KeyShareFor(tk[j-1], e, j, trs, complaints)
		if err != nil {
			return nil, err
		}
		m, err := ballot.TallyMsg(ks, e, agg, rand.Reader)
		if err != nil {
			return nil, err
		}
		if err := run(closed, [][]byte{mk(tk[j-1], ballot.TypeTally, m)}); err != nil {
			return nil, err
		}
	}
	res.TallyElapsed = time.Since(start)
	view, _ = st.At(st.Version())
	r, _ := ballot.Keeper{}.Result(view, id)
	if r == nil {
		return nil, fmt.Errorf("no result")
	}
	fmt.Fprintf(w, "ballot tally:  %d ballots decrypted by 2 of 3 trustees in %.3fs (partial decryptions made, verified on chain, combined, discrete logs solved); result %v\n",
		r.Ballots, res.TallyElapsed.Seconds(), r.Counts)

	start = time.Now()
	rep, err := election.Verify(election.StoreSource{KV: view}, id)
	if err != nil {
		return nil, err
	}
	res.VerifyElapsed = time.Since(start)
	res.VerifierPerSec = float64(n) / res.VerifyElapsed.Seconds()
	if !rep.OK {
		return nil, fmt.Errorf("verifier failed:\n%s", rep.Summary())
	}
	fmt.Fprintf(w, "ballot verify: %d ballots fully verified by the independent verifier in %.2fs (%.0f ballots/s on %d cores): PASS\n",
		n, res.VerifyElapsed.Seconds(), res.VerifierPerSec, runtime.GOMAXPROCS(0))
	return res, nil
}
