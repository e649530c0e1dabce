package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/proof"
	"github.com/publica/publica/x/land"
)

// OwnerVersion is the version of the dated owner proof format.
const OwnerVersion = 1

// OwnerProof answers "who owned parcel P on date D" so that anyone can
// check it offline with no node:
//
//   - the date → height step: the signed headers of blocks H and H+1, with
//     the validator sets that signed them, where header H's time is at or
//     before D and header H+1's is after it (H+1 is the next block: its
//     last block id is H's hash). So the state after block H is the
//     register as it stood at D.
//   - the owner period in force: every owner period of the parcel up to H
//     (keys land/owners/P/<from>), read in the state after block H and
//     proven complete against the app hash in header H+1: Steps[0] proves
//     the first key after land/owners/P/, each next step the first key
//     after the previous one, and the last step that the next key (if
//     any) is later than land/owners/P/<H>. The last period found is the
//     one in force at D (unless it closed at or before H: then the parcel
//     had no title at D), and no later event precedes D.
type OwnerProof struct {
	Version        int             `json:"version"`
	ChainID        string          `json:"chain_id"`
	Parcel         string          `json:"parcel"`
	Date           string          `json:"date"`   // RFC 3339, as asked
	Height         int64           `json:"height"` // H: the last block at or before Date
	Steps          []Step          `json:"steps"`
	Header         json.RawMessage `json:"header"`          // CometBFT JSON of the SignedHeader of H
	Validators     json.RawMessage `json:"validators"`      // the validator set that signed it
	NextHeader     json.RawMessage `json:"next_header"`     // SignedHeader of H+1, whose app hash is the state after H
	NextValidators json.RawMessage `json:"next_validators"` // the validator set that signed it
}

// Step proves that Key is absent and which key follows it: Proof is an
// ICS23 non-membership proof (protobuf, base64 in JSON) whose right
// neighbour is the next key and its value.
type Step struct {
	Key   string `json:"key"`
	Proof []byte `json:"proof"`
}

// OwnerResult is what a verified dated owner proof establishes.
type OwnerResult struct {
	Parcel string
	Date   time.Time
	Height int64
	// Period is the owner period in force at Date; nil when the parcel
	// had no title then.
	Period *land.OwnerPeriod
	// Periods are all the parcel's owner periods up to Height, oldest
	// first (Period is the last one, when it is in force).
	Periods                 []land.OwnerPeriod
	BlockTime, NextTime     time.Time // the times of headers H and H+1
	AppHash                 []byte    // in header H+1
	ValidatorsHash, NextVal []byte    // compare with validator sets you trust
}

// ErrNoBlockYet: no block has been made after the date yet, so the
// date → height step cannot be proven (ask again after the next block).
var ErrNoBlockYet = errors.New("no block after that date yet")

// ErrBeforeChain: the date is before the chain's first block.
var ErrBeforeChain = errors.New("the date is before the chain's first block")

// parcelID is a parcel's id (land's P<number>).
var parcelID = regexp.MustCompile(`^P[1-9][0-9]{0,19}$`)

// maxSteps bounds how many headers BuildOwnerAt looks at around the
// block-time index's answer, and how many owner periods a proof walks.
const maxSteps = 10_000

