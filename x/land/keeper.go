package land

import (
	"cmp"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

// State keys (all provable; values are JSON unless noted):
//
//	land/params                          Params
//	land/seq/<kind>                      last number issued for ids of kind P, T, O, M, L, E, C (decimal)
//	land/parcel/<parcel>                 Parcel
//	land/cadref/<cadastral ref>          parcel id (refs are never reused)
//	land/grid/<cx>/<cy>/<parcel>         empty; active parcels whose bounding box meets cell (cx, cy) (10-digit cells)
//	land/title/<title>                   Title
//	land/party/<account>/<title>         the party's current share of the title
//	land/offer/<offer>                   Offer
//	land/history/<parcel>/<seq>          Event number seq (10 digits, from 1) of the parcel's history
//	land/owners/<parcel>/<from>          OwnerPeriod starting at height from (20 digits)
//	land/benefit/<parcel>/<title>/<easement>  empty; the easement on the title benefits the parcel
//	land/parcel-offer/<parcel>/<offer>   empty; the offer was made on a title holding the parcel
const (
	keyParams     = "land/params"
	prefixSeq     = "land/seq/"
	prefixParcel  = "land/parcel/"
	prefixCadRef  = "land/cadref/"
	prefixGrid    = "land/grid/"
	prefixTitle   = "land/title/"
	prefixParty   = "land/party/"
	prefixOffer   = "land/offer/"
	prefixHistory = "land/history/"
	prefixOwners  = "land/owners/"
	prefixBenefit = "land/benefit/"
	prefixPOffer  = "land/parcel-offer/"
)

func ParamsKey() []byte               { return []byte(keyParams) }
func ParcelKey(id string) []byte      { return []byte(prefixParcel + id) }
func CadRefKey(ref string) []byte     { return []byte(prefixCadRef + ref) }
func TitleKey(id string) []byte       { return []byte(prefixTitle + id) }
func OfferKey(id string) []byte       { return []byte(prefixOffer + id) }
func PartyKey(party, t string) []byte { return []byte(prefixParty + party + "/" + t) }
func PartyPrefix(party string) []byte { return []byte(prefixParty + party + "/") }
func HistoryPrefix(p string) []byte   { return []byte(prefixHistory + p + "/") }
func OwnersPrefix(p string) []byte    { return []byte(prefixOwners + p + "/") }
func BenefitKey(parcel, title, easement string) []byte {
	return []byte(prefixBenefit + parcel + "/" + title + "/" + easement)
}
func ParcelOfferKey(parcel, offer string) []byte { return []byte(prefixPOffer + parcel + "/" + offer) }
func ParcelOfferPrefix(parcel string) []byte     { return []byte(prefixPOffer + parcel + "/") }
func BenefitPrefix(parcel string) []byte         { return []byte(prefixBenefit + parcel + "/") }
func GridKey(cx, cy int64, p string) []byte {
	return []byte(fmt.Sprintf("%s%010d/%010d/%s", prefixGrid, cx, cy, p))
}

// GridValue is a grid index entry's value: the parcel's bounding box
// "minx,miny,maxx,maxy", so searches skip parcels that do not meet the box
// without reading them (a cell may hold thousands of parcels).
func GridValue(bb [4]int64) []byte {
	return []byte(fmt.Sprintf("%d,%d,%d,%d", bb[0], bb[1], bb[2], bb[3]))
}

// gridBBox reads a GridValue; ok is false for anything else.
func gridBBox(v []byte) (bb [4]int64, ok bool) {
	parts := strings.Split(string(v), ",")
	if len(parts) != 4 {
		return bb, false
	}
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return bb, false
		}
		bb[i] = n
	}
	return bb, true
}

