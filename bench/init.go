package bench

import (
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/publica/publica/app"
	"github.com/publica/publica/genesis"
)

// devInit is the InitChain of the in-process benchmark chains: the
// development chain id and app state, at the latest protocol version (so
// the rules and the state's shape measured are those a new chain runs),
// with one validator.
func devInit(appState []byte) *abci.RequestInitChain {
	validator := ed25519.GenPrivKeyFromSecret([]byte("publica bench validator")).PubKey()
	return &abci.RequestInitChain{
		ChainId:         genesis.DevChainID,
		InitialHeight:   1,
		AppStateBytes:   appState,
		ConsensusParams: &cmtproto.ConsensusParams{Version: &cmtproto.VersionParams{App: app.ProtocolVersion}},
		Validators:      []abci.ValidatorUpdate{abci.Ed25519ValidatorUpdate(validator.Bytes(), 10)},
	}
}
