package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/crypto-org-chain/cronos/memiavl"

	"github.com/publica/publica/app"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/proof"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/land"
)

// GrowthOptions size the land growth run: the same land/transfer load on
// registers of several sizes.
type GrowthOptions struct {
	Sizes     []int // parcels in state, each on its own title with its owner's account
	Transfers int   // land/transfer transactions timed at each size
	PerBlock  int
	// Chunk is how many parcels each loading step writes (default
	// 250,000; a step is about 2.5 GiB of heap until a snapshot takes
	// it); the steps are not kept as history.
	Chunk int
	Dir   string // parent of the state directories (default: the system's temporary directory)
	// CPUProfile, when set, is a path prefix: each size writes the
	// profile of its loading (.load) and of its timed blocks (.run).
	CPUProfile string
	// ReadAheadWorkers is the read-ahead's reads in flight
	// (App.SetReadAheadWorkers; 0: the default).
	ReadAheadWorkers int
	// MappedLevels, if above 0, replaces memiavl.ReadAheadMappedLevels:
	// how many levels from the root the read-ahead walks read through the
	// memory map rather than with pread.
	MappedLevels int
	// UpperBranches, if above 0, replaces memiavl.UpperBranchesNodes: about
	// how many branches of each large snapshot are held in memory.
	UpperBranches int
	// HeapProfile, when set, is a path prefix: each timed pass writes the
	// heap's profile at its end (.run, or .run.<pass>-<mode>).
	HeapProfile string
	// ReadAhead lists the timed passes at each size, each with its
	// read-ahead mode ("auto", "on" or "off"; see app.SetReadAhead) and
	// titles of its own to sell (default one pass, "auto").
	ReadAhead []string
	// Keep, if set, is a directory that holds one size's loaded register
	// between runs: the first run builds it there (with buyers' accounts
	// for KeptBuyers transfers) and leaves it; later runs at the same
	// size reopen it and sell titles no earlier run sold, so a 10M
	// register is built once, on a busy machine, and timed later, on a
	// quiet one.
	Keep string
	// Stats prints the latest state's records and bytes by key prefix and
	// the disk by kind of file (StateBytes, StateFiles) after the passes.
	Stats bool
	// Layers, if set, replaces the store's snapshot layer policy for the
	// timed passes (store.DefaultLayerPolicy otherwise), so that policies
	// can be compared on registers built alike.
	Layers *store.LayerPolicy
	// Rewrites, if not zero, replaces the store's snapshot rewrite policy
	// for the timed passes (its zero fields the store's).
	Rewrites store.SnapshotPolicy
}

// KeptBuyers is how many transfers a kept register has buyers' accounts
// for: ten runs of 20,000.
const KeptBuyers = 200_000

// keptRegister is the note a kept register carries (growth.json).
type keptRegister struct {
	Parcels  int   `json:"parcels"`
	Archived int64 `json:"archived"` // the imported version, which the archive holds
	Sold     int   `json:"sold"`     // transfers earlier runs made
	Setup    int64 `json:"setup_ns"`
	// Buyers is how many transfers it has buyers' accounts for (0 in
	// registers kept before it was recorded: KeptBuyers or the passes
	// asked for, as then).
	Buyers int `json:"buyers,omitempty"`
}

