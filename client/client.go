// Package client talks to a Publica node over the CometBFT RPC: it builds
// and signs transactions, broadcasts them and waits for commit, and runs
// queries, verifying proofs against signed headers.
package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/light"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/proof"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// Client is a connection to one node.
type Client struct {
	RPC     rpcclient.Client
	chainID string

	mu       sync.Mutex
	verified map[int64][]byte // header height → app hash, commit verified
	tip      int64            // latest block height, as of tipAt
	tipAt    time.Time
	light    *light.Client // set by UseLightClient: headers verified from a trust root
}

// verifiedHeaders bounds the cache of verified headers; a portal reads
// near the tip, so a few hundred blocks cover every concurrent reader.
const verifiedHeaders = 512

// tipTTL is how long LatestHeight reuses the node's answer. Blocks are at
// least this far apart in practice, and a stale tip only makes a read one
// block older, never wrong.
const tipTTL = 20 * time.Millisecond

// NewFromRPC uses an existing RPC client, e.g. rpc/client/local for an
// in-process node (the portal does).
func NewFromRPC(rpc rpcclient.Client) *Client { return &Client{RPC: rpc} }

// New connects to the RPC at addr (tcp://host:port or http://host:port).
func New(addr string) (*Client, error) {
	addr = strings.Replace(addr, "tcp://", "http://", 1)
	c, err := rpchttp.New(addr, "/websocket")
	if err != nil {
		return nil, fmt.Errorf("rpc %s: %w", addr, err)
	}
	return &Client{RPC: c}, nil
}

// ChainID asks the node for its chain id (cached).
func (c *Client) ChainID(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.chainID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	st, err := c.RPC.Status(ctx)
	if err != nil {
		return "", fmt.Errorf("node status: %w", err)
	}
	c.mu.Lock()
	c.chainID = st.NodeInfo.Network
	c.mu.Unlock()
	return st.NodeInfo.Network, nil
}

// QueryError is a non-zero query result.
type QueryError struct {
	Codespace string
	Code      uint32
	Log       string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("query failed (%s/%d): %s", e.Codespace, e.Code, e.Log)
}

// Query runs an ABCI query; a non-zero code becomes a *QueryError.
func (c *Client) Query(ctx context.Context, path string, data []byte, height int64, prove bool) (*abci.ResponseQuery, error) {
	res, err := c.RPC.ABCIQueryWithOptions(ctx, path, data, rpcQueryOpts(height, prove))
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", path, err)
	}
	if res.Response.Code != 0 {
		return nil, &QueryError{Codespace: res.Response.Codespace, Code: res.Response.Code, Log: res.Response.Log}
	}
	return &res.Response, nil
}

// Proven is a query answer whose proof verified against a signed header.
type Proven struct {
	Key, Value []byte
	Height     int64  // state height the value was read at
	AppHash    []byte // app hash from the header of Height+1
}

// QueryProven runs a proven query and verifies the ICS23 proof against the
// app hash in the header of height+1 (waiting for that block if needed).
func (c *Client) QueryProven(ctx context.Context, path string, data []byte, height int64) (*Proven, error) {
	res, err := c.Query(ctx, path, data, height, true)
	if err != nil {
		return nil, err
	}
	hdrHeight := res.Height + 1
	appHash, err := c.verifiedAppHash(ctx, hdrHeight)
	if err != nil {
		return nil, err
	}
	if err := proof.Verify(appHash, res.ProofOps, res.Key, res.Value); err != nil {
		return nil, err
	}
	return &Proven{Key: res.Key, Value: res.Value, Height: res.Height, AppHash: appHash}, nil
}

// LatestHeight is the latest height whose state the node's application
// has committed (reused for tipTTL): the height reads and proofs can use.
// It is the application's (ABCI info), not the block store's, which
// CometBFT advances before the application has committed that block: a
// query at the block store's height could then find no state.
func (c *Client) LatestHeight(ctx context.Context) (int64, error) {
	c.mu.Lock()
	if c.tip > 0 && time.Since(c.tipAt) < tipTTL {
		h := c.tip
		c.mu.Unlock()
		return h, nil
	}
	c.mu.Unlock()
	info, err := c.RPC.ABCIInfo(ctx)
	if err != nil {
		return 0, fmt.Errorf("node status: %w", err)
	}
	h := info.Response.LastBlockHeight
	c.mu.Lock()
	if h > c.tip {
		c.tip = h
	}
	c.tipAt = time.Now()
	h = c.tip
	c.mu.Unlock()
	return h, nil
}

// SettledHeight is the newest state height whose proving header (the next
// block's) is already signed: reads at it verify without waiting for a
// block. It is the latest block height - 1 (at least 1).
func (c *Client) SettledHeight(ctx context.Context) (int64, error) {
	h, err := c.LatestHeight(ctx)
	if err != nil {
		return 0, err
	}
	return max(h-1, 1), nil
}