// BuildOwnerAt proves who owned parcel on date, reading through c. It
// finds H with the application's block-time index and the headers, reads
// the owner periods in the state after H with their proofs, and verifies
// the result before returning it. latest is the newest block height the
// node has (headers up to it exist).
func BuildOwnerAt(ctx context.Context, c Node, parcel string, date time.Time, latest int64) (*OwnerProof, error) {
	header := func(h int64) (*types.SignedHeader, error) {
		res, err := c.Commit(ctx, &h)
		if err != nil {
			return nil, fmt.Errorf("header %d: %w", h, err)
		}
		return &res.SignedHeader, nil
	}
	// The index's answer (the last block with transactions at or before
	// the date), then the headers decide.
	h := int64(1)
	if res, err := c.Query(ctx, "/land/height-at/"+date.UTC().Format(time.RFC3339Nano), nil, 0, false); err == nil {
		k := string(res.Key)
		if v, err := strconv.ParseInt(k[strings.LastIndexByte(k, '/')+1:], 10, 64); err == nil && v >= 1 {
			h = min(v, latest)
		}
	}
	hdr, err := header(h)
	if err != nil {
		return nil, err
	}
	for i := 0; hdr.Time.After(date); i++ {
		if h == 1 {
			return nil, ErrBeforeChain
		}
		if i == maxSteps {
			return nil, fmt.Errorf("more than %d blocks between the index's answer and the date", maxSteps)
		}
		h--
		if hdr, err = header(h); err != nil {
			return nil, err
		}
	}
	var next *types.SignedHeader
	for i := 0; ; i++ {
		if h+1 > latest {
			return nil, ErrNoBlockYet
		}
		if next, err = header(h + 1); err != nil {
			return nil, err
		}
		if next.Time.After(date) {
			break
		}
		if i == maxSteps {
			return nil, fmt.Errorf("more than %d blocks between the index's answer and the date", maxSteps)
		}
		h, hdr = h+1, next
	}
	// The owner periods up to H, each the next key after the last.
	stop := land.OwnersKey(parcel, h)
	from := land.OwnersPrefix(parcel)
	var steps []Step
	for i := 0; ; i++ {
		if i == maxSteps {
			return nil, fmt.Errorf("parcel %s has more than %d owner periods", parcel, maxSteps)
		}
		res, err := c.Query(ctx, "/key", from, h, true)
		if err != nil {
			return nil, err
		}
		if res.Height != h {
			return nil, fmt.Errorf("the node answered for height %d, not %d", res.Height, h)
		}
		if res.Value != nil || res.ProofOps == nil || len(res.ProofOps.Ops) != 1 {
			return nil, fmt.Errorf("the node sent no proof of absence for %q", from)
		}
		steps = append(steps, Step{Key: string(from), Proof: res.ProofOps.Ops[0].Data})
		nk, _, err := proof.Next(next.AppHash, from, res.ProofOps.Ops[0].Data)
		if err != nil {
			return nil, fmt.Errorf("owner periods of %s: %w", parcel, err)
		}
		if nk == nil || bytes.Compare(nk, stop) > 0 {
			break
		}
		from = append(nk, 0)
	}
	vals := func(h int64) (*types.ValidatorSet, error) {
		var vs []*types.Validator
		for page := 1; ; page++ {
			p, per := page, 100
			res, err := c.Validators(ctx, &h, &p, &per)
			if err != nil {
				return nil, fmt.Errorf("validators at %d: %w", h, err)
			}
			vs = append(vs, res.Validators...)
			if len(vs) >= res.Total || len(res.Validators) == 0 {
				break
			}
		}
		return types.NewValidatorSet(vs), nil
	}
	v, err := vals(h)
	if err != nil {
		return nil, err
	}
	nv, err := vals(h + 1)
	if err != nil {
		return nil, err
	}
	p := &OwnerProof{Version: OwnerVersion, ChainID: hdr.ChainID, Parcel: parcel,
		Date: date.UTC().Format(time.RFC3339Nano), Height: h, Steps: steps}
	for _, f := range []struct {
		dst *json.RawMessage
		v   any
	}{{&p.Header, hdr}, {&p.Validators, v}, {&p.NextHeader, next}, {&p.NextValidators, nv}} {
		if *f.dst, err = cmtjson.Marshal(f.v); err != nil {
			return nil, err
		}
	}
	if _, err := VerifyOwnerAt(p); err != nil {
		return nil, fmt.Errorf("the node's answer does not verify: %w", err)
	}
	return p, nil
}

