package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/cometbft/cometbft/p2p"
	"github.com/spf13/cobra"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/node"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// genesisCmd is the multi-agency genesis ceremony (docs/network.md): each
// agency makes its keys on its own machine and exports the public part, a
// coordinator assembles genesis.json, and every agency checks its hash
// before installing it.
func genesisCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "genesis",
		Short: "Make a network's genesis with several agencies (keys stay on each agency's machine)",
		Long: `The genesis ceremony of a network run by several agencies:

  1. each agency, on its own machine:  publica genesis agency NAME --address HOST:PORT
     (makes the node's validator key and the agency's authority key, and writes
     NAME.agency.json with the public keys only)
  2. the coordinator:                  publica genesis assemble *.agency.json --chain-id ID \
                                         --genesis-time TIME --threshold K
  3. each agency:                      publica genesis hash genesis.json   (compare on a call)
                                       publica genesis install --genesis genesis.json --hash HASH --peers LIST
                                       publica start`,
	}
	addPassphraseFlag(cmd)
	cmd.AddCommand(genesisAgencyCmd(), genesisAssembleCmd(), genesisHashCmd(), genesisInstallCmd())
	return cmd
}

func genesisAgencyCmd() *cobra.Command {
	var (
		address, out, p2pAddr, rpcAddr, metricsAddr string
		blockInterval, emptyBlocks                  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "agency NAME",
		Short: "Make this agency's validator and authority keys and export their public part",
		Long: `Make a node home in --home holding the node's validator (consensus) key and
p2p key, and an authority key NAME in HOME/keys encrypted with a passphrase
(--passphrase-file, $` + EnvPassphrase + ` or a prompt). Write the public part
only to --out (default NAME.agency.json): the two public keys, the account id,
the node id and --address, where the other agencies' nodes will dial this one.
Send that file to the coordinator; the private keys never leave this machine.`,
		Example: "  publica genesis agency land-office --address node.land.example.gov:26656 --home ./land-office",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, home := args[0], homeFlag(cmd)
			if err := genesis.ValidAddress(address); err != nil {
				return fmt.Errorf("--address: %w", err)
			}
			if out == "" {
				out = name + ".agency.json"
			}
			if _, err := os.Stat(out); err == nil {
				return fmt.Errorf("%s already exists: choose another --out", out)
			}
			if p2pAddr == "" {
				_, port, _ := net.SplitHostPort(address)
				p2pAddr = "tcp://0.0.0.0:" + port
			}
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			if err := ks.CheckNew(name); err != nil {
				return err
			}
			pass, err := newPassphraseSource(cmd).get(name, true)
			if err != nil {
				return err
			}
			pub, id, err := node.InitKeys(home, node.InitOptions{
				BlockInterval: blockInterval, EmptyBlockInterval: emptyBlocks,
				RPCAddr: rpcAddr, P2PAddr: p2pAddr, MetricsAddr: metricsAddr,
			})
			if err != nil {
				return err
			}
			info, err := ks.Add(name, pass)
			if err != nil {
				return err
			}
			a := genesis.NewAgency(name, pub.Bytes(), info.PublicKey(), string(id), address)
			b, _ := json.MarshalIndent(a, "", "  ")
			if err := writeNew(out, append(b, '\n')); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "agency %s: node home %s, authority key %s\n", name, home, info.File)
			fmt.Fprintf(w, "validator pubkey: %s\n", a.ValidatorPubKey)
			fmt.Fprintf(w, "authority account: %s\n", a.Account)
			fmt.Fprintf(w, "node: %s\n", a.Peer())
			fmt.Fprintf(w, "wrote %s (public keys only): send it to the coordinator\n", out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&address, "address", "", "HOST:PORT where the other agencies' nodes reach this node's p2p port (required)")
	f.StringVar(&out, "out", "", "the agency file to write (default NAME.agency.json)")
	f.StringVar(&p2pAddr, "p2p", "", "CometBFT P2P listen address (default tcp://0.0.0.0:PORT of --address)")
	f.StringVar(&rpcAddr, "rpc", "tcp://127.0.0.1:26657", "CometBFT RPC listen address")
	f.StringVar(&metricsAddr, "metrics", node.DefaultMetricsAddr, "Prometheus metrics listen address (off: none)")
	f.DurationVar(&blockInterval, "block-interval", time.Second, "pause between blocks (CometBFT timeout_commit)")
	f.DurationVar(&emptyBlocks, "empty-block-interval", node.DefaultEmptyBlockInterval,
		"blocks are made for transactions, and an empty one after this long without any")
	_ = cmd.MarkFlagRequired("address")
	return cmd
}