// GrowthRow holds one size's figures.
type GrowthRow struct {
	Parcels         int
	ReadAhead       string // the pass's read-ahead mode
	Setup           time.Duration
	TransfersPerSec float64
	CPUPerTransfer  time.Duration
	CommitP50       time.Duration
	CommitP99       time.Duration
	PeakRSS         uint64 // while timing: resident memory, mapped state included
	RSSAnon         uint64 // at the end: resident memory not backed by files
	PeakHeap        uint64 // Go heap objects, sampled after every block
	// Per transfer while timing: page faults that read the disk, and the
	// bytes the process read from it: how much of the state the blocks
	// found in memory, a figure the machine's load does not change.
	MajorFaultsPerTransfer float64
	// CommitFaultsPerTransfer is the part of MajorFaultsPerTransfer taken
	// during Commit (the archive's and the log's writes); the rest come
	// during FinalizeBlock, which reads, applies the writes and rehashes.
	CommitFaultsPerTransfer float64
	ReadPerTransfer         float64
	// Phases is, per transfer, the wall time and the disk-reading faults
	// of each phase of FinalizeBlock (app.PhaseNames), then Commit's.
	Phases [len(app.PhaseNames) + 1]PhaseCost
	// PrecheckWait is the part of the execute phase spent waiting for
	// the transactions' signature checks.
	PrecheckWait time.Duration
	// MinorFaultsPerTransfer counts the faults that found their page in
	// the page cache (a mapped page touched first); ReadsAskedPerTransfer
	// the reads the read-ahead walks asked of the page cache without
	// waiting, ReadsRefusedPerTransfer those asked again because the disk
	// had not answered yet (memiavl.NowaitReads).
	MinorFaultsPerTransfer, ReadsAskedPerTransfer, ReadsRefusedPerTransfer float64
	// RingReadsPerTransfer counts the pages the walks of a block's writes
	// asked through io_uring (memiavl.RingReads).
	RingReadsPerTransfer float64
	// WritesAheadPerTransfer counts the keys the phase before the writes
	// walked (app.ReadAheadWrites: those no transaction's read-ahead read).
	WritesAheadPerTransfer float64
	// ReadAheadTxs is the transactions read ahead in the pass, and
	// AheadMissedPerTransfer the block's reads that found no value read
	// ahead (store.AheadMissed: the executor overtook its read-ahead, or
	// read a key no transaction's read-ahead reads).
	ReadAheadTxs int64
	// KeptAhead is the transactions whose run ahead the block kept
	// instead of handling them again.
	KeptAhead              int64
	AheadMissedPerTransfer float64

	DiskBytes   int64
	ProofBytes  int
	ProofVerify time.Duration
	// PastQuery is a read with proof at the first height the archive
	// holds (the loaded register), in a freshly opened store: its first
	// read, caches empty.
	PastQuery time.Duration
}

// PhaseCost is what one phase of a block took, per transfer.
type PhaseCost struct {
	Wall time.Duration
	// CPU is the whole process's CPU during the phase (its goroutines and
	// the store's background work alike): CPU well under twice Wall on two
	// processors is a phase that leaves one of them idle.
	CPU    time.Duration
	Faults float64
}

// phaseMeter adds up, over a pass, the wall time and the disk-reading
// faults between FinalizeBlock's phases (app.OnBlockPhase).
type phaseMeter struct {
	wall    [len(app.PhaseNames)]time.Duration
	cpu     [len(app.PhaseNames)]time.Duration
	faults  [len(app.PhaseNames)]int64
	at      time.Time
	cpu0    time.Duration
	faults0 int64
	cur     app.BlockPhase
}

func (m *phaseMeter) reach(p app.BlockPhase) {
	ru := selfUsage()
	now, f := time.Now(), ru.Majflt
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if p != app.PhaseExecute {
		m.wall[m.cur] += now.Sub(m.at)
		m.cpu[m.cur] += cpu - m.cpu0
		m.faults[m.cur] += f - m.faults0
	}
	m.at, m.cpu0, m.faults0, m.cur = now, cpu, f, p
}

// LandGrowth runs the land/transfer load at each size and prints one
// table, with each size's ratio to the first.
func LandGrowth(w io.Writer, opts GrowthOptions) ([]GrowthRow, error) {
	if opts.Chunk <= 0 {
		opts.Chunk = 250_000
	}
	if len(opts.ReadAhead) == 0 {
		opts.ReadAhead = []string{"auto"}
	}
	for _, m := range opts.ReadAhead {
		if _, err := readAheadMode(m); err != nil {
			return nil, err
		}
	}
	var rows []GrowthRow
	for _, n := range opts.Sizes {
		sized, err := growthOnce(w, opts, n)
		if err != nil {
			return rows, fmt.Errorf("land growth at %d parcels: %w", n, err)
		}
		rows = append(rows, sized...)
	}
	fmt.Fprintf(w, "land growth (land/transfer, %d transfers per size, %d per block; state on disk, latest tree memory-mapped):\n", opts.Transfers, opts.PerBlock)
	fmt.Fprintf(w, "%12s %10s %9s %10s %8s %10s %10s %10s %10s %10s %9s %7s %8s %9s %10s %10s %10s\n",
		"parcels", "read ahead", "setup", "transfer/s", "CPU/tr", "CPU ratio", "commit p50", "commit p99", "peak RSS", "anon RSS", "peak heap", "disk", "proof", "past query", "faults/tr", "at commit", "read/tr")
	for _, r := range rows {
		fmt.Fprintf(w, "%12d %10s %8.0fs %10.0f %8s %9.2fx %10s %10s %7d MiB %7d MiB %6d MiB %5.1f GB %5d B %9s %10.1f %10.1f %7.1f KB\n",
			r.Parcels, r.ReadAhead, r.Setup.Seconds(), r.TransfersPerSec, r.CPUPerTransfer.Round(time.Microsecond),
			float64(r.CPUPerTransfer)/float64(rows[0].CPUPerTransfer), r.CommitP50.Round(100*time.Microsecond), r.CommitP99.Round(100*time.Microsecond),
			r.PeakRSS>>20, r.RSSAnon>>20, r.PeakHeap>>20, float64(r.DiskBytes)/1e9, r.ProofBytes, r.PastQuery.Round(time.Millisecond),
			r.MajorFaultsPerTransfer, r.CommitFaultsPerTransfer, r.ReadPerTransfer/1e3)
	}
	return rows, nil
}