// verifiedAppHash returns the app hash of header h once +2/3 of its
// validators' signatures on it verified, waiting for the block if needed.
// Verified headers are cached: a header never changes once signed.
func (c *Client) verifiedAppHash(ctx context.Context, hdrHeight int64) ([]byte, error) {
	c.mu.Lock()
	appHash, ok := c.verified[hdrHeight]
	lc := c.light
	c.mu.Unlock()
	if ok {
		return appHash, nil
	}
	if lc != nil {
		return c.lightAppHash(ctx, lc, hdrHeight)
	}
	var commit *coretypes.ResultCommit
	var err error
	for {
		commit, err = c.RPC.Commit(ctx, &hdrHeight)
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for header %d: %w", hdrHeight, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := c.verifyHeader(ctx, commit); err != nil {
		return nil, err
	}
	appHash = commit.SignedHeader.Header.AppHash
	c.mu.Lock()
	if c.verified == nil {
		c.verified = make(map[int64][]byte)
	}
	if len(c.verified) >= verifiedHeaders {
		// Drop the oldest half; readers are near the tip.
		var hs []int64
		for h := range c.verified {
			hs = append(hs, h)
		}
		slices.Sort(hs)
		for _, h := range hs[:len(hs)/2] {
			delete(c.verified, h)
		}
	}
	c.verified[hdrHeight] = appHash
	c.mu.Unlock()
	return appHash, nil
}

// verifyHeader checks that +2/3 of the header's validator set signed it.
// The validator set comes from the same node, so this proves the header is
// the one the validators agreed on, not that the node reports the right
// validators; a light client that tracks validator changes from genesis
// closes that gap.
func (c *Client) verifyHeader(ctx context.Context, commit *coretypes.ResultCommit) error {
	h := commit.SignedHeader.Header.Height
	var vals []*types.Validator
	for page := 1; ; page++ {
		p, perPage := page, 100
		res, err := c.RPC.Validators(ctx, &h, &p, &perPage)
		if err != nil {
			return fmt.Errorf("validators at %d: %w", h, err)
		}
		vals = append(vals, res.Validators...)
		if len(vals) >= res.Total || len(res.Validators) == 0 {
			break
		}
	}
	set := types.NewValidatorSet(vals)
	hdr := commit.SignedHeader.Header
	if !bytes.Equal(set.Hash(), hdr.ValidatorsHash) {
		return fmt.Errorf("validator set at %d does not match the header's validators hash", h)
	}
	if err := set.VerifyCommitLight(hdr.ChainID, commit.SignedHeader.Commit.BlockID, h, commit.SignedHeader.Commit); err != nil {
		return fmt.Errorf("header %d is not signed by +2/3 of its validators: %w", h, err)
	}
	if !bytes.Equal(commit.SignedHeader.Commit.BlockID.Hash, hdr.Hash()) {
		return fmt.Errorf("commit %d is for another header", h)
	}
	return nil
}

// Account fetches an account record, nil if it does not exist.
func (c *Client) Account(ctx context.Context, id string) (*authority.Account, error) {
	return c.AccountAt(ctx, id, 0)
}

// AccountAt is Account at height (0: the latest).
func (c *Client) AccountAt(ctx context.Context, id string, height int64) (*authority.Account, error) {
	res, err := c.Query(ctx, "/authority/account/"+id, nil, height, false)
	if err != nil {
		return nil, err
	}
	if res.Value == nil {
		return nil, nil
	}
	var a authority.Account
	if err := json.Unmarshal(res.Value, &a); err != nil {
		return nil, fmt.Errorf("decode account: %w", err)
	}
	return &a, nil
}

// AccountByKey fetches the account controlled by pub, nil if none.
func (c *Client) AccountByKey(ctx context.Context, pub ed25519.PublicKey) (*authority.Account, error) {
	return c.AccountByKeyAt(ctx, pub, 0)
}

// AccountByKeyAt is AccountByKey at height (0: the latest). It asks the
// chain as the app does (authority.Keeper.AccountByPubKey): first the
// account named by the key's hash, which answers for every key still
// controlling the account it made; then the key index, which holds the
// others (rotated-to keys).
func (c *Client) AccountByKeyAt(ctx context.Context, pub ed25519.PublicKey, height int64) (*authority.Account, error) {
	own, err := c.AccountAt(ctx, tx.AccountID(pub), height)
	if err != nil {
		return nil, err
	}
	if own != nil && own.PubKey == hex.EncodeToString(pub) {
		return own, nil
	}
	res, err := c.Query(ctx, "/authority/pubkey/"+hex.EncodeToString(pub), nil, height, false)
	if err != nil {
		return nil, err
	}
	if res.Value == nil {
		return nil, nil
	}
	return c.AccountAt(ctx, string(res.Value), height)
}

