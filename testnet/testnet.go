// Package testnet creates a multi-validator local network on one machine:
// one home per validator, each with its own keys and loopback ports, one
// shared genesis listing every validator with equal power, and persistent
// peers wired so that every node dials all the others. Full nodes (read
// replicas that do not validate) may be added: they share the genesis,
// are not in its validator set, and dial every validator.
package testnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/node"
)

// Limits and defaults.
const (
	MaxValidators = 16
	// MaxFullNodes bounds the read replicas of a local network.
	MaxFullNodes         = 8
	DefaultChainID       = "publica-localnet"
	DefaultBasePort      = 26600
	DefaultBlockInterval = time.Second
	// PortStride is the gap between two nodes' ports: node i uses
	// base+PortStride*i (p2p), +1 (rpc), +2 (portal) and +3 (metrics).
	PortStride = 10
	// ValidatorPower is every validator's voting power.
	ValidatorPower = 10
	// PortsFile lists each node's ports, one node a line, for scripts.
	PortsFile = "ports"
)

// Options describe a new local network.
type Options struct {
	Validators int
	// FullNodes are nodes that follow the chain and serve reads and the
	// portal but do not validate: full0, full1, ... after the validators.
	FullNodes     int
	Output        string
	ChainID       string        // default DefaultChainID
	BasePort      int           // default DefaultBasePort
	BlockInterval time.Duration // default DefaultBlockInterval
	// EmptyBlockInterval: an empty block after this long without
	// transactions (0: node.DefaultEmptyBlockInterval; negative: a block
	// every BlockInterval).
	EmptyBlockInterval time.Duration
	AppState           json.RawMessage // default genesis.DevAppState()
	// AppVersion is the protocol version the chain starts at (0: the
	// latest this software knows).
	AppVersion uint64
}

// Node is one node's home and addresses.
type Node struct {
	Name       string // node0, node1, ... (validators), full0, ... (full nodes)
	Validator  bool
	Home       string
	ID         string // CometBFT node id (from its node key)
	P2PPort    int
	RPCPort    int
	PortalPort int
}

// RPCAddr is the node's CometBFT RPC address (tcp://127.0.0.1:port).
func (n Node) RPCAddr() string { return "tcp://127.0.0.1:" + strconv.Itoa(n.RPCPort) }

// P2PAddr is the node's P2P listen address.
func (n Node) P2PAddr() string { return "tcp://127.0.0.1:" + strconv.Itoa(n.P2PPort) }

// PortalAddr is where the node's portal should listen (host:port).
func (n Node) PortalAddr() string { return "127.0.0.1:" + strconv.Itoa(n.PortalPort) }

// Peer is the node's persistent-peer entry (id@127.0.0.1:port).
func (n Node) Peer() string { return n.ID + "@127.0.0.1:" + strconv.Itoa(n.P2PPort) }

// Testnet is a generated network.
type Testnet struct {
	ChainID string
	Dir     string
	Nodes   []Node
}

