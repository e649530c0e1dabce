package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/landimport"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/land"
)

// titleParcels writes n 10 m squares in rows of 20 at (x0, y0) metres
// with references prefix-000..., each feature's extra properties from
// props (nil: none).
func titleParcels(t *testing.T, dir, name, prefix string, n int, x0, y0 float64, props func(i int) map[string]any) string {
	t.Helper()
	var fs []importFeature
	for i := range n {
		p := map[string]any{"cadastral_ref": fmt.Sprintf("%s-%03d", prefix, i)}
		if props != nil {
			for k, v := range props(i) {
				p[k] = v
			}
		}
		fs = append(fs, importFeature{Type: "Feature", Properties: p, Geometry: importSquare(x0+float64(i%20)*10, y0+float64(i/20)*10, false)})
	}
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection",
		"crs":      map[string]any{"type": "name", "properties": map[string]any{"name": "urn:ogc:def:crs:EPSG::32633"}},
		"features": fs})
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, name, string(b))
}

// The titles of 300 registered parcels from a CSV with a row per owner,
// with bad titles of every kind; then again (nothing new); then titles
// from a GeoJSON file's own properties.
func TestLandImportTitles(t *testing.T) {
	home, n := devNode(t)
	c, err := client.New(n.RPCAddress())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	out := mustCLI(t, home, "land", "import", titleParcels(t, dir, "parcels.geojson", "TTL", 300, 510000, 6000000, nil), "--from", "clerk", "--progress", "none")
	if !strings.Contains(out, "300 features: 300 registered") {
		t.Fatalf("parcels: %s", out)
	}
	acct := func(name string) string { return tx.AccountID(testnode.DemoKey(t, name).Public().(ed25519.PublicKey)) }
	alice, bob, carol, registrar := acct("citizen-alice"), acct("citizen-bob"), acct("citizen-carol"), acct("registrar")
	parcelOf := func(ref string) string {
		res, err := c.Query(ctx, "/land/cadref/"+ref, nil, 0, false)
		if err != nil || res.Value == nil {
			t.Fatalf("cadref %s: %v", ref, err)
		}
		return string(res.Value)
	}
	clerk := testnode.DemoKey(t, "clerk")
	// Registered before the import: TTL-100 as the file has it (skipped),
	// TTL-110 to someone else (refused).
	testnode.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{parcelOf("TTL-100")},
		Owners: []land.Share{{Party: bob, Share: "1/2"}, {Party: carol, Share: "1/2"}}, Tenure: "freehold", Document: strings.Repeat("ab", 32)}, clerk)
	testnode.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{parcelOf("TTL-110")},
		Owners: []land.Share{{Party: carol, Share: "1"}}, Tenure: "freehold", Document: strings.Repeat("ab", 32)}, clerk)

	// The CSV: title i is over TTL-i, owned by alice (i%3 == 0), bob and
	// carol half and half (1), or alice, bob (by key name) and the
	// registrar (by account id) a third each (2); the bad titles below
	// name the line they are refused at.
	var csv strings.Builder
	csv.WriteString("cadastral_ref,owner,share,tenure\n")
	line := 1
	row := func(ref, owner, share, tenure string) int {
		fmt.Fprintf(&csv, "%s,%s,%s,%s\n", ref, owner, share, tenure)
		line++
		return line
	}
	type bad struct {
		line   int
		ref    string
		reason string
	}
	var want []bad
	for i := range 300 {
		ref := fmt.Sprintf("TTL-%03d", i)
		first := line + 1
		switch i {
		case 10:
			row(ref, "citizen-alice", "1/2", "")
			row(ref, "citizen-bob", "1/3", "")
			want = append(want, bad{first, ref, "owners' shares sum to 5/6, not exactly 1"})
		case 20:
			row("NOPE-20", "citizen-alice", "1", "")
			want = append(want, bad{first, "NOPE-20", `no parcel has the cadastral reference "NOPE-20"`})
		case 30:
			row("TTL-005", "citizen-alice", "1", "")
			want = append(want, bad{first, "TTL-005", `"TTL-005" already has a title at line`})
		case 40:
			row(ref, "citizen-alice", "1/2", "")
			l := row(ref, "mallory", "1/2", "")
			want = append(want, bad{l, ref, `unknown owner: "mallory" is neither an account id`})
		case 50:
			l := row(ref, strings.Repeat("ab", 20), "1", "")
			want = append(want, bad{l, ref, "unknown owner: account abababab"})
		case 60:
			row(ref, "citizen-alice", "1/2", "")
			l := row(ref, "citizen-bob", "a half", "")
			want = append(want, bad{l, ref, `malformed share: share "a half"`})
		case 70:
			l := row(ref, "citizen-alice", "2/4", "")
			row(ref, "citizen-bob", "1/2", "")
			want = append(want, bad{l, ref, `not in lowest terms; write "1/2"`})
		case 80:
			l := row(ref, "citizen-alice", "", "")
			want = append(want, bad{l, ref, "no share"})
		case 90:
			row(ref, "citizen-alice", "1", "fee tail")
			want = append(want, bad{first, ref, `tenure "fee tail" is not one of`})
		case 110:
			row(ref, "citizen-alice", "1", "")
			want = append(want, bad{first, ref, "held otherwise (freehold: " + carol + " 1)"})
		case 120:
			row(ref, "citizen-alice", "1/2", "")
			row(ref, alice, "1/2", "")
			want = append(want, bad{first, ref, "appears twice"})
		default:
			tenure := ""
			if i == 130 {
				tenure = "leasehold"
			}
			switch i % 3 {
			case 0:
				row(ref, "citizen-alice", "1", tenure)
			case 1:
				row(ref, "citizen-bob", "1/2", tenure)
				row(ref, "citizen-carol", "1/2", tenure)
			case 2:
				row(ref, "citizen-alice", "1/3", tenure)
				row(ref, "citizen-bob", "1/3", tenure)
				row(ref, registrar, "1/3", tenure)
			}
		}
	}
	titlesCSV := writeFile(t, dir, "titles.csv", csv.String())
	report := filepath.Join(dir, "titles.json")
	out, errOut, err := cli(t, home, "land", "import", "--titles", titlesCSV, "--from", "clerk", "--batch", "50", "--in-flight", "3",
		"--report", report, "--progress", "lines")
	if err != nil {
		t.Fatalf("import: %v\n%s\n%s", err, out, errOut)
	}
	t.Log(out)
	if !strings.Contains(errOut, "import titles: 300/300  registered 288  skipped 1  refused 11") {
		t.Errorf("progress: %s", errOut)
	}
	var rep landimport.TitleReport
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Titles != 300 || rep.Registered != 288 || rep.Skipped != 1 || rep.Refused != 11 || len(rep.Refusals) != len(want) {
		t.Fatalf("report %+v", rep)
	}
	for i, w := range want {
		got := rep.Refusals[i]
		if got.Line != w.line || got.Ref != w.ref || !strings.Contains(got.Reason, w.reason) {
			t.Errorf("refusal %d: %+v, want line %d %s %q", i, got, w.line, w.ref, w.reason)
		}
		if !strings.Contains(out, fmt.Sprintf("refused line %d %s: ", w.line, w.ref)) {
			t.Errorf("the printed report does not list line %d", w.line)
		}
	}

	// The state: each good title once, with the file's owners.
	titled := func() map[string]land.RefTitle {
		got := map[string]land.RefTitle{}
		var refs []string
		for i := range 300 {
			refs = append(refs, fmt.Sprintf("TTL-%03d", i))
		}
		res, err := c.Query(ctx, "/land/cadref-titles/"+strings.Join(refs, ","), nil, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		var hits []land.RefTitle
		if err := json.Unmarshal(res.Value, &hits); err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.Title != "" {
				got[h.Ref] = h
			}
		}
		return got
	}
	state := titled()
	if len(state) != 290 { // 288 imported, 2 before
		t.Fatalf("%d titled parcels, want 290", len(state))
	}
	for _, i := range []int{10, 20, 30, 40, 50, 60, 70, 80, 90, 120} {
		if h, ok := state[fmt.Sprintf("TTL-%03d", i)]; ok {
			t.Errorf("TTL-%03d has title %s", i, h.Title)
		}
	}
	owners := func(h land.RefTitle) string {
		var s []string
		for _, o := range h.Owners {
			s = append(s, o.Party+"="+o.Share)
		}
		return h.Tenure + " " + strings.Join(s, ",")
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	bc, abr := sorted(bob, carol), sorted(alice, bob, registrar)
	x, y := bc[0], bc[1]
	p, q, r := abr[0], abr[1], abr[2]
	for ref, w := range map[string]string{
		"TTL-000": "freehold " + alice + "=1",
		"TTL-001": "freehold " + x + "=1/2," + y + "=1/2",
		"TTL-002": "freehold " + p + "=1/3," + q + "=1/3," + r + "=1/3",
		"TTL-130": "leasehold " + x + "=1/2," + y + "=1/2",
		"TTL-298": "freehold " + x + "=1/2," + y + "=1/2",
		"TTL-005": "freehold " + p + "=1/3," + q + "=1/3," + r + "=1/3",
		"TTL-110": "freehold " + carol + "=1",
	} {
		if got := owners(state[ref]); got != w {
			t.Errorf("%s: %s, want %s", ref, got, w)
		}
	}

	// Again: everything registered is skipped, the same refusals.
	out = mustCLI(t, home, "land", "import", "--titles", titlesCSV, "--from", "clerk", "--progress", "none")
	if !strings.Contains(out, "300 titles: 0 registered, 289 skipped (already registered), 11 refused") {
		t.Fatalf("second run: %s", out)
	}
	if len(titled()) != 290 {
		t.Fatal("the second run changed the titles")
	}

	// Parcels and their titles from one GeoJSON file: one owner, a JSON
	// array of owners, owners separated by ";", no owner (no title).
	geo := titleParcels(t, dir, "geo.geojson", "GEO", 4, 520000, 6000000, func(i int) map[string]any {
		switch i {
		case 0:
			return map[string]any{"OWNER": "citizen-alice", "TENURE": "leasehold"}
		case 1:
			return map[string]any{"OWNER": []string{"citizen-bob", "citizen-carol"}, "SHARE": []string{"1/4", "3/4"}}
		case 2:
			return map[string]any{"OWNER": "citizen-alice; " + registrar, "SHARE": "2/3;1/3"}
		}
		return nil
	})
	mapping := writeFile(t, dir, "mapping.json", `{"owner":"OWNER","share":"SHARE","tenure":"TENURE"}`)
	both := filepath.Join(dir, "both.json")
	out = mustCLI(t, home, "land", "import", geo, "--titles", geo, "--mapping", mapping, "--from", "clerk", "--progress", "none", "--report", both)
	if !strings.Contains(out, "4 features: 4 registered") || !strings.Contains(out, "3 titles: 3 registered, 0 skipped (already registered), 0 refused") {
		t.Fatalf("GeoJSON titles: %s", out)
	}
	var reports struct {
		Parcels landimport.Report      `json:"parcels"`
		Titles  landimport.TitleReport `json:"titles"`
	}
	if b, err := os.ReadFile(both); err != nil || json.Unmarshal(b, &reports) != nil || reports.Parcels.Registered != 4 || reports.Titles.Registered != 3 {
		t.Fatalf("both reports: %+v %v", reports, err)
	}
	res, err := c.Query(ctx, "/land/cadref-titles/GEO-000,GEO-001,GEO-002,GEO-003", nil, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var hits []land.RefTitle
	json.Unmarshal(res.Value, &hits)
	if len(hits) != 4 || owners(hits[0]) != "leasehold "+alice+"=1" || len(hits[1].Owners) != 2 || hits[2].Tenure != "freehold" || hits[3].Title != "" {
		t.Fatalf("GeoJSON titles: %+v", hits)
	}
}
