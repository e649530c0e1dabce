package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/publica/publica/landimport"
	"github.com/publica/publica/x/land"
)

// landCmd is `publica land`: tools that work on the land registry as a
// whole (importing an existing cadastre).
func landCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "land", Short: "Land registry tools: import an existing cadastre"}
	addNodeFlag(cmd)
	addPassphraseFlag(cmd)
	cmd.AddCommand(landImportCmd())
	return cmd
}

func landImportCmd() *cobra.Command {
	var (
		from, mappingFile, docFile, reportFile, progress string
		titlesFile, tenure                               string
		m                                                landimport.Mapping
		o                                                landimport.Options
		timeout                                          time.Duration
	)
	cmd := &cobra.Command{
		Use:   "import [FILE] [--titles TITLES]",
		Short: "Register the parcels of a GeoJSON FeatureCollection (e.g. from ogr2ogr) and the titles of a CSV or of the features' properties",
		Long: `Register every parcel of FILE, a GeoJSON FeatureCollection such as
"ogr2ogr -f GeoJSON -t_srs EPSG:32633 parcels.geojson parcels.shp" writes,
with land/register-parcels transactions signed by --from (a clerk).

Coordinates are in the registry's coordinate system (the file's "crs"
member, or --crs when it has none), in metres; they are converted to the
registry's integer units exactly (decimal arithmetic, halves rounded away
from zero) and rings are wound as RFC 7946 asks. Each feature's cadastral
reference, address and document hash come from its properties
(--ref-property, --address-property, --document-property, or a --mapping
file {"cadastral_ref": "...", "address": "...", "document": "...", "crs": "..."});
a feature without a document hash gets the SHA-256 of --document-file,
by default of FILE itself.

Before sending, every feature is checked as the chain would check it
(geometry, reference, document) and against the features before it in
the file (the same reference, an overlapping outline); references already
registered are skipped, so an interrupted import can simply be run again.
A batch the chain refuses (an overlap with a registered parcel, say) is
split: the refused parcel is reported and the others registered.

The report lists registered, skipped and refused features, every refusal
with the feature's index (from 0), reference and reason; --report writes it
as JSON. Refusals do not make the command fail.

--titles TITLES registers titles over parcels already in the register
(after FILE's parcels, if FILE is given), with land/register-titles
transactions. TITLES is a CSV whose header row names its columns
(cadastral_ref, owner, share, and optionally tenure and document; other
names with --ref-property, --owner-property, --share-property,
--tenure-property or the mapping file's "owner", "share", "tenure"), one
row per owner, the co-owners of a title on consecutive rows; or a GeoJSON
FeatureCollection (FILE itself, say) whose features carry the owner,
share and tenure properties (several owners as a JSON array or separated
by ";"). An owner is an account id, a party id (N1) or the name of a key
in HOME/keys; a share is n/d; a title without a tenure gets --tenure.
Every title is checked as land/register-title checks it (shares summing
to exactly 1, the parcel registered and without a title, the owners
known); a parcel already on a title with the same owners and tenure is
skipped, so an interrupted import can be run again. Every refused title
is reported with its CSV line (or feature index), reference and reason.`,
		Example: `  publica land import samples/parcels.geojson --from clerk
  publica land import parcels.geojson --from clerk --crs EPSG:32633 --ref-property LOT_NO --address-property ADDR --report import.json
  publica land import --titles examples/titles.csv --from clerk
  publica land import parcels.geojson --titles parcels.geojson --owner-property OWNERS --share-property SHARES --from clerk`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && titlesFile == "" {
				return fmt.Errorf("nothing to import: give a GeoJSON FILE of parcels, --titles TITLES, or both")
			}
			if mappingFile != "" {
				b, err := os.ReadFile(mappingFile)
				if err != nil {
					return err
				}
				var fm landimport.Mapping
				dec := json.NewDecoder(bytes.NewReader(b))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&fm); err != nil {
					return fmt.Errorf("mapping %s: %w", mappingFile, err)
				}
				for _, f := range []struct {
					flag string
					dst  *string
					val  string
				}{{"ref-property", &m.Ref, fm.Ref}, {"address-property", &m.Address, fm.Address},
					{"document-property", &m.Document, fm.Document}, {"crs", &m.CRS, fm.CRS},
					{"owner-property", &m.Owner, fm.Owner}, {"share-property", &m.Share, fm.Share}, {"tenure-property", &m.Tenure, fm.Tenure}} {
					if !cmd.Flags().Changed(f.flag) {
						*f.dst = f.val
					}
				}
			}
			var docFileData []byte
			if docFile != "" {
				var err error
				if docFileData, err = os.ReadFile(docFile); err != nil {
					return err
				}
			}
			// documentOf is the document hash of records without one: of
			// --document-file, else of the file they come from.
			documentOf := func(data []byte) string {
				if docFileData != nil {
					data = docFileData
				}
				sum := sha256.Sum256(data)
				return hex.EncodeToString(sum[:])
			}

			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			key, _, err := loadKey(ks, newPassphraseSource(cmd), from)
			if err != nil {
				return err
			}
			c, addr, err := connect(cmd)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			var parcelReport *landimport.Report
			if len(args) == 1 {
				data, err := os.ReadFile(args[0])
				if err != nil {
					return err
				}
				res, err := c.Query(ctx, "/land/params", nil, 0, false)
				if err != nil {
					return nodeErr(addr, err)
				}
				var params land.Params
				if err := json.Unmarshal(res.Value, &params); err != nil {
					return fmt.Errorf("land params: %w", err)
				}
				features, err := landimport.Read(data, m, params, documentOf(data))
				if err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				landimport.CheckFile(features)
				if load := landimport.CellLoad(features, params); load > 500 {
					fmt.Fprintf(cmd.ErrOrStderr(), "note: about %.0f parcels per spatial index cell (grid_cell %d units): each registration reads every entry of its cells, so this import will be slow; a registry this dense wants a smaller grid_cell (docs/land.md)\n", load, params.GridCell)
				}
				p := newProgressPrinter(cmd.ErrOrStderr(), progress, "parcels")
				o.Progress = p.show
				parcelReport, err = landimport.Run(ctx, c, key, features, o)
				p.done()
				if err != nil {
					return nodeErr(addr, err)
				}
				printImportReport(cmd.OutOrStdout(), args[0], parcelReport)
			}
			var titleReport *landimport.TitleReport
			if titlesFile != "" {
				data, err := os.ReadFile(titlesFile)
				if err != nil {
					return err
				}
				var titles []*landimport.Title
				if trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(trimmed) > 0 && trimmed[0] == '{' {
					titles, err = landimport.ReadTitlesGeoJSON(data, m)
				} else {
					titles, _, err = landimport.ReadTitlesCSV(bytes.NewReader(data), m)
				}
				if err != nil {
					return fmt.Errorf("%s: %w", titlesFile, err)
				}
				landimport.ResolveOwners(titles, func(s string) (string, error) { return resolveAccount(ks, s) }, tenure, documentOf(data))
				p := newProgressPrinter(cmd.ErrOrStderr(), progress, "titles")
				o.Progress = p.show
				titleReport, err = landimport.RunTitles(ctx, c, key, titles, o)
				p.done()
				if err != nil {
					return nodeErr(addr, err)
				}
				printTitleReport(cmd.OutOrStdout(), titlesFile, titleReport)
			}
			if reportFile != "" {
				var v any = parcelReport
				switch {
				case parcelReport == nil:
					v = titleReport
				case titleReport != nil:
					v = map[string]any{"parcels": parcelReport, "titles": titleReport}
				}
				b, _ := json.MarshalIndent(v, "", "  ")
				if err := os.WriteFile(reportFile, append(b, '\n'), 0o644); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "key name of the clerk who signs the transactions")
	cmd.MarkFlagRequired("from")
	cmd.Flags().StringVar(&m.CRS, "crs", "", "coordinate system of a file that names none, e.g. EPSG:32633")
	cmd.Flags().StringVar(&m.Ref, "ref-property", "cadastral_ref", "feature property (or titles CSV column) holding the cadastral reference")
	cmd.Flags().StringVar(&m.Address, "address-property", "address", "feature property holding the address (optional)")
	cmd.Flags().StringVar(&m.Document, "document-property", "document", "feature property holding the document's SHA-256 (optional)")
	cmd.Flags().StringVar(&mappingFile, "mapping", "", `JSON file naming the properties: {"cadastral_ref":"LOT_NO","address":"ADDR","document":"DOC","crs":"EPSG:32633","owner":"OWNER","share":"SHARE","tenure":"TENURE"} (flags win)`)
	cmd.Flags().StringVar(&docFile, "document-file", "", "file whose SHA-256 is the document of features and titles without one (default: the file they come from)")
	cmd.Flags().StringVar(&reportFile, "report", "", `also write the report as JSON to this file (both parcels and titles: {"parcels":…,"titles":…})`)
	cmd.Flags().StringVar(&titlesFile, "titles", "", "register titles from this CSV (cadastral_ref,owner,share[,tenure][,document]; one row per owner) or GeoJSON file (the features' owner, share and tenure properties)")
	cmd.Flags().StringVar(&m.Owner, "owner-property", "owner", "titles: CSV column or feature property holding the owner (account id, party id or key name)")
	cmd.Flags().StringVar(&m.Share, "share-property", "share", `titles: CSV column or feature property holding the owner's share ("n/d")`)
	cmd.Flags().StringVar(&m.Tenure, "tenure-property", "tenure", "titles: CSV column or feature property holding the tenure (optional)")
	cmd.Flags().StringVar(&tenure, "tenure", "freehold", fmt.Sprintf("titles: tenure of titles that give none (%s)", strings.Join(land.Tenures, ", ")))
	cmd.Flags().IntVar(&o.Batch, "batch", land.MaxBatchParcels, fmt.Sprintf("most parcels or titles per transaction (1..%d; a batch also stays under the message size limit)", land.MaxBatchParcels))
	cmd.Flags().IntVar(&o.InFlight, "in-flight", 8, "transactions waiting for their block at once")
	cmd.Flags().StringVar(&progress, "progress", "auto", "progress display: bar, lines, none, or auto (a bar on a terminal, else lines)")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Hour, "give up after this long")
	return cmd
}

