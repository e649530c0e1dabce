// Package extract builds and checks title extracts: one JSON document
// holding a land record, the height it was read at, its ICS23 proof and
// the signed header (with commit and validator set) the proof is anchored
// in, so anyone can check it offline with no node.
package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/proof"
	"github.com/publica/publica/x/land"
)

// Version of the extract format.
const Version = 1

// Entry is one proven state entry.
type Entry struct {
	Key   string `json:"key"`   // the state key, e.g. land/title/T1
	Value string `json:"value"` // the record's bytes exactly as stored (JSON text in a JSON string)
	Proof []byte `json:"proof"` // ICS23 CommitmentProof (protobuf, base64 in JSON)
}

// Extract is the document. Entries[0] is the title; the others are its
// parcels, then the party records the title names (owners, lenders,
// lessees, caveators: land/party-record/<id>; extracts made before party
// records hold none). All were read at Height and are proven against the app hash of
// the header of Height+1.
type Extract struct {
	Version      int             `json:"version"`
	ChainID      string          `json:"chain_id"`
	Height       int64           `json:"height"`
	Title        string          `json:"title"`
	Entries      []Entry         `json:"entries"`
	SignedHeader json.RawMessage `json:"signed_header"` // CometBFT JSON of types.SignedHeader (height+1)
	Validators   json.RawMessage `json:"validators"`    // CometBFT JSON of types.ValidatorSet at that height
}

// Node is what Build needs from a node: state reads with proofs, and the
// signed header and validator set of a height. *client.Client is one.
type Node interface {
	Query(ctx context.Context, path string, data []byte, height int64, prove bool) (*abci.ResponseQuery, error)
	Commit(ctx context.Context, height *int64) (*coretypes.ResultCommit, error)
	Validators(ctx context.Context, height *int64, page, perPage *int) (*coretypes.ResultValidators, error)
}

