package bench

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/rollimport"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/ballot"
)

// RollOptions size the roll import run.
type RollOptions struct {
	Entries int // voters in the generated CSV
	// BlockInterval is the node's pause between blocks (default 1 s, as
	// `publica init` sets it).
	BlockInterval time.Duration
	Batch         int // voters per transaction (default ballot.MaxRollChange)
	InFlight      int // transactions waiting for their block at once (default 16)
}

// RollResult holds the measured figures.
type RollResult struct {
	Entries       int
	Added         int
	Transactions  int
	Blocks        int
	Elapsed       time.Duration // reading the CSV to the last commit
	VotersPerSec  float64
	ReadCSV       time.Duration
	Sign          time.Duration // building and signing the transactions
	Broadcast     time.Duration // broadcast round trips (CheckTx included)
	BlockExec     time.Duration // the import's blocks' time beyond the block interval: execution, commit, consensus
	CPUPerVoter   time.Duration // process CPU (node and importer together)
	PeakRSSBytes  uint64
	FileBytes     int
	StateBytes    int64 // the node's data folder after the import
	StateBytesPer float64
}

// RollImport starts a single-validator node in a temporary home
// (development genesis), creates a roll election signed by the demo
// election official, writes a CSV of opts.Entries distinct account ids and
// imports it end to end as `publica ballot roll import` does (rollimport:
// read and check the file, signed batches, several in flight, every block
// awaited). It reports the wall time from reading the file to the last
// commit and where it went.
func RollImport(w io.Writer, opts RollOptions) (*RollResult, error) {
	if opts.Entries <= 0 {
		return nil, errors.New("no voters to import")
	}
	if opts.BlockInterval <= 0 {
		opts.BlockInterval = time.Second
	}
	if opts.Batch <= 0 || opts.Batch > ballot.MaxRollChange {
		opts.Batch = ballot.MaxRollChange
	}
	resetPeakRSS()
	home, err := os.MkdirTemp("", "publica-roll-bench-")
	if err != nil {
		return nil, err
	}
	defer removeRetry(home)
	n, c, err := startNode(home, genesis.DevAppState(), opts.BlockInterval)
	if err != nil {
		return nil, err
	}
	defer n.Stop()
	keys := map[string]ed25519.PrivateKey{}
	for _, d := range genesis.DemoKeys {
		keys[d.Name] = d.PrivateKey()
	}
	official := keys["election-official"]
	if official == nil {
		return nil, errors.New("the development genesis has no election-official")
	}
	var trustees []string
	for _, name := range []string{"trustee-1", "trustee-2", "trustee-3"} {
		if keys[name] == nil {
			return nil, fmt.Errorf("the development genesis has no %s", name)
		}
		trustees = append(trustees, tx.AccountID(keys[name].Public().(ed25519.PublicKey)))
	}
	ctx := context.Background()
	const id = "roll-bench"
	now := time.Now()
	create := &ballot.MsgCreateElection{ID: id, Title: "Roll import benchmark", Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll},
		Questions: []ballot.Question{{Text: "Approve?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}}},
		Trustees:  trustees, Threshold: 2, OpensAt: now.Add(24 * time.Hour).Unix(), ClosesAt: now.Add(48 * time.Hour).Unix()}
	t, err := c.Build(ctx, official.Public().(ed25519.PublicKey), ballot.TypeCreateElection, create, 100)
	if err != nil {
		return nil, err
	}
	if _, err := c.Send(ctx, t, official); err != nil {
		return nil, fmt.Errorf("create the election: %w", err)
	}
	file := filepath.Join(home, "roll.csv")
	if err := os.WriteFile(file, rollCSV(opts.Entries), 0o600); err != nil {
		return nil, err
	}

	cpu0 := processCPU()
	start := time.Now()
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	entries, refused, err := rollimport.ReadCSV(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	readCSV := time.Since(start)
	last := time.Now()
	progress := func(p rollimport.Progress) {
		if time.Since(last) >= 10*time.Second {
			last = time.Now()
			fmt.Fprintf(w, "roll import: %d of %d voters on the roll after %.0fs\n", p.Done(), p.Entries, p.Elapsed.Seconds())
		}
	}
	rep, err := rollimport.Run(ctx, c, official, id, entries, refused, rollimport.Options{Batch: opts.Batch, InFlight: opts.InFlight, Progress: progress})
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	if rep.Added != opts.Entries || rep.Refused != 0 {
		return nil, fmt.Errorf("import added %d of %d voters, refused %d", rep.Added, opts.Entries, rep.Refused)
	}
	blockExec, err := beyondInterval(ctx, c, opts.BlockInterval, start)
	if err != nil {
		return nil, err
	}
	out := &RollResult{Entries: opts.Entries, Added: rep.Added, Transactions: rep.Transactions, Blocks: rep.Blocks, Elapsed: elapsed,
		VotersPerSec: float64(rep.Added) / elapsed.Seconds(), ReadCSV: readCSV,
		Sign: time.Duration(rep.SignSeconds * float64(time.Second)), Broadcast: time.Duration(rep.BroadcastSeconds * float64(time.Second)),
		BlockExec: blockExec, CPUPerVoter: cpu / time.Duration(opts.Entries), PeakRSSBytes: peakRSS(), FileBytes: len(data),
		StateBytes: diskSize(filepath.Join(home, "data"))}
	out.StateBytesPer = float64(out.StateBytes) / float64(opts.Entries)
	fmt.Fprintf(w, "roll import: %d voters (%.1f MB of CSV) put on a roll end to end through a node with %s blocks in %.1fs: %.0f voters/s, %d transactions of up to %d in %d blocks; read+check %.2fs, build+sign %.2fs, broadcast (CheckTx) %.2fs, the blocks' time beyond the interval (execution, commit) %.1fs; %s CPU per voter (node and importer); peak RSS %d MiB; node data %d MiB (%.0f bytes a voter)\n",
		out.Entries, float64(out.FileBytes)/1e6, opts.BlockInterval, elapsed.Seconds(), out.VotersPerSec, out.Transactions, opts.Batch, out.Blocks,
		readCSV.Seconds(), out.Sign.Seconds(), out.Broadcast.Seconds(), blockExec.Seconds(), out.CPUPerVoter.Round(time.Microsecond), out.PeakRSSBytes>>20, out.StateBytes>>20, out.StateBytesPer)
	return out, nil
}

// rollCSV is a roll of n distinct account ids under a header.
func rollCSV(n int) []byte {
	b := make([]byte, 0, n*41+16)
	b = append(b, "account\n"...)
	var buf [8]byte
	for i := range n {
		for j := range buf {
			buf[j] = byte(uint64(i) >> (8 * j))
		}
		sum := sha256.Sum256(buf[:])
		b = hex.AppendEncode(b, sum[:20])
		b = append(b, '\n')
	}
	return b
}

// beyondInterval sums, over the blocks made since start, each block's time
// after its predecessor less the node's pause between blocks: the time the
// chain spent executing, committing and agreeing on them.
func beyondInterval(ctx context.Context, c *client.Client, interval time.Duration, start time.Time) (time.Duration, error) {
	top, err := c.LatestHeight(ctx)
	if err != nil {
		return 0, err
	}
	var total time.Duration
	prev := time.Time{}
	for h := top; h >= 1; h-- {
		hh := h
		b, err := c.RPC.Block(ctx, &hh)
		if err != nil {
			return 0, err
		}
		bt := b.Block.Time
		if !prev.IsZero() {
			if d := prev.Sub(bt) - interval; d > 0 {
				total += d
			}
		}
		prev = bt
		if bt.Before(start) {
			break
		}
	}
	return total, nil
}
