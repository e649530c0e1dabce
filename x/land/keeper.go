package land

import (
	"cmp"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

// Keeper reads and writes the module's keys (keys.go); nothing else does.
// Handlers and queries call its methods, passing the store they work on.
type Keeper struct{}

func get[T any](kv store.KV, key []byte) (*T, error) { return store.GetJSON[T](kv, key) }

// present is the value of an index entry whose key says it all. Not
// empty: ICS23 refuses a leaf with an empty value, so a proof that passes
// such an entry (the absence proof of a neighbouring key, such as a
// cadastral reference sorting next to a caveat application) would not
// verify.
var present = []byte("1")

func put(kv store.KV, key []byte, v any) { store.PutJSON(kv, key, v) }

// ---- records ----

// Params returns the registry parameters.
func (Keeper) Params(kv store.KV) (*Params, error) {
	p, err := get[Params](kv, ParamsKey())
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, fmt.Errorf("land params missing")
	}
	return p, nil
}

// next issues the next id of kind ("P" parcels, "T" titles, ...).
func (Keeper) next(kv store.KV, kind string) string {
	key := SeqKey(kind)
	n := uint64(0)
	if b := kv.Get(key); b != nil {
		n, _ = strconv.ParseUint(string(b), 10, 64)
	}
	n++
	kv.Set(key, []byte(strconv.FormatUint(n, 10)))
	return kind + strconv.FormatUint(n, 10)
}

func (Keeper) Parcel(kv store.KV, id string) (*Parcel, error) { return get[Parcel](kv, ParcelKey(id)) }
func (Keeper) Title(kv store.KV, id string) (*Title, error)   { return get[Title](kv, TitleKey(id)) }
func (Keeper) Offer(kv store.KV, id string) (*Offer, error)   { return get[Offer](kv, OfferKey(id)) }

func (Keeper) SetParcel(kv store.KV, p *Parcel) { put(kv, ParcelKey(p.ID), p) }
func (Keeper) SetTitle(kv store.KV, t *Title)   { put(kv, TitleKey(t.ID), t) }
func (Keeper) SetOffer(kv store.KV, o *Offer)   { put(kv, OfferKey(o.ID), o) }

// ---- parcels: cadastral references and the spatial index ----

// ParcelByRef is the parcel registered under a cadastral reference; ok
// is false if none is.
func (Keeper) ParcelByRef(kv store.KV, ref string) (parcel string, ok bool) {
	v := kv.Get(CadRefKey(ref))
	return string(v), v != nil
}

// setCadRef points a cadastral reference at a parcel.
func (Keeper) setCadRef(kv store.KV, ref, parcel string) { kv.Set(CadRefKey(ref), []byte(parcel)) }

// deleteCadRef frees a cadastral reference (a correction renamed it).
func (Keeper) deleteCadRef(kv store.KV, ref string) { kv.Delete(CadRefKey(ref)) }

// addParcel indexes a new parcel (its grid cells and its cadastral
// reference); the caller saves the record.
func (k Keeper) addParcel(kv store.KV, p *Params, parcel *Parcel) error {
	if err := k.index(kv, p, parcel); err != nil {
		return err
	}
	k.setCadRef(kv, parcel.CadastralRef, parcel.ID)
	k.indexAddress(kv, parcel.ID, parcel.Address, true)
	return nil
}

func (Keeper) index(kv store.KV, p *Params, parcel *Parcel) error {
	cs, err := cells(p, parcel.BBox)
	if err != nil {
		return err
	}
	for _, c := range cs {
		kv.Set(GridKey(c[0], c[1], parcel.ID), GridValue(parcel.BBox))
	}
	return nil
}

func (Keeper) unindex(kv store.KV, p *Params, parcel *Parcel) {
	cs, _ := cells(&Params{MinX: p.MinX, MinY: p.MinY, GridCell: p.GridCell, MaxCells: 1 << 62}, parcel.BBox)
	for _, c := range cs {
		kv.Delete(GridKey(c[0], c[1], parcel.ID))
	}
}

// retireParcel marks a parcel replaced by children (subdivision, merge),
// drops it from the spatial index and closes its owner period. The
// caller saves it (through record).
func (k Keeper) retireParcel(kv store.KV, p *Params, parcel *Parcel, children []string, height int64) {
	parcel.Status, parcel.Children = StatusRetired, children
	k.unindex(kv, p, parcel)
	k.indexAddress(kv, parcel.ID, parcel.Address, false)
	k.setPeriod(kv, parcel, "", nil, height)
}

