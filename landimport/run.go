package landimport

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/publica/publica/client"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/land"
)

// Options tune Run.
type Options struct {
	// Batch is the most parcels per transaction (default and upper bound
	// land.MaxBatchParcels); a batch also stays under the message size
	// limit.
	Batch int
	// InFlight is how many transactions may wait for their block at once
	// (default 8): sent in sequence order, confirmed in any order.
	InFlight int
	// ValidFor is how many blocks past the latest a transaction may be
	// included (default 100); a transaction lost from the mempool is sent
	// again once the chain has passed that height.
	ValidFor uint64
	// Progress, if set, is called after each transaction's outcome and
	// once at the start.
	Progress func(Progress)
}

func (o Options) withDefaults(most int) Options {
	if o.Batch <= 0 || o.Batch > most {
		o.Batch = most
	}
	if o.InFlight <= 0 {
		o.InFlight = 8
	}
	if o.ValidFor == 0 {
		o.ValidFor = 100
	}
	return o
}

// Progress is how far the import is.
type Progress struct {
	Features, Registered, Skipped, Refused int
	Elapsed                                time.Duration
}

// Done counts the features dealt with.
func (p Progress) Done() int { return p.Registered + p.Skipped + p.Refused }

// Refusal is one feature that was not registered, and why.
type Refusal struct {
	Index  int    `json:"index"`
	Ref    string `json:"cadastral_ref"`
	Reason string `json:"reason"`
}

// Report is the outcome of an import.
type Report struct {
	Features     int       `json:"features"`
	Registered   int       `json:"registered"`
	Skipped      int       `json:"skipped"` // already registered under the same reference
	Refused      int       `json:"refused"`
	Transactions int       `json:"transactions"` // sent and committed, accepted or refused
	Seconds      float64   `json:"seconds"`
	Refusals     []Refusal `json:"refusals"` // in file order
}

// maxBatchBytes keeps a batch's message under tx.MaxMsgBytes with room
// for the envelope ({"parcels":[...]}).
const maxBatchBytes = tx.MaxMsgBytes - 1024

// Run registers features (as Read and CheckFile left them) with signed
// land/register-parcels transactions from key, a clerk's: features
// already refused are reported, references already registered are
// skipped, and the rest go in batches. A batch refused on chain (an
// overlap with the register, say) is split: the parcel the refusal names
// is refused, the others are sent again.
func Run(ctx context.Context, c *client.Client, key ed25519.PrivateKey, features []*Feature, o Options) (*Report, error) {
	o = o.withDefaults(land.MaxBatchParcels)
	r := &runner[*Feature]{c: c, key: key, o: o, start: time.Now(), rep: &Report{Features: len(features), Refusals: []Refusal{}}}
	r.k = parcelKind(r)
	var todo []*Feature
	for _, f := range features {
		if f.Err != nil {
			r.refuse(f, f.Err.Error())
		} else {
			todo = append(todo, f)
		}
	}
	r.progress()
	todo, err := r.skipRegistered(ctx, todo)
	if err != nil {
		return nil, err
	}
	r.progress()
	if err := r.send(ctx, todo); err != nil {
		return nil, err
	}
	slices.SortFunc(r.rep.Refusals, func(a, b Refusal) int { return a.Index - b.Index })
	r.rep.Seconds = time.Since(r.start).Seconds()
	return r.rep, nil
}

// item is what a batch carries: a parcel (*Feature) or a title (*Title).
type item interface {
	// named is what a refusal's log names in parentheses after the
	// item's position in the batch: a parcel's reference, a title's
	// parcels.
	named() string
	msgSize() int // bytes of its message's JSON
}

// kind is what differs between sending parcels and sending titles.
type kind[U item] struct {
	msgType string
	at      *regexp.Regexp                  // a refusal's "<item> <index> (" naming a batch position
	build   func([]U) any                   // the batch message
	refuse  func(U, string)                 // record a refusal (the runner counts it)
	landed  func(context.Context, []U) bool // every item of the batch is now registered
}

type runner[U item] struct {
	c     *client.Client
	key   ed25519.PrivateKey
	o     Options
	k     kind[U]
	start time.Time
	clerk string  // the signer's account id
	rep   *Report // written only by Run's goroutine
}

