package bench

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/landimport"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/land"
)

// ImportOptions size the land import run.
type ImportOptions struct {
	Parcels int // features in the generated file
	// BlockInterval is the node's pause between blocks (default 1 s, as
	// `publica init` sets it).
	BlockInterval time.Duration
	Batch         int // parcels per transaction (default land.MaxBatchParcels)
	// GridCell is the registry's spatial index cell side in centimetres
	// (land.Params.GridCell; 0: the development genesis's 1 km).
	GridCell int64
	InFlight int // transactions waiting for their block at once (default 8)
	// Titles also imports a title for every parcel afterwards, from a
	// generated CSV (publica land import --titles).
	Titles bool
}

// ImportResult holds the measured figures.
type ImportResult struct {
	Parcels         int
	Registered      int
	Transactions    int
	Elapsed         time.Duration
	ParcelsPerSec   float64
	CPUPerParcel    time.Duration // process CPU (node and importer together) per parcel
	PeakRSSBytes    uint64
	FileBytes       int
	ReadAndCheck    time.Duration // reading, converting and checking the file
	StateBytesAfter int64         // the node's data folder after the import
	// The titles' import (Titles): one title a parcel, from reading the
	// CSV to the last commit.
	TitlesRegistered   int
	TitleTransactions  int
	TitlesElapsed      time.Duration
	TitlesPerSec       float64
	CPUPerTitle        time.Duration
	TitlesFileBytes    int
	TitlesPeakRSSBytes uint64
}

