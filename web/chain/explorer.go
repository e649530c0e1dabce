package chain

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/publica/publica/tx"
)

// Explorer limits.
const (
	BlocksPerPage = 20  // rows of the block list (BlockchainInfo returns at most 20)
	ChartBlocks   = 120 // blocks in the activity charts' window
	maxMetaSpan   = 20
)

// ErrNotFound is a block or transaction the node does not have.
var ErrNotFound = errors.New("not found")

// BlockRow is one line of the block list.
type BlockRow struct {
	Height   int64     `json:"height"`
	Time     time.Time `json:"time"`
	Hash     string    `json:"hash"`
	NumTxs   int       `json:"num_txs"`
	Proposer string    `json:"proposer"`
	Size     int       `json:"size"`
}

// BlockList is a page of the block list, newest first.
type BlockList struct {
	Latest   int64      `json:"latest"`   // latest height of the node
	Earliest int64      `json:"earliest"` // earliest stored height
	Rows     []BlockRow `json:"rows"`
	// Older is the height to start the next (older) page at, 0 if none;
	// Newer the start of the previous page, 0 if this is the newest.
	Older, Newer int64
}

// Blocks lists up to BlocksPerPage blocks at or below top (0: the latest).
func (s *Source) Blocks(ctx context.Context, top int64) (*BlockList, error) {
	st, err := call("status", func() (*coretypes.ResultStatus, error) { return s.rpc.Status(ctx) })
	if err != nil {
		return nil, err
	}
	l := &BlockList{Latest: st.SyncInfo.LatestBlockHeight, Earliest: max(st.SyncInfo.EarliestBlockHeight, 1), Rows: []BlockRow{}}
	if l.Latest == 0 {
		return l, nil
	}
	if top <= 0 || top > l.Latest {
		top = l.Latest
	}
	if top < l.Earliest {
		return nil, fmt.Errorf("block %d: %w", top, ErrNotFound)
	}
	lo := max(top-BlocksPerPage+1, l.Earliest)
	metas, err := s.metas(ctx, lo, top)
	if err != nil {
		return nil, err
	}
	for _, m := range metas {
		l.Rows = append(l.Rows, BlockRow{Height: m.Header.Height, Time: m.Header.Time.UTC(), Hash: m.BlockID.Hash.String(),
			NumTxs: m.NumTxs, Proposer: m.Header.ProposerAddress.String(), Size: m.BlockSize})
	}
	if lo > l.Earliest {
		l.Older = lo - 1
	}
	if top < l.Latest {
		l.Newer = min(top+BlocksPerPage, l.Latest)
	}
	return l, nil
}

