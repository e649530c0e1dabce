package genesis

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/app"
	"github.com/publica/publica/keys"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// AgencyFormat names the format of an agency file.
const AgencyFormat = "publica-agency/1"

// Agency is what one agency contributes to a multi-agency genesis: only
// public keys and an address. Each agency makes its keys on its own
// machine (`publica genesis agency`) and sends this small file to the
// coordinator; its private keys never leave that machine.
type Agency struct {
	Format string `json:"format"`
	// Name identifies the agency: its validator's name in genesis.json and
	// the name of its authority key.
	Name string `json:"name"`
	// ValidatorPubKey is the node's consensus key (base64 ed25519, as
	// `publica show-validator` prints it).
	ValidatorPubKey string `json:"validator_pubkey"`
	// AuthorityPubKey is the agency's authority-set member key (hex
	// ed25519, as `publica keys show` prints it) and Account its account id.
	AuthorityPubKey string `json:"authority_pubkey"`
	Account         string `json:"account"`
	// NodeID and P2PAddress (host:port) are where the other nodes dial it.
	NodeID     string `json:"node_id"`
	P2PAddress string `json:"p2p_address"`
}

// Peer is the agency's persistent-peer entry (id@host:port).
func (a Agency) Peer() string { return a.NodeID + "@" + a.P2PAddress }

// Check refuses an agency file with a missing or malformed field.
func (a Agency) Check() error {
	if a.Format != AgencyFormat {
		return fmt.Errorf("format %q: want %q", a.Format, AgencyFormat)
	}
	if err := keys.CheckName(a.Name); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	if _, err := consensusKey(a.ValidatorPubKey); err != nil {
		return fmt.Errorf("agency %s: validator_pubkey: %w", a.Name, err)
	}
	pub, err := authority.ParsePubKey(a.AuthorityPubKey)
	if err != nil {
		return fmt.Errorf("agency %s: authority_pubkey: %w", a.Name, err)
	}
	if a.Account != "" && a.Account != tx.AccountID(pub) {
		return fmt.Errorf("agency %s: account %s is not the authority key's account (%s)", a.Name, a.Account, tx.AccountID(pub))
	}
	if _, err := p2p.NewNetAddressString(a.Peer()); err != nil {
		return fmt.Errorf("agency %s: node_id and p2p_address: %v", a.Name, err)
	}
	return nil
}

// ParseAgency decodes an agency file strictly (an unknown field, such as a
// private key pasted in by mistake, is refused).
func ParseAgency(b []byte) (Agency, error) {
	var a Agency
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return a, fmt.Errorf("not an agency file: %w", err)
	}
	return a, a.Check()
}

// NewAgency describes an agency from its public keys.
func NewAgency(name string, validator []byte, authorityKey ed25519.PublicKey, nodeID, p2pAddress string) Agency {
	return Agency{
		Format:          AgencyFormat,
		Name:            name,
		ValidatorPubKey: base64.StdEncoding.EncodeToString(validator),
		AuthorityPubKey: hex.EncodeToString(authorityKey),
		Account:         tx.AccountID(authorityKey),
		NodeID:          nodeID,
		P2PAddress:      p2pAddress,
	}
}

// Ceremony is what the coordinator assembles a genesis from.
type Ceremony struct {
	ChainID     string
	GenesisTime time.Time
	// Threshold is k of the authority set's k-of-n (n: the agencies).
	Threshold int
	// Power is every validator's voting power (default 10).
	Power    int64
	Agencies []Agency
}

// DefaultPower is each agency validator's voting power.
const DefaultPower = 10

