package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/publica/publica/client"
	"github.com/publica/publica/node"
)

// DefaultNode is the RPC address used when --node is not given and the home
// has no config.toml.
const DefaultNode = "tcp://127.0.0.1:26657"

func addNodeFlag(cmd *cobra.Command) {
	cmd.PersistentFlags().String("node", "",
		"node RPC address (default: the RPC address in HOME/config/config.toml, else "+DefaultNode+")")
}

// nodeAddr is --node, else the home's configured RPC listen address, else
// DefaultNode.
func nodeAddr(cmd *cobra.Command) (string, error) {
	if a, _ := cmd.Flags().GetString("node"); a != "" {
		return a, nil
	}
	home := homeFlag(cmd)
	if _, err := os.Stat(filepath.Join(home, "config", "config.toml")); err != nil {
		return DefaultNode, nil
	}
	conf, err := node.LoadConfig(home)
	if err != nil {
		return "", fmt.Errorf("finding the node's RPC address (pass --node to skip this): %w", err)
	}
	addr := conf.RPC.ListenAddress
	// A node listening on every interface is reached on loopback.
	addr = strings.Replace(addr, "0.0.0.0", "127.0.0.1", 1)
	return addr, nil
}

// connect makes a client for the command's node.
func connect(cmd *cobra.Command) (*client.Client, string, error) {
	addr, err := nodeAddr(cmd)
	if err != nil {
		return nil, "", err
	}
	c, err := client.New(addr)
	if err != nil {
		return nil, addr, err
	}
	return c, addr, nil
}

// nodeErr explains a failure to reach the node.
func nodeErr(addr string, err error) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	if strings.Contains(s, "connection refused") || strings.Contains(s, "no such host") || strings.Contains(s, "i/o timeout") {
		return fmt.Errorf("cannot reach a node at %s (start one with `publica start`, or pass --node ADDRESS): %w", addr, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("node %s: timed out (raise --timeout?): %w", addr, err)
	}
	return err
}

type validatorOut struct {
	Address string `json:"address"`
	Power   int64  `json:"power"`
}

type statusOut struct {
	ChainID         string         `json:"chain_id"`
	Node            string         `json:"node"`
	Moniker         string         `json:"moniker"`
	LatestHeight    int64          `json:"latest_height"`
	LatestBlockTime time.Time      `json:"latest_block_time"`
	LatestBlockHash string         `json:"latest_block_hash"`
	AppHash         string         `json:"app_hash"`
	CatchingUp      bool           `json:"catching_up"`
	Validators      []validatorOut `json:"validators"`
}

func statusCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the node's chain, latest block, app hash and validators",
		Long: `Show the chain id, the latest block (height, time, hash), the app hash in
that block's header (the state after the block before it), whether the node
is still catching up, and the validator set with voting powers.`,
		Example: "  publica status\n  publica status --output json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("--output %q: use text or json", output)
			}
			c, addr, err := connect(cmd)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			st, err := c.RPC.Status(ctx)
			if err != nil {
				return nodeErr(addr, err)
			}
			out := statusOut{
				ChainID:         st.NodeInfo.Network,
				Node:            addr,
				Moniker:         st.NodeInfo.Moniker,
				LatestHeight:    st.SyncInfo.LatestBlockHeight,
				LatestBlockTime: st.SyncInfo.LatestBlockTime.UTC(),
				LatestBlockHash: st.SyncInfo.LatestBlockHash.String(),
				AppHash:         st.SyncInfo.LatestAppHash.String(),
				CatchingUp:      st.SyncInfo.CatchingUp,
				Validators:      []validatorOut{},
			}
			var height *int64
			if out.LatestHeight > 0 {
				height = &out.LatestHeight
			}
			for page := 1; ; page++ {
				perPage := 100
				vals, err := c.RPC.Validators(ctx, height, &page, &perPage)
				if err != nil {
					return nodeErr(addr, err)
				}
				for _, v := range vals.Validators {
					out.Validators = append(out.Validators, validatorOut{Address: v.Address.String(), Power: v.VotingPower})
				}
				if len(out.Validators) >= vals.Total || len(vals.Validators) == 0 {
					break
				}
			}
			w := cmd.OutOrStdout()
			if output == "json" {
				return writeJSON(w, out)
			}
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "chain id:\t%s\n", out.ChainID)
			fmt.Fprintf(tw, "node:\t%s (%s)\n", out.Node, out.Moniker)
			fmt.Fprintf(tw, "latest height:\t%d\n", out.LatestHeight)
			fmt.Fprintf(tw, "latest block time:\t%s\n", out.LatestBlockTime.Format(time.RFC3339Nano))
			fmt.Fprintf(tw, "latest block hash:\t%s\n", out.LatestBlockHash)
			fmt.Fprintf(tw, "app hash:\t%s\n", out.AppHash)
			fmt.Fprintf(tw, "catching up:\t%t\n", out.CatchingUp)
			tw.Flush()
			fmt.Fprintf(w, "validators (%d):\n", len(out.Validators))
			tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			for _, v := range out.Validators {
				fmt.Fprintf(tw, "  %s\tpower %d\n", v.Address, v.Power)
			}
			return tw.Flush()
		},
	}
	addNodeFlag(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}