// LandImport starts a single-validator node in a temporary home
// (development genesis), writes a GeoJSON file of opts.Parcels parcels in
// metres (the layout of importFileBytes) and imports it end to end with
// landimport, as `publica land import` does: read, convert, check, ask
// which references exist, send signed batches, wait for every block. It
// reports the wall time from reading the file to the last commit, parcels
// per second, process CPU per parcel (node and importer in one process)
// and peak RSS.
func LandImport(w io.Writer, opts ImportOptions) (*ImportResult, error) {
	if opts.Parcels <= 0 {
		return nil, errors.New("no parcels to import")
	}
	if opts.BlockInterval <= 0 {
		opts.BlockInterval = time.Second
	}
	resetPeakRSS()
	home, err := os.MkdirTemp("", "publica-import-bench-")
	if err != nil {
		return nil, err
	}
	defer removeRetry(home)
	params := land.DefaultParams() // the development genesis's
	if opts.GridCell > 0 {
		params.GridCell = opts.GridCell
	}
	appState, err := withLandParams(params)
	if err != nil {
		return nil, err
	}
	n, c, err := startNode(home, appState, opts.BlockInterval)
	if err != nil {
		return nil, err
	}
	defer n.Stop()
	file := filepath.Join(home, "parcels.geojson")
	if err := os.WriteFile(file, importFileBytes(opts.Parcels), 0o600); err != nil {
		return nil, err
	}
	var clerk ed25519.PrivateKey
	for _, d := range genesis.DemoKeys {
		if d.Name == "clerk" {
			clerk = d.PrivateKey()
		}
	}
	ctx := context.Background()

	cpu0 := processCPU()
	start := time.Now()
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	features, err := landimport.Read(data, landimport.Mapping{}, params, hex.EncodeToString(sum[:]))
	if err != nil {
		return nil, err
	}
	landimport.CheckFile(features)
	readAndCheck := time.Since(start)
	last := time.Now()
	progress := func(p landimport.Progress) {
		if time.Since(last) >= 10*time.Second {
			last = time.Now()
			fmt.Fprintf(w, "land import: %d of %d parcels registered after %.0fs\n", p.Registered, p.Features, p.Elapsed.Seconds())
		}
	}
	rep, err := landimport.Run(ctx, c, clerk, features, landimport.Options{Batch: opts.Batch, InFlight: opts.InFlight, Progress: progress})
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	if rep.Registered != opts.Parcels || rep.Refused != 0 {
		first := ""
		if len(rep.Refusals) > 0 {
			first = rep.Refusals[0].Reason
		}
		return nil, fmt.Errorf("import registered %d of %d parcels, refused %d (%s)", rep.Registered, opts.Parcels, rep.Refused, first)
	}
	out := &ImportResult{Parcels: opts.Parcels, Registered: rep.Registered, Transactions: rep.Transactions, Elapsed: elapsed,
		ParcelsPerSec: float64(rep.Registered) / elapsed.Seconds(), CPUPerParcel: cpu / time.Duration(opts.Parcels),
		PeakRSSBytes: peakRSS(), FileBytes: len(data), ReadAndCheck: readAndCheck, StateBytesAfter: diskSize(filepath.Join(home, "data"))}
	fmt.Fprintf(w, "land import: %d parcels (%.1f MB of GeoJSON) imported end to end through a node with %s blocks and %d m index cells in %.1fs: %.0f parcels/s, %d transactions; read+convert+check %.2fs; %s CPU per parcel (node and importer); peak RSS %d MiB; node data %d MiB\n",
		out.Parcels, float64(out.FileBytes)/1e6, opts.BlockInterval, params.GridCell/params.UnitsPerMetre, elapsed.Seconds(), out.ParcelsPerSec, out.Transactions, readAndCheck.Seconds(),
		out.CPUPerParcel.Round(time.Microsecond), out.PeakRSSBytes>>20, out.StateBytesAfter>>20)
	if opts.Titles {
		if err := importTitles(ctx, w, c, clerk, home, opts, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// importTitles imports a title for each of the imported parcels from a
// generated CSV, as `publica land import --titles` does: every other
// title has one owner, the others two (half and half), among the
// development chain's citizens, named by account id.
func importTitles(ctx context.Context, w io.Writer, c *client.Client, clerk ed25519.PrivateKey, home string, opts ImportOptions, out *ImportResult) error {
	var owners []string
	for _, d := range genesis.DemoKeys {
		if strings.HasPrefix(d.Name, "citizen-") {
			owners = append(owners, tx.AccountID(d.PrivateKey().Public().(ed25519.PublicKey)))
		}
	}
	if len(owners) < 2 {
		return errors.New("the development genesis has fewer than two citizens")
	}
	b := make([]byte, 0, opts.Parcels*110)
	b = append(b, "cadastral_ref,owner,share,tenure\n"...)
	for i := range opts.Parcels {
		ref := "IMP-" + strconv.Itoa(i)
		a := owners[i%len(owners)]
		if i%2 == 0 {
			b = append(b, ref+","+a+",1,freehold\n"...)
			continue
		}
		o := owners[(i+1)%len(owners)]
		b = append(b, ref+","+a+",1/2,freehold\n"+ref+","+o+",1/2,\n"...)
	}
	file := filepath.Join(home, "titles.csv")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return err
	}
	resetPeakRSS()
	cpu0 := processCPU()
	start := time.Now()
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	titles, _, err := landimport.ReadTitlesCSV(bytes.NewReader(data), landimport.Mapping{})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	landimport.ResolveOwners(titles, func(s string) (string, error) { return "", fmt.Errorf("no key %q", s) }, "freehold", hex.EncodeToString(sum[:]))
	last := time.Now()
	progress := func(p landimport.Progress) {
		if time.Since(last) >= 10*time.Second {
			last = time.Now()
			fmt.Fprintf(w, "land import: %d of %d titles registered after %.0fs\n", p.Registered, p.Features, p.Elapsed.Seconds())
		}
	}
	rep, err := landimport.RunTitles(ctx, c, clerk, titles, landimport.Options{Batch: opts.Batch, InFlight: opts.InFlight, Progress: progress})
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	if rep.Registered != opts.Parcels || rep.Refused != 0 {
		first := ""
		if len(rep.Refusals) > 0 {
			first = rep.Refusals[0].Reason
		}
		return fmt.Errorf("import registered %d of %d titles, refused %d (%s)", rep.Registered, opts.Parcels, rep.Refused, first)
	}
	out.TitlesRegistered, out.TitleTransactions, out.TitlesElapsed = rep.Registered, rep.Transactions, elapsed
	out.TitlesPerSec, out.CPUPerTitle = float64(rep.Registered)/elapsed.Seconds(), cpu/time.Duration(rep.Registered)
	out.TitlesFileBytes, out.TitlesPeakRSSBytes = len(data), peakRSS()
	fmt.Fprintf(w, "land import: %d titles (%.1f MB of CSV, half of them with two owners) imported end to end in %.1fs: %.0f titles/s, %d transactions; %s CPU per title (node and importer); peak RSS %d MiB\n",
		rep.Registered, float64(len(data))/1e6, elapsed.Seconds(), out.TitlesPerSec, rep.Transactions, out.CPUPerTitle.Round(time.Microsecond), out.TitlesPeakRSSBytes>>20)
	return nil
}

// withLandParams is the development app_state with a land registry of
// params and no records.
func withLandParams(p land.Params) ([]byte, error) {
	var gs map[string]json.RawMessage
	if err := json.Unmarshal(genesis.DevAppState(), &gs); err != nil {
		return nil, err
	}
	var err error
	if gs[land.ModuleName], err = json.Marshal(land.Genesis{Params: p}); err != nil {
		return nil, err
	}
	return json.Marshal(gs)
}

// importFileBytes is a FeatureCollection of n parcels as ogr2ogr writes
// it: EPSG:32633 in metres with centimetre decimals, rows of 400 lots of
// 12.5 m × 30.25 m (a town's density: about 2,600 a square kilometre),
// each a six-vertex outline (a kink in the front and back boundaries),
// cadastral_ref and address properties.
func importFileBytes(n int) []byte {
	const cols = 400
	b := make([]byte, 0, n*330+256)
	b = append(b, `{
"type": "FeatureCollection",
"name": "parcels",
"crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::32633" } },
"features": [
`...)
	num := func(cm int64) {
		b = strconv.AppendInt(b, cm/100, 10)
		b = append(b, '.')
		if f := cm % 100; f < 10 {
			b = append(b, '0', byte('0'+f))
		} else {
			b = strconv.AppendInt(b, f, 10)
		}
	}
	pos := func(x, y int64, last bool) {
		b = append(b, "[ "...)
		num(x)
		b = append(b, ", "...)
		num(y)
		b = append(b, " ]"...)
		if !last {
			b = append(b, ", "...)
		}
	}
	for i := range n {
		// Centimetres from (500000 m, 6000000 m).
		x := 50_000_000 + int64(i%cols)*1250
		y := 600_000_000 + int64(i/cols)*3025
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = append(b, `{ "type": "Feature", "properties": { "cadastral_ref": "IMP-`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `", "address": "`...)
		b = strconv.AppendInt(b, int64(i%cols+1), 10)
		b = append(b, ` Long Street, block `...)
		b = strconv.AppendInt(b, int64(i/cols+1), 10)
		b = append(b, `" }, "geometry": { "type": "Polygon", "coordinates": [ [ `...)
		pos(x, y, false)
		pos(x+625, y, false) // on the front boundary: a vertex without a turn
		pos(x+1250, y, false)
		pos(x+1250, y+3025, false)
		pos(x+625, y+3025, false)
		pos(x, y+3025, false)
		pos(x, y, true)
		b = append(b, " ] ] } }"...)
	}
	return append(b, "\n]\n}\n"...)
}