// Assemble builds the network's genesis.json bytes and its peers list.
// The result depends only on the inputs (agencies in name order, the
// genesis time given, not the clock), so every agency can re-assemble it
// from the same files and compare hashes.
func Assemble(c Ceremony) (genesisJSON []byte, peers string, err error) {
	if c.ChainID == "" {
		return nil, "", errors.New("a chain id is required")
	}
	if c.GenesisTime.IsZero() {
		return nil, "", errors.New("a genesis time is required (RFC 3339, e.g. 2027-01-04T09:00:00Z): every agency must be able to rebuild the same file")
	}
	if len(c.Agencies) == 0 {
		return nil, "", errors.New("no agency files")
	}
	if c.Threshold < 1 || c.Threshold > len(c.Agencies) {
		return nil, "", fmt.Errorf("threshold %d: want 1..%d (the number of agencies)", c.Threshold, len(c.Agencies))
	}
	if c.Power == 0 {
		c.Power = DefaultPower
	}
	agencies := slices.Clone(c.Agencies)
	slices.SortFunc(agencies, func(a, b Agency) int { return strings.Compare(a.Name, b.Name) })
	seen := map[string]string{}
	once := func(kind, v, name string) error {
		if other, dup := seen[kind+v]; dup {
			return fmt.Errorf("agencies %s and %s have the same %s", other, name, kind)
		}
		seen[kind+v] = name
		return nil
	}
	g := authority.Genesis{Threshold: c.Threshold}
	var vals []types.GenesisValidator
	var peerList []string
	for _, a := range agencies {
		if err := a.Check(); err != nil {
			return nil, "", err
		}
		pub, _ := consensusKey(a.ValidatorPubKey)
		auth, _ := authority.ParsePubKey(a.AuthorityPubKey)
		for _, u := range [][2]string{{"name", a.Name}, {"validator key", a.ValidatorPubKey}, {"authority key", hex.EncodeToString(auth)}, {"node id", a.NodeID}} {
			if err := once(u[0], u[1], a.Name); err != nil {
				return nil, "", err
			}
		}
		vals = append(vals, types.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: c.Power, Name: a.Name})
		g.Accounts = append(g.Accounts, authority.GenesisAccountFor(auth))
		g.Members = append(g.Members, hex.EncodeToString(auth))
		peerList = append(peerList, a.Peer())
	}
	auth, err := json.Marshal(g)
	if err != nil {
		return nil, "", err
	}
	shape, _ := json.Marshal(app.StateShape{Split: store.DefaultSplit})
	st, _ := json.Marshal(map[string]json.RawMessage{authority.ModuleName: auth, app.GenesisStateKey: shape})
	doc := types.GenesisDoc{
		ChainID:         c.ChainID,
		GenesisTime:     c.GenesisTime.UTC(),
		InitialHeight:   1,
		ConsensusParams: node.GenesisConsensusParams(0),
		Validators:      vals,
		AppState:        st,
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, "", fmt.Errorf("genesis: %w", err)
	}
	out, err := cmtjson.MarshalIndent(&doc, "", "  ")
	if err != nil {
		return nil, "", err
	}
	out = append(out, '\n')
	if err := Check(out); err != nil {
		return nil, "", err
	}
	return out, strings.Join(peerList, ","), nil
}

// Check runs a genesis file as a node would at its first block: CometBFT's
// own checks, then the application's InitChain on an empty in-memory
// store, so a genesis that would not start is refused before anyone
// installs it.
func Check(genesisJSON []byte) error {
	doc, err := node.ParseGenesis(genesisJSON)
	if err != nil {
		return err
	}
	var vals []abci.ValidatorUpdate
	for _, v := range doc.Validators {
		vals = append(vals, abci.UpdateValidator(v.PubKey.Bytes(), v.Power, ""))
	}
	params := doc.ConsensusParams.ToProto()
	_, err = app.New(store.OpenMemory()).InitChain(context.Background(), &abci.RequestInitChain{
		ChainId: doc.ChainID, Time: doc.GenesisTime, InitialHeight: doc.InitialHeight,
		ConsensusParams: &params, Validators: vals, AppStateBytes: doc.AppState,
	})
	if err != nil {
		return fmt.Errorf("the application refuses this genesis: %w", err)
	}
	return nil
}

func consensusKey(s string) (cmted25519.PubKey, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != cmted25519.PubKeySize {
		return nil, errors.New("want a base64 ed25519 public key (" + strconv.Itoa(cmted25519.PubKeySize) + " bytes)")
	}
	return cmted25519.PubKey(b), nil
}

// ValidAddress checks a host:port a node is reachable at.
func ValidAddress(hostport string) error {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil || host == "" {
		return fmt.Errorf("address %q: want HOST:PORT", hostport)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("address %q: port must be 1..65535", hostport)
	}
	return nil
}
