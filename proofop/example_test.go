package proofop_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"log"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	lrpc "github.com/cometbft/cometbft/light/rpc"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/publica/publica/proofop"
)

// An integrator reads a land title through CometBFT's own light client:
// headers are verified from a root the integrator trusts (a height and
// header hash obtained from someone other than the node), and the value
// from its ICS23 proof against the verified app hash. docs/interop.md
// has this program; the node, chain id and root are the development
// chain's.
func Example() {
	ctx := context.Background()
	const node, chainID = "tcp://127.0.0.1:26657", "publica-dev"
	trustHeight := int64(1)
	trustHash, _ := hex.DecodeString("<header hash of height 1, from a source you trust>")

	primary, err := lighthttp.New(chainID, node)
	if err != nil {
		log.Fatal(err)
	}
	witness, err := lighthttp.New(chainID, node) // in production: another operator's node
	if err != nil {
		log.Fatal(err)
	}
	lc, err := light.NewClient(ctx, chainID,
		light.TrustOptions{Period: 14 * 24 * time.Hour, Height: trustHeight, Hash: trustHash},
		primary, []provider.Provider{witness}, lightdb.New(dbm.NewMemDB(), "publica"))
	if err != nil {
		log.Fatal(err)
	}
	next, err := rpchttp.New(node, "/websocket")
	if err != nil {
		log.Fatal(err)
	}
	c := lrpc.NewClient(next, lc, lrpc.KeyPathFn(proofop.KeyPath))
	proofop.Register(c) // the Cosmos SDK's ics23:iavl (and :simple, :smt) operators
	// The state after block H is proven by header H+1: read at the
	// height before the node's latest block, whose next header exists.
	st, err := next.Status(ctx)
	if err != nil {
		log.Fatal(err)
	}
	opts := rpcclient.ABCIQueryOptions{Prove: true, Height: st.SyncInfo.LatestBlockHeight - 1}
	key := []byte("land/title/T1")
	res, err := c.ABCIQueryWithOptions(ctx, "/store/land/key", key, opts)
	if err != nil {
		log.Fatal(err) // a lying node, a broken proof or an unverifiable header ends here
	}
	if !bytes.Equal(res.Response.Key, key) { // light/rpc proves the answer's key: make sure it is yours
		log.Fatalf("the node answered for %q", res.Response.Key)
	}
	fmt.Printf("verified at height %d: %s\n", res.Response.Height, res.Response.Value)
}
