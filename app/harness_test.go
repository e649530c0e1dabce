package app_test

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/app"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
)

// chain drives an App directly through ABCI calls, as CometBFT would.
type chain struct {
	t      testing.TB
	app    *app.App
	height int64
	time   time.Time
}

var genesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newChain(t testing.TB, st *store.Store) *chain {
	t.Helper()
	a := app.New(st)
	_, err := a.InitChain(context.Background(), &abci.RequestInitChain{
		ChainId: genesis.DevChainID, InitialHeight: 1, Time: genesisTime,
		AppStateBytes: genesis.DevAppState(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &chain{t: t, app: a, time: genesisTime}
}

// block finalizes and commits one block and returns its results.
func (c *chain) block(txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.t.Helper()
	c.height++
	c.time = c.time.Add(time.Second)
	res, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: c.height, Time: c.time})
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		c.t.Fatal(err)
	}
	return res
}

func (c *chain) checkTx(raw []byte) *abci.ResponseCheckTx {
	c.t.Helper()
	res, err := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		c.t.Fatal(err)
	}
	return res
}

func demoKey(t testing.TB, name string) ed25519.PrivateKey {
	for _, d := range genesis.DemoKeys {
		if d.Name == name {
			return d.PrivateKey()
		}
	}
	t.Fatalf("no demo key %s", name)
	return nil
}

// signed builds a transaction valid for the next 100 blocks.
func signed(t testing.TB, seq uint64, msgType string, msg any, keys ...ed25519.PrivateKey) []byte {
	t.Helper()
	body, err := tx.EncodeMsg(msg)
	if err != nil {
		t.Fatal(err)
	}
	x := &tx.Tx{ChainID: genesis.DevChainID, Sequence: seq, ValidUntil: 1000, MsgType: msgType, Msg: body}
	for _, k := range keys {
		x.Sign(k)
	}
	return x.Encode()
}