// Candidates lists, in id order without repeats, the active parcels whose
// bounding boxes meet bb (an entry whose value is not a bounding box is
// kept: the callers check exactly).
func (k Keeper) Candidates(kv store.KV, p *Params, bb [4]int64) ([]string, error) {
	return k.candidates(kv, p, bb, bboxesMeet)
}

// OverlapCandidates lists, like Candidates, the active parcels whose
// bounding boxes share interior with bb: a neighbour that only touches bb
// along an edge cannot overlap it, so its record is not read.
func (k Keeper) OverlapCandidates(kv store.KV, p *Params, bb [4]int64) ([]string, error) {
	return k.candidates(kv, p, bb, bboxesOverlap)
}

func (Keeper) candidates(kv store.KV, p *Params, bb [4]int64, keep func(a, b [4]int64) bool) ([]string, error) {
	cs, err := cells(p, bb)
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := map[string]bool{} // membership only; the output order comes from the sort below
	for _, c := range cs {
		prefix := gridCellPrefix(c[0], c[1])
		kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(k, v []byte) bool {
			if pb, ok := gridBBox(v); ok && !keep(pb, bb) {
				return true
			}
			id := string(k[len(prefix):])
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
			return true
		})
	}
	sortIDs(ids)
	return ids, nil
}

// region parses a stored parcel's geometry.
func (Keeper) region(p *Params, parcel *Parcel) (*Region, error) {
	r, err := ParseGeometry(&parcel.Geometry, p.limits())
	if err != nil {
		return nil, fmt.Errorf("stored geometry of %s: %w", parcel.ID, err)
	}
	return r, nil
}

// ---- ownership: the party index and owner periods ----

// setOwners replaces a title's owners (sorted by party) and keeps the
// party index and the owner periods of its parcels in step. The caller
// saves the title and the parcels.
func (k Keeper) setOwners(kv store.KV, height int64, t *Title, parcels []*Parcel, now []Share) {
	old := t.Owners
	t.Owners = sortShares(now)
	k.setOwnersIndex(kv, t.ID, old, t.Owners)
	for _, p := range parcels {
		k.setPeriod(kv, p, t.ID, t.Owners, height)
	}
}

// cancelTitle marks a title cancelled in favour of children, drops its
// owners from the party index and its easements from the benefit index,
// and saves it.
func (k Keeper) cancelTitle(kv store.KV, height int64, t *Title, children []string) {
	t.Status, t.Cancelled, t.Children = StatusCancelled, height, children
	k.setOwnersIndex(kv, t.ID, t.Owners, nil)
	k.indexEasements(kv, t, false)
	k.indexApplications(kv, t, false)
	k.SetTitle(kv, t)
}

// setOwnersIndex moves the party index from old owners to new ones.
func (Keeper) setOwnersIndex(kv store.KV, title string, old, now []Share) {
	for _, o := range old {
		if shareOf(now, o.Party) == "" {
			kv.Delete(PartyKey(o.Party, title))
		}
	}
	for _, o := range now {
		if shareOf(old, o.Party) != o.Share {
			kv.Set(PartyKey(o.Party, title), []byte(o.Share))
		}
	}
}

// Holding is one title a party holds a share of.
type Holding struct {
	Title string `json:"title"`
	Share string `json:"share"`
}

// Holdings lists, in key order, the active titles a party holds shares of.
func (Keeper) Holdings(kv store.KV, party string) []Holding {
	out := []Holding{}
	prefix := PartyPrefix(party)
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(k, v []byte) bool {
		out = append(out, Holding{Title: string(k[len(prefix):]), Share: string(v)})
		return true
	})
	return out
}