// Generate writes the network into opts.Output. It refuses to touch an
// existing node home there.
func Generate(opts Options) (tn *Testnet, err error) {
	if opts.Validators < 1 || opts.Validators > MaxValidators {
		return nil, fmt.Errorf("--validators must be between 1 and %d, got %d", MaxValidators, opts.Validators)
	}
	if opts.FullNodes < 0 || opts.FullNodes > MaxFullNodes {
		return nil, fmt.Errorf("--full-nodes must be between 0 and %d, got %d", MaxFullNodes, opts.FullNodes)
	}
	total := opts.Validators + opts.FullNodes
	if opts.Output == "" {
		return nil, errors.New("an output directory is required (--output DIR)")
	}
	if opts.ChainID == "" {
		opts.ChainID = DefaultChainID
	}
	if opts.BasePort == 0 {
		opts.BasePort = DefaultBasePort
	}
	if opts.BlockInterval == 0 {
		opts.BlockInterval = DefaultBlockInterval
	}
	if opts.BlockInterval < 0 {
		return nil, fmt.Errorf("--block-interval must be positive, got %s", opts.BlockInterval)
	}
	if opts.AppState == nil {
		opts.AppState = genesis.DevAppState()
	}
	if !json.Valid(opts.AppState) {
		return nil, errors.New("app state is not valid JSON")
	}
	if last := LastPort(opts.BasePort, total); opts.BasePort < 1 || last > 65535 {
		return nil, fmt.Errorf("--base-port %d does not leave room for %d nodes (ports %d..%d must be within 1..65535)",
			opts.BasePort, total, opts.BasePort, last)
	}
	name := func(i int) string {
		if i < opts.Validators {
			return nodeName(i)
		}
		return "full" + strconv.Itoa(i-opts.Validators)
	}
	for i := 0; i < total; i++ {
		home := filepath.Join(opts.Output, name(i))
		if _, err := os.Stat(home); err == nil {
			return nil, fmt.Errorf("%s already exists: remove it or choose another --output", home)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}

	// A half-written network is worse than none: remove what we made.
	defer func() {
		if err != nil {
			for i := 0; i < total; i++ {
				os.RemoveAll(filepath.Join(opts.Output, name(i)))
			}
			tn = nil
		}
	}()
	tn = &Testnet{ChainID: opts.ChainID, Dir: opts.Output}
	var vals []types.GenesisValidator
	confs := make([]*cfg.Config, total)
	for i := 0; i < total; i++ {
		n := Node{
			Name:       name(i),
			Validator:  i < opts.Validators,
			Home:       filepath.Join(opts.Output, name(i)),
			P2PPort:    opts.BasePort + PortStride*i,
			RPCPort:    opts.BasePort + PortStride*i + 1,
			PortalPort: opts.BasePort + PortStride*i + 2,
		}
		conf := node.DefaultConfig(n.Home, node.InitOptions{
			ChainID: opts.ChainID, BlockInterval: opts.BlockInterval, EmptyBlockInterval: opts.EmptyBlockInterval,
			RPCAddr: n.RPCAddr(), P2PAddr: n.P2PAddr(),
			MetricsAddr: "127.0.0.1:" + strconv.Itoa(opts.BasePort+PortStride*i+3),
		})
		conf.Moniker = n.Name
		if err := node.WriteConfig(conf); err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name, err)
		}
		// The keys go into config/ and data/, which WriteConfig made.
		pub, err := node.WriteValidatorKey(conf)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name, err)
		}
		id, err := node.WriteNodeKey(conf)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name, err)
		}
		n.ID = string(id)
		if n.Validator {
			vals = append(vals, types.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: ValidatorPower, Name: n.Name})
		}
		tn.Nodes = append(tn.Nodes, n)
		confs[i] = conf
	}

	doc := types.GenesisDoc{
		ChainID:         opts.ChainID,
		GenesisTime:     cmttime.Now(),
		InitialHeight:   1,
		ConsensusParams: node.GenesisConsensusParams(opts.AppVersion),
		Validators:      vals,
		AppState:        opts.AppState,
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	for i, n := range tn.Nodes {
		conf := confs[i]
		// Validators dial each other; a full node dials every validator.
		var peers []string
		for j, other := range tn.Nodes {
			if j != i && other.Validator {
				peers = append(peers, other.Peer())
			}
		}
		conf.P2P.PersistentPeers = strings.Join(peers, ",")
		if err := node.WriteConfig(conf); err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name, err)
		}
		if err := node.WriteGenesis(conf, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name, err)
		}
	}
	if err := tn.writePorts(); err != nil {
		return nil, err
	}
	return tn, nil
}

// LastPort is the highest port a network of n nodes from base uses.
func LastPort(base, n int) int { return base + PortStride*(n-1) + 3 }

func nodeName(i int) string { return "node" + strconv.Itoa(i) }

func (tn *Testnet) writePorts() error {
	var b strings.Builder
	b.WriteString("# name p2p rpc portal\n")
	for _, n := range tn.Nodes {
		fmt.Fprintf(&b, "%s %d %d %d\n", n.Name, n.P2PPort, n.RPCPort, n.PortalPort)
	}
	return os.WriteFile(filepath.Join(tn.Dir, PortsFile), []byte(b.String()), 0o600)
}

// FreeBasePort finds a base port from which every port a network of n
// nodes uses is free on 127.0.0.1 right now. Ports may be taken again
// before use; that is a race tests accept.
func FreeBasePort(n int) (int, error) {
	if n < 1 || n > MaxValidators+MaxFullNodes {
		return 0, fmt.Errorf("nodes must be between 1 and %d, got %d", MaxValidators+MaxFullNodes, n)
	}
	// A random base below the kernel's ephemeral range (32768 and up by
	// default): there an outgoing connection of a test running beside
	// this one may take a port between this check and the node's bind.
	for attempt := 0; attempt < 200; attempt++ {
		base := 10000 + rand.IntN(22000)
		if LastPort(base, n) > 32767 {
			continue
		}
		if portsFree(base, n) {
			return base, nil
		}
	}
	return 0, errors.New("no free port range found on 127.0.0.1")
}

func portsFree(base, n int) bool {
	for i := 0; i < n; i++ {
		for off := 0; off < 4; off++ {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+PortStride*i+off))
			if err != nil {
				return false
			}
			l.Close()
		}
	}
	return true
}