// Build reads title (and its parcels) at height (0 = latest) with proofs
// and collects the signed header that commits to them. Nothing the node
// says is trusted: the result is verified before it is returned.
func Build(ctx context.Context, c Node, title string, height int64) (*Extract, error) {
	read := func(path string, h int64) (*Entry, int64, error) {
		res, err := c.Query(ctx, path, nil, h, true)
		if err != nil {
			return nil, 0, err
		}
		if res.Value == nil {
			return nil, 0, fmt.Errorf("%s: not found at height %d", path, res.Height)
		}
		if res.ProofOps == nil || len(res.ProofOps.Ops) != 1 {
			return nil, 0, fmt.Errorf("%s: the node sent no proof", path)
		}
		return &Entry{Key: string(res.Key), Value: string(res.Value), Proof: res.ProofOps.Ops[0].Data}, res.Height, nil
	}
	te, h, err := read("/land/title/"+title, height)
	if err != nil {
		return nil, err
	}
	var t land.Title
	if err := json.Unmarshal([]byte(te.Value), &t); err != nil {
		return nil, fmt.Errorf("decode title: %w", err)
	}
	x := &Extract{Version: Version, Height: h, Title: title, Entries: []Entry{*te}}
	for _, p := range t.Parcels {
		pe, _, err := read("/land/parcel/"+p, h)
		if err != nil {
			return nil, err
		}
		x.Entries = append(x.Entries, *pe)
	}
	for _, id := range t.PartyIDs() {
		pe, _, err := read("/land/party-record/"+id, h)
		if err != nil {
			return nil, err
		}
		x.Entries = append(x.Entries, *pe)
	}
	hh := h + 1
	var commit *types.SignedHeader
	for commit == nil {
		res, err := c.Commit(ctx, &hh)
		if err == nil {
			commit = &res.SignedHeader
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for header %d: %w", hh, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	var vals []*types.Validator
	for page := 1; ; page++ {
		p, per := page, 100
		res, err := c.Validators(ctx, &hh, &p, &per)
		if err != nil {
			return nil, fmt.Errorf("validators at %d: %w", hh, err)
		}
		vals = append(vals, res.Validators...)
		if len(vals) >= res.Total || len(res.Validators) == 0 {
			break
		}
	}
	x.ChainID = commit.Header.ChainID
	if x.SignedHeader, err = cmtjson.Marshal(commit); err != nil {
		return nil, err
	}
	if x.Validators, err = cmtjson.Marshal(types.NewValidatorSet(vals)); err != nil {
		return nil, err
	}
	if _, err := Verify(x); err != nil {
		return nil, fmt.Errorf("the node's answer does not verify: %w", err)
	}
	return x, nil
}

// Result is what a verified extract establishes.
type Result struct {
	Title   *land.Title
	Parcels []*land.Parcel
	// Parties are the proven party records the title names, by id.
	Parties        map[string]*land.Party
	Height         int64
	AppHash        []byte
	ValidatorsHash []byte // compare with a validator set you trust
}

// Verify checks an extract offline: the validator set matches the header,
// more than two thirds of it signed the header, and every entry's proof
// verifies against the header's app hash. It does not know which
// validators to trust: compare Result.ValidatorsHash with a trusted one.
func Verify(x *Extract) (*Result, error) {
	if x.Version != Version {
		return nil, fmt.Errorf("extract version %d, want %d", x.Version, Version)
	}
	var sh types.SignedHeader
	if err := cmtjson.Unmarshal(x.SignedHeader, &sh); err != nil {
		return nil, fmt.Errorf("signed_header: %w", err)
	}
	var vs types.ValidatorSet
	if err := cmtjson.Unmarshal(x.Validators, &vs); err != nil {
		return nil, fmt.Errorf("validators: %w", err)
	}
	if sh.Header == nil || sh.Commit == nil {
		return nil, errors.New("signed_header lacks header or commit")
	}
	if err := sh.ValidateBasic(x.ChainID); err != nil {
		return nil, fmt.Errorf("signed header: %w", err)
	}
	if sh.Header.Height != x.Height+1 {
		return nil, fmt.Errorf("header is for height %d, the state for %d needs header %d", sh.Header.Height, x.Height, x.Height+1)
	}
	if err := vs.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("validator set: %w", err)
	}
	if !bytes.Equal(vs.Hash(), sh.Header.ValidatorsHash) {
		return nil, errors.New("validator set does not match the header's validators hash")
	}
	if err := vs.VerifyCommitLight(x.ChainID, sh.Commit.BlockID, sh.Header.Height, sh.Commit); err != nil {
		return nil, fmt.Errorf("header %d is not signed by +2/3 of its validators: %w", sh.Header.Height, err)
	}
	if len(x.Entries) == 0 {
		return nil, errors.New("no entries")
	}
	appHash := sh.Header.AppHash
	res := &Result{Height: x.Height, AppHash: appHash, ValidatorsHash: vs.Hash(), Parties: map[string]*land.Party{}}
	for i, e := range x.Entries {
		ops := &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: proof.OpType, Key: []byte(e.Key), Data: e.Proof}}}
		if err := proof.Verify(appHash, ops, []byte(e.Key), []byte(e.Value)); err != nil {
			return nil, fmt.Errorf("entry %d (%s): %w", i, e.Key, err)
		}
		if i == 0 {
			if e.Key != string(land.TitleKey(x.Title)) {
				return nil, fmt.Errorf("entry 0 is %s, not title %s", e.Key, x.Title)
			}
			var t land.Title
			if err := json.Unmarshal([]byte(e.Value), &t); err != nil {
				return nil, fmt.Errorf("title record: %w", err)
			}
			res.Title = &t
			continue
		}
		if strings.HasPrefix(e.Key, string(land.PartyRecordKey(""))) {
			var p land.Party
			if err := json.Unmarshal([]byte(e.Value), &p); err != nil {
				return nil, fmt.Errorf("entry %d: party record: %w", i, err)
			}
			if e.Key != string(land.PartyRecordKey(p.ID)) {
				return nil, fmt.Errorf("entry %d: key %s does not hold party %s", i, e.Key, p.ID)
			}
			res.Parties[p.ID] = &p
			continue
		}
		var p land.Parcel
		if err := json.Unmarshal([]byte(e.Value), &p); err != nil {
			return nil, fmt.Errorf("entry %d: parcel record: %w", i, err)
		}
		if e.Key != string(land.ParcelKey(p.ID)) {
			return nil, fmt.Errorf("entry %d: key %s does not hold parcel %s", i, e.Key, p.ID)
		}
		res.Parcels = append(res.Parcels, &p)
	}
	for _, pid := range res.Title.Parcels {
		found := false
		for _, p := range res.Parcels {
			found = found || p.ID == pid
		}
		if !found {
			return nil, fmt.Errorf("title %s names parcel %s, which the extract does not prove", x.Title, pid)
		}
	}
	return res, nil
}

// Name is how a certificate or page names a party the title names: the
// proven party record's public-register name, or the id itself (a bare
// account, or a record the extract does not carry).
func (r *Result) Name(party string) string {
	if p := r.Parties[party]; p != nil {
		return p.Name
	}
	return party
}