func growthOnce(w io.Writer, opts GrowthOptions, n int) ([]GrowthRow, error) {
	passes := len(opts.ReadAhead)
	if opts.Transfers*passes > n {
		return nil, fmt.Errorf("transfers (%d in each of %d passes) exceed parcels (%d)", opts.Transfers, passes, n)
	}
	buyers := opts.Transfers * passes // a buyer's account for every pass's transfers
	var kept keptRegister
	var dir string
	var height, archived int64
	var setupTime time.Duration
	if opts.Keep != "" {
		buyers = max(buyers, min(KeptBuyers, n))
		dir = opts.Keep
		if b, err := os.ReadFile(filepath.Join(dir, "growth.json")); err == nil {
			if err := json.Unmarshal(b, &kept); err != nil {
				return nil, fmt.Errorf("kept register %s: %w", dir, err)
			}
			if kept.Parcels != n {
				return nil, fmt.Errorf("kept register %s holds %d parcels, not %d", dir, kept.Parcels, n)
			}
			if kept.Buyers > 0 {
				buyers = kept.Buyers
			}
			if kept.Sold+opts.Transfers*passes > buyers {
				return nil, fmt.Errorf("kept register %s has buyers for %d transfers, %d sold: build it again", dir, buyers, kept.Sold)
			}
			archived, setupTime = kept.Archived, time.Duration(kept.Setup)
			fmt.Fprintf(w, "land growth: %d parcels: reusing the register kept in %s (%d transfers sold before)\n", n, dir, kept.Sold)
		} else if !os.IsNotExist(err) {
			return nil, err
		} else if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			return nil, fmt.Errorf("kept register %s: the directory is not empty and has no growth.json", dir)
		}
	} else {
		var err error
		if dir, err = os.MkdirTemp(opts.Dir, "publica-land-growth-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	if archived == 0 {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		setup := time.Now()
		stop, err := startProfile(opts.CPUProfile, fmt.Sprintf("%d.load", n))
		if err != nil {
			return nil, err
		}
		loadOpts := opts
		loadOpts.Transfers = buyers
		_, archived, err = loadRegister(w, dir, n, loadOpts)
		stop()
		if err != nil {
			return nil, err
		}
		setupTime = time.Since(setup)
		fmt.Fprintf(w, "land growth: %d parcels, titles and owners' accounts loaded in %.0fs\n", n, setupTime.Seconds())
		if opts.Keep != "" {
			kept = keptRegister{Parcels: n, Archived: archived, Setup: int64(setupTime), Buyers: buyers}
			if err := writeKept(dir, kept); err != nil {
				return nil, err
			}
		}
	}
	// The load leaves gigabytes of dirty pages: write them out now, so
	// the timed blocks do not compete with the kernel's writeback.
	flushed := time.Now()
	syscall.Sync()
	fmt.Fprintf(w, "land growth: %d parcels: dirty pages written out in %.0fs\n", n, time.Since(flushed).Seconds())

	// Reopen as a node would: the loaded state mapped from its snapshot.
	openStart := time.Now()
	storeOpts := store.DefaultOptions()
	if opts.Layers != nil {
		storeOpts.SnapshotLayers = *opts.Layers
	}
	storeOpts.SnapshotPolicy = opts.Rewrites
	if opts.UpperBranches > 0 {
		defer func(n int) { memiavl.UpperBranchesNodes = n }(memiavl.UpperBranchesNodes)
		memiavl.UpperBranchesNodes = opts.UpperBranches
	}
	st, err := store.Open(dir, dbm.PebbleDBBackend, storeOpts)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "land growth: %d parcels: store opened in %.1fs\n", n, time.Since(openStart).Seconds())
	ctx := context.Background()
	// Open read the snapshot into the page cache when it fits in memory,
	// as a node's does (store.Options.Prewarm), so the timed blocks measure
	// a node that has been running.
	if read, took := st.Prewarmed(); read > 0 {
		fmt.Fprintf(w, "land growth: %d parcels: latest tree snapshot (%.2f GB) read into the page cache in %.0fs\n", n, float64(read)/1e9, took.Seconds())
	} else {
		fmt.Fprintf(w, "land growth: %d parcels: latest tree snapshot (%.2f GB) does not fit in the memory available; not read ahead\n", n, float64(st.SnapshotBytes())/1e9)
	}
	if held, bytes := st.HeldBranches(); held > 0 {
		fmt.Fprintf(w, "land growth: %d parcels: %d upper branches held in memory (%.0f MB)\n", n, held, float64(bytes)/1e6)
	}
	a := app.New(st)
	height = st.Version()
	sold := soldTitles(LandOptions{Parcels: n, Transfers: buyers})
	lastRewrite := st.LastRewrite()
	heldBack, rewritesFailed := st.RewritesHeldBack(), st.RewritesFailed()
	rows := make([]GrowthRow, passes)
	a.SetReadAheadWorkers(opts.ReadAheadWorkers)
	if opts.MappedLevels > 0 {
		defer func(levels int) { memiavl.ReadAheadMappedLevels = levels }(memiavl.ReadAheadMappedLevels)
		memiavl.ReadAheadMappedLevels = opts.MappedLevels
	}
	for pass, mode := range opts.ReadAhead {
		m, _ := readAheadMode(mode)
		a.SetReadAhead(m)
		first := kept.Sold + pass*opts.Transfers
		blocks := landBlocks(LandOptions{Parcels: n, Transfers: opts.Transfers, First: first,
			PerBlock: opts.PerBlock, OneTransaction: true}, sold)
		row := &rows[pass]
		row.Parcels, row.ReadAhead, row.Setup = n, mode, setupTime
		resetPeakRSS()
		heap := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var commits []time.Duration
		name := fmt.Sprintf("%d.run", n)
		if passes > 1 {
			name = fmt.Sprintf("%d.run.%d-%s", n, pass+1, mode)
		}
		stop, err := startProfile(opts.CPUProfile, name)
		if err != nil {
			st.Close()
			return nil, err
		}
		meter := &phaseMeter{}
		a.OnBlockPhase(meter.reach)
		waited0 := a.PrecheckWaited()
		cpu0, faults0, read0 := processCPU(), majorFaults(), readBytes()
		minor0 := minorFaults()
		asked0, refused0 := memiavl.NowaitReads()
		ring0 := memiavl.RingReads()
		txsAhead0, missed0, kept0 := a.ReadAheadTxs(), store.AheadMissed(), a.KeptAhead()
		writesAhead0 := a.ReadAheadWrites()
		start := time.Now()
		var commitFaults int64
		var commitWall time.Duration
		for _, b := range blocks {
			height++
			_, com, faults, err := finalizeTimed(ctx, a, height, b)
			commitWall += com
			if err != nil {
				stop()
				st.Close()
				return nil, err
			}
			commits = append(commits, com)
			commitFaults += faults
			metrics.Read(heap)
			row.PeakHeap = max(row.PeakHeap, heap[0].Value.Uint64())
		}
		elapsed := time.Since(start)
		cpu := processCPU() - cpu0
		row.MajorFaultsPerTransfer = float64(majorFaults()-faults0) / float64(opts.Transfers)
		row.CommitFaultsPerTransfer = float64(commitFaults) / float64(opts.Transfers)
		row.ReadPerTransfer = float64(readBytes()-read0) / float64(opts.Transfers)
		row.PrecheckWait = (a.PrecheckWaited() - waited0) / time.Duration(opts.Transfers)
		row.MinorFaultsPerTransfer = float64(minorFaults()-minor0) / float64(opts.Transfers)
		asked, refused := memiavl.NowaitReads()
		row.ReadsAskedPerTransfer = float64(asked-asked0) / float64(opts.Transfers)
		row.ReadsRefusedPerTransfer = float64(refused-refused0) / float64(opts.Transfers)
		row.RingReadsPerTransfer = float64(memiavl.RingReads()-ring0) / float64(opts.Transfers)
		row.ReadAheadTxs = a.ReadAheadTxs() - txsAhead0
		row.KeptAhead = a.KeptAhead() - kept0
		row.WritesAheadPerTransfer = float64(a.ReadAheadWrites()-writesAhead0) / float64(opts.Transfers)
		row.AheadMissedPerTransfer = float64(store.AheadMissed()-missed0) / float64(opts.Transfers)
		a.OnBlockPhase(nil)
		// Commit's CPU is what the phases leave (the benchmark's own work
		// between blocks is in it too).
		commitCPU := cpu
		for i := range meter.wall {
			row.Phases[i] = PhaseCost{meter.wall[i] / time.Duration(opts.Transfers), meter.cpu[i] / time.Duration(opts.Transfers), float64(meter.faults[i]) / float64(opts.Transfers)}
			commitCPU -= meter.cpu[i]
		}
		row.Phases[len(meter.wall)] = PhaseCost{commitWall / time.Duration(opts.Transfers), max(commitCPU, 0) / time.Duration(opts.Transfers), row.CommitFaultsPerTransfer}
		stop()
		if err := writeHeapProfile(opts.HeapProfile, name); err != nil {
			st.Close()
			return nil, err
		}
		row.PeakRSS, row.RSSAnon = peakRSS(), procStatus("RssAnon:")
		row.TransfersPerSec = float64(opts.Transfers) / elapsed.Seconds()
		row.CPUPerTransfer = cpu / time.Duration(opts.Transfers)
		slices.Sort(commits)
		row.CommitP50, row.CommitP99 = commits[len(commits)/2], commits[min(len(commits)-1, len(commits)*99/100)]
		for _, r := range st.RewritesAfter(lastRewrite.Version) {
			fmt.Fprintf(w, "land growth: %d parcels, pass %d: the snapshot was rewritten at version %d: %s\n", n, pass+1, r.Version, describeRewrite(r))
			lastRewrite = r
		}
		// A rewrite the disk has no room for is held back, and the log
		// it would have cut grows: say so beside the pass it slows.
		if held, failed := st.RewritesHeldBack(), st.RewritesFailed(); held > heldBack || failed > rewritesFailed {
			fmt.Fprintf(w, "land growth: %d parcels, pass %d: %d snapshot rewrites held back for lack of disk room, %d failed (since the store opened: %d and %d)\n",
				n, pass+1, held-heldBack, failed-rewritesFailed, held, failed)
			heldBack, rewritesFailed = held, failed
		}
		// A rewrite running beside a pass takes its share of the disk and
		// the page cache.
		if p, running := st.RewriteProgress(); running {
			fmt.Fprintf(w, "land growth: %d parcels, pass %d: a snapshot rewrite of version %d is running: %s\n", n, pass+1, p.Version, describeProgress(p))
		}
		// In a memory-limited group, how full the group was says which
		// regime a pass measured (docs/state.md, "After the first layer").
		if g, limited := store.ProcessGroupMemory(); limited {
			fmt.Fprintf(w, "land growth: %d parcels, pass %d: its memory group at the end: %.2f of %.2f GiB in use, %.2f GiB of it page cache\n",
				n, pass+1, float64(g.Usage)/(1<<30), float64(g.Limit)/(1<<30), float64(g.Cache)/(1<<30))
		}
		if passes > 1 {
			fmt.Fprintf(w, "land growth: %d parcels, pass %d (read ahead %s): %.0f land/transfer/s, %s CPU per transfer, commit p50 %s p99 %s, %.1f disk-reading page faults (%.1f of them at commit) and %.1f KB read per transfer, peak heap %d MiB, own memory %d MiB\n",
				n, pass+1, mode, row.TransfersPerSec, row.CPUPerTransfer.Round(time.Microsecond), row.CommitP50.Round(100*time.Microsecond),
				row.CommitP99.Round(100*time.Microsecond), row.MajorFaultsPerTransfer, row.CommitFaultsPerTransfer, row.ReadPerTransfer/1e3,
				row.PeakHeap>>20, row.RSSAnon>>20)
			fmt.Fprintf(w, "land growth: %d parcels, pass %d: per transfer %s; signature checks waited for %s; %.1f minor faults; %.0f reads asked of the page cache ahead, %.0f of them refused; %.0f pages read through io_uring for %.1f keys' writes; %d transactions read ahead (%d of them kept, not handled again), %.2f reads a transfer found nothing read ahead\n", n, pass+1, describePhases(row.Phases), row.PrecheckWait.Round(time.Microsecond), row.MinorFaultsPerTransfer, row.ReadsAskedPerTransfer, row.ReadsRefusedPerTransfer, row.RingReadsPerTransfer, row.WritesAheadPerTransfer, row.ReadAheadTxs, row.KeptAhead, row.AheadMissedPerTransfer)
		}
	}
	row := &rows[0]

	view, err := st.At(height)
	if err != nil {
		st.Close()
		return nil, err
	}
	firstSold := kept.Sold
	if opts.Keep != "" {
		kept.Sold += opts.Transfers * passes
		if err := writeKept(dir, kept); err != nil {
			st.Close()
			return nil, err
		}
	}
	key := land.TitleKey(fmt.Sprintf("T%d", sold[firstSold]+1))
	value := view.Get(key)
	var t land.Title
	if err := json.Unmarshal(value, &t); err != nil || t.Owners[0].Party != idOf(benchKey(n+firstSold)) {
		st.Close()
		return nil, fmt.Errorf("title %s was not transferred: %s (%v)", key, value, err)
	}
	p, err := view.Proof(key)
	if err != nil {
		st.Close()
		return nil, err
	}
	pb, _ := p.Marshal()
	row.ProofBytes = len(pb)
	const verifies = 2000
	vstart := time.Now()
	for range verifies {
		if err := proof.VerifyCommitment(view.Hash(), p, key, value); err != nil {
			st.Close()
			return nil, err
		}
	}
	row.ProofVerify = time.Since(vstart) / verifies
	var prefixes []PrefixBytes
	if opts.Stats {
		prefixes = StateBytes(view)
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	row.DiskBytes = diskSize(dir)
	if opts.Stats {
		files, err := StateFiles(dir)
		if err != nil {
			return nil, err
		}
		printStateBytes(w, n, prefixes, files)
	}
	fmt.Fprintf(w, "land growth: %d parcels on disk: archive %.2f GB (+ the imported version's raw key-value files %.2f GB, which the archive reads it from), latest tree snapshots %.2f GB, its log %.2f GB\n", n,
		float64(diskSize(filepath.Join(dir, "state", "archive.db")))/1e9, float64(diskSize(filepath.Join(dir, "state", "base")))/1e9,
		float64(diskSize(filepath.Join(dir, "state", "latest"))-diskSize(filepath.Join(dir, "state", "latest", "wal")))/1e9,
		float64(diskSize(filepath.Join(dir, "state", "latest", "wal")))/1e9)

	// A past height, first read: reopen and prove the sold title as the
	// loaded register had it.
	qstart := time.Now()
	st, err = store.Open(dir, dbm.PebbleDBBackend, store.DefaultOptions())
	if err != nil {
		return nil, err
	}
	defer st.Close()
	opened := time.Now()
	past, err := st.At(archived)
	if err != nil {
		return nil, err
	}
	old := past.Get(key)
	pp, err := past.Proof(key)
	if err != nil {
		return nil, err
	}
	if err := proof.VerifyCommitment(past.Hash(), pp, key, old); err != nil {
		return nil, fmt.Errorf("past proof: %w", err)
	}
	row.PastQuery = time.Since(opened)
	fmt.Fprintf(w, "land growth: %d parcels: %.0f land/transfer/s, %s CPU per transfer, commit p50 %s p99 %s, peak RSS %d MiB (anon %d MiB), heap %d MiB, disk %.2f GB, proof %d B verified in %s, past-height proof %s (store opened in %s), %.1f disk-reading page faults and %.1f KB read per transfer\n",
		n, row.TransfersPerSec, row.CPUPerTransfer.Round(time.Microsecond), row.CommitP50.Round(100*time.Microsecond), row.CommitP99.Round(100*time.Microsecond),
		row.PeakRSS>>20, row.RSSAnon>>20, row.PeakHeap>>20, float64(row.DiskBytes)/1e9, row.ProofBytes, row.ProofVerify.Round(100*time.Nanosecond),
		row.PastQuery.Round(time.Millisecond), opened.Sub(qstart).Round(time.Millisecond), row.MajorFaultsPerTransfer, row.ReadPerTransfer/1e3)
	for i := range rows[1:] {
		r := &rows[i+1]
		r.DiskBytes, r.ProofBytes, r.ProofVerify, r.PastQuery = row.DiskBytes, row.ProofBytes, row.ProofVerify, row.PastQuery
	}
	return rows, nil
}