// setPeriod closes the parcel's open owner period at height and opens a
// new one (nil owners: the parcel has no title from height on). A period
// opened and replaced in the same block is overwritten: the state after a
// block is what "owner at height" means. The caller saves the parcel.
func (Keeper) setPeriod(kv store.KV, parcel *Parcel, title string, owners []Share, height int64) {
	if parcel.OwnerSince != 0 {
		key := OwnersKey(parcel.ID, parcel.OwnerSince)
		if parcel.OwnerSince == height {
			kv.Delete(key)
		} else if last, err := get[OwnerPeriod](kv, key); err == nil && last != nil {
			last.To = height
			put(kv, key, last)
		}
		parcel.OwnerSince = 0
	}
	if owners == nil {
		return
	}
	put(kv, OwnersKey(parcel.ID, height), &OwnerPeriod{Parcel: parcel.ID, Title: title, Owners: owners, From: height})
	parcel.OwnerSince = height
}

// OwnerAt finds the owner period of parcel covering height, with its key.
func (Keeper) OwnerAt(kv store.KV, parcel string, height int64) ([]byte, *OwnerPeriod, error) {
	prefix := OwnersPrefix(parcel)
	var key []byte
	var period *OwnerPeriod
	var err error
	kv.Iterate(prefix, OwnersKey(parcel, height+1), true, func(k, v []byte) bool {
		var p OwnerPeriod
		if err = json.Unmarshal(v, &p); err == nil {
			key, period = append([]byte(nil), k...), &p
		}
		return false
	})
	if period != nil && period.To != 0 && period.To <= height {
		return nil, nil, nil // the parcel had no title at that height
	}
	return key, period, err
}

// ---- offers ----

// indexOffer lists the offer under each parcel of its title, so the
// parcels' histories find its steps.
func (Keeper) indexOffer(kv store.KV, o *Offer, parcels []string) {
	for _, p := range parcels {
		kv.Set(ParcelOfferKey(p, o.ID), present)
	}
}

// ---- history ----

// EventDocument is the indexed event naming a document a transaction's
// records rest on (attribute "hash"), once per transaction and hash: the
// portal's document store finds the records citing a document by it
// (tx_search "land.document.hash='…'", docs/land.md "Documents"). Events
// are not part of the app hash.
const EventDocument = "land.document"

func emitDocument(ctx *module.Context, doc string) {
	if doc == "" {
		return
	}
	for _, e := range ctx.Events() {
		if e.Type == EventDocument && len(e.Attributes) == 1 && e.Attributes[0].Value == doc {
			return
		}
	}
	ctx.Emit(EventDocument, "hash", doc)
}

// record appends an event to the history of each parcel and saves the
// parcels.
func (k Keeper) record(ctx *module.Context, parcels []*Parcel, typ, doc, title string, owners []Share, msg any, previous string) {
	emitDocument(ctx, doc)
	body, _ := json.Marshal(msg)
	for _, p := range parcels {
		p.Events++
		ev := &Event{
			Parcel: p.ID, Seq: p.Events, Height: ctx.Height, Time: ctx.Time.UTC().Format(time.RFC3339Nano),
			TxHash: hex.EncodeToString(ctx.TxHash), Type: typ, Actor: ctx.Primary(), Document: doc,
			Title: title, Owners: owners, Msg: string(body), Previous: previous,
		}
		put(ctx.KV, HistoryKey(p.ID, p.Events), ev)
		k.SetParcel(ctx.KV, p)
	}
}

// History returns the events of a parcel in order: its stored events
// (land/history/<parcel>/<seq>, seq from 1) merged with the steps of the
// offers made on its titles (land/parcel-offer/<parcel>/<offer>, each
// proven through land/offer/<offer>), which carry seq 0. Order: by height;
// within a block, offer steps come before stored events, as an offer is
// accepted before it is registered.
func (Keeper) History(kv store.KV, parcel string) ([]Event, error) {
	prefix := HistoryPrefix(parcel)
	out := []Event{}
	var err error
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(_, v []byte) bool {
		var e Event
		if err = json.Unmarshal(v, &e); err != nil {
			return false
		}
		out = append(out, e)
		return true
	})
	if err != nil {
		return nil, err
	}
	var steps []Event
	oprefix := ParcelOfferPrefix(parcel)
	var ids []string
	kv.Iterate(oprefix, store.PrefixEnd(oprefix), false, func(k, _ []byte) bool {
		ids = append(ids, string(k[len(oprefix):]))
		return true
	})
	sortIDs(ids)
	for _, id := range ids {
		o, err := get[Offer](kv, OfferKey(id))
		if err != nil {
			return nil, err
		}
		if o == nil {
			continue
		}
		for _, s := range o.Steps {
			var body []byte
			if s.Type == TypeOfferTransfer {
				body, _ = json.Marshal(offerEvent{o.ID, &MsgOfferTransfer{Title: o.Title, Sellers: o.Sellers, Buyers: o.Buyers, Expires: o.Expires}})
			} else {
				body, _ = json.Marshal(MsgAcceptTransfer{Offer: o.ID})
			}
			steps = append(steps, Event{Parcel: parcel, Height: s.Height, Time: s.Time, TxHash: s.TxHash, Type: s.Type,
				Actor: s.Actor, Title: o.Title, Msg: string(body), Offer: o.ID})
		}
	}
	if len(steps) == 0 {
		return out, nil
	}
	slices.SortStableFunc(steps, func(a, b Event) int { return cmp.Compare(a.Height, b.Height) })
	merged := make([]Event, 0, len(out)+len(steps))
	i := 0
	for _, e := range out {
		for i < len(steps) && steps[i].Height <= e.Height {
			merged = append(merged, steps[i])
			i++
		}
		merged = append(merged, e)
	}
	return append(merged, steps[i:]...), nil
}