// metas returns the block metas of lo..hi, newest first.
func (s *Source) metas(ctx context.Context, lo, hi int64) ([]*cmttypes.BlockMeta, error) {
	var out []*cmttypes.BlockMeta
	for top := hi; top >= lo; top -= maxMetaSpan {
		bottom := max(top-maxMetaSpan+1, lo)
		info, err := call("blockchain", func() (*coretypes.ResultBlockchainInfo, error) {
			return s.rpc.BlockchainInfo(ctx, bottom, top)
		})
		if err != nil {
			return nil, err
		}
		for _, m := range info.BlockMetas {
			if m != nil {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// Event is one ABCI event with its attributes, in order.
type Event struct {
	Type  string      `json:"type"`
	Attrs []EventAttr `json:"attributes"`
}

// EventAttr is one key/value of an event.
type EventAttr struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Signer is one signature of a transaction.
type Signer struct {
	Account string `json:"account"`
	PubKey  string `json:"pubkey"` // hex
	Primary bool   `json:"primary"`
}

// TxDetail is a transaction decoded in full, with its result.
type TxDetail struct {
	TxSummary
	ChainID    string   `json:"chain_id,omitempty"`
	Sequence   uint64   `json:"sequence"`
	ValidUntil uint64   `json:"valid_until"`
	MsgJSON    string   `json:"msg_json,omitempty"` // pretty-printed
	SignerList []Signer `json:"signer_list,omitempty"`
	Data       string   `json:"data,omitempty"` // result data, text when printable, else hex
	GasUsed    int64    `json:"gas_used"`
	Events     []Event  `json:"events,omitempty"`
	Size       int      `json:"size"`
}

// BlockDetail is one block: header fields and its transactions.
type BlockDetail struct {
	Height          int64      `json:"height"`
	Hash            string     `json:"hash"`
	Time            time.Time  `json:"time"`
	ChainID         string     `json:"chain_id"`
	Proposer        string     `json:"proposer"`
	LastBlockHash   string     `json:"last_block_hash"`
	AppHash         string     `json:"app_hash"` // state after the block before
	DataHash        string     `json:"data_hash"`
	ValidatorsHash  string     `json:"validators_hash"`
	ConsensusHash   string     `json:"consensus_hash"`
	LastResultsHash string     `json:"last_results_hash"`
	Txs             []TxDetail `json:"txs"`
	Events          []Event    `json:"events,omitempty"` // finalize-block events
	Latest          int64      `json:"latest"`
	Earliest        int64      `json:"earliest"`
	HasResults      bool       `json:"has_results"`
}

// Block reads block h with its results.
func (s *Source) Block(ctx context.Context, h int64) (*BlockDetail, error) {
	st, err := call("status", func() (*coretypes.ResultStatus, error) { return s.rpc.Status(ctx) })
	if err != nil {
		return nil, err
	}
	latest, earliest := st.SyncInfo.LatestBlockHeight, max(st.SyncInfo.EarliestBlockHeight, 1)
	if h < earliest || h > latest {
		return nil, fmt.Errorf("block %d: %w", h, ErrNotFound)
	}
	blk, err := call("block", func() (*coretypes.ResultBlock, error) { return s.rpc.Block(ctx, &h) })
	if err != nil {
		return nil, err
	}
	if blk.Block == nil {
		return nil, fmt.Errorf("block %d: %w", h, ErrNotFound)
	}
	hd := blk.Block.Header
	d := &BlockDetail{
		Height: h, Hash: blk.BlockID.Hash.String(), Time: hd.Time.UTC(), ChainID: hd.ChainID,
		Proposer: hd.ProposerAddress.String(), LastBlockHash: hd.LastBlockID.Hash.String(),
		AppHash: hd.AppHash.String(), DataHash: hd.DataHash.String(), ValidatorsHash: hd.ValidatorsHash.String(),
		ConsensusHash: hd.ConsensusHash.String(), LastResultsHash: hd.LastResultsHash.String(),
		Latest: latest, Earliest: earliest, Txs: []TxDetail{},
	}
	var results []*abci.ExecTxResult
	if br, err := call("block results", func() (*coretypes.ResultBlockResults, error) {
		return s.rpc.BlockResults(ctx, &h)
	}); err == nil {
		results, d.HasResults = br.TxsResults, true
		d.Events = events(br.FinalizeBlockEvents)
	}
	for i, raw := range blk.Block.Txs {
		var res *abci.ExecTxResult
		if i < len(results) {
			res = results[i]
		}
		d.Txs = append(d.Txs, Detail(h, i, raw, res))
	}
	return d, nil
}

// Tx finds a committed transaction by its hash (hex, either case).
func (s *Source) Tx(ctx context.Context, hash string) (*TxDetail, error) {
	b, err := hex.DecodeString(hash)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("transaction %q: %w", hash, ErrNotFound)
	}
	res, err := call("tx", func() (*coretypes.ResultTx, error) { return s.rpc.Tx(ctx, b, false) })
	if err != nil {
		// The indexer answers "tx (…) not found" as an error.
		if strings.Contains(err.Error(), "not found") {
			return nil, fmt.Errorf("transaction %s: %w", hash, ErrNotFound)
		}
		return nil, err
	}
	d := Detail(res.Height, int(res.Index), res.Tx, &res.TxResult)
	return &d, nil
}

// Detail decodes one transaction in full. Like Summarize it accepts any bytes.
func Detail(height int64, index int, raw cmttypes.Tx, res *abci.ExecTxResult) TxDetail {
	d := TxDetail{TxSummary: Summarize(height, index, raw, res), Size: len(raw)}
	if t, err := tx.Decode(raw); err == nil && len(t.Signatures) > 0 {
		d.ChainID, d.Sequence, d.ValidUntil = t.ChainID, t.Sequence, t.ValidUntil
		d.MsgJSON = PrettyJSON(t.Msg)
		for i, sg := range t.Signatures {
			d.SignerList = append(d.SignerList, Signer{Account: tx.AccountID(sg.PubKey), PubKey: hex.EncodeToString(sg.PubKey), Primary: i == 0})
		}
	}
	if res != nil {
		d.GasUsed = res.GasUsed
		d.Data = printable(res.Data)
		d.Events = events(res.Events)
	}
	return d
}

// PrettyJSON indents JSON for reading; other bytes are shown as text.
func PrettyJSON(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") == nil {
		return out.String()
	}
	return clip(string(b), 4096)
}

func printable(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return cmtbytes.HexBytes(b).String()
		}
	}
	return string(b)
}