func (r *runner[U]) refuse(u U, reason string) {
	r.rep.Refused++
	r.k.refuse(u, reason)
}

// parcelKind sends features as land/register-parcels.
func parcelKind(r *runner[*Feature]) kind[*Feature] {
	return kind[*Feature]{
		msgType: land.TypeRegisterParcels,
		at:      parcelIndexRe,
		build: func(batch []*Feature) any {
			msg := land.MsgRegisterParcels{Parcels: make([]land.MsgRegisterParcel, len(batch))}
			for i, f := range batch {
				msg.Parcels[i] = f.Msg
			}
			return msg
		},
		refuse: func(f *Feature, reason string) {
			r.rep.Refusals = append(r.rep.Refusals, Refusal{Index: f.Index, Ref: f.Ref, Reason: reason})
		},
		landed: func(ctx context.Context, batch []*Feature) bool {
			hits, err := r.registered(ctx, batch)
			return err == nil && len(hits) == len(batch)
		},
	}
}

func (f *Feature) named() string { return f.Ref }
func (f *Feature) msgSize() int  { return f.size }

func (r *runner[U]) progress() {
	if r.o.Progress != nil {
		r.o.Progress(Progress{Features: r.rep.Features, Registered: r.rep.Registered, Skipped: r.rep.Skipped,
			Refused: r.rep.Refused, Elapsed: time.Since(r.start)})
	}
}

// skipRegistered asks the chain which references are registered (1,000
// per query, /land/cadrefs) and drops those features, counted as skipped.
func (r *runner[U]) skipRegistered(ctx context.Context, todo []*Feature) ([]*Feature, error) {
	const per = 1000
	registered := make([]map[string]bool, (len(todo)+per-1)/per)
	var wg sync.WaitGroup
	errc := make(chan error, len(registered))
	sem := make(chan struct{}, 4)
	for k := range registered {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			hits, err := r.registered(ctx, todo[k*per:min(len(todo), (k+1)*per)])
			if err != nil {
				errc <- err
				return
			}
			registered[k] = hits
		})
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	out := todo[:0:0]
	for i, f := range todo {
		if registered[i/per][f.Ref] {
			r.rep.Skipped++
		} else {
			out = append(out, f)
		}
	}
	return out, nil
}

