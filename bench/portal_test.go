package bench

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets Portal start this test binary again as its load
// generator.
func TestMain(m *testing.M) {
	if IsLoadgen() {
		if err := LoadgenMain(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestPortalBrief runs the portal benchmark briefly: every request must
// succeed and the page weights must be measured.
func TestPortalBrief(t *testing.T) {
	var out strings.Builder
	r, err := Portal(&out, PortalOptions{Duration: 500 * time.Millisecond, Rate: 100, Parcels: 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	for _, l := range []Latency{r.Title, r.Parcel, r.Search} {
		if l.Sent != 50 || l.OK != l.Sent || l.Errors != 0 || l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 || l.Achieved <= 0 {
			t.Errorf("%+v", l)
		}
	}
	if r.Home.HTMLBytes == 0 || r.Home.Assets == 0 || r.TitlePage.HTMLBytes == 0 || r.WasmGzipBytes == 0 || r.WasmGzipBytes >= r.WasmBytes {
		t.Errorf("weights %+v", r)
	}
}
