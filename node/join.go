package node

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cometbft/cometbft/crypto"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
)

// InitKeys creates a home without a genesis: config.toml and the node's
// own keys (validator and p2p), each written atomically. It is the first
// step of a node that will run an existing network's genesis (a full node
// joining, or an agency in a genesis ceremony, whose genesis is made from
// the public keys this returns). It refuses a folder that already holds
// a configuration or keys.
func InitKeys(home string, opts InitOptions) (crypto.PubKey, p2p.ID, error) {
	conf := DefaultConfig(home, opts)
	for _, f := range []string{filepath.Join(home, "config", "config.toml"), conf.PrivValidatorKeyFile(), conf.NodeKeyFile(), conf.GenesisFile()} {
		if _, err := os.Stat(f); err == nil {
			return nil, "", fmt.Errorf("%s already holds a node (%s exists)", home, f)
		}
	}
	if err := WriteConfig(conf); err != nil {
		return nil, "", err
	}
	pub, err := WriteValidatorKey(conf)
	if err != nil {
		return nil, "", err
	}
	id, err := WriteNodeKey(conf)
	if err != nil {
		return nil, "", err
	}
	return pub, id, nil
}

// GenesisHash is the SHA-256 of a genesis file's bytes, in lower-case hex:
// what `sha256sum genesis.json` prints, so agencies can compare it with
// any tool.
func GenesisHash(genesisJSON []byte) string {
	sum := sha256.Sum256(genesisJSON)
	return hex.EncodeToString(sum[:])
}

// ParseGenesis decodes and checks a genesis file's bytes as CometBFT will.
func ParseGenesis(genesisJSON []byte) (*types.GenesisDoc, error) {
	doc, err := types.GenesisDocFromJSON(genesisJSON)
	if err != nil {
		return nil, fmt.Errorf("not a valid genesis: %w", err)
	}
	return doc, nil
}

// CheckPeers checks a persistent-peers list: comma-separated id@host:port.
func CheckPeers(peers string) error {
	if strings.TrimSpace(peers) == "" {
		return nil
	}
	for _, p := range strings.Split(peers, ",") {
		p = strings.TrimSpace(p)
		if _, err := p2p.NewNetAddressString(p); err != nil {
			return fmt.Errorf("peer %q: want NODE_ID@HOST:PORT (%v)", p, err)
		}
	}
	return nil
}

// InstallGenesis completes a home made by InitKeys: it writes the network's
// genesis exactly as given (so its hash stays the one every agency
// checked) and sets the peers the node dials. The genesis must be valid,
// and a home that already has a genesis keeps it unless it is the same.
func InstallGenesis(home string, genesisJSON []byte, peers string) (*types.GenesisDoc, error) {
	conf, err := LoadConfig(home)
	if err != nil {
		return nil, err
	}
	doc, err := ParseGenesis(genesisJSON)
	if err != nil {
		return nil, err
	}
	if err := CheckPeers(peers); err != nil {
		return nil, err
	}
	if old, err := os.ReadFile(conf.GenesisFile()); err == nil && !bytes.Equal(old, genesisJSON) {
		return nil, fmt.Errorf("%s already holds another genesis (hash %s): a home belongs to one network", home, GenesisHash(old))
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	conf.P2P.PersistentPeers = strings.Join(splitPeers(peers), ",")
	if err := WriteConfig(conf); err != nil {
		return nil, err
	}
	if err := WriteFileAtomic(conf.GenesisFile(), genesisJSON, 0o644); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	return doc, nil
}

// ValidatorIndex is the index of home's validator key in doc's validator
// set, or -1 when the node does not validate (a full node).
func ValidatorIndex(home string, doc *types.GenesisDoc) (int, error) {
	conf, err := LoadConfig(home)
	if err != nil {
		return -1, err
	}
	b, err := os.ReadFile(conf.PrivValidatorKeyFile())
	if err != nil {
		return -1, fmt.Errorf("validator key: %w", err)
	}
	var key privval.FilePVKey
	if err := cmtjson.Unmarshal(b, &key); err != nil || key.PubKey == nil {
		return -1, fmt.Errorf("validator key %s: cannot be read (%v)", conf.PrivValidatorKeyFile(), err)
	}
	for i, v := range doc.Validators {
		if bytes.Equal(v.PubKey.Bytes(), key.PubKey.Bytes()) {
			return i, nil
		}
	}
	return -1, nil
}

func splitPeers(peers string) []string {
	var out []string
	for _, p := range strings.Split(peers, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
