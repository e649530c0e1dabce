package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/app"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/store"
)

// TestGenesisStateShape: the genesis "state" entry decides whether the
// state is two trees or one; both run the same block to different app
// hashes, each reproducible; the export carries the shape, so a chain
// restarted from its export keeps it; a malformed entry is refused.
func TestGenesisStateShape(t *testing.T) {
	var dev map[string]json.RawMessage
	if err := json.Unmarshal(genesis.DevAppState(), &dev); err != nil {
		t.Fatal(err)
	}
	withShape := func(shape json.RawMessage) []byte {
		m := map[string]json.RawMessage{}
		for k, v := range dev {
			m[k] = v
		}
		delete(m, app.GenesisStateKey)
		if shape != nil {
			m[app.GenesisStateKey] = shape
		}
		b, _ := json.Marshal(m)
		return b
	}
	run := func(appState []byte) (*app.App, *store.Store, []byte) {
		c := apptest.NewWith(t, apptest.Options{AppState: appState})
		return c.App, c.Store, c.AppHash()
	}
	initErr := func(appState []byte) error {
		_, err := app.New(store.OpenMemory()).InitChain(context.Background(), &abci.RequestInitChain{ChainId: genesis.DevChainID,
			InitialHeight: 1, Time: apptest.GenesisTime, AppStateBytes: appState})
		return err
	}
	two := withShape(json.RawMessage(`{"split":"authority/pubkey/"}`))
	a2, st2, h2 := run(two)
	_, st1, h1 := run(withShape(nil))
	_, _, h2again := run(two)
	if st2.Split() != "authority/pubkey/" || st1.Split() != store.NoSplit || bytes.Equal(h1, h2) || !bytes.Equal(h2, h2again) {
		t.Fatalf("splits %q / %q, hashes one tree %X, two trees %X then %X", st2.Split(), st1.Split(), h1, h2, h2again)
	}
	exported, err := a2.ExportGenesis()
	if err != nil {
		t.Fatal(err)
	}
	if string(exported[app.GenesisStateKey]) != `{"split":"authority/pubkey/"}` {
		t.Fatalf("export state entry %s", exported[app.GenesisStateKey])
	}
	for _, bad := range []string{`{"split":""}`, `"land/"`, `{"split":1}`} {
		if err := initErr(withShape(json.RawMessage(bad))); err == nil || !strings.Contains(err.Error(), "app_state.state") {
			t.Fatalf("state entry %s: %v", bad, err)
		}
	}
}
