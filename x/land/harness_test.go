package land_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/app"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/proof"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/land"
)

// chain drives the application through ABCI, as CometBFT would.
type chain struct {
	t      testing.TB
	app    *app.App
	st     *store.Store
	height int64
	time   time.Time
}

var genesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newChain(t testing.TB) *chain {
	t.Helper()
	st := store.OpenMemory()
	a := app.New(st)
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{
		ChainId: genesis.DevChainID, InitialHeight: 1, Time: genesisTime, AppStateBytes: genesis.DevAppState(),
	}); err != nil {
		t.Fatal(err)
	}
	c := &chain{t: t, app: a, st: st, time: genesisTime}
	c.block()
	return c
}

func (c *chain) block(txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.t.Helper()
	c.height++
	c.time = c.time.Add(time.Minute)
	res, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: c.height, Time: c.time})
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		c.t.Fatal(err)
	}
	return res
}

func key(t testing.TB, name string) ed25519.PrivateKey {
	for _, d := range genesis.DemoKeys {
		if d.Name == name {
			return d.PrivateKey()
		}
	}
	t.Fatalf("no demo key %s", name)
	return nil
}

func id(k ed25519.PrivateKey) string { return tx.AccountID(k.Public().(ed25519.PublicKey)) }

// sign builds a transaction with the primary signer's next sequence.
func (c *chain) sign(msgType string, msg any, keys ...ed25519.PrivateKey) []byte {
	c.t.Helper()
	view, err := c.app.Store().At(c.app.Store().Version())
	if err != nil {
		c.t.Fatal(err)
	}
	var seq uint64
	if b := view.Get(authority.AccountKey(id(keys[0]))); b != nil {
		var a authority.Account
		_ = json.Unmarshal(b, &a)
		seq = a.Sequence
	}
	body, err := tx.EncodeMsg(msg)
	if err != nil {
		c.t.Fatal(err)
	}
	x := &tx.Tx{ChainID: genesis.DevChainID, Sequence: seq, ValidUntil: 100000, MsgType: msgType, Msg: body}
	for _, k := range keys {
		x.Sign(k)
	}
	return x.Encode()
}

// do runs one transaction in its own block.
func (c *chain) do(msgType string, msg any, keys ...ed25519.PrivateKey) *abci.ExecTxResult {
	c.t.Helper()
	return c.block(c.sign(msgType, msg, keys...)).TxResults[0]
}

// ok runs a transaction that must succeed and returns its result data.
func (c *chain) ok(msgType string, msg any, keys ...ed25519.PrivateKey) string {
	c.t.Helper()
	r := c.do(msgType, msg, keys...)
	if r.Code != 0 {
		c.t.Fatalf("%s failed: %s/%d %s", msgType, r.Codespace, r.Code, r.Log)
	}
	return string(r.Data)
}

// fails runs a transaction that must fail with want.
func (c *chain) fails(want *errs.Error, msgType string, msg any, keys ...ed25519.PrivateKey) {
	c.t.Helper()
	r := c.do(msgType, msg, keys...)
	if r.Code != want.Code || r.Codespace != want.Codespace {
		c.t.Fatalf("%s: got %s/%d (%s), want %s/%d (%s)", msgType, r.Codespace, r.Code, r.Log, want.Codespace, want.Code, want.Desc)
	}
	if r.Log == "" {
		c.t.Fatalf("%s: no log for people", msgType)
	}
}

// query runs a proven query at height (0: latest), verifies the proof
// against that height's app hash and decodes the value into v. It
// returns false when the key is proven absent.
func (c *chain) query(path string, height int64, v any) bool {
	c.t.Helper()
	res, err := c.app.Query(context.Background(), &abci.RequestQuery{Path: path, Height: height, Prove: true})
	if err != nil || res.Code != 0 {
		c.t.Fatalf("query %s: %v %s", path, err, res.Log)
	}
	view, err := c.app.Store().At(res.Height)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := proof.Verify(view.Hash(), res.ProofOps, res.Key, res.Value); err != nil {
		c.t.Fatalf("query %s: proof: %v", path, err)
	}
	if res.Value == nil {
		return false
	}
	if v != nil {
		if err := json.Unmarshal(res.Value, v); err != nil {
			if s, ok := v.(*string); ok {
				*s = string(res.Value)
				return true
			}
			c.t.Fatalf("query %s: %v", path, err)
		}
	}
	return true
}

// list runs an unproven list query.
func (c *chain) list(path string, v any) {
	c.t.Helper()
	res, err := c.app.Query(context.Background(), &abci.RequestQuery{Path: path})
	if err != nil || res.Code != 0 {
		c.t.Fatalf("query %s: %v %s", path, err, res.Log)
	}
	if err := json.Unmarshal(res.Value, v); err != nil {
		c.t.Fatalf("query %s: %v", path, err)
	}
}

func doc(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func geom(coords string) land.Geometry {
	return land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage(coords)}
}

// rect is a counter-clockwise rectangle in centimetres.
func rect(x0, y0, x1, y1 int64) land.Geometry {
	return geom(fmt.Sprintf("[[[%d,%d],[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]", x0, y0, x1, y0, x1, y1, x0, y1, x0, y0))
}

func sharesString(s []land.Share) string {
	var b []string
	for _, x := range s {
		b = append(b, x.Party[:6]+"="+x.Share)
	}
	return strings.Join(b, " ")
}

func abciQuery(path string) *abci.RequestQuery { return &abci.RequestQuery{Path: path} }

// landState is every land key and value after the last block.
func (c *chain) landState() map[string]string {
	c.t.Helper()
	v, err := c.st.At(c.height)
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[string]string{}
	v.Iterate([]byte("land/"), store.PrefixEnd([]byte("land/")), false, func(k, val []byte) bool {
		out[string(k)] = string(val)
		return true
	})
	return out
}
