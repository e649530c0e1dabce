package land

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
)

// Query paths (after "/land/"). Single-record answers carry the state key,
// so they can be proven; lists cannot be proven as a whole but name keys
// that can.
//
//	params                          Params (provable)
//	parcel/<id>                     Parcel (provable)
//	title/<id>                      Title (provable)
//	offer/<id>                      Offer (provable)
//	cadref/<ref>                    parcel id with that cadastral reference (provable)
//	cadref-prefix/<prefix>          [{cadastral_ref, parcel}] whose reference starts with prefix (list, ≤ 1000)
//	cadrefs/<ref>,<ref>,...         [{cadastral_ref, parcel}] of the listed references that are registered, in list order (list, ≤ 1000 references)
//	cadref-titles/<ref>,<ref>,...   [{cadastral_ref, parcel, status, title, owners, tenure}] of the listed references that
//	                                are registered, in list order, with the parcel's title if it has one (list, ≤ 1000)
//	address/<words>                 [{parcel, term}] active parcels with an address word sequence starting with
//	                                the normalised words (list, ≤ 200; each provable through land/address/<term>/<parcel>)
//	history/<parcel>                [Event] in order (list)
//	history/<parcel>/<seq>          one Event (provable)
//	owner/<parcel>                  the current OwnerPeriod (provable)
//	owner/<parcel>/<height>         the OwnerPeriod covering height (provable; From ≤ height < To or To = 0)
//	height-at/<RFC 3339 time>       the app/blocktime key of the last block at or before that time (provable)
//	owner-at/<parcel>/<RFC 3339>    the OwnerPeriod covering the last block at or before that time (provable)
//	party/<party or account>        [{title, share}] the party holds now (list)
//	party-record/<party>            Party (provable)
//	parties                         [Party] the first 1000 party records in key order (list)
//	parties/<after>                 [Party] the next 1000 after party id <after> in key order (list)
//	parties-of/<account>            [party id] the parties the account may sign for (list, ≤ 1000; each
//	                                provable through land/signer/<account>/<party>)
//	caveat-applications             [{title, caveat}] caveat applications awaiting a clerk's examination (list, ≤ 1000;
//	                                each one is in its title's caveat_applications, provable through title/<id>)
//	bbox/<minx>/<miny>/<maxx>/<maxy> [{id, cadastral_ref, bbox}] of active parcels whose bounding box meets the box (list)
//	parcels/<minx>/<miny>/<maxx>/<maxy>/<limit>[/<after>]  ParcelPage of whole active parcels, any box (query_features.go)
func (m *Module) Query(view store.KV, path []string) (module.QueryResult, error) {
	list := func(v any) (module.QueryResult, error) {
		b, err := json.Marshal(v)
		return module.QueryResult{Value: b}, err
	}
	n := len(path)
	if n == 0 {
		return module.QueryResult{}, ErrBadQuery.Wrapf("empty path")
	}
	switch {
	case n == 1 && path[0] == "params":
		return m.Keeper.ParamsEntry(view), nil
	case n == 2 && path[0] == "parcel":
		if err := validRecordID("parcel", path[1], 'P'); err != nil {
			return module.QueryResult{}, ErrBadQuery.Wrap(err)
		}
		return m.Keeper.ParcelEntry(view, path[1]), nil
	case n == 2 && path[0] == "title":
		if err := validRecordID("title", path[1], 'T'); err != nil {
			return module.QueryResult{}, ErrBadQuery.Wrap(err)
		}
		return m.Keeper.TitleEntry(view, path[1]), nil
	case n == 2 && path[0] == "offer":
		if err := validRecordID("offer", path[1], 'O'); err != nil {
			return module.QueryResult{}, ErrBadQuery.Wrap(err)
		}
		return m.Keeper.OfferEntry(view, path[1]), nil
	case n == 2 && path[0] == "cadref":
		if !refRe.MatchString(path[1]) {
			return module.QueryResult{}, ErrBadQuery.Wrapf("%q is not a cadastral reference", path[1])
		}
		return m.Keeper.CadRefEntry(view, path[1]), nil
	case n == 2 && path[0] == "cadref-titles":
		return m.refTitles(view, path[1])
	case n == 2 && path[0] == "cadref-prefix":
		return list(m.Keeper.CadRefs(view, path[1], 1000))
	case n == 2 && path[0] == "address":
		q := NormalizeAddress(path[1])
		if q == "" || len(q) > maxAddressTerm {
			return module.QueryResult{}, ErrBadQuery.Wrapf("an address search is 1 to %d characters with a letter or digit", maxAddressTerm)
		}
		return list(m.Keeper.Addresses(view, q, 200))
	case n == 2 && path[0] == "cadrefs":
		refs := strings.Split(path[1], ",")
		if len(refs) > 1000 {
			return module.QueryResult{}, ErrBadQuery.Wrapf("%d references; at most 1000", len(refs))
		}
		out := []CadRefHit{}
		for _, ref := range refs {
			if !refRe.MatchString(ref) {
				return module.QueryResult{}, ErrBadQuery.Wrapf("%q is not a cadastral reference", ref)
			}
			if id, ok := m.Keeper.ParcelByRef(view, ref); ok {
				out = append(out, CadRefHit{Ref: ref, Parcel: id})
			}
		}
		return list(out)
	case (n == 2 || n == 3) && path[0] == "history":
		if err := validRecordID("parcel", path[1], 'P'); err != nil {
			return module.QueryResult{}, ErrBadQuery.Wrap(err)
		}
		if n == 3 {
			seq, err := strconv.ParseUint(path[2], 10, 64)
			if err != nil || seq == 0 {
				return module.QueryResult{}, ErrBadQuery.Wrapf("event number %q", path[2])
			}
			return m.Keeper.HistoryEntry(view, path[1], seq), nil
		}
		h, err := m.Keeper.History(view, path[1])
		if err != nil {
			return module.QueryResult{}, err
		}
		return list(h)
	case (n == 2 || n == 3) && path[0] == "owner":
		if err := validRecordID("parcel", path[1], 'P'); err != nil {
			return module.QueryResult{}, ErrBadQuery.Wrap(err)
		}
		height := int64(1<<62 - 1)
		if n == 3 {
			h, err := strconv.ParseInt(path[2], 10, 64)
			if err != nil || h < 1 {
				return module.QueryResult{}, ErrBadQuery.Wrapf("height %q", path[2])
			}
			height = h
		}
		return m.Keeper.OwnerEntry(view, path[1], height)
	case n == 2 && path[0] == "height-at":
		h, err := m.heightAt(view, path[1])
		if err != nil {
			return module.QueryResult{}, err
		}
		return m.Keeper.BlockTimeEntry(view, h), nil
	case n == 3 && path[0] == "owner-at":
		if err := validRecordID("parcel", path[1], 'P'); err != nil {
			return module.QueryResult{}, ErrBadQuery.Wrap(err)
		}
		h, err := m.heightAt(view, path[2])
		if err != nil {
			return module.QueryResult{}, err
		}
		return m.Keeper.OwnerEntry(view, path[1], h)
	case n == 2 && path[0] == "party":
		if !tx.ValidAccountID(path[1]) && !IsPartyID(path[1]) {
			return module.QueryResult{}, ErrBadQuery.Wrapf("%q is neither a party id nor an account id", path[1])
		}
		return list(m.Keeper.Holdings(view, path[1]))
	case n == 2 && path[0] == "party-record":
		if !IsPartyID(path[1]) {
			return module.QueryResult{}, ErrBadQuery.Wrapf("%q is not a party id such as N1", path[1])
		}
		return m.Keeper.PartyRecordEntry(view, path[1]), nil
	case (n == 1 || n == 2) && path[0] == "parties":
		after := ""
		if n == 2 {
			if !IsPartyID(path[1]) {
				return module.QueryResult{}, ErrBadQuery.Wrapf("%q is not a party id such as N1", path[1])
			}
			after = path[1]
		}
		ps, err := m.Keeper.Parties(view, after, 1000)
		if err != nil {
			return module.QueryResult{}, err
		}
		if ps == nil {
			ps = []Party{}
		}
		return list(ps)
	case n == 2 && path[0] == "parties-of":
		if !tx.ValidAccountID(path[1]) {
			return module.QueryResult{}, ErrBadQuery.Wrapf("%q is not an account id", path[1])
		}
		ids := m.Keeper.PartiesOf(view, path[1])
		if ids == nil {
			ids = []string{}
		}
		return list(ids)
	case n == 1 && path[0] == "caveat-applications":
		return list(m.Keeper.CaveatApplications(view, 1000))
	case n == 5 && path[0] == "bbox":
		var bb [4]int64
		for i := range bb {
			v, err := strconv.ParseInt(path[1+i], 10, 64)
			if err != nil {
				return module.QueryResult{}, ErrBadQuery.Wrapf("bbox coordinate %q is not an integer", path[1+i])
			}
			bb[i] = v
		}
		return m.bbox(view, bb)
	}
	if r, ok, err := m.featureQuery(view, path); ok {
		return r, err
	}
	return module.QueryResult{}, ErrBadQuery.Wrapf("unknown land query %q", strings.Join(path, "/"))
}