// bboxesMeet reports whether two closed boxes share a point.
func bboxesMeet(a, b [4]int64) bool {
	return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

func gridCellPrefix(cx, cy int64) []byte {
	return []byte(fmt.Sprintf("%s%010d/%010d/", prefixGrid, cx, cy))
}
func HistoryKey(p string, seq uint64) []byte {
	return []byte(fmt.Sprintf("%s%s/%010d", prefixHistory, p, seq))
}
func OwnersKey(p string, from int64) []byte {
	return []byte(fmt.Sprintf("%s%s/%020d", prefixOwners, p, from))
}

// RoleChecker is what the module needs from the authority module.
type RoleChecker interface {
	HasRole(kv store.KV, id, role string) bool
}

// Keeper reads and writes the module's keys; nothing else does.
type Keeper struct{}

func get[T any](kv store.KV, key []byte) (*T, error) { return store.GetJSON[T](kv, key) }

func put(kv store.KV, key []byte, v any) { store.PutJSON(kv, key, v) }

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
	key := []byte(prefixSeq + kind)
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

// cells lists the index cells a bounding box covers, or fails if more
// than MaxCells.
func cells(p *Params, bb [4]int64) ([][2]int64, error) {
	x0, y0 := (bb[0]-p.MinX)/p.GridCell, (bb[1]-p.MinY)/p.GridCell
	x1, y1 := (bb[2]-p.MinX)/p.GridCell, (bb[3]-p.MinY)/p.GridCell
	if n := (x1 - x0 + 1) * (y1 - y0 + 1); n > p.MaxCells {
		return nil, ErrParcelTooLarge.Wrapf("its bounding box covers %d cells of %d units; the limit is %d", n, p.GridCell, p.MaxCells)
	}
	var out [][2]int64
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			out = append(out, [2]int64{x, y})
		}
	}
	return out, nil
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

// Candidates lists, in id order without repeats, the active parcels whose
// bounding boxes meet bb (an entry whose value is not a bounding box is
// kept: the callers check exactly).
func (Keeper) Candidates(kv store.KV, p *Params, bb [4]int64) ([]string, error) {
	cs, err := cells(p, bb)
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := map[string]bool{} // membership only; the output order comes from the sort below
	for _, c := range cs {
		prefix := gridCellPrefix(c[0], c[1])
		kv.Iterate(prefix, store.PrefixEnd(prefix), false, func(k, v []byte) bool {
			id := string(k[len(prefix):])
			if pb, ok := gridBBox(v); ok && !bboxesMeet(pb, bb) {
				return true
			}
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

// sortIDs orders ids like "P2" < "P10" (by length, then bytes).
func sortIDs(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
}

// region parses a stored parcel's geometry.
func (Keeper) region(p *Params, parcel *Parcel) (*Region, error) {
	r, err := ParseGeometry(&parcel.Geometry, p.limits())
	if err != nil {
		return nil, fmt.Errorf("stored geometry of %s: %w", parcel.ID, err)
	}
	return r, nil
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

func shareOf(list []Share, party string) string {
	for _, s := range list {
		if s.Party == party {
			return s.Share
		}
	}
	return ""
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

// record appends an event to the history of each parcel.
func (k Keeper) record(ctx *module.Context, parcels []*Parcel, typ, doc, title string, owners []Share, msg any, previous string) {
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

// step records a dealing on an offer in the offer itself (the caller
// saves it): the offer's steps are the history events of its parcels, so
// offering and accepting write no parcel record.
func step(ctx *module.Context, o *Offer, typ string) {
	o.Steps = append(o.Steps, OfferStep{Type: typ, Height: ctx.Height, Time: ctx.Time.UTC().Format(time.RFC3339Nano),
		TxHash: hex.EncodeToString(ctx.TxHash), Actor: ctx.Primary()})
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

// areaM2 renders twice-area units² as exact square metres: a terminating
// decimal when there is one, otherwise "n/d".
func areaM2(area2 *big.Int, unitsPerMetre int64) string {
	den := new(big.Int).Mul(big.NewInt(2*unitsPerMetre), big.NewInt(unitsPerMetre))
	r := new(big.Rat).SetFrac(area2, den)
	// Terminating iff the reduced denominator has only factors 2 and 5.
	d := new(big.Int).Set(r.Denom())
	digits := 0
	for _, f := range []int64{2, 5} {
		bf := big.NewInt(f)
		n := 0
		for new(big.Int).Mod(d, bf).Sign() == 0 {
			d.Div(d, bf)
			n++
		}
		digits = max(digits, n)
	}
	if d.Cmp(big.NewInt(1)) != 0 {
		return r.RatString()
	}
	return r.FloatString(digits)
}

// benefits returns the easement of a title's entry in e.Benefits, or the
// parcel named at registration for records written before Benefits.
func benefits(e *Easement) []string {
	if len(e.Benefits) == 0 {
		return []string{e.Benefiting}
	}
	return e.Benefits
}

// indexEasements adds (on=true) or removes the benefit index entries of a
// title's easements.
func (Keeper) indexEasements(kv store.KV, t *Title, on bool) {
	for i := range t.Easements {
		e := &t.Easements[i]
		for _, p := range benefits(e) {
			if on {
				kv.Set(BenefitKey(p, t.ID, e.ID), []byte{})
			} else {
				kv.Delete(BenefitKey(p, t.ID, e.ID))
			}
		}
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