func genesisAssembleCmd() *cobra.Command {
	var (
		c       genesis.Ceremony
		gtime   string
		outFile string
	)
	cmd := &cobra.Command{
		Use:   "assemble AGENCY.json...",
		Short: "Build genesis.json from the agencies' files",
		Long: `Build the network's genesis from the agencies' public files: one validator
per agency (power 10, named after the agency), the agencies' authority keys
as the authority set with --threshold K of them needed for governance, and
an account for each. The output depends only on the inputs (agencies are
sorted by name; --genesis-time is given, not read from the clock), so any
agency can rebuild it from the same files and get the same hash. Prints the
genesis hash and the peers list every node dials.`,
		Example: "  publica genesis assemble *.agency.json --chain-id publica-gov --genesis-time 2027-01-04T09:00:00Z --threshold 3",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := time.Parse(time.RFC3339, gtime)
			if err != nil {
				return fmt.Errorf("--genesis-time %q: want RFC 3339, e.g. 2027-01-04T09:00:00Z", gtime)
			}
			c.GenesisTime = t
			for _, f := range args {
				b, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				a, err := genesis.ParseAgency(b)
				if err != nil {
					return fmt.Errorf("%s: %w", f, err)
				}
				c.Agencies = append(c.Agencies, a)
			}
			doc, peers, err := genesis.Assemble(c)
			if err != nil {
				return err
			}
			if old, err := os.ReadFile(outFile); err == nil && !bytes.Equal(old, doc) {
				return fmt.Errorf("%s already exists with other content: remove it or choose another --out", outFile)
			}
			if err := node.WriteFileAtomic(outFile, doc, 0o644); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "wrote %s: chain %s, %d validators, authority set %d of %d\n", outFile, c.ChainID, len(c.Agencies), c.Threshold, len(c.Agencies))
			fmt.Fprintf(w, "genesis hash: %s\n", node.GenesisHash(doc))
			fmt.Fprintf(w, "peers: %s\n", peers)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.ChainID, "chain-id", "", "the network's chain id (required)")
	f.StringVar(&gtime, "genesis-time", "", "the genesis time, RFC 3339 (required; the chain starts once 2/3 of the power is online after it)")
	f.IntVar(&c.Threshold, "threshold", 0, "k: how many authority members must sign a governance change (required)")
	f.StringVar(&outFile, "out", "genesis.json", "the genesis file to write")
	for _, r := range []string{"chain-id", "genesis-time", "threshold"} {
		_ = cmd.MarkFlagRequired(r)
	}
	return cmd
}

func genesisHashCmd() *cobra.Command {
	var expect string
	cmd := &cobra.Command{
		Use:   "hash GENESIS.json",
		Short: "Print a genesis file's hash and what it sets up, to compare with the other agencies",
		Long: `Print the SHA-256 of the genesis file (the same as sha256sum prints) and what
it sets up: chain id, genesis time, validators and the authority set. Every
agency compares the hash with the coordinator's over a second channel before
installing the file. With --expect HASH it exits non-zero unless they match.`,
		Example: "  publica genesis hash genesis.json --expect 3f5c…",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			if err := genesis.Check(b); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			h := node.GenesisHash(b)
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "genesis hash: %s\n", h)
			if err := describeGenesis(w, b); err != nil {
				return err
			}
			if expect != "" && !strings.EqualFold(expect, h) {
				return fmt.Errorf("genesis hash mismatch: %s has %s, expected %s: do not start with this file", args[0], h, expect)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&expect, "expect", "", "the hash announced by the coordinator: fail unless it matches")
	return cmd
}

