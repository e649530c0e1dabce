package land

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
)

// BlockTimeKey mirrors app.BlockTimeKey (the application's documented
// block-time index, which this module reads but never writes).
func BlockTimeKey(height int64) []byte { return []byte(fmt.Sprintf("app/blocktime/%020d", height)) }

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
//	history/<parcel>                [Event] in order (list)
//	history/<parcel>/<seq>          one Event (provable)
//	owner/<parcel>                  the current OwnerPeriod (provable)
//	owner/<parcel>/<height>         the OwnerPeriod covering height (provable; From ≤ height < To or To = 0)
//	height-at/<RFC 3339 time>       the app/blocktime key of the last block at or before that time (provable)
//	owner-at/<parcel>/<RFC 3339>    the OwnerPeriod covering the last block at or before that time (provable)
//	party/<account>                 [{title, share}] the party holds now (list)
//	bbox/<minx>/<miny>/<maxx>/<maxy> [{id, cadastral_ref, bbox}] of active parcels whose bounding box meets the box (list)
func (m *Module) Query(view store.KV, path []string) (module.QueryResult, error) {
	one := func(key []byte) (module.QueryResult, error) {
		return module.QueryResult{Key: key, Value: view.Get(key)}, nil
	}
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
		return one(ParamsKey())
	case n == 2 && path[0] == "parcel":
		if err := validRecordID("parcel", path[1], 'P'); err != nil {
			return module.QueryResult{}, ErrBadQuery.Wrap(err)
		}
		return one(ParcelKey(path[1]))
	case n == 2 && path[0] == "title":
		if err := validRecordID("title", path[1], 'T'); err != nil {
			return module.QueryResult{}, ErrBadQuery.Wrap(err)
		}
		return one(TitleKey(path[1]))
	case n == 2 && path[0] == "offer":
		if err := validRecordID("offer", path[1], 'O'); err != nil {
			return module.QueryResult{}, ErrBadQuery.Wrap(err)
		}
		return one(OfferKey(path[1]))
	case n == 2 && path[0] == "cadref":
		if !refRe.MatchString(path[1]) {
			return module.QueryResult{}, ErrBadQuery.Wrapf("%q is not a cadastral reference", path[1])
		}
		return one(CadRefKey(path[1]))
	case n == 2 && path[0] == "cadref-prefix":
		type hit struct {
			Ref    string `json:"cadastral_ref"`
			Parcel string `json:"parcel"`
		}
		out := []hit{}
		prefix := CadRefKey(path[1])
		view.Iterate(prefix, store.PrefixEnd(prefix), false, func(k, v []byte) bool {
			out = append(out, hit{Ref: string(k[len(prefixCadRef):]), Parcel: string(v)})
			return len(out) < 1000
		})
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
			return one(HistoryKey(path[1], seq))
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
		return m.ownerAt(view, path[1], height)
	case n == 2 && path[0] == "height-at":
		h, err := heightAt(view, path[1])
		if err != nil {
			return module.QueryResult{}, err
		}
		return one(BlockTimeKey(h))
	case n == 3 && path[0] == "owner-at":
		if err := validRecordID("parcel", path[1], 'P'); err != nil {
			return module.QueryResult{}, ErrBadQuery.Wrap(err)
		}
		h, err := heightAt(view, path[2])
		if err != nil {
			return module.QueryResult{}, err
		}
		return m.ownerAt(view, path[1], h)
	case n == 2 && path[0] == "party":
		if !tx.ValidAccountID(path[1]) {
			return module.QueryResult{}, ErrBadQuery.Wrapf("%q is not an account id", path[1])
		}
		type holding struct {
			Title string `json:"title"`
			Share string `json:"share"`
		}
		out := []holding{}
		prefix := PartyPrefix(path[1])
		view.Iterate(prefix, store.PrefixEnd(prefix), false, func(k, v []byte) bool {
			out = append(out, holding{Title: string(k[len(prefix):]), Share: string(v)})
			return true
		})
		return list(out)
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
	return module.QueryResult{}, ErrBadQuery.Wrapf("unknown land query %q", strings.Join(path, "/"))
}

func (m *Module) ownerAt(view store.KV, parcel string, height int64) (module.QueryResult, error) {
	key, p, err := m.Keeper.OwnerAt(view, parcel, height)
	if err != nil {
		return module.QueryResult{}, err
	}
	if p == nil {
		// No period covers the height: answer with the key a period
		// starting there would have, proven absent.
		return module.QueryResult{Key: OwnersKey(parcel, height), Value: nil}, nil
	}
	return module.QueryResult{Key: key, Value: view.Get(key)}, nil
}

// heightAt finds the last block whose time is at or before t, by binary
// search over the block-time index.
func heightAt(view store.KV, s string) (int64, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, ErrBadQuery.Wrapf("time %q is not RFC 3339 (e.g. 2026-01-01T12:00:00Z)", s)
	}
	prefix := []byte("app/blocktime/")
	var lo, hi int64 = -1, -1
	view.Iterate(prefix, store.PrefixEnd(prefix), false, func(k, _ []byte) bool {
		lo, _ = strconv.ParseInt(string(k[len(prefix):]), 10, 64)
		return false
	})
	view.Iterate(prefix, store.PrefixEnd(prefix), true, func(k, _ []byte) bool {
		hi, _ = strconv.ParseInt(string(k[len(prefix):]), 10, 64)
		return false
	})
	timeOf := func(h int64) time.Time {
		tt, _ := time.Parse(time.RFC3339Nano, string(view.Get(BlockTimeKey(h))))
		return tt
	}
	if lo < 0 || timeOf(lo).After(t) {
		return 0, ErrBadQuery.Wrapf("no block at or before %s", s)
	}
	for lo < hi { // invariant: time(lo) ≤ t
		mid := lo + (hi-lo+1)/2
		if timeOf(mid).After(t) {
			hi = mid - 1
		} else {
			lo = mid
		}
	}
	return lo, nil
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