// Build makes an unsigned transaction for the primary key: chain id,
// the account's next sequence (0 for a key without account) and a
// valid-until height validFor blocks ahead.
func (c *Client) Build(ctx context.Context, primary ed25519.PublicKey, msgType string, msg any, validFor uint64) (*tx.Tx, error) {
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	body, err := tx.EncodeMsg(msg)
	if err != nil {
		return nil, err
	}
	acct, err := c.AccountByKey(ctx, primary)
	if err != nil {
		return nil, err
	}
	var seq uint64
	if acct != nil {
		seq = acct.Sequence
	}
	st, err := c.RPC.Status(ctx)
	if err != nil {
		return nil, err
	}
	if validFor == 0 {
		validFor = 100
	}
	validUntil := uint64(st.SyncInfo.LatestBlockHeight) + validFor
	if acct == nil && msgType == authority.TypeRegisterAccount {
		// The node may ask a registration for a proof of work, carried by
		// its valid-until height (tx.RegisterWork).
		validUntil = c.RegisterValidUntil(ctx, chainID, primary, validUntil)
	}
	return &tx.Tx{
		ChainID:    chainID,
		Sequence:   seq,
		ValidUntil: validUntil,
		MsgType:    msgType,
		Msg:        body,
	}, nil
}

// RegisterValidUntil is the valid-until height, from from on, of a
// registration (authority/register-account) by pub that carries the proof
// of work the node asks for (tx.RegisterWork; from itself when it asks
// none). The search starts at a random height above from, so two
// registrations prepared for one key differ (as any two transactions
// built at different heights do).
func (c *Client) RegisterValidUntil(ctx context.Context, chainID string, pub ed25519.PublicKey, from uint64) uint64 {
	bits := c.registerWorkBits(ctx)
	if bits == 0 {
		return from
	}
	return tx.FindRegisterWork(chainID, pub, from+uint64(mrand.Uint32()), bits)
}

// registerWorkBits is the proof of work the node asks of a registration
// (0 when it asks none, or is older software that does not say).
func (c *Client) registerWorkBits(ctx context.Context) int {
	res, err := c.RPC.ABCIQuery(ctx, "/app/admission", nil)
	if err != nil || res.Response.Code != 0 {
		return 0
	}
	var p struct {
		Bits int `json:"register_work_bits"`
	}
	if json.Unmarshal(res.Response.Value, &p) != nil || p.Bits < 0 || p.Bits > 28 {
		return 0
	}
	return p.Bits
}

// Result is a committed transaction's outcome.
type Result struct {
	Hash      []byte
	Height    int64
	Code      uint32
	Codespace string
	Log       string
	Data      []byte
	Events    []abci.Event
}

// OK reports success.
func (r *Result) OK() bool { return r.Code == 0 }

// TxError is a rejected transaction (by CheckTx or in the block).
type TxError struct {
	Stage     string // "check" or "deliver"
	Codespace string
	Code      uint32
	Log       string
}

func (e *TxError) Error() string {
	return fmt.Sprintf("transaction rejected at %s (%s/%d): %s", e.Stage, e.Codespace, e.Code, e.Log)
}

// Send signs t with every key (the first is the primary signer),
// broadcasts it and waits until it is committed.
func (c *Client) Send(ctx context.Context, t *tx.Tx, keys ...ed25519.PrivateKey) (*Result, error) {
	for _, k := range keys {
		t.Sign(k)
	}
	return c.BroadcastCommit(ctx, t.Encode())
}

// BroadcastCommit submits raw bytes and waits until they are in a block.
// A failed result (code ≠ 0) is returned as a *TxError with the Result.
func (c *Client) BroadcastCommit(ctx context.Context, raw []byte) (*Result, error) {
	br, err := c.RPC.BroadcastTxSync(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("broadcast: %w", err)
	}
	if br.Code != 0 {
		return nil, &TxError{Stage: "check", Codespace: br.Codespace, Code: br.Code, Log: br.Log}
	}
	for {
		res, err := c.RPC.Tx(ctx, br.Hash, false)
		if err == nil {
			r := &Result{Hash: res.Hash, Height: res.Height, Code: res.TxResult.Code, Codespace: res.TxResult.Codespace,
				Log: res.TxResult.Log, Data: res.TxResult.Data, Events: res.TxResult.Events}
			if !r.OK() {
				return r, &TxError{Stage: "deliver", Codespace: r.Codespace, Code: r.Code, Log: r.Log}
			}
			return r, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("transaction %X not committed: %w", br.Hash, errors.Join(ctx.Err(), err))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Commit returns the signed header of height (nil = latest).
func (c *Client) Commit(ctx context.Context, height *int64) (*coretypes.ResultCommit, error) {
	return c.RPC.Commit(ctx, height)
}

// Validators returns one page of the validator set at height.
func (c *Client) Validators(ctx context.Context, height *int64, page, perPage *int) (*coretypes.ResultValidators, error) {
	return c.RPC.Validators(ctx, height, page, perPage)
}