// describeGenesis prints what an agency checks in a genesis besides its hash.
func describeGenesis(w io.Writer, b []byte) error {
	doc, err := node.ParseGenesis(b)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "chain: %s, genesis time %s, protocol version %d\n", doc.ChainID, doc.GenesisTime.UTC().Format(time.RFC3339), doc.ConsensusParams.Version.App)
	for _, v := range doc.Validators {
		fmt.Fprintf(w, "validator %s: address %s, power %d\n", v.Name, v.Address, v.Power)
	}
	var st struct {
		Authority authority.Genesis `json:"authority"`
	}
	if err := json.Unmarshal(doc.AppState, &st); err != nil {
		return fmt.Errorf("app_state: %w", err)
	}
	fmt.Fprintf(w, "authority set: %d of %d\n", st.Authority.Threshold, len(st.Authority.Members))
	for _, m := range st.Authority.Members {
		pub, err := authority.ParsePubKey(m)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "authority member: %s\n", tx.AccountID(pub))
	}
	return nil
}

func genesisInstallCmd() *cobra.Command {
	var file, hash, peers string
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Check the genesis hash and install the genesis in this agency's home",
		Long: `Install the network's genesis in --home (made by "publica genesis agency"): the
file must have the hash announced (--hash), pass the application's genesis
checks, and list this node's validator key (else it is refused: use
"publica init --join" for a node that does not validate). --peers is the
list "genesis assemble" printed; this node's own entry is left out. Then
"publica start".`,
		Example: "  publica genesis install --genesis genesis.json --hash 3f5c… --peers ID@host:26656,…",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			b, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			if h := node.GenesisHash(b); !strings.EqualFold(h, hash) {
				return fmt.Errorf("genesis hash mismatch: %s has %s, the coordinator announced %s: nothing installed", file, h, hash)
			}
			if err := genesis.Check(b); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			doc, err := node.ParseGenesis(b)
			if err != nil {
				return err
			}
			idx, err := node.ValidatorIndex(home, doc)
			if err != nil {
				return err
			}
			if idx < 0 {
				return fmt.Errorf("this node's validator key (%s) is not in the genesis: wrong home, or a file made without this agency", home)
			}
			own, err := ownPeerID(home)
			if err != nil {
				return err
			}
			if _, err := node.InstallGenesis(home, b, withoutPeer(peers, own)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "installed genesis %s (chain %s) in %s: this node validates as %s\n",
				node.GenesisHash(b), doc.ChainID, home, doc.Validators[idx].Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "genesis", "genesis.json", "the genesis file")
	f.StringVar(&hash, "hash", "", "the genesis hash the coordinator announced (required)")
	f.StringVar(&peers, "peers", "", "the nodes to dial: NODE_ID@HOST:PORT,... (as genesis assemble prints)")
	_ = cmd.MarkFlagRequired("hash")
	return cmd
}

// ownPeerID is the node id of home's node key.
func ownPeerID(home string) (string, error) {
	conf, err := node.LoadConfig(home)
	if err != nil {
		return "", err
	}
	nk, err := p2p.LoadNodeKey(conf.NodeKeyFile())
	if err != nil {
		return "", fmt.Errorf("node key: %w", err)
	}
	return string(nk.ID()), nil
}

// withoutPeer drops the entries of node id from a peers list.
func withoutPeer(peers, id string) string {
	var keep []string
	for _, p := range strings.Split(peers, ",") {
		if p = strings.TrimSpace(p); p != "" && !strings.HasPrefix(p, id+"@") {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, ",")
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
