package node

import (
	"context"

	abcicli "github.com/cometbft/cometbft/abci/client"
	abci "github.com/cometbft/cometbft/abci/types"
	cmtsync "github.com/cometbft/cometbft/libs/sync"
	"github.com/cometbft/cometbft/proxy"

	"github.com/publica/publica/app"
)

// clientCreator connects CometBFT to the application as its local client
// does (one lock serialising every ABCI call), except that an incoming
// transaction's signatures are verified before CheckTx waits for the
// lock: concurrent RPC broadcasts verify on every core, and CheckTx, which
// blocks consensus while it runs, only finds them in the application's
// cache.
type clientCreator struct {
	mtx *cmtsync.Mutex
	app *app.App
}

var _ proxy.ClientCreator = clientCreator{}

func newClientCreator(a *app.App) clientCreator {
	return clientCreator{mtx: new(cmtsync.Mutex), app: a}
}

func (c clientCreator) NewABCIClient() (abcicli.Client, error) {
	return &preverifyingClient{Client: abcicli.NewLocalClient(c.mtx, c.app), app: c.app}, nil
}

type preverifyingClient struct {
	abcicli.Client
	app *app.App
}

func (c *preverifyingClient) CheckTxAsync(ctx context.Context, req *abci.RequestCheckTx) (*abcicli.ReqRes, error) {
	c.app.Preverify(req.Tx)
	return c.Client.CheckTxAsync(ctx, req)
}

func (c *preverifyingClient) CheckTx(ctx context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	c.app.Preverify(req.Tx)
	return c.Client.CheckTx(ctx, req)
}
