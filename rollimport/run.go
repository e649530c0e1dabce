package rollimport

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/ballot"
)

// Options tune Run.
type Options struct {
	// Batch is the most voters per transaction (default and upper bound
	// ballot.MaxRollChange).
	Batch int
	// InFlight is how many transactions may wait for their block at once
	// (default 16): sent in sequence order, confirmed in any order.
	InFlight int
	// ValidFor is how many blocks past the latest a transaction may be
	// included (default 100).
	ValidFor uint64
	// Progress, if set, is called once at the start and after each
	// transaction's outcome.
	Progress func(Progress)
}

// Progress is how far the import is.
type Progress struct {
	Entries int // voters to register
	Added   int // newly on the roll
	Already int // on the roll before
	Refused int // in a batch the chain refused
	Elapsed time.Duration
}

// Done counts the entries dealt with.
func (p Progress) Done() int { return p.Added + p.Already + p.Refused }

// Report is the outcome of an import.
type Report struct {
	Election     string      `json:"election"`
	Entries      int         `json:"entries"` // usable lines
	Added        int         `json:"added"`
	Already      int         `json:"already_on_roll"`
	Refused      int         `json:"refused"`  // lines refused by the file check or the chain
	NotSent      int         `json:"not_sent"` // voters not sent: the import stopped early
	Transactions int         `json:"transactions"`
	Seconds      float64     `json:"seconds"`
	Lines        []LineError `json:"refusals"` // in line order
	// Timing: where the time went (building and signing, the broadcast
	// round trips, which include CheckTx, and waiting for blocks).
	SignSeconds      float64 `json:"sign_seconds"`
	BroadcastSeconds float64 `json:"broadcast_seconds"`
	Blocks           int     `json:"blocks"` // distinct heights the batches landed in
}

