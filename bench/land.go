package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	dbm "github.com/cosmos/cosmos-db"

	"github.com/publica/publica/app"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/proof"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/land"
)

// LandOptions size the land registry run.
type LandOptions struct {
	Parcels   int // parcels (each on its own title) in state before timing
	Transfers int // complete transfers timed (offer + accept + register each)
	PerBlock  int // transactions per block
	// OneTransaction times land/transfer (one transaction signed by the
	// clerk, the seller and the buyer) instead of the three-step
	// offer, acceptance and registration.
	OneTransaction bool
	// First is the first transfer of sold (and the first buyer and clerk
	// sequence) a OneTransaction run makes: runs over one register can
	// each sell titles of their own.
	First int
	// CPUProfile, when set, receives a CPU profile of the timed blocks.
	CPUProfile io.Writer
}

// LandResult holds the measured figures.
type LandResult struct {
	Parcels         int
	Transfers       int
	OneTransaction  bool
	Elapsed         time.Duration
	TransfersPerSec float64
	TxPerSec        float64
	PeakRSSBytes    uint64
	// CPUPerTransfer is the process CPU time (all goroutines: execution,
	// commit, GC, compaction) spent per transfer while timing; unlike the
	// rate it hardly depends on what else the machine is running.
	CPUPerTransfer time.Duration
	// FinalizeShare is the part of Elapsed spent in FinalizeBlock (the
	// rest is Commit).
	FinalizeShare float64
	ProofBytes    int
	ProofVerify   time.Duration
}

// Land measures complete three-party transfers (seller's offer, buyer's
// acceptance, clerk's registration: three signed transactions) through
// FinalizeBlock+Commit on an on-disk pebble store holding opts.Parcels
// parcels, then the size and verification time of a title's proof.
func Land(w io.Writer, opts LandOptions) (*LandResult, error) {
	if opts.Transfers > opts.Parcels {
		return nil, fmt.Errorf("transfers (%d) exceed parcels (%d)", opts.Transfers, opts.Parcels)
	}
	resetPeakRSS() // an earlier run in this process must not count
	dir, err := os.MkdirTemp("", "publica-land-bench-")
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
	setup := time.Now()
	sold := soldTitles(opts)
	appState, err := landGenesis(opts, sold)
	if err != nil {
		return nil, err
	}
	if _, err := a.InitChain(ctx, devInit(appState)); err != nil {
		return nil, err
	}
	h := int64(1)
	if err := finalize(ctx, a, h, nil); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "land: %d parcels and titles in state (set up in %.1fs)\n", opts.Parcels, time.Since(setup).Seconds())

	blocks := landBlocks(opts, sold)
	if opts.CPUProfile != nil {
		if err := pprof.StartCPUProfile(opts.CPUProfile); err != nil {
			return nil, err
		}
	}
	cpu0 := processCPU()
	res, err := timed(ctx, a, h, blocks)
	cpu := processCPU() - cpu0
	if opts.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return nil, err
	}
	h += int64(len(blocks))
	out := &LandResult{Parcels: opts.Parcels, Transfers: opts.Transfers, OneTransaction: opts.OneTransaction, Elapsed: res.Elapsed,
		TransfersPerSec: float64(opts.Transfers) / res.Elapsed.Seconds(), TxPerSec: res.TxPerSec, PeakRSSBytes: peakRSS(),
		CPUPerTransfer: cpu / time.Duration(max(1, opts.Transfers)), FinalizeShare: float64(res.Finalize) / float64(max(1, res.Elapsed))}

	// Check the transfers happened, and measure a title proof.
	view, err := st.At(h)
	if err != nil {
		return nil, err
	}
	var t land.Title
	first := land.TitleKey(fmt.Sprintf("T%d", sold[0]+1))
	if err := json.Unmarshal(view.Get(first), &t); err != nil {
		return nil, err
	}
	if t.Owners[0].Party != tx.AccountID(benchKey(opts.Parcels).Public().(ed25519.PublicKey)) {
		return nil, fmt.Errorf("title %s was not transferred: %+v", first, t.Owners)
	}
	p, err := view.Proof(first)
	if err != nil {
		return nil, err
	}
	pb, _ := p.Marshal()
	out.ProofBytes = len(pb)
	value := view.Get(first)
	const n = 2000
	start := time.Now()
	for range n {
		if err := proof.VerifyCommitment(view.Hash(), p, first, value); err != nil {
			return nil, err
		}
	}
	out.ProofVerify = time.Since(start) / n
	flow := "offer+accept+register"
	if opts.OneTransaction {
		flow = "land/transfer, 3 signatures"
	}
	fmt.Fprintf(w, "land transfers (%s): %d complete transfers (%d txs) in %.2fs: %.0f transfers/s (%.0f tx/s) through FinalizeBlock+Commit with %d parcels; %s CPU per transfer (%.0f%% of the time in FinalizeBlock, %.0f%% in Commit); peak RSS %d MiB\n",
		flow, opts.Transfers, res.Txs, res.Elapsed.Seconds(), out.TransfersPerSec, out.TxPerSec, opts.Parcels, out.CPUPerTransfer.Round(time.Microsecond),
		100*out.FinalizeShare, 100*(1-out.FinalizeShare), out.PeakRSSBytes>>20)
	fmt.Fprintf(w, "land proof: title record proof %d bytes, verified in %s\n", out.ProofBytes, out.ProofVerify)
	return out, nil
}

