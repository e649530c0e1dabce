package landimport_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/landimport"
	"github.com/publica/publica/x/land"
)

// An import stopped after its first batches and run again registers
// every parcel exactly once: what the first run committed is skipped.
func TestInterruptedImportResumes(t *testing.T) {
	home := testnode.InitHome(t)
	_, c := testnode.Start(t, home)
	clerk := testnode.DemoKey(t, "clerk")
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32633"}},"features":[`)
	const n = 1500
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		x, y := 500000+10*(i%50), 6000000+10*(i/50)
		fmt.Fprintf(&b, `{"type":"Feature","properties":{"cadastral_ref":"R-%d"},"geometry":{"type":"Polygon","coordinates":[[[%d,%d],[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]}}`,
			i, x, y, x+10, y, x+10, y+10, x, y+10, x, y)
	}
	b.WriteString("]}")
	read := func() []*landimport.Feature {
		fs, err := landimport.Read([]byte(b.String()), landimport.Mapping{}, land.DefaultParams(), strings.Repeat("cd", 32))
		if err != nil {
			t.Fatal(err)
		}
		landimport.CheckFile(fs)
		return fs
	}

	ctx, stop := context.WithCancel(context.Background())
	first, err := landimport.Run(ctx, c, clerk, read(), landimport.Options{Batch: 100, InFlight: 2, Progress: func(p landimport.Progress) {
		if p.Registered >= 200 {
			stop() // interrupted with batches still in flight
		}
	}})
	if err == nil {
		t.Fatalf("the interrupted run finished: %+v", first)
	}
	stop()

	again, err := landimport.Run(context.Background(), c, clerk, read(), landimport.Options{Batch: 100})
	if err != nil {
		t.Fatal(err)
	}
	if again.Skipped < 200 || again.Skipped+again.Registered != n || again.Refused != 0 {
		t.Fatalf("second run %+v", again)
	}
	// Every reference once: R-0 .. R-1499 are parcels P1 .. P1500 in
	// some order, and the id counter stopped at 1500.
	seen := map[string]bool{}
	for i := 0; i < n; i += 1000 {
		var refs []string
		for j := i; j < min(n, i+1000); j++ {
			refs = append(refs, fmt.Sprintf("R-%d", j))
		}
		res, err := c.Query(context.Background(), "/land/cadrefs/"+strings.Join(refs, ","), nil, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range strings.Split(string(res.Value), `"parcel":"`)[1:] {
			seen[part[:strings.IndexByte(part, '"')]] = true
		}
	}
	if len(seen) != n || !seen["P1500"] || seen["P1501"] {
		t.Fatalf("%d distinct parcels for %d references", len(seen), n)
	}
}