// Run registers entries on election's roll with transactions signed by key
// (the election's official). The entries are sorted and sent in batches
// (a message's voters must be sorted and distinct); a batch the chain
// refuses is reported line by line with the chain's reason and ends the
// import (what was committed stays). refused are the file's own refusals,
// carried into the report.
func Run(ctx context.Context, c *client.Client, key ed25519.PrivateKey, election string, entries []Entry, refused []LineError, o Options) (*Report, error) {
	if o.Batch <= 0 || o.Batch > ballot.MaxRollChange {
		o.Batch = ballot.MaxRollChange
	}
	if o.InFlight <= 0 {
		o.InFlight = 16
	}
	if o.ValidFor == 0 {
		o.ValidFor = 100
	}
	start := time.Now()
	rep := &Report{Election: election, Entries: len(entries), Lines: slices.Clone(refused)}
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b Entry) int {
		if a.Account < b.Account {
			return -1
		}
		if a.Account > b.Account {
			return 1
		}
		return 0
	})
	var mu sync.Mutex
	prog := Progress{Entries: len(entries)}
	heights := map[int64]bool{}
	report := func() {
		if o.Progress != nil {
			p := prog
			p.Elapsed = time.Since(start)
			o.Progress(p)
		}
	}
	report()
	finish := func() *Report {
		rep.Added, rep.Already, rep.Blocks = prog.Added, prog.Already, len(heights)
		rep.Refused = len(rep.Lines)
		rep.NotSent = len(entries) - prog.Done()
		rep.Seconds = time.Since(start).Seconds()
		slices.SortFunc(rep.Lines, func(a, b LineError) int { return a.Line - b.Line })
		return rep
	}
	if len(sorted) == 0 {
		return finish(), nil
	}
	pub := key.Public().(ed25519.PublicKey)
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	acct, err := c.AccountByKey(ctx, pub)
	if err != nil {
		return nil, err
	}
	if acct == nil {
		return nil, fmt.Errorf("key %x has no account: register it first", []byte(pub))
	}
	seq := acct.Sequence
	height, err := c.LatestHeight(ctx)
	if err != nil {
		return nil, err
	}
	validUntil := uint64(height) + o.ValidFor

	refuseBatch := func(batch []Entry, reason string) {
		for _, e := range batch {
			rep.Lines = append(rep.Lines, LineError{Line: e.Line, Text: e.Account, Reason: reason})
		}
		prog.Refused += len(batch)
	}
	sem := make(chan struct{}, o.InFlight)
	var wg sync.WaitGroup
	var failed error
	var signTime, bcastTime time.Duration
	for i := 0; i < len(sorted); i += o.Batch {
		batch := sorted[i:min(i+o.Batch, len(sorted))]
		acquired := false
		select {
		case sem <- struct{}{}:
			acquired = true
		case <-ctx.Done():
		}
		mu.Lock()
		stop := failed != nil || !acquired
		mu.Unlock()
		if stop {
			if acquired {
				<-sem
			}
			break
		}
		t0 := time.Now()
		voters := make([]string, len(batch))
		for j, e := range batch {
			voters[j] = e.Account
		}
		body, err := tx.EncodeMsg(&ballot.MsgRegisterVoters{Election: election, Voters: voters})
		if err != nil {
			return nil, err
		}
		t := &tx.Tx{ChainID: chainID, Sequence: seq, ValidUntil: validUntil, MsgType: ballot.TypeRegisterVoters, Msg: body}
		t.Sign(key)
		raw := t.Encode()
		t1 := time.Now()
		br, err := c.RPC.BroadcastTxSync(ctx, raw)
		t2 := time.Now()
		signTime += t1.Sub(t0)
		bcastTime += t2.Sub(t1)
		if err != nil {
			<-sem
			mu.Lock()
			failed = fmt.Errorf("broadcast: %w", err)
			mu.Unlock()
			break
		}
		if br.Code != 0 {
			<-sem
			e := &client.TxError{Stage: "check", Codespace: br.Codespace, Code: br.Code, Log: br.Log}
			mu.Lock()
			refuseBatch(batch, e.Error())
			failed = e
			report()
			mu.Unlock()
			break
		}
		seq++
		rep.Transactions++
		wg.Add(1)
		go func(batch []Entry, hash []byte) {
			defer wg.Done()
			defer func() { <-sem }()
			res, err := await(ctx, c, hash)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				if failed == nil {
					failed = err
				}
			case res.TxResult.Code != 0:
				e := &client.TxError{Stage: "deliver", Codespace: res.TxResult.Codespace, Code: res.TxResult.Code, Log: res.TxResult.Log}
				refuseBatch(batch, e.Error())
				if failed == nil {
					failed = e
				}
			default:
				heights[res.Height] = true
				added, _ := strconv.Atoi(string(res.TxResult.Data))
				prog.Added += added
				prog.Already += len(batch) - added
			}
			report()
		}(batch, br.Hash)
	}
	wg.Wait()
	rep.SignSeconds, rep.BroadcastSeconds = signTime.Seconds(), bcastTime.Seconds()
	mu.Lock()
	defer mu.Unlock()
	if failed == nil && ctx.Err() != nil {
		failed = ctx.Err()
	}
	return finish(), failed
}

type txResult = struct {
	Height   int64
	TxResult struct {
		Code      uint32
		Codespace string
		Log       string
		Data      []byte
	}
}

// await polls the node's transaction index until hash is in a block.
func await(ctx context.Context, c *client.Client, hash []byte) (*txResult, error) {
	for {
		res, err := c.RPC.Tx(ctx, hash, false)
		if err == nil {
			out := &txResult{Height: res.Height}
			out.TxResult.Code, out.TxResult.Codespace, out.TxResult.Log, out.TxResult.Data =
				res.TxResult.Code, res.TxResult.Codespace, res.TxResult.Log, res.TxResult.Data
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("transaction %X not committed: %w", hash, errors.Join(ctx.Err(), err))
		case <-time.After(100 * time.Millisecond):
		}
	}
}