// landGenesis: the dev accounts plus one account per trading key (the
// owners of the sold titles, from soldTitles, and their buyers), and a
// land registry of Parcels unit squares on a grid, parcel i (P<i+1>) on
// title T<i+1> owned wholly by benchKey(i).
func landGenesis(opts LandOptions, sold []int) ([]byte, error) {
	var dev map[string]json.RawMessage
	if err := json.Unmarshal(genesis.DevAppState(), &dev); err != nil {
		return nil, err
	}
	var auth authority.Genesis
	if err := json.Unmarshal(dev[authority.ModuleName], &auth); err != nil {
		return nil, err
	}
	// The sold titles' owners and buyers Parcels..Parcels+T-1 sign, so
	// they need accounts.
	for i, title := range sold {
		auth.Accounts = append(auth.Accounts,
			authority.GenesisAccountFor(benchKey(title).Public().(ed25519.PublicKey)),
			authority.GenesisAccountFor(benchKey(opts.Parcels+i).Public().(ed25519.PublicKey)))
	}
	p := land.DefaultParams()
	g := land.Genesis{Params: p, Sequences: map[string]uint64{"P": uint64(opts.Parcels), "T": uint64(opts.Parcels)}}
	for i := range opts.Parcels {
		// The genesis rebuilds the indexes (cadastral reference, grid
		// cells, the owner's holding) from these records.
		parcel, title, period := benchParcel(i, p)
		g.Parcels = append(g.Parcels, parcel)
		g.Titles = append(g.Titles, title)
		g.OwnerPeriods = append(g.OwnerPeriods, period)
	}
	ab, err := json.Marshal(auth)
	if err != nil {
		return nil, err
	}
	lb, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]json.RawMessage{authority.ModuleName: ab, land.ModuleName: lb, app.GenesisStateKey: dev[app.GenesisStateKey]})
}

// benchParcel is parcel i (P<i+1>): a 10 m square on a grid 1,000
// squares wide, on its own title T<i+1> owned wholly by benchKey(i).
func benchParcel(i int, p land.Params) (land.Parcel, land.Title, land.OwnerPeriod) {
	return benchParcelOf(i, p, benchKey(i).Public().(ed25519.PublicKey))
}

// benchParcelOf is benchParcel given the owner's key (deriving it is
// most of the cost).
func benchParcelOf(i int, p land.Params, ownerKey ed25519.PublicKey) (land.Parcel, land.Title, land.OwnerPeriod) {
	const side, cols = 1000, 1000
	doc := strings.Repeat("ab", 32)
	x, y := int64(i%cols)*side, int64(i/cols)*side
	pid, tid := fmt.Sprintf("P%d", i+1), fmt.Sprintf("T%d", i+1)
	owner := tx.AccountID(ownerKey)
	coords := fmt.Sprintf("[[[%d,%d],[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]", x, y, x+side, y, x+side, y+side, x, y+side, x, y)
	owners := []land.Share{{Party: owner, Share: "1"}}
	return land.Parcel{ID: pid, CadastralRef: "B-" + pid,
			Geometry: land.Geometry{Type: "Polygon", CRS: p.CRS, Coordinates: json.RawMessage(coords)},
			BBox:     [4]int64{x, y, x + side, y + side}, Area2: "2000000", AreaM2: "100", Status: land.StatusActive, Title: tid,
			Parents: []string{}, Children: []string{}, Document: doc, Registered: 1, OwnerSince: 1},
		land.Title{ID: tid, Parcels: []string{pid}, Owners: owners, Tenure: "freehold", Status: land.StatusActive,
			Mortgages: []land.Mortgage{}, Leases: []land.Lease{}, Easements: []land.Easement{}, Caveats: []land.Caveat{},
			Parents: []string{}, Children: []string{}, Document: doc, Registered: 1},
		land.OwnerPeriod{Parcel: pid, Title: tid, Owners: owners, From: 1}
}

