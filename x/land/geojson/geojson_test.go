package geojson

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/publica/publica/x/land"
)

func TestMetres(t *testing.T) {
	e := &Encoder{upm: 100}
	for v, want := range map[int64]string{0: "0", 5: "0.05", 100: "1", 12345: "123.45", -12345: "-123.45", -5: "-0.05", 1000000000: "10000000", 120: "1.2"} {
		if got := e.Metres(v); got != want {
			t.Errorf("%d cm = %q, want %q", v, got, want)
		}
	}
	e.upm = 3
	if got := e.Metres(1); !strings.HasPrefix(got, "0.3333") {
		t.Errorf("1/3 m = %q", got)
	}
}

// TestToLonLat against PROJ (gdaltransform -s_srs EPSG:32633 -t_srs
// OGC:CRS84 -output_xy gives 13.4692238956768 54.1383274224137 for
// 399995 5999995).
func TestToLonLat(t *testing.T) {
	p := land.DefaultParams()
	e, err := NewEncoder(&p, false)
	if err != nil {
		t.Fatal(err)
	}
	ll, err := e.ToLonLat([]int64{39999500, 599999500, 16600000, 500000000})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{13.4692238956768, 54.1383274224137, 10.756728831118, 45.0745784617006}
	for i := range want {
		if math.Abs(ll[i]-want[i]) > 1e-9 {
			t.Errorf("coordinate %d: %.12f, PROJ %.12f", i, ll[i], want[i])
		}
	}
	back, err := e.FromLonLat(ll)
	if err != nil || math.Abs(back[0]-399995) > 1e-4 || math.Abs(back[1]-5999995) > 1e-4 {
		t.Errorf("round trip %v %v", back, err)
	}
}

func TestFeature(t *testing.T) {
	p := land.DefaultParams()
	parcel := &land.Parcel{ID: "P7", CadastralRef: "LOT-7", AreaM2: "100.5", Status: "active", BBox: [4]int64{39999500, 599999500, 40000500, 600000500},
		Geometry: land.Geometry{Type: "Polygon", Coordinates: json.RawMessage("[[[39999500,599999500],[40000500,599999500],[40000500,600000500],[39999500,600000500],[39999500,599999500]]]")}}
	for _, projected := range []bool{true, false} {
		e, err := NewEncoder(&p, projected)
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.Feature(parcel)
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Type     string
			ID       string
			Geometry struct {
				Type        string
				Coordinates [][][2]float64
			}
			BBox       []float64
			Properties Properties
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if f.Type != "Feature" || f.ID != "P7" || f.Properties.Area != 100.5 || f.Properties.CadastralRef != "LOT-7" || len(f.Geometry.Coordinates[0]) != 5 {
			t.Errorf("%s", b)
		}
		if projected && (f.Geometry.Coordinates[0][1] != [2]float64{400005, 5999995} || f.BBox[2] != 400005) {
			t.Errorf("projected: %s", b)
		}
		if !projected && (math.Abs(f.Geometry.Coordinates[0][0][0]-13.469223896) > 1e-9 || f.BBox[0] > f.BBox[2]) {
			t.Errorf("lon/lat: %s", b)
		}
	}
}

func TestBBox(t *testing.T) {
	p := land.DefaultParams()
	e, _ := NewEncoder(&p, false)
	if _, whole, err := e.BBox([4]float64{-180, -90, 180, 90}, false); !whole || err != nil {
		t.Errorf("world: whole %v %v", whole, err)
	}
	bb, whole, err := e.BBox([4]float64{13.46, 54.13, 13.48, 54.14}, false)
	if whole || err != nil || bb[0] > 39999500 || bb[2] < 40000500 || bb[1] > 599999500 || bb[3] < 600000500 || bb[2]-bb[0] > 200000 {
		t.Errorf("small box: %v %v %v", bb, whole, err)
	}
	bb, _, _ = e.BBox([4]float64{399995, 5999995, 400005.5, 6000005}, true)
	if bb != [4]int64{39999500, 599999500, 40000550, 600000500} {
		t.Errorf("projected box: %v", bb)
	}
	if _, _, err := e.BBox([4]float64{math.NaN(), 0, 1, 1}, false); err == nil {
		t.Error("NaN accepted")
	}
}