// ---- easements: the benefit index ----

// indexEasements adds (on=true) or removes the benefit index entries of a
// title's easements.
func (k Keeper) indexEasements(kv store.KV, t *Title, on bool) {
	for i := range t.Easements {
		k.indexEasement(kv, t.ID, &t.Easements[i], on)
	}
}

// indexEasement adds (on=true) or removes the benefit index entries of
// one easement on title.
func (k Keeper) indexEasement(kv store.KV, title string, e *Easement, on bool) {
	for _, p := range e.benefits() {
		k.setBenefit(kv, p, title, e.ID, on)
	}
}

// setBenefit adds (on=true) or removes one benefit index entry.
func (Keeper) setBenefit(kv store.KV, parcel, title, easement string, on bool) {
	if on {
		kv.Set(BenefitKey(parcel, title, easement), present)
	} else {
		kv.Delete(BenefitKey(parcel, title, easement))
	}
}

// benefitEntry is one easement benefiting a parcel: the burdened title
// and the easement id.
type benefitEntry struct{ title, easement string }

// Benefiting lists, in key order, the easements that benefit a parcel.
func (Keeper) Benefiting(kv store.KV, parcel string) []benefitEntry {
	prefix := BenefitPrefix(parcel)
	var out []benefitEntry
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(k, _ []byte) bool {
		t, e, ok := strings.Cut(string(k[len(prefix):]), "/")
		if ok {
			out = append(out, benefitEntry{t, e})
		}
		return true
	})
	return out
}

// ---- caveat applications: the examination worklist ----

// indexApplications adds (on=true) or removes the worklist entries of a
// title's caveat applications.
func (k Keeper) indexApplications(kv store.KV, t *Title, on bool) {
	for _, c := range t.Applications {
		k.indexApplication(kv, t.ID, c.ID, on)
	}
}

// indexApplication adds (on=true) or removes one worklist entry.
func (Keeper) indexApplication(kv store.KV, title, caveat string, on bool) {
	if on {
		kv.Set(CaveatApplicationKey(title, caveat), present)
	} else {
		kv.Delete(CaveatApplicationKey(title, caveat))
	}
}

// PendingCaveat names one caveat application awaiting examination.
type PendingCaveat struct {
	Title  string `json:"title"`
	Caveat string `json:"caveat"`
}

// CaveatApplications lists, in key order, up to limit caveat applications
// awaiting a clerk's examination on active titles.
func (Keeper) CaveatApplications(kv store.KV, limit int) []PendingCaveat {
	out := []PendingCaveat{}
	prefix := CaveatApplicationPrefix()
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(k, _ []byte) bool {
		if t, c, ok := strings.Cut(string(k[len(prefix):]), "/"); ok {
			out = append(out, PendingCaveat{Title: t, Caveat: c})
		}
		return len(out) < limit
	})
	return out
}

// ---- provable answers (query.go) ----

// entry answers with the value stored at key, so the application can
// attach a proof of it (or of its absence).
func entry(kv store.KV, key []byte) module.QueryResult {
	return module.QueryResult{Key: key, Value: kv.Get(key)}
}