// describePhases says where a transfer's wall time and faults went.
func describePhases(ph [len(app.PhaseNames) + 1]PhaseCost) string {
	var parts []string
	for i, c := range ph {
		name := "commit"
		if i < len(app.PhaseNames) {
			name = app.PhaseNames[i]
		}
		parts = append(parts, fmt.Sprintf("%s %s (CPU %s, %.1f faults)", name, c.Wall.Round(time.Microsecond), c.CPU.Round(time.Microsecond), c.Faults))
	}
	return strings.Join(parts, ", ")
}

// describeRewrite says what a snapshot rewrite wrote, tree by tree.
func describeRewrite(r memiavl.RewriteReport) string {
	var parts []string
	for _, t := range r.Trees {
		if t.Layer && t.Merged > 0 {
			parts = append(parts, fmt.Sprintf("tree %s a layer merging %d layers over its base (%d snapshots in its chain), %.2f GB", t.Name, t.Merged, t.Chain, float64(t.Bytes)/1e9))
		} else if t.Layer {
			parts = append(parts, fmt.Sprintf("tree %s a layer (%d snapshots in its chain), %.2f GB", t.Name, t.Chain, float64(t.Bytes)/1e9))
		} else if t.OutOfCache {
			parts = append(parts, fmt.Sprintf("tree %s whole, written out of the page cache and read back after the switch, %.2f GB, %d leaves copied from its base with their subtrees (its base and layers read ahead %.2f GB, %.2f GB of it not in the cache before and marked cold behind the writer; %d records read ahead of the writer; %.1f s waited for the writes, %.1f s for the copies' reads)",
				t.Name, float64(t.Bytes)/1e9, t.Copied, float64(t.ReadAhead)/1e9, float64(t.Cooled)/1e9, t.WrittenAhead, t.WriteWaited.Seconds(), t.CopyReadTook.Seconds()))
		} else {
			parts = append(parts, fmt.Sprintf("tree %s whole, %.2f GB, %d leaves copied from its base with their subtrees", t.Name, float64(t.Bytes)/1e9, t.Copied))
		}
	}
	caughtUp := fmt.Sprintf("replayed %d versions in %d rounds over %.1f s", r.CaughtUp, r.CatchUpRounds, r.CatchUpTook.Seconds())
	final := fmt.Sprintf("replayed %d", r.FinalCatchUp)
	if r.Transplanted > 0 {
		caughtUp = fmt.Sprintf("moved the running trees %d versions on in %d rounds over %.1f s", r.Transplanted, r.TransplantRounds, r.TransplantTook.Seconds())
		if r.LayersRead > 0 {
			caughtUp += fmt.Sprintf(" (the new layers' %.2f GB read first, in %.1f s; %d keys read ahead)", float64(r.LayersRead)/1e9, r.LayersReadTook.Seconds(), r.KeysReadAhead)
		}
		caughtUp += fmt.Sprintf(", %d nodes placed by the writer", r.PlacedFound)
		if r.FinalCatchUp == 0 {
			final = fmt.Sprintf("moved %d", r.FinalMoved)
		}
	}
	return fmt.Sprintf("%s; written in %.1f s, %s, the switch %s in %d ms and took %d ms",
		strings.Join(parts, "; "), r.Wrote.Seconds(), caughtUp, final, r.SwitchCatchUpTook.Milliseconds(), r.SwitchTook.Milliseconds())
}

