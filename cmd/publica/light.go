package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	"github.com/cometbft/cometbft/libs/log"
	lproxy "github.com/cometbft/cometbft/light/proxy"
	lrpc "github.com/cometbft/cometbft/light/rpc"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	rpcserver "github.com/cometbft/cometbft/rpc/jsonrpc/server"
	"github.com/spf13/cobra"

	"github.com/publica/publica/client"
	"github.com/publica/publica/proofop"
)

// lightCmd runs CometBFT's light proxy with Publica's proof operations:
// software that speaks CometBFT RPC points at it instead of at a node.
func lightCmd() *cobra.Command {
	var (
		listen      string
		trustHeight int64
		trustHash   string
		trustPeriod time.Duration
		witnesses   []string
	)
	cmd := &cobra.Command{
		Use:   "light",
		Short: "Run a verifying RPC proxy: CometBFT's light proxy that answers only what it verified",
		Long: `Run CometBFT's light proxy in front of a node (--node): it serves the
CometBFT RPC, verifies every header with CometBFT's light client from the
block you trust (--trust-height and --trust-hash, from a source other than
the node), cross-checked with --witness nodes, and answers abci_query only
with values whose ICS23 proof it verified against the verified app hash:
/store/<name>/key reads (present and absent keys) and the module queries
answered from one key (/land/title/T1, …). Lists, which carry no proof,
and anything it cannot verify are refused (docs/interop.md).`,
		Example: `  publica light --node tcp://10.0.0.5:26657 --witness tcp://10.0.0.6:26657 \
      --trust-height 1 --trust-hash 73F743BA…  --listen tcp://127.0.0.1:8888`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			addr, err := nodeAddr(cmd)
			if err != nil {
				return err
			}
			hash, err := hex.DecodeString(trustHash)
			if err != nil || len(hash) != 32 || trustHeight <= 0 {
				return errors.New("--trust-height and --trust-hash are needed: a height and the 64-hex-digit hash of that block's header, from a source other than the node")
			}
			if !strings.HasPrefix(listen, "tcp://") {
				return fmt.Errorf("--listen %q: give tcp://HOST:PORT", listen)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// lproxy.NewProxy's node client, with reads of the latest
			// state settled (see settled).
			conf := rpcserver.DefaultConfig()
			// An answer waits for the light client to verify the headers it
			// needs, by bisection from the trusted block and cross-checked
			// with the witnesses: on a busy machine or from an old trusted
			// block that can pass CometBFT's 10 s default, which would cut
			// the connection with no answer.
			conf.WriteTimeout = lightWriteTimeout
			next, err := rpchttp.NewWithTimeout(addr, "/websocket", uint(conf.WriteTimeout.Seconds()))
			if err != nil {
				return nodeErr(addr, err)
			}
			st, err := next.Status(ctx)
			if err != nil {
				return nodeErr(addr, err)
			}
			lc, err := client.NewLightClient(ctx, st.NodeInfo.Network, addr, witnesses,
				client.TrustRoot{Height: trustHeight, Hash: hash, Period: trustPeriod})
			if err != nil {
				return err
			}
			p := &lproxy.Proxy{Addr: listen, Config: conf, Logger: log.NewNopLogger(),
				Client: lrpc.NewClient(settled{next}, lc, lrpc.KeyPathFn(proofop.KeyPath))}
			proofop.Register(p.Client)
			// Listen first, so a taken address is an error here.
			l, err := net.Listen("tcp", strings.TrimPrefix(listen, "tcp://"))
			if err != nil {
				return fmt.Errorf("--listen: %w", err)
			}
			l.Close()
			served := make(chan error, 1)
			go func() { served <- p.ListenAndServe() }()
			fmt.Fprintf(cmd.OutOrStdout(), "light proxy for chain %s listening on %s: node %s, headers verified from height %d\n",
				st.NodeInfo.Network, listen, addr, trustHeight)
			select {
			case err := <-served:
				return fmt.Errorf("light proxy: %w", err)
			case <-ctx.Done():
			}
			if p.Listener != nil {
				p.Listener.Close()
			}
			return nil
		},
	}
	addNodeFlag(cmd)
	cmd.Flags().StringVar(&listen, "listen", "tcp://127.0.0.1:8888", "where the proxy serves CometBFT RPC")
	cmd.Flags().Int64Var(&trustHeight, "trust-height", 0, "verify headers from the block at this height (with --trust-hash)")
	cmd.Flags().StringVar(&trustHash, "trust-hash", "", "the trusted block's header hash (64 hex digits), from a source other than the node")
	cmd.Flags().DurationVar(&trustPeriod, "trust-period", 365*24*time.Hour, "how old the trusted block may be")
	cmd.Flags().StringSliceVar(&witnesses, "witness", nil, "other nodes' RPC addresses the light client cross-checks headers with (default: the node itself)")
	return cmd
}

// lightWriteTimeout bounds how long publica light works on one answer.
const lightWriteTimeout = 60 * time.Second

// settled reads the latest state at the height before the node's latest
// block: the state after block H is proven by header H+1, which for the
// application's latest height the node has not made yet, so the light
// client could not verify the answer until the next block.
type settled struct{ rpcclient.Client }

func (s settled) ABCIQueryWithOptions(ctx context.Context, path string, data cmtbytes.HexBytes, opts rpcclient.ABCIQueryOptions) (*ctypes.ResultABCIQuery, error) {
	if opts.Height == 0 {
		st, err := s.Status(ctx)
		if err != nil {
			return nil, err
		}
		opts.Height = max(st.SyncInfo.LatestBlockHeight-1, 1)
	}
	return s.Client.ABCIQueryWithOptions(ctx, path, data, opts)
}