func (Keeper) ParamsEntry(kv store.KV) module.QueryResult            { return entry(kv, ParamsKey()) }
func (Keeper) ParcelEntry(kv store.KV, id string) module.QueryResult { return entry(kv, ParcelKey(id)) }
func (Keeper) TitleEntry(kv store.KV, id string) module.QueryResult  { return entry(kv, TitleKey(id)) }
func (Keeper) OfferEntry(kv store.KV, id string) module.QueryResult  { return entry(kv, OfferKey(id)) }
func (Keeper) CadRefEntry(kv store.KV, ref string) module.QueryResult {
	return entry(kv, CadRefKey(ref))
}
func (Keeper) HistoryEntry(kv store.KV, parcel string, seq uint64) module.QueryResult {
	return entry(kv, HistoryKey(parcel, seq))
}
func (Keeper) BlockTimeEntry(kv store.KV, height int64) module.QueryResult {
	return entry(kv, module.BlockTimeKey(height))
}

// OwnerEntry is the owner period of parcel covering height; when none
// does, the key a period starting there would have, proven absent.
func (k Keeper) OwnerEntry(kv store.KV, parcel string, height int64) (module.QueryResult, error) {
	key, p, err := k.OwnerAt(kv, parcel, height)
	if err != nil {
		return module.QueryResult{}, err
	}
	if p == nil {
		return module.QueryResult{Key: OwnersKey(parcel, height)}, nil
	}
	return entry(kv, key), nil
}

// CadRefHit is one cadastral reference and its parcel.
type CadRefHit struct {
	Ref    string `json:"cadastral_ref"`
	Parcel string `json:"parcel"`
}

// CadRefs lists, in key order, up to limit cadastral references starting
// with prefix.
func (Keeper) CadRefs(kv store.KV, prefix string, limit int) []CadRefHit {
	out := []CadRefHit{}
	start := CadRefKey(prefix)
	kv.Iterate(start, store.PrefixEnd(start), false, func(k, v []byte) bool {
		out = append(out, CadRefHit{Ref: string(k[len(prefixCadRef):]), Parcel: string(v)})
		return len(out) < limit
	})
	return out
}

// HeightAt is the last block whose time (the application's block-time
// index) is at or before t; ok is false when no block is that old.
func (Keeper) HeightAt(kv store.KV, t time.Time) (height int64, ok bool) {
	return module.HeightAt(kv, t)
}

// ---- genesis (genesis.go) ----

// initGenesis writes a validated genesis: its records and the indexes
// rebuilt from them, in key order.
func (k Keeper) initGenesis(kv store.KV, g *Genesis) error {
	c := store.NewCache(kv)
	if err := k.writeGenesis(c, g); err != nil {
		return err
	}
	c.Write()
	return nil
}

// writeGenesis writes g's records and rebuilds the indexes as the
// handlers keep them: every parcel's cadastral reference; active parcels
// in the grid; active titles' owners in the party index, their
// easements in the benefit index and their caveat applications in the
// examination worklist; each offer under its title's parcels; each
// party's accounts in the signer index.
func (k Keeper) writeGenesis(kv store.KV, g *Genesis) error {
	put(kv, ParamsKey(), &g.Params)
	for kind, n := range g.Sequences { // distinct keys: the order does not matter
		kv.Set(SeqKey(kind), []byte(strconv.FormatUint(n, 10)))
	}
	for i := range g.Parcels {
		p := &g.Parcels[i]
		k.SetParcel(kv, p)
		k.setCadRef(kv, p.CadastralRef, p.ID)
		if p.Status == StatusActive {
			if err := k.index(kv, &g.Params, p); err != nil {
				return ErrInvalidGenesis.Wrapf("parcel %s: %v", p.ID, err)
			}
			k.indexAddress(kv, p.ID, p.Address, true)
		}
	}
	titleParcels := make(map[string][]string, len(g.Titles))
	for i := range g.Titles {
		t := &g.Titles[i]
		k.SetTitle(kv, t)
		titleParcels[t.ID] = t.Parcels
		if t.Status == StatusActive {
			k.setOwnersIndex(kv, t.ID, nil, t.Owners)
			k.indexEasements(kv, t, true)
			k.indexApplications(kv, t, true)
		}
	}
	for i := range g.Offers {
		o := &g.Offers[i]
		k.SetOffer(kv, o)
		k.indexOffer(kv, o, titleParcels[o.Title])
	}
	for i := range g.History {
		put(kv, HistoryKey(g.History[i].Parcel, g.History[i].Seq), &g.History[i])
	}
	for i := range g.OwnerPeriods {
		put(kv, OwnersKey(g.OwnerPeriods[i].Parcel, g.OwnerPeriods[i].From), &g.OwnerPeriods[i])
	}
	for i := range g.Parties {
		k.SetParty(kv, &g.Parties[i], nil)
	}
	return nil
}