// VerifyOwnerAt checks a dated owner proof offline: both headers are
// signed by more than two thirds of their validator sets, H+1 follows H
// (CometBFT's light client adjacency check: H+1's last block id is H,
// and its validators are those H named as next), H's time is at or
// before the date and H+1's after it, and the owner periods are proven
// complete up to H against H+1's app hash. It does not know which
// validators to trust: compare ValidatorsHash with a trusted one.
func VerifyOwnerAt(p *OwnerProof) (*OwnerResult, error) {
	if p.Version != OwnerVersion {
		return nil, fmt.Errorf("owner proof version %d, want %d", p.Version, OwnerVersion)
	}
	if !parcelID.MatchString(p.Parcel) {
		return nil, fmt.Errorf("%q is not a parcel id such as P1", p.Parcel)
	}
	date, err := time.Parse(time.RFC3339Nano, p.Date)
	if err != nil {
		return nil, fmt.Errorf("date %q is not RFC 3339", p.Date)
	}
	hdr, vs, err := signedHeader(p.ChainID, p.Header, p.Validators)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	next, nvs, err := signedHeader(p.ChainID, p.NextHeader, p.NextValidators)
	if err != nil {
		return nil, fmt.Errorf("next_header: %w", err)
	}
	if hdr.Height != p.Height || next.Height != p.Height+1 {
		return nil, fmt.Errorf("headers %d and %d do not bracket height %d", hdr.Height, next.Height, p.Height)
	}
	// CometBFT's light client: H+1 is the block after H, signed by the
	// validators H named (the trusting period only has to cover the gap).
	gap := next.Time.Sub(hdr.Time)
	if err := light.VerifyAdjacent(hdr, next, nvs, gap+time.Hour, next.Time, time.Second); err != nil {
		return nil, fmt.Errorf("header %d does not follow header %d: %w", next.Height, hdr.Height, err)
	}
	if hdr.Time.After(date) {
		return nil, fmt.Errorf("block %d was made at %s, after the date %s", hdr.Height, hdr.Time.Format(time.RFC3339Nano), p.Date)
	}
	if !next.Time.After(date) {
		return nil, fmt.Errorf("block %d was made at %s, not after the date %s: block %d is not the last one at or before it",
			next.Height, next.Time.Format(time.RFC3339Nano), p.Date, hdr.Height)
	}
	res := &OwnerResult{Parcel: p.Parcel, Date: date, Height: p.Height, BlockTime: hdr.Time, NextTime: next.Time,
		AppHash: next.AppHash, ValidatorsHash: vs.Hash(), NextVal: nvs.Hash()}
	stop := land.OwnersKey(p.Parcel, p.Height)
	want := land.OwnersPrefix(p.Parcel)
	if len(p.Steps) == 0 {
		return nil, errors.New("no owner period steps")
	}
	for i, s := range p.Steps {
		if s.Key != string(want) {
			return nil, fmt.Errorf("step %d proves %q, not %q", i, s.Key, want)
		}
		nk, nv, err := proof.Next(next.AppHash, want, s.Proof)
		if err != nil {
			return nil, fmt.Errorf("step %d (%s): %w", i, s.Key, err)
		}
		if nk == nil || bytes.Compare(nk, stop) > 0 {
			if i != len(p.Steps)-1 {
				return nil, fmt.Errorf("step %d already passes height %d, but more steps follow", i, p.Height)
			}
			break
		}
		if i == len(p.Steps)-1 {
			return nil, fmt.Errorf("the steps stop at %s: the periods after it up to height %d are not proven", nk, p.Height)
		}
		var op land.OwnerPeriod
		if err := json.Unmarshal(nv, &op); err != nil {
			return nil, fmt.Errorf("owner period %s: %w", nk, err)
		}
		if !bytes.Equal(nk, land.OwnersKey(p.Parcel, op.From)) || op.Parcel != p.Parcel {
			return nil, fmt.Errorf("key %s does not hold parcel %s's period from %d", nk, op.Parcel, op.From)
		}
		res.Periods = append(res.Periods, op)
		want = append(bytes.Clone(nk), 0)
	}
	if n := len(res.Periods); n > 0 {
		if last := res.Periods[n-1]; last.To == 0 || last.To > p.Height {
			res.Period = &last
		}
	}
	return res, nil
}

// signedHeader decodes a signed header and its validator set and checks
// that the set is the header's and signed it by more than two thirds.
func signedHeader(chainID string, h, v json.RawMessage) (*types.SignedHeader, *types.ValidatorSet, error) {
	var sh types.SignedHeader
	if err := cmtjson.Unmarshal(h, &sh); err != nil {
		return nil, nil, err
	}
	var vs types.ValidatorSet
	if err := cmtjson.Unmarshal(v, &vs); err != nil {
		return nil, nil, fmt.Errorf("validators: %w", err)
	}
	if sh.Header == nil || sh.Commit == nil {
		return nil, nil, errors.New("lacks header or commit")
	}
	if err := sh.ValidateBasic(chainID); err != nil {
		return nil, nil, err
	}
	if err := vs.ValidateBasic(); err != nil {
		return nil, nil, fmt.Errorf("validator set: %w", err)
	}
	if !bytes.Equal(vs.Hash(), sh.Header.ValidatorsHash) {
		return nil, nil, errors.New("the validator set does not match the header's validators hash")
	}
	if err := vs.VerifyCommitLight(chainID, sh.Commit.BlockID, sh.Header.Height, sh.Commit); err != nil {
		return nil, nil, fmt.Errorf("header %d is not signed by +2/3 of its validators: %w", sh.Header.Height, err)
	}
	return &sh, &vs, nil
}

// ReadOwnerProof decodes a dated owner proof file strictly: the proof
// itself, or a machine API answer (/api/v1/parcels/{id}/owner?at=…&prove=true)
// carrying it in "proof".
func ReadOwnerProof(b []byte) (*OwnerProof, error) {
	var wrap struct {
		Proof json.RawMessage `json:"proof"`
	}
	if json.Unmarshal(b, &wrap) == nil && len(wrap.Proof) > 0 && wrap.Proof[0] == '{' {
		b = wrap.Proof
	}
	var p OwnerProof
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("not a dated owner proof: %w", err)
	}
	return &p, nil
}
