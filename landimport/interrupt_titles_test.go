package landimport_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/landimport"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/land"
)

// A title import stopped after its first batches and run again registers
// every title exactly once: what the first run committed is skipped.
func TestInterruptedTitleImportResumes(t *testing.T) {
	home := testnode.InitHome(t)
	_, c := testnode.Start(t, home)
	clerk := testnode.DemoKey(t, "clerk")
	const n = 1500
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32633"}},"features":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		x, y := 500000+10*(i%50), 6000000+10*(i/50)
		fmt.Fprintf(&b, `{"type":"Feature","properties":{"cadastral_ref":"R-%d"},"geometry":{"type":"Polygon","coordinates":[[[%d,%d],[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]}}`,
			i, x, y, x+10, y, x+10, y+10, x, y+10, x, y)
	}
	b.WriteString("]}")
	fs, err := landimport.Read([]byte(b.String()), landimport.Mapping{}, land.DefaultParams(), strings.Repeat("cd", 32))
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := landimport.Run(context.Background(), c, clerk, fs, landimport.Options{}); err != nil || rep.Registered != n {
		t.Fatalf("parcels: %+v %v", rep, err)
	}

	alice := tx.AccountID(testnode.DemoKey(t, "citizen-alice").Public().(ed25519.PublicKey))
	bob := tx.AccountID(testnode.DemoKey(t, "citizen-bob").Public().(ed25519.PublicKey))
	var csv strings.Builder
	csv.WriteString("cadastral_ref,owner,share\n")
	for i := range n {
		fmt.Fprintf(&csv, "R-%d,%s,1/3\nR-%d,%s,2/3\n", i, alice, i, bob)
	}
	read := func() []*landimport.Title {
		ts, rows, err := landimport.ReadTitlesCSV(strings.NewReader(csv.String()), landimport.Mapping{})
		if err != nil || rows != 2*n {
			t.Fatalf("%d rows: %v", rows, err)
		}
		landimport.ResolveOwners(ts, func(string) (string, error) { return "", errors.New("no keys here") }, "freehold", strings.Repeat("ef", 32))
		return ts
	}
	ctx, stop := context.WithCancel(context.Background())
	first, err := landimport.RunTitles(ctx, c, clerk, read(), landimport.Options{Batch: 100, InFlight: 2, Progress: func(p landimport.Progress) {
		if p.Registered >= 200 {
			stop() // interrupted with batches still in flight
		}
	}})
	if err == nil {
		t.Fatalf("the interrupted run finished: %+v", first)
	}
	stop()

	again, err := landimport.RunTitles(context.Background(), c, clerk, read(), landimport.Options{Batch: 100})
	if err != nil {
		t.Fatal(err)
	}
	if again.Skipped < 200 || again.Skipped+again.Registered != n || again.Refused != 0 {
		t.Fatalf("second run %+v", again)
	}
	// Every parcel on a title of its own.
	seen := map[string]bool{}
	for i := 0; i < n; i += land.MaxRefTitles {
		var refs []string
		for j := i; j < min(n, i+land.MaxRefTitles); j++ {
			refs = append(refs, fmt.Sprintf("R-%d", j))
		}
		res, err := c.Query(context.Background(), "/land/cadref-titles/"+strings.Join(refs, ","), nil, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range strings.Split(string(res.Value), `"title":"`)[1:] {
			seen[part[:strings.IndexByte(part, '"')]] = true
		}
	}
	if len(seen) != n {
		t.Fatalf("%d distinct titles for %d parcels", len(seen), n)
	}
}