func events(in []abci.Event) []Event {
	out := make([]Event, 0, len(in))
	for _, e := range in {
		ev := Event{Type: e.Type}
		for _, a := range e.Attributes {
			ev.Attrs = append(ev.Attrs, EventAttr{Key: clip(a.Key, 100), Value: clip(a.Value, MaxLogRunes)})
		}
		out = append(out, ev)
	}
	return out
}

// Activity is the recent window the explorer's charts draw.
type Activity struct {
	From, To int64           `json:"-"`
	Blocks   []ActivityBlock `json:"blocks"` // oldest first
	Minutes  []MinuteBucket  `json:"minutes"`
}

// ActivityBlock is one block of the window.
type ActivityBlock struct {
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
	NumTxs int       `json:"num_txs"`
}

// MinuteBucket counts the blocks whose time falls in one minute.
type MinuteBucket struct {
	Start  time.Time `json:"start"`
	Blocks int       `json:"blocks"`
	Txs    int       `json:"txs"`
}

// Activity reads the last ChartBlocks block metas and groups them by minute.
func (s *Source) Activity(ctx context.Context) (*Activity, error) {
	st, err := call("status", func() (*coretypes.ResultStatus, error) { return s.rpc.Status(ctx) })
	if err != nil {
		return nil, err
	}
	a := &Activity{Blocks: []ActivityBlock{}, Minutes: []MinuteBucket{}}
	latest := st.SyncInfo.LatestBlockHeight
	if latest == 0 {
		return a, nil
	}
	a.To, a.From = latest, max(latest-ChartBlocks+1, st.SyncInfo.EarliestBlockHeight, 1)
	metas, err := s.metas(ctx, a.From, a.To)
	if err != nil {
		return nil, err
	}
	for _, m := range metas {
		a.Blocks = append(a.Blocks, ActivityBlock{Height: m.Header.Height, Time: m.Header.Time.UTC(), NumTxs: m.NumTxs})
	}
	sort.Slice(a.Blocks, func(i, j int) bool { return a.Blocks[i].Height < a.Blocks[j].Height })
	a.Minutes = ByMinute(a.Blocks)
	return a, nil
}

// ByMinute groups blocks (oldest first) into consecutive minutes, empty
// minutes included, from the first block's minute to the last's.
func ByMinute(blocks []ActivityBlock) []MinuteBucket {
	if len(blocks) == 0 {
		return []MinuteBucket{}
	}
	first := blocks[0].Time.Truncate(time.Minute)
	last := blocks[len(blocks)-1].Time.Truncate(time.Minute)
	n := int(last.Sub(first)/time.Minute) + 1
	if n < 1 || n > 24*60 {
		// Clock jumps (or a huge gap): keep the newest day only.
		n = min(max(n, 1), 24*60)
		first = last.Add(-time.Duration(n-1) * time.Minute)
	}
	out := make([]MinuteBucket, n)
	for i := range out {
		out[i].Start = first.Add(time.Duration(i) * time.Minute)
	}
	for _, b := range blocks {
		i := int(b.Time.Truncate(time.Minute).Sub(first) / time.Minute)
		if i < 0 || i >= n {
			continue
		}
		out[i].Blocks++
		out[i].Txs += b.NumTxs
	}
	return out
}