// heightAt finds the last block whose time is at or before s (RFC 3339).
func (m *Module) heightAt(view store.KV, s string) (int64, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, ErrBadQuery.Wrapf("time %q is not RFC 3339 (e.g. 2026-01-01T12:00:00Z)", s)
	}
	h, ok := m.Keeper.HeightAt(view, t)
	if !ok {
		return 0, ErrBadQuery.Wrapf("no block at or before %s", s)
	}
	return h, nil
}

// BBoxHit is one answer of a bounding-box search.
type BBoxHit struct {
	ID           string   `json:"id"`
	CadastralRef string   `json:"cadastral_ref"`
	BBox         [4]int64 `json:"bbox"`
}

func (m *Module) bbox(view store.KV, bb [4]int64) (module.QueryResult, error) {
	p, err := m.Keeper.Params(view)
	if err != nil {
		return module.QueryResult{}, err
	}
	if bb[0] > bb[2] || bb[1] > bb[3] {
		return module.QueryResult{}, ErrBadQuery.Wrapf("bbox min exceeds max")
	}
	bb[0], bb[1] = max(bb[0], p.MinX), max(bb[1], p.MinY)
	bb[2], bb[3] = min(bb[2], p.MaxX), min(bb[3], p.MaxY)
	out := []BBoxHit{}
	if bb[0] <= bb[2] && bb[1] <= bb[3] {
		ids, err := m.Keeper.Candidates(view, p, bb)
		if err != nil {
			return module.QueryResult{}, ErrBadQuery.Wrap(err)
		}
		for _, id := range ids {
			pc, err := m.Keeper.Parcel(view, id)
			if err != nil {
				return module.QueryResult{}, err
			}
			if pc == nil || pc.BBox[2] < bb[0] || bb[2] < pc.BBox[0] || pc.BBox[3] < bb[1] || bb[3] < pc.BBox[1] {
				continue
			}
			out = append(out, BBoxHit{ID: pc.ID, CadastralRef: pc.CadastralRef, BBox: pc.BBox})
		}
	}
	b, err := json.Marshal(out)
	return module.QueryResult{Value: b}, err
}
