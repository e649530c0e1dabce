package bench

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/cosmos-db"

	"github.com/publica/publica/app"
	"github.com/publica/publica/store"
)

// Reading a block ahead (app/readahead.go, through the ring or on
// goroutines) never changes its outcome: the
// same blocks over two copies of one register on disk, one node reading
// ahead and one not, give the same results and app hashes at every height
// — including transactions that fail, and titles sold twice in a block
// (the second sale read ahead against the state before the first).
func TestReadAheadChangesNoOutcome(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a register")
	}
	const n = 3000
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	height, _, err := loadRegister(io.Discard, a, n, GrowthOptions{Transfers: 600, Chunk: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{b, c} {
		if out, err := exec.Command("cp", "-a", a, to).CombinedOutput(); err != nil {
			t.Fatalf("copy the register: %v %s", err, out)
		}
	}
	sold := soldTitles(LandOptions{Parcels: n, Transfers: 600})
	blocks := landBlocks(LandOptions{Parcels: n, Transfers: 600, PerBlock: 200, OneTransaction: true}, sold)
	// Sell some titles again in the same block, to a buyer who has no
	// key in the sale (these fail), and repeat a transaction (its
	// sequence is then wrong).
	again := landBlocks(LandOptions{Parcels: n, Transfers: 50, First: 10, PerBlock: 50, OneTransaction: true}, sold)
	blocks[1] = append(blocks[1], again[0]...)
	blocks[2] = append(blocks[2], blocks[2][0])

	run := func(dir string, mode app.ReadAheadMode, workers int) (hashes [][]byte, codes [][]uint32, results [][]*abci.ExecTxResult, ahead, kept int64) {
		st, err := store.Open(dir, dbm.PebbleDBBackend, store.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		node := app.New(st)
		node.SetReadAhead(mode)
		node.SetReadAheadWorkers(workers)
		h := height
		for _, txs := range blocks {
			h++
			res, err := node.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: h, Time: time.Unix(1_800_000_000+h, 0)})
			if err != nil {
				t.Fatal(err)
			}
			var c []uint32
			for _, r := range res.TxResults {
				c = append(c, r.Code)
			}
			codes = append(codes, c)
			results = append(results, res.TxResults)
			hashes = append(hashes, res.AppHash)
			if _, err := node.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
				t.Fatal(err)
			}
		}
		if mode == app.ReadAheadOn && node.ReadAheadWrites() < int64(len(blocks)) {
			t.Errorf("%d keys' writes read ahead", node.ReadAheadWrites())
		}
		// A node reading ahead gives the scheduler processors to spare
		// for goroutines waiting on page faults (app/procs.go).
		if procs := runtime.GOMAXPROCS(0); mode == app.ReadAheadOn && os.Getenv("GOMAXPROCS") == "" && procs < 16 {
			t.Errorf("reading ahead with %d processors", procs)
		}
		return hashes, codes, results, node.ReadAheadTxs(), node.KeptAhead()
	}
	hashOn, codesOn, resultsOn, aheadOn, keptOn := run(a, app.ReadAheadOn, 0)
	hashOff, codesOff, resultsOff, aheadOff, keptOff := run(b, app.ReadAheadOff, 0)
	// without the ring (each transaction on a goroutine of its own), more
	// reads in flight than the block has transactions
	store.SetReadsAheadThroughRing(false)
	hashDeep, codesDeep, _, _, _ := run(c, app.ReadAheadOn, 1000)
	store.SetReadsAheadThroughRing(true)
	for i := range blocks {
		if !bytes.Equal(hashDeep[i], hashOff[i]) || !slices.Equal(codesDeep[i], codesOff[i]) {
			t.Fatalf("block %d: app hash %X and codes %v reading ahead 1,000 at a time, %X and %v not", i, hashDeep[i], codesDeep[i], hashOff[i], codesOff[i])
		}
	}
	if aheadOn < 100 || aheadOff != 0 {
		t.Fatalf("transactions read ahead: %d with read-ahead on (want most of 651), %d off", aheadOn, aheadOff)
	}
	// runs ahead kept (not handled again): how many depends on how far
	// the read-ahead got before the block reached each transaction (the
	// app's TestRunAheadKeptOnlyWhenNothingItReadChanged counts them in
	// blocks run ahead first); none where nothing is read ahead
	if keptOn > aheadOn || keptOff != 0 {
		t.Fatalf("runs ahead kept: %d of %d reading ahead, %d not", keptOn, aheadOn, keptOff)
	}
	t.Logf("%d transactions read ahead, %d of them kept", aheadOn, keptOn)
	failed := 0
	for i := range blocks {
		if !bytes.Equal(hashOn[i], hashOff[i]) {
			t.Fatalf("block %d: app hash %X reading ahead, %X not", i, hashOn[i], hashOff[i])
		}
		for j := range codesOn[i] {
			if on, off := resultsOn[i][j], resultsOff[i][j]; on.Code != off.Code || !bytes.Equal(on.Data, off.Data) || on.Log != off.Log || !reflect.DeepEqual(on.Events, off.Events) {
				t.Fatalf("block %d tx %d: code %d %q %v reading ahead, %d %q %v not", i, j, on.Code, on.Log, on.Events, off.Code, off.Log, off.Events)
			}
			if codesOn[i][j] != 0 {
				failed++
			}
		}
	}
	if failed < 50 {
		t.Fatalf("only %d transactions failed: the test does not exercise refusals", failed)
	}
}
