package land_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/publica/publica/store"
	"github.com/publica/publica/x/land"
)

func TestGenesis(t *testing.T) {
	m := land.New(nil)
	for name, raw := range map[string]string{
		"bad json":        `{"params":`,
		"empty extent":    `{"params":{"crs":"EPSG:32633","units_per_metre":100,"min_x":5,"min_y":0,"max_x":5,"max_y":10,"grid_cell":10,"max_cells":4,"max_vertices":10}}`,
		"beyond 2^30":     `{"params":{"crs":"EPSG:32633","units_per_metre":100,"min_x":0,"min_y":0,"max_x":2000000000,"max_y":10,"grid_cell":10,"max_cells":4,"max_vertices":10}}`,
		"foreign key":     `{"params":{"crs":"EPSG:32633","units_per_metre":100,"min_x":0,"min_y":0,"max_x":10,"max_y":10,"grid_cell":10,"max_cells":4,"max_vertices":10},"records":[{"key":"authority/x","value":"1"}]}`,
		"unsorted record": `{"params":{"crs":"EPSG:32633","units_per_metre":100,"min_x":0,"min_y":0,"max_x":10,"max_y":10,"grid_cell":10,"max_cells":4,"max_vertices":10},"records":[{"key":"land/b","value":"1"},{"key":"land/a","value":"1"}]}`,
	} {
		if err := m.InitGenesis(store.NewCache(store.OpenMemory().Working()), json.RawMessage(raw)); !errors.Is(err, land.ErrInvalidGenesis) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Export from a chain with records and import into a fresh store: the
	// same records and params come back.
	f := setup(t)
	view, _ := f.c.app.Store().At(f.c.app.Store().Version())
	raw, err := m.ExportGenesis(view)
	if err != nil {
		t.Fatal(err)
	}
	fresh := store.OpenMemory()
	if err := m.InitGenesis(fresh.Working(), raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range [][]byte{land.TitleKey("T1"), land.ParcelKey("P1"), land.ParamsKey(), land.OwnersKey("P1", 3)} {
		if string(fresh.Working().Get(k)) != string(view.Get(k)) || view.Get(k) == nil {
			t.Errorf("%s not carried over", k)
		}
	}
}
