package node_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	cmtdb "github.com/cometbft/cometbft-db"

	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/x/authority"
)

// txIndexKey reports whether the stopped home's transaction index holds
// hash, after deleting it when drop is set (what a crash can lose).
func txIndexKey(t *testing.T, home string, hash []byte, drop bool) bool {
	t.Helper()
	conf, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	db, err := cmtdb.NewDB("tx_index", cmtdb.BackendType(conf.DBBackend), conf.DBDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if drop {
		if err := db.DeleteSync(hash); err != nil {
			t.Fatal(err)
		}
	}
	has, err := db.Has(hash)
	if err != nil {
		t.Fatal(err)
	}
	return has
}

// An index entry removed on purpose from a stopped home is restored at
// the next start, and `Reindex` restores it on demand.
func TestLostIndexEntryRestored(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	reg, err := c.Build(ctx, key.Public().(ed25519.PublicKey), authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(ctx, reg, key)
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, res.Height)
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if txIndexKey(t, home, res.Hash, true) {
		t.Fatal("index entry still there after deleting it")
	}

	n2, c2 := testnode.Start(t, home)
	if len(n2.IndexRepaired) != 1 || n2.IndexRepaired[0] != res.Height {
		t.Errorf("repaired heights %v, want [%d]", n2.IndexRepaired, res.Height)
	}
	got, err := c2.RPC.Tx(ctx, res.Hash, false)
	if err != nil {
		t.Fatalf("/tx after restart: %v", err)
	}
	if got.Height != res.Height || got.TxResult.Code != 0 {
		t.Errorf("/tx after restart: height %d code %d", got.Height, got.TxResult.Code)
	}
	search, err := c2.RPC.TxSearch(ctx, "tx.height="+itoa(res.Height), false, nil, nil, "")
	if err != nil || search.TotalCount != 1 {
		t.Errorf("tx_search after restart: %v, %v", search, err)
	}
	if _, _, err := node.Reindex(home, res.Height, res.Height); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Errorf("reindex while the node runs: %v", err)
	}
	if err := n2.Stop(); err != nil {
		t.Fatal(err)
	}

	txIndexKey(t, home, res.Hash, true)
	from, to, err := node.Reindex(home, res.Height, res.Height)
	if err != nil || from != res.Height || to != res.Height {
		t.Fatalf("reindex: %d..%d, %v", from, to, err)
	}
	if !txIndexKey(t, home, res.Hash, false) {
		t.Error("reindex did not restore the entry")
	}
	if from, to, err := node.Reindex(home, 0, 0); err != nil || from != 1 || to < res.Height {
		t.Errorf("reindex of every height: %d..%d, %v", from, to, err)
	}
	for _, r := range [][2]int64{{-1, 0}, {0, 1 << 40}, {3, 2}} {
		if _, _, err := node.Reindex(home, r[0], r[1]); err == nil {
			t.Errorf("reindex %d..%d succeeded", r[0], r[1])
		}
	}
}

func itoa(h int64) string { return strconv.FormatInt(h, 10) }