func printImportReport(w io.Writer, file string, r *landimport.Report) {
	rate := 0.0
	if r.Seconds > 0 {
		rate = float64(r.Registered) / r.Seconds
	}
	fmt.Fprintf(w, "%s: %d features: %d registered, %d skipped (already registered), %d refused; %d transactions in %.1f s (%.0f parcels/s)\n",
		file, r.Features, r.Registered, r.Skipped, r.Refused, r.Transactions, r.Seconds, rate)
	for _, x := range r.Refusals {
		ref := x.Ref
		if ref == "" {
			ref = "(no reference)"
		}
		fmt.Fprintf(w, "  refused feature %d %s: %s\n", x.Index, ref, x.Reason)
	}
}

func printTitleReport(w io.Writer, file string, r *landimport.TitleReport) {
	rate := 0.0
	if r.Seconds > 0 {
		rate = float64(r.Registered) / r.Seconds
	}
	fmt.Fprintf(w, "%s: %d titles: %d registered, %d skipped (already registered), %d refused; %d transactions in %.1f s (%.0f titles/s)\n",
		file, r.Titles, r.Registered, r.Skipped, r.Refused, r.Transactions, r.Seconds, rate)
	for _, x := range r.Refusals {
		ref := x.Ref
		if ref == "" {
			ref = "(no reference)"
		}
		where := fmt.Sprintf("line %d", x.Line)
		if x.Line == 0 {
			where = fmt.Sprintf("feature %d", x.Index)
		}
		fmt.Fprintf(w, "  refused %s %s: %s\n", where, ref, x.Reason)
	}
}