// soldTitles picks the title of each transfer, in order: distinct titles
// drawn at random (with a fixed seed) from all Parcels, as a registry's
// sales fall anywhere in its key space. Consecutive titles would share
// most of their paths in the state tree and cost a fraction as much.
// The draw is copied out of the permutation of all parcels, which would
// otherwise stay in the heap beside the state (80 MB at 10M parcels,
// twice that at the collector's peak, taken from the page cache of a
// node measured in 8 GiB).
func soldTitles(opts LandOptions) []int {
	return slices.Clone(rand.New(rand.NewPCG(1, 2)).Perm(opts.Parcels)[:opts.Transfers])
}

// landBlocks: per batch of PerBlock/… transfers, a block of offers, a
// block of acceptances and a block of registrations (offer ids follow
// from the order: O1, O2, ...).
func landBlocks(opts LandOptions, sold []int) [][][]byte {
	var clerk ed25519.PrivateKey
	for _, d := range genesis.DemoKeys {
		if d.Name == "clerk" {
			clerk = d.PrivateKey()
		}
	}
	per := max(1, opts.PerBlock)
	var blocks [][][]byte
	if opts.OneTransaction {
		for start := opts.First; start < opts.First+opts.Transfers; start += per {
			n := min(per, opts.First+opts.Transfers-start)
			block := make([][]byte, n)
			parallel(n, func(j int) {
				i := start + j
				seller, buyer := benchKey(sold[i]), benchKey(opts.Parcels+i)
				sid, bid := tx.AccountID(seller.Public().(ed25519.PublicKey)), tx.AccountID(buyer.Public().(ed25519.PublicKey))
				block[j] = build(uint64(i), land.TypeTransfer, land.MsgTransfer{Title: fmt.Sprintf("T%d", sold[i]+1),
					Sellers: []land.Share{{Party: sid, Share: "1"}}, Buyers: []land.Share{{Party: bid, Share: "1"}},
					Document: strings.Repeat("cd", 32)}, clerk, seller, buyer)
			})
			blocks = append(blocks, block)
		}
		return blocks
	}
	for start := 0; start < opts.Transfers; start += per {
		n := min(per, opts.Transfers-start)
		offers, accepts, regs := make([][]byte, n), make([][]byte, n), make([][]byte, n)
		parallel(n, func(j int) {
			i := start + j
			seller, buyer := benchKey(sold[i]), benchKey(opts.Parcels+i)
			sid, bid := tx.AccountID(seller.Public().(ed25519.PublicKey)), tx.AccountID(buyer.Public().(ed25519.PublicKey))
			offer := fmt.Sprintf("O%d", i+1)
			offers[j] = build(0, land.TypeOfferTransfer, land.MsgOfferTransfer{Title: fmt.Sprintf("T%d", sold[i]+1),
				Sellers: []land.Share{{Party: sid, Share: "1"}}, Buyers: []land.Share{{Party: bid, Share: "1"}}, Expires: 1 << 40}, seller)
			accepts[j] = build(0, land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: offer}, buyer)
			regs[j] = build(uint64(i), land.TypeRegisterTransfer, land.MsgRegisterTransfer{Offer: offer, Document: strings.Repeat("cd", 32)}, clerk)
		})
		blocks = append(blocks, offers, accepts, regs)
	}
	return blocks
}

// parallel runs fn(0..n-1) on every core.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for wk := range workers {
		wg.Go(func() {
			for j := wk; j < n; j += workers {
				fn(j)
			}
		})
	}
	wg.Wait()
}

// processCPU is the CPU time (user + system) the process has used so far,
// from /proc/self/stat on Linux (clock ticks of 1/100 s), else the Go
// runtime's estimate (busy time of its Ps, which counts time the OS took
// away from a running thread).
func processCPU() time.Duration {
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		if i := strings.LastIndexByte(string(b), ')'); i > 0 {
			f := strings.Fields(string(b[i+1:]))
			var ut, st int64
			if len(f) > 12 {
				fmt.Sscan(f[11], &ut)
				fmt.Sscan(f[12], &st)
				return time.Duration(ut+st) * 10 * time.Millisecond
			}
		}
	}
	s := []metrics.Sample{{Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/cpu/classes/idle:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 || s[1].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return time.Duration((s[0].Value.Float64() - s[1].Value.Float64()) * float64(time.Second))
}

// resetPeakRSS returns freed memory to the OS and restarts the peak RSS
// count (Linux; elsewhere the peak stays the process's).
func resetPeakRSS() {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS is the process's peak resident set size (Linux), else the Go
// runtime's total obtained memory.
func peakRSS() uint64 {
	if hwm := procStatus("VmHWM:"); hwm > 0 {
		return hwm
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Sys
}

func slicesSortFunc[T any](s []T, cmp func(a, b T) int) { slices.SortFunc(s, cmp) }
