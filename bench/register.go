package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/app"
	"github.com/publica/publica/store"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/land"
)

// buildRegister writes into dir a state of the given version (2 or
// later) holding n parcels on n titles with their owners' accounts (and
// accounts for the buyers of opts.Transfers), as a chain starting from an
// exported register would: the genesis init and its first block (at
// firstBlock) run in memory, the register's records are made by the
// modules' own genesis code in steps of opts.Chunk parcels, and the whole
// is sorted on disk and imported as one version (store.Import). It
// returns the version's root hash: the app hash of a chain whose next
// block is version+1. label names the register in the line it prints.
func buildRegister(w io.Writer, label, dir string, n int, opts GrowthOptions, init *abci.RequestInitChain, firstBlock time.Time, version int64) (hash []byte, err error) {
	if version < 2 {
		return nil, fmt.Errorf("a register is imported at version 2 or later, not %d", version)
	}
	if opts.Chunk <= 0 {
		opts.Chunk = 250_000
	}
	begin := time.Now()
	mem, err := store.OpenMemoryWith(store.DefaultOptions())
	if err != nil {
		return nil, err
	}
	a := app.New(mem)
	ctx := context.Background()
	if _, err := a.InitChain(ctx, init); err != nil {
		return nil, err
	}
	if _, err := a.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 1, Time: firstBlock}); err != nil {
		return nil, err
	}
	if _, err := a.Commit(ctx, &abci.RequestCommit{}); err != nil {
		return nil, err
	}
	sp, err := newSpill(filepath.Join(dir, "spill"))
	if err != nil {
		return nil, err
	}
	defer func() {
		if rerr := sp.remove(); err == nil {
			err = rerr
		}
	}()
	chain, err := mem.At(1)
	if err != nil {
		return nil, err
	}
	add := func(k, v []byte) bool {
		err = sp.add(k, v)
		return err == nil
	}
	if chain.Iterate(nil, nil, false, add); err != nil {
		return nil, err
	}

	var dev map[string]json.RawMessage
	if err := json.Unmarshal(init.AppStateBytes, &dev); err != nil {
		return nil, err
	}
	params := land.DefaultParams()
	if raw, ok := dev[land.ModuleName]; ok {
		var devLand land.Genesis
		if err := json.Unmarshal(raw, &devLand); err != nil {
			return nil, err
		}
		if devLand.Params.CRS != "" {
			params = devLand.Params
		}
	}
	landMod := land.New(nil)
	order := lexicalOrder(n)
	// One step's records, written over the chain's first block, which
	// genesis code may read (parameters, accounts).
	step := func(part []int32, buyers bool) (*store.Cache, error) {
		g := land.Genesis{Params: params, Sequences: map[string]uint64{"P": uint64(n), "T": uint64(n)}}
		g.Parcels, g.Titles, g.OwnerPeriods = make([]land.Parcel, len(part)), make([]land.Title, len(part)), make([]land.OwnerPeriod, len(part))
		pubs := make([]ed25519.PublicKey, len(part))
		parallel(len(part), func(j int) {
			i := int(part[j]) - 1
			pubs[j] = benchKey(i).Public().(ed25519.PublicKey)
			g.Parcels[j], g.Titles[j], g.OwnerPeriods[j] = benchParcelOf(i, params, pubs[j])
		})
		raw, err := json.Marshal(g)
		if err != nil {
			return nil, err
		}
		kv := store.NewCache(chain)
		if err := landMod.InitGenesis(kv, raw); err != nil {
			return nil, err
		}
		var accounts authority.Keeper
		for _, pub := range pubs {
			if _, err := accounts.CreateAccount(kv, pub); err != nil {
				return nil, err
			}
		}
		if buyers {
			for i := range opts.Transfers {
				if _, err := accounts.CreateAccount(kv, benchKey(n+i).Public().(ed25519.PublicKey)); err != nil {
					return nil, err
				}
			}
		}
		return kv, nil
	}
	// Steps run two at a time (the genesis code is single-threaded) and
	// are spilled in order; a step holds its slot until it is spilled.
	type stepResult struct {
		kv  *store.Cache
		err error
	}
	var results []chan stepResult
	for start := 0; start < n; start += opts.Chunk {
		results = append(results, make(chan stepResult, 1))
	}
	slots, stop := make(chan struct{}, 2), make(chan struct{})
	defer close(stop)
	go func() {
		for k, ch := range results {
			select {
			case slots <- struct{}{}:
			case <-stop:
				return
			}
			start := k * opts.Chunk
			go func() {
				kv, err := step(order[start:min(n, start+opts.Chunk)], start == 0)
				ch <- stepResult{kv, err}
			}()
		}
	}()
	for _, ch := range results {
		r := <-ch
		if r.err != nil {
			return nil, r.err
		}
		if r.kv.IterateWrites(add); err != nil {
			return nil, err
		}
		<-slots
	}
	built := time.Now()
	src, done, err := sp.source(mem.Split())
	if err != nil {
		return nil, err
	}
	sorted := time.Now()
	if hash, err = store.Import(dir, version, store.Options{Split: mem.Split()}, src); err != nil {
		done()
		return nil, err
	}
	fmt.Fprintf(w, "%s: %d parcels: %d records built in %.0fs, sorted in %.0fs, imported in %.0fs (peak spill %.2f GB)\n",
		label, n, src.Low+src.High, built.Sub(begin).Seconds(), sorted.Sub(built).Seconds(), time.Since(sorted).Seconds(), float64(sp.peak)/1e9)
	return hash, done()
}
