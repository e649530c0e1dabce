// Package chain is the portal's read-only view of the node. It talks only
// to CometBFT's RPC interface (the in-process local client, or an HTTP
// client for a remote node), never to the application's internals, so the
// portal shows exactly what any outside observer could verify.
package chain

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/publica/publica/tx"
)

// RPC is the part of CometBFT's rpc/client.Client the portal reads with.
// Both rpc/client/local.Local and rpc/client/http.HTTP satisfy it.
type RPC interface {
	Status(ctx context.Context) (*coretypes.ResultStatus, error)
	Validators(ctx context.Context, height *int64, page, perPage *int) (*coretypes.ResultValidators, error)
	BlockchainInfo(ctx context.Context, minHeight, maxHeight int64) (*coretypes.ResultBlockchainInfo, error)
	Block(ctx context.Context, height *int64) (*coretypes.ResultBlock, error)
	BlockResults(ctx context.Context, height *int64) (*coretypes.ResultBlockResults, error)
	Tx(ctx context.Context, hash []byte, prove bool) (*coretypes.ResultTx, error)
}

// Limits of the recent-transactions scan.
const (
	ScanBlocks   = 50  // how many recent blocks are searched for transactions
	MaxRecentTxs = 20  // how many transactions are listed
	MaxLogRunes  = 300 // longer result logs are cut (logs are for humans, not consensus)
	maxVals      = 1000
)

// Status is a snapshot of the chain as the status page shows it.
type Status struct {
	ChainID    string `json:"chain_id"`
	Moniker    string `json:"moniker"`
	CatchingUp bool   `json:"catching_up"`

	LatestHeight    int64  `json:"latest_height"`
	LatestBlockHash string `json:"latest_block_hash"`
	// LatestAppHash is the app hash in the header of LatestHeight, i.e. the
	// state after block LatestHeight-1 (CometBFT headers lag by one block).
	LatestAppHash   string    `json:"latest_app_hash"`
	LatestBlockTime time.Time `json:"latest_block_time"`
	EarliestHeight  int64     `json:"earliest_height"`

	ValidatorCount   int         `json:"validator_count"`
	TotalVotingPower int64       `json:"total_voting_power"`
	Validators       []Validator `json:"validators"`

	// RecentTxs are the newest transactions (newest first) found in blocks
	// ScanFrom..ScanTo.
	RecentTxs []TxSummary `json:"recent_txs"`
	ScanFrom  int64       `json:"scan_from"`
	ScanTo    int64       `json:"scan_to"`

	ObservedAt time.Time `json:"observed_at"`
}

// Validator is one member of the validator set at the latest height.
type Validator struct {
	Address     string `json:"address"` // hex
	VotingPower int64  `json:"voting_power"`
	PubKeyType  string `json:"pub_key_type"` // e.g. "ed25519"
	PubKey      string `json:"pub_key"`      // base64, as in CometBFT's genesis and key files
}

// TxSummary is one committed transaction.
type TxSummary struct {
	Height int64  `json:"height"`
	Index  int    `json:"index"`
	Hash   string `json:"hash"` // hex, upper case, as CometBFT prints it

	// DecodeError is set when the bytes are not a valid Publica envelope;
	// then MsgType and Signer are empty.
	DecodeError string `json:"decode_error,omitempty"`
	MsgType     string `json:"msg_type,omitempty"`
	Signer      string `json:"signer,omitempty"` // primary signer's account id
	Signers     int    `json:"signers,omitempty"`

	// HasResult is false when the block's results could not be read.
	HasResult bool   `json:"has_result"`
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace,omitempty"`
	Log       string `json:"log,omitempty"`
}

// OK reports a successful transaction.
func (t TxSummary) OK() bool { return t.HasResult && t.Code == 0 }

// ShortHash is the first 12 hex digits of the hash.
func (t TxSummary) ShortHash() string {
	if len(t.Hash) > 12 {
		return t.Hash[:12]
	}
	return t.Hash
}

// ErrUnavailable wraps every failure to read from the node.
var ErrUnavailable = errors.New("node unavailable")

// Source reads snapshots from the node. Safe for concurrent use.
type Source struct {
	rpc RPC

	mu     sync.Mutex
	cached *Status // last snapshot; reused while the height has not moved
}

// NewSource reads through rpc.
func NewSource(rpc RPC) *Source { return &Source{rpc: rpc} }

// call runs f and turns a panic into an error: a stopped node's stores
// panic on read, and a status page must not take the process down.
func call[T any](what string, f func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: %v", ErrUnavailable, what, r)
		}
	}()
	v, err = f()
	if err != nil {
		err = fmt.Errorf("%w: %s: %v", ErrUnavailable, what, err)
	}
	return v, err
}

// Ping checks that the node answers a status request.
func (s *Source) Ping(ctx context.Context) error {
	_, err := call("status", func() (*coretypes.ResultStatus, error) { return s.rpc.Status(ctx) })
	return err
}