// exportGenesis reads every land record into a Genesis, then checks that
// the genesis is valid and rebuilds the land keys exactly (indexes
// included): an export that would not come back key for key is refused.
func (k Keeper) exportGenesis(kv store.KV) (*Genesis, error) {
	p, err := k.Params(kv)
	if err != nil {
		return nil, err
	}
	g := &Genesis{Params: *p}
	prefix := []byte(prefixLand)
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(key, v []byte) bool {
		err = g.read(key, v)
		return err == nil
	})
	if err != nil {
		return nil, fmt.Errorf("export land: %w", err)
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("export land: %w", err)
	}
	rebuilt := store.NewCache(emptyKV{})
	if err := k.writeGenesis(rebuilt, g); err != nil {
		return nil, err
	}
	var want [][2][]byte
	rebuilt.Iterate(prefix, store.PrefixEnd(prefix), false, func(key, v []byte) bool {
		want = append(want, [2][]byte{key, v})
		return true
	})
	i := 0
	kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(key, v []byte) bool {
		if i >= len(want) || string(want[i][0]) != string(key) || string(want[i][1]) != string(v) {
			err = fmt.Errorf("export land: the records do not rebuild key %s", key)
			return false
		}
		i++
		return true
	})
	if err == nil && i != len(want) {
		err = fmt.Errorf("export land: the records rebuild key %s, which the state lacks", want[i][0])
	}
	return g, err
}

// read adds one stored land entry to g; index entries are skipped (they
// are rebuilt).
func (g *Genesis) read(key, v []byte) error {
	k := string(key)
	var err error
	switch {
	case k == keyParams:
	case strings.HasPrefix(k, prefixSeq):
		n, perr := strconv.ParseUint(string(v), 10, 64)
		if perr != nil {
			return fmt.Errorf("%w %s: %v", store.ErrCorrupt, key, perr)
		}
		if g.Sequences == nil {
			g.Sequences = map[string]uint64{}
		}
		g.Sequences[k[len(prefixSeq):]] = n
	case strings.HasPrefix(k, prefixParcel):
		err = appendRecord(&g.Parcels, key, v)
	case strings.HasPrefix(k, prefixTitle):
		err = appendRecord(&g.Titles, key, v)
	case strings.HasPrefix(k, prefixOffer):
		err = appendRecord(&g.Offers, key, v)
	case strings.HasPrefix(k, prefixHistory):
		err = appendRecord(&g.History, key, v)
	case strings.HasPrefix(k, prefixOwners):
		err = appendRecord(&g.OwnerPeriods, key, v)
	case strings.HasPrefix(k, prefixPartyRec):
		err = appendRecord(&g.Parties, key, v)
	case strings.HasPrefix(k, prefixSigner):
	case strings.HasPrefix(k, prefixCadRef), strings.HasPrefix(k, prefixGrid), strings.HasPrefix(k, prefixParty),
		strings.HasPrefix(k, prefixBenefit), strings.HasPrefix(k, prefixPOffer), strings.HasPrefix(k, prefixCavApp),
		strings.HasPrefix(k, prefixAddress):
	default:
		return fmt.Errorf("unknown land key %s", key)
	}
	return err
}

func appendRecord[T any](list *[]T, key, v []byte) error {
	r, err := store.DecodeJSON[T](key, v)
	if err != nil {
		return err
	}
	*list = append(*list, *r)
	return nil
}

// emptyKV is a store with nothing in it, under the cache that rebuilds an
// export.
type emptyKV struct{}

func (emptyKV) Get([]byte) []byte                                    { return nil }
func (emptyKV) Has([]byte) bool                                      { return false }
func (emptyKV) Set(_, _ []byte)                                      { panic("emptyKV is read-only") }
func (emptyKV) Delete([]byte)                                        { panic("emptyKV is read-only") }
func (emptyKV) Iterate([]byte, []byte, bool, func(k, v []byte) bool) {}