// describeProgress says where a running rewrite is, and what it has done.
func describeProgress(p memiavl.RewriteProgress) string {
	if p.Stage == memiavl.RewriteWriting {
		return p.Stage.String()
	}
	var trees []string
	for _, t := range p.Report.Trees {
		if t.Layer {
			trees = append(trees, fmt.Sprintf("tree %s a layer, %.2f GB", t.Name, float64(t.Bytes)/1e9))
		} else {
			trees = append(trees, fmt.Sprintf("tree %s whole, %.2f GB", t.Name, float64(t.Bytes)/1e9))
		}
	}
	return fmt.Sprintf("%s (%s; written in %.1f s; %d versions moved in %d rounds over %.1f s)", p.Stage, strings.Join(trees, ", "),
		p.Report.Wrote.Seconds(), p.Report.Transplanted, p.Report.TransplantRounds, p.Report.TransplantTook.Seconds())
}

// writeKept writes a kept register's note atomically.
func writeKept(dir string, k keptRegister) error {
	b, err := json.Marshal(k)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "growth.json.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "growth.json"))
}

// readAheadMode parses a pass's read-ahead mode.
func readAheadMode(s string) (app.ReadAheadMode, error) {
	switch s {
	case "auto":
		return app.ReadAheadAuto, nil
	case "on":
		return app.ReadAheadOn, nil
	case "off":
		return app.ReadAheadOff, nil
	}
	return 0, fmt.Errorf("read-ahead mode %q: want auto, on or off", s)
}