// Snapshot reads the chain status, the validator set and the recent
// transactions. While the latest height is unchanged it reuses the last
// snapshot's validators and transactions, so frequent page refreshes cost
// one status call each.
func (s *Source) Snapshot(ctx context.Context) (*Status, error) {
	st, err := call("status", func() (*coretypes.ResultStatus, error) { return s.rpc.Status(ctx) })
	if err != nil {
		return nil, err
	}
	out := &Status{
		ChainID:         st.NodeInfo.Network,
		Moniker:         st.NodeInfo.Moniker,
		CatchingUp:      st.SyncInfo.CatchingUp,
		LatestHeight:    st.SyncInfo.LatestBlockHeight,
		LatestBlockHash: st.SyncInfo.LatestBlockHash.String(),
		LatestAppHash:   st.SyncInfo.LatestAppHash.String(),
		LatestBlockTime: st.SyncInfo.LatestBlockTime.UTC(),
		EarliestHeight:  st.SyncInfo.EarliestBlockHeight,
		ObservedAt:      time.Now().UTC(),
	}
	if out.LatestHeight == 0 {
		out.LatestBlockTime = time.Time{}
		return out, nil // no block yet: nothing more to read
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cached; c != nil && c.ChainID == out.ChainID && c.LatestHeight == out.LatestHeight {
		out.ValidatorCount, out.TotalVotingPower, out.Validators = c.ValidatorCount, c.TotalVotingPower, c.Validators
		out.RecentTxs, out.ScanFrom, out.ScanTo = c.RecentTxs, c.ScanFrom, c.ScanTo
		return out, nil
	}
	if err := s.validators(ctx, out); err != nil {
		return nil, err
	}
	if err := s.recentTxs(ctx, out); err != nil {
		return nil, err
	}
	s.cached = out
	return out, nil
}

func (s *Source) validators(ctx context.Context, out *Status) error {
	h := out.LatestHeight
	perPage := 100
	out.Validators = []Validator{}
	for page := 1; ; page++ {
		p := page
		res, err := call("validators", func() (*coretypes.ResultValidators, error) {
			return s.rpc.Validators(ctx, &h, &p, &perPage)
		})
		if err != nil {
			return err
		}
		out.ValidatorCount = res.Total
		for _, v := range res.Validators {
			out.TotalVotingPower += v.VotingPower
			if len(out.Validators) >= maxVals {
				continue
			}
			val := Validator{Address: v.Address.String(), VotingPower: v.VotingPower}
			if v.PubKey != nil {
				val.PubKeyType = v.PubKey.Type()
				val.PubKey = base64.StdEncoding.EncodeToString(v.PubKey.Bytes())
			}
			out.Validators = append(out.Validators, val)
		}
		if len(res.Validators) == 0 || page*perPage >= res.Total || len(out.Validators) >= maxVals {
			return nil
		}
	}
}

// recentTxs scans the last ScanBlocks blocks, newest first, using the block
// metas' transaction counts so only blocks that hold transactions are read.
func (s *Source) recentTxs(ctx context.Context, out *Status) error {
	out.RecentTxs = []TxSummary{}
	out.ScanTo = out.LatestHeight
	out.ScanFrom = max(out.LatestHeight-ScanBlocks+1, out.EarliestHeight, 1)
	for hi := out.ScanTo; hi >= out.ScanFrom && len(out.RecentTxs) < MaxRecentTxs; {
		lo := max(hi-19, out.ScanFrom) // BlockchainInfo returns at most 20 metas
		info, err := call("blockchain", func() (*coretypes.ResultBlockchainInfo, error) {
			return s.rpc.BlockchainInfo(ctx, lo, hi)
		})
		if err != nil {
			return err
		}
		for _, m := range info.BlockMetas { // newest first
			if m == nil || m.NumTxs == 0 {
				continue
			}
			if err := s.blockTxs(ctx, m.Header.Height, out); err != nil {
				return err
			}
			if len(out.RecentTxs) >= MaxRecentTxs {
				break
			}
		}
		hi = lo - 1
	}
	return nil
}

func (s *Source) blockTxs(ctx context.Context, h int64, out *Status) error {
	blk, err := call("block", func() (*coretypes.ResultBlock, error) { return s.rpc.Block(ctx, &h) })
	if err != nil {
		return err
	}
	if blk.Block == nil {
		return nil
	}
	// A block's results may be missing (pruned, or not yet saved for the
	// newest block); the transactions are still listed, without a result.
	var results []*abci.ExecTxResult
	if br, err := call("block results", func() (*coretypes.ResultBlockResults, error) {
		return s.rpc.BlockResults(ctx, &h)
	}); err == nil {
		results = br.TxsResults
	}
	txs := blk.Block.Txs
	for i := len(txs) - 1; i >= 0 && len(out.RecentTxs) < MaxRecentTxs; i-- {
		var res *abci.ExecTxResult
		if i < len(results) {
			res = results[i]
		}
		out.RecentTxs = append(out.RecentTxs, Summarize(h, i, txs[i], res))
	}
	return nil
}

// Summarize describes one transaction. It accepts any bytes: what is not a
// Publica envelope is reported as undecodable.
func Summarize(height int64, index int, raw cmttypes.Tx, res *abci.ExecTxResult) TxSummary {
	t := TxSummary{Height: height, Index: index, Hash: cmtbytes.HexBytes(tx.Hash(raw)).String()}
	if d, err := tx.Decode(raw); err != nil {
		t.DecodeError = err.Error()
	} else if len(d.Signatures) == 0 {
		t.DecodeError = "no signatures"
	} else {
		t.MsgType = d.MsgType
		t.Signer = tx.AccountID(d.Signatures[0].PubKey)
		t.Signers = len(d.Signatures)
	}
	if res != nil {
		t.HasResult = true
		t.Code, t.Codespace, t.Log = res.Code, res.Codespace, clip(res.Log, MaxLogRunes)
	}
	return t
}

// clip cuts s to n runes and makes it valid UTF-8.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
