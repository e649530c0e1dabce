// Package node runs a Publica node in-process: a CometBFT node with the
// Publica application, both stores on disk under one home directory.
package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"
	"github.com/spf13/viper"

	"github.com/publica/publica/app"
)

// InitOptions describe a new single-node home.
type InitOptions struct {
	ChainID  string
	AppState json.RawMessage
	// BlockInterval is CometBFT's timeout_commit: the pause between blocks.
	BlockInterval time.Duration
	RPCAddr       string // e.g. tcp://127.0.0.1:26657
	P2PAddr       string // e.g. tcp://127.0.0.1:26656
	// EmptyBlockInterval: blocks are made when there are transactions,
	// and an empty one after this long without any. 0 means
	// DefaultEmptyBlockInterval; negative makes a block every
	// BlockInterval whether or not anything happened.
	EmptyBlockInterval time.Duration
	// MetricsAddr is where Prometheus metrics are served (host:port);
	// "" means DefaultMetricsAddr, "off" serves none.
	MetricsAddr string
	// AppVersion is the protocol version the chain starts at (genesis
	// consensus_params.version.app); 0 means app.ProtocolVersion.
	AppVersion uint64
}

// DefaultEmptyBlockInterval is the longest a quiet chain goes without a
// block (docs/operations.md explains the choice): about a million blocks
// a year instead of 31.5 million at one a second, while a stalled node is
// still noticed within minutes and the chain's clock, as CheckTx sees it,
// lags by at most this much.
const DefaultEmptyBlockInterval = 30 * time.Second

// DevEmptyBlockInterval is the heartbeat of a development chain
// (publica init --dev): short, so that time visibly moves on a chain
// someone is trying out.
const DevEmptyBlockInterval = 5 * time.Second

// Exists reports whether home already holds a node configuration.
func Exists(home string) bool {
	_, err := os.Stat(filepath.Join(home, "config", "genesis.json"))
	return err == nil
}

// Init creates a single-validator home: config.toml, node and validator
// keys, and genesis.json with opts.AppState. It refuses to touch an
// existing home. Every file is written atomically and flushed to disk, and
// genesis.json (which marks a home as made) comes last, so a crash during
// or just after init never leaves an empty or half-written file behind.
func Init(home string, opts InitOptions) error {
	if Exists(home) {
		return fmt.Errorf("%s already holds a node (config/genesis.json exists)", home)
	}
	conf := DefaultConfig(home, opts)
	if err := WriteConfig(conf); err != nil {
		return err
	}
	pub, err := WriteValidatorKey(conf)
	if err != nil {
		return err
	}
	if _, err := WriteNodeKey(conf); err != nil {
		return err
	}
	doc := types.GenesisDoc{
		ChainID:         opts.ChainID,
		GenesisTime:     cmttime.Now(),
		InitialHeight:   1,
		ConsensusParams: GenesisConsensusParams(opts.AppVersion),
		Validators:      []types.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 10, Name: "validator-0"}},
		AppState:        opts.AppState,
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return fmt.Errorf("genesis: %w", err)
	}
	return WriteGenesis(conf, &doc)
}

// GenesisConsensusParams are CometBFT's default consensus params with
// version.app, the protocol version the chain starts at, set to version
// (0: app.ProtocolVersion, the latest this software knows).
func GenesisConsensusParams(version uint64) *types.ConsensusParams {
	p := types.DefaultConsensusParams()
	if version == 0 {
		version = app.ProtocolVersion
	}
	p.Version.App = version
	return p
}