// batches cuts items into batches of at most o.Batch items and
// maxBatchBytes of message.
func (r *runner[U]) batches(items []U) [][]U {
	var out [][]U
	var cur []U
	size := 0
	for _, f := range items {
		if len(cur) > 0 && (len(cur) == r.o.Batch || size+f.msgSize()+1 > maxBatchBytes) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, f)
		size += f.msgSize() + 1
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// outcome is a sent batch's result.
type outcome[U item] struct {
	batch []U
	res   *client.Result // nil if it never committed
	err   error          // transport failure or expiry
}

// send pipelines the batches: each is signed at the next sequence and
// broadcast in order; up to InFlight wait for their blocks at once. A
// refused batch comes back to the queue without its refused parcel.
func (r *runner[U]) send(ctx context.Context, items []U) error {
	queue := r.batches(items)
	if len(queue) == 0 {
		return nil
	}
	chainID, err := r.c.ChainID(ctx)
	if err != nil {
		return err
	}
	pub := r.key.Public().(ed25519.PublicKey)
	seq, err := r.sequence(ctx, pub)
	if err != nil {
		return err
	}
	results := make(chan outcome[U], r.o.InFlight)
	inFlight := 0
	var fatal error
	resync := false
	handle := func(oc outcome[U]) {
		inFlight--
		if fatal != nil {
			return
		}
		if oc.res == nil {
			queue = append(queue, oc.batch) // expired or lost: send again (its references are still free)
			return
		}
		r.rep.Transactions++
		if oc.res.OK() {
			r.rep.Registered += len(oc.batch)
			r.progress()
			return
		}
		if oc.res.Codespace == errs.BadSequence.Codespace && oc.res.Code == errs.BadSequence.Code {
			// An earlier transaction was lost: send this one again once
			// the sequence is read afresh.
			queue = append([][]U{oc.batch}, queue...)
			resync = true
			return
		}
		var again [][]U
		again, fatal = r.refused(oc.batch, oc.res.Codespace, oc.res.Code, oc.res.Log)
		queue = append(again, queue...)
		r.progress()
	}
	for (len(queue) > 0 || inFlight > 0) && fatal == nil {
		if len(queue) == 0 || inFlight == r.o.InFlight {
			handle(<-results)
			continue
		}
		if resync {
			for inFlight > 0 {
				handle(<-results)
			}
			time.Sleep(100 * time.Millisecond) // let a block pass
			if seq, err = r.sequence(ctx, pub); err != nil {
				fatal = err
				break
			}
			resync = false
		}
		batch := queue[0]
		queue = queue[1:]
		height, err := r.c.LatestHeight(ctx)
		if err != nil {
			fatal = err
			break
		}
		t, err := r.build(chainID, seq, uint64(height)+r.o.ValidFor, batch)
		if err != nil {
			fatal = err
			break
		}
		raw := t.Encode()
		br, err := r.broadcast(ctx, raw)
		switch {
		case err != nil && strings.Contains(err.Error(), "mempool is full"):
			queue = append([][]U{batch}, queue...)
			if inFlight > 0 {
				handle(<-results)
			} else {
				time.Sleep(200 * time.Millisecond)
			}
			continue
		case err != nil:
			fatal = fmt.Errorf("broadcast: %w", err)
			continue
		case br.Code == errs.BadSequence.Code && br.Codespace == errs.BadSequence.Codespace:
			// Someone else used the clerk's key, or a transaction was
			// lost: wait for ours, then read the sequence again.
			queue = append([][]U{batch}, queue...)
			resync = true
			continue
		case br.Code != 0:
			// Refused before the block (the sequence is not used).
			var again [][]U
			again, fatal = r.refused(batch, br.Codespace, br.Code, br.Log)
			queue = append(again, queue...)
			r.progress()
			continue
		}
		seq++
		inFlight++
		hash := tx.Hash(raw)
		go func() { results <- r.await(ctx, batch, hash, t.Sequence, t.ValidUntil) }()
	}
	for inFlight > 0 {
		<-results
		inFlight--
	}
	return fatal
}

// broadcast submits raw and returns CheckTx's answer. A node busy with
// a large block may drop the connection before answering: the same bytes
// are sent again, and "already in the cache" means the first attempt got
// in.
func (r *runner[U]) broadcast(ctx context.Context, raw []byte) (*coretypes.ResultBroadcastTx, error) {
	var err error
	for attempt := range 60 {
		var br *coretypes.ResultBroadcastTx
		br, err = r.c.RPC.BroadcastTxSync(ctx, raw)
		switch {
		case err == nil:
			return br, nil
		case strings.Contains(err.Error(), "tx already exists in cache"):
			return &coretypes.ResultBroadcastTx{}, nil
		case strings.Contains(err.Error(), "mempool is full") || ctx.Err() != nil:
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(min(attempt+1, 10)) * 100 * time.Millisecond):
		}
	}
	return nil, err
}

func (r *runner[U]) sequence(ctx context.Context, pub ed25519.PublicKey) (uint64, error) {
	acct, err := r.c.AccountByKey(ctx, pub)
	if err != nil {
		return 0, err
	}
	if acct == nil {
		return 0, fmt.Errorf("the key %x controls no account on this chain", []byte(pub))
	}
	r.clerk = acct.ID
	return acct.Sequence, nil
}

func (r *runner[U]) build(chainID string, seq, validUntil uint64, batch []U) (*tx.Tx, error) {
	body, err := tx.EncodeMsg(r.k.build(batch))
	if err != nil {
		return nil, err
	}
	t := &tx.Tx{ChainID: chainID, Sequence: seq, ValidUntil: validUntil, MsgType: r.k.msgType, Msg: body}
	t.Sign(r.key)
	return t, nil
}