// loadRegister builds a chain in dir holding n parcels on n titles with
// their owners' accounts (and accounts for the buyers of opts.Transfers)
// over the development genesis and its first block (buildRegister). It
// returns the imported version (the height the next block follows)
// twice: it is also the archived one.
func loadRegister(w io.Writer, dir string, n int, opts GrowthOptions) (height, archived int64, err error) {
	const version = 2 // the version after the chain's first block
	init := devInit(genesis.DevAppState())
	if _, err := buildRegister(w, "land growth", dir, n, opts, init, blockTime(1), version); err != nil {
		return 0, 0, err
	}
	return version, version, nil
}

// lexicalOrder lists 1..n in the order of their decimal strings (1, 10,
// 100, ..., 2, 20, ...), the order of the keys P<n> and T<n>.
func lexicalOrder(n int) []int32 {
	out := make([]int32, 0, n)
	var visit func(x int)
	visit = func(x int) {
		if x > n {
			return
		}
		out = append(out, int32(x))
		for d := range 10 {
			if x*10+d > n {
				return
			}
			visit(x*10 + d)
		}
	}
	for d := 1; d <= 9; d++ {
		visit(d)
	}
	return out
}

// startProfile writes a CPU profile to prefix.name until stop is called;
// with no prefix it does nothing.
func startProfile(prefix, name string) (stop func(), err error) {
	if prefix == "" {
		return func() {}, nil
	}
	f, err := os.Create(prefix + "." + name)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeHeapProfile writes the heap's profile to prefix.name; with no
// prefix it does nothing.
func writeHeapProfile(prefix, name string) error {
	if prefix == "" {
		return nil
	}
	f, err := os.Create(prefix + "." + name)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// majorFaults is how many page faults of this process read the disk.
func majorFaults() int64 { return selfUsage().Majflt }

// minorFaults is the process's page faults that found their page in
// memory: under a hypervisor that traps them each costs microseconds.
func minorFaults() int64 { return selfUsage().Minflt }

// selfUsage is the process's resource usage (zero if it cannot be read).
func selfUsage() syscall.Rusage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru
}

// readBytes is how many bytes this process caused to be read from the
// disk (page cache hits excluded), from /proc/self/io.
func readBytes() int64 { return int64(procField("/proc/self/io", "read_bytes:")) }

// procStatus is a /proc/self/status field given in kB, in bytes.
func procStatus(field string) uint64 { return procField("/proc/self/status", field) << 10 }

// procField is the number after field on its line of a /proc file (0 if
// the file or the field is missing).
func procField(path, field string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			var n uint64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &n)
			return n
		}
	}
	return 0
}