// WriteValidatorKey makes a new validator key and its empty signing state
// (priv_validator_key.json, priv_validator_state.json), atomically.
func WriteValidatorKey(conf *cfg.Config) (crypto.PubKey, error) {
	key := ed25519.GenPrivKey()
	keyFile, stateFile := conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile()
	// FilePV writes both files at once; it writes them to temporary paths
	// here, which writeVia then moves into place one after the other.
	var tmpKey string
	err := writeVia(keyFile, 0o600, func(tmp string) error {
		tmpKey = tmp
		return writeVia(stateFile, 0o600, func(tmpState string) error {
			privval.NewFilePV(key, tmpKey, tmpState).Save()
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("validator key: %w", err)
	}
	return key.PubKey(), nil
}

// WriteNodeKey makes a new node (p2p) key in node_key.json, atomically.
func WriteNodeKey(conf *cfg.Config) (p2p.ID, error) {
	nk := &p2p.NodeKey{PrivKey: ed25519.GenPrivKey()}
	if err := writeVia(conf.NodeKeyFile(), 0o600, nk.SaveAs); err != nil {
		return "", fmt.Errorf("node key: %w", err)
	}
	return nk.ID(), nil
}

// WriteGenesis writes genesis.json, atomically.
func WriteGenesis(conf *cfg.Config, doc *types.GenesisDoc) error {
	if err := writeVia(conf.GenesisFile(), 0o644, doc.SaveAs); err != nil {
		return fmt.Errorf("genesis: %w", err)
	}
	return nil
}

// DefaultConfig is CometBFT's default configuration adjusted for Publica:
// the application database backend is pebble and every block is kept.
func DefaultConfig(home string, opts InitOptions) *cfg.Config {
	conf := cfg.DefaultConfig()
	conf.SetRoot(home)
	conf.Moniker = "publica"
	conf.DBBackend = "goleveldb"
	if opts.BlockInterval > 0 {
		conf.Consensus.TimeoutCommit = opts.BlockInterval
	}
	// Blocks only for transactions (and the block after one, which carries
	// its app hash), with an empty block now and then as a heartbeat.
	if opts.EmptyBlockInterval >= 0 {
		conf.Consensus.CreateEmptyBlocks = false
		conf.Consensus.CreateEmptyBlocksInterval = DefaultEmptyBlockInterval
		if opts.EmptyBlockInterval > 0 {
			conf.Consensus.CreateEmptyBlocksInterval = opts.EmptyBlockInterval
		}
	}
	if opts.RPCAddr != "" {
		conf.RPC.ListenAddress = opts.RPCAddr
	}
	if opts.P2PAddr != "" {
		conf.P2P.ListenAddress = opts.P2PAddr
	}
	conf.P2P.AddrBookStrict = false
	// Peers are wired explicitly (persistent_peers), so peer exchange is off
	// by default. It also keeps the address book from being rewritten after
	// the node has stopped: CometBFT does not wait for that save.
	conf.P2P.PexReactor = false
	conf.P2P.AllowDuplicateIP = true
	conf.TxIndex.Indexer = "kv"
	// Metrics on by default, on loopback: operators scrape them locally or
	// through their own proxy; nothing is exposed to the network.
	conf.Instrumentation.Prometheus = opts.MetricsAddr != "off"
	conf.Instrumentation.PrometheusListenAddr = DefaultMetricsAddr
	if opts.MetricsAddr != "" && opts.MetricsAddr != "off" {
		conf.Instrumentation.PrometheusListenAddr = opts.MetricsAddr
	}
	return conf
}

// WriteConfig writes config.toml atomically, creating the home's folders.
func WriteConfig(conf *cfg.Config) error {
	for _, dir := range []string{conf.RootDir, filepath.Join(conf.RootDir, "config"), filepath.Join(conf.RootDir, "data")} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	return writeVia(filepath.Join(conf.RootDir, "config", "config.toml"), 0o644, func(tmp string) error {
		cfg.WriteConfigFile(tmp, conf)
		return nil
	})
}

// LoadConfig reads home/config/config.toml.
func LoadConfig(home string) (*cfg.Config, error) {
	path := filepath.Join(home, "config", "config.toml")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no node in %s (missing %s): run `publica init` first", home, path)
	}
	conf := cfg.DefaultConfig()
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if err := v.Unmarshal(conf); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	conf.SetRoot(home)
	if err := conf.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("invalid %s: %w", path, err)
	}
	return conf, nil
}