// await waits until the transaction at sequence seq has been in a block
// (the clerk's committed sequence passes it), or until the chain passes
// its valid-until height without it, and gives its outcome.
func (r *runner[U]) await(ctx context.Context, batch []U, hash []byte, seq, validUntil uint64) outcome[U] {
	var asked int64
	var askedAt time.Time
	for {
		h, herr := r.c.LatestHeight(ctx)
		if herr == nil && (h != asked || time.Since(askedAt) >= 250*time.Millisecond) {
			asked, askedAt = h, time.Now()
			acct, err := r.c.Account(ctx, r.clerk)
			if err == nil && acct != nil && acct.Sequence > seq {
				return r.outcome(ctx, batch, hash)
			}
			if uint64(h) > validUntil+1 {
				return outcome[U]{batch: batch, err: fmt.Errorf("transaction %X expired", hash)}
			}
		}
		select {
		case <-ctx.Done():
			return outcome[U]{batch: batch, err: ctx.Err()}
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// outcome finds what became of a transaction that has been in a block.
// A batch is all or none: when every item of the batch is now registered
// (kind.landed), it was accepted. Otherwise the node's transaction index
// gives the refusal; it is asked only then, because its answer carries
// the whole transaction (up to 256 KiB), and it lags the block a little.
func (r *runner[U]) outcome(ctx context.Context, batch []U, hash []byte) outcome[U] {
	if r.k.landed(ctx, batch) {
		return outcome[U]{batch: batch, res: &client.Result{Hash: hash}}
	}
	for {
		res, err := r.c.RPC.Tx(ctx, hash, false)
		if err == nil {
			return outcome[U]{batch: batch, res: &client.Result{Hash: res.Hash, Height: res.Height, Code: res.TxResult.Code,
				Codespace: res.TxResult.Codespace, Log: res.TxResult.Log, Data: res.TxResult.Data}}
		}
		select {
		case <-ctx.Done():
			return outcome[U]{batch: batch, err: ctx.Err()}
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// registered asks which of the features' references (at most 1,000) are
// registered.
func (r *runner[U]) registered(ctx context.Context, features []*Feature) (map[string]bool, error) {
	refs := make([]string, len(features))
	for i, f := range features {
		refs[i] = f.Ref
	}
	res, err := r.c.Query(ctx, "/land/cadrefs/"+strings.Join(refs, ","), nil, 0, false)
	if err != nil {
		return nil, fmt.Errorf("asking which references are registered: %w", err)
	}
	var hits []land.CadRefHit
	if err := json.Unmarshal(res.Value, &hits); err != nil {
		return nil, fmt.Errorf("cadrefs answer: %w", err)
	}
	out := make(map[string]bool, len(hits))
	for _, h := range hits {
		out[h.Ref] = true
	}
	return out, nil
}

var (
	parcelIndexRe = regexp.MustCompile(`parcel (\d+) \(`)
	titleIndexRe  = regexp.MustCompile(`title (\d+) \(`)
)

// refused deals with a refused batch: the item its log names is refused
// and the rest return as one batch; a refusal naming no item splits the
// batch in two (one item: it is refused). A refusal that concerns the
// signer rather than an item (not a clerk, an unknown account) stops the
// import.
func (r *runner[U]) refused(batch []U, space string, code uint32, log string) ([][]U, error) {
	if (space == land.Codespace && code == land.ErrNotClerk.Code) ||
		(space == errs.Codespace && code != errs.InvalidMsg.Code && code != errs.Internal.Code && code != errs.TxTooLarge.Code) {
		return nil, fmt.Errorf("the transaction was refused (%s/%d): %s", space, code, log)
	}
	if m := r.k.at.FindStringSubmatch(log); m != nil {
		if i, err := strconv.Atoi(m[1]); err == nil && i < len(batch) && strings.Contains(log, m[0]+batch[i].named()+")") {
			// The batch position means nothing to the user: the report
			// gives the item's place in the file.
			r.refuse(batch[i], strings.Replace(log, m[0]+batch[i].named()+"): ", "", 1))
			rest := slices.Concat(batch[:i], batch[i+1:])
			if len(rest) == 0 {
				return nil, nil
			}
			return [][]U{rest}, nil
		}
	}
	if len(batch) == 1 {
		r.refuse(batch[0], log)
		return nil, nil
	}
	h := len(batch) / 2
	return [][]U{batch[:h], batch[h:]}, nil
}