// progressPrinter shows an import's progress: a bar redrawn in place on a
// terminal, else a line at most every two seconds.
type progressPrinter struct {
	w     io.Writer
	noun  string // what is counted: parcels, titles
	bar   bool
	off   bool
	last  time.Time
	shown bool
}

func newProgressPrinter(w io.Writer, mode, noun string) *progressPrinter {
	p := &progressPrinter{w: w, noun: noun}
	switch mode {
	case "bar":
		p.bar = true
	case "none":
		p.off = true
	case "lines":
	default:
		f, ok := w.(*os.File)
		p.bar = ok && term.IsTerminal(int(f.Fd()))
	}
	return p
}

func (p *progressPrinter) show(s landimport.Progress) {
	if p.off {
		return
	}
	now := time.Now()
	final := s.Done() == s.Features
	every := 2 * time.Second
	if p.bar {
		every = 100 * time.Millisecond
	}
	if !final && now.Sub(p.last) < every {
		return
	}
	p.last = now
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Registered) / s.Elapsed.Seconds()
	}
	counts := fmt.Sprintf("%d/%d  registered %d  skipped %d  refused %d  %.0f %s/s", s.Done(), s.Features, s.Registered, s.Skipped, s.Refused, rate, p.noun)
	if !p.bar {
		prefix := "import"
		if p.noun != "parcels" {
			prefix += " " + p.noun
		}
		fmt.Fprintf(p.w, "%s: %s\n", prefix, counts)
		return
	}
	const width = 30
	filled := 0
	if s.Features > 0 {
		filled = width * s.Done() / s.Features
	}
	fmt.Fprintf(p.w, "\r[%s%s] %s ", strings.Repeat("#", filled), strings.Repeat(".", width-filled), counts)
	p.shown = true
}

func (p *progressPrinter) done() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
}
