package land

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/publica/publica/store"
)

// ParcelPage is one page of active parcels (query parcels/…): whole
// records, so a map or a GIS layer needs one read per page. Next is the
// cursor for the following page ("" when there is none); a page may hold
// fewer than the limit and still have a Next (a scan stops after
// MaxPageScan records).
type ParcelPage struct {
	Parcels []Parcel `json:"parcels"`
	Next    string   `json:"next"`
}

// MaxPageScan bounds the parcel records one page reads when it pages by
// key rather than through the spatial index.
const MaxPageScan = 10_000

// MaxPageLimit bounds the parcels of one page.
const MaxPageLimit = 1000

// ParcelsPage lists up to limit active parcels whose bounding boxes meet
// bb, continuing after the parcel id cursor ("" from the start); with
// reverse, the ones before cursor, nearest first examined, returned in
// the same ascending order (Next then continues backwards). A box the
// spatial index can answer (at most Params.MaxCells cells) is read
// through the grid, in id order; a larger one (the whole extent, for a
// layer download) pages through the parcel records in key order, so no
// box is refused and each page costs at most MaxPageScan reads.
func (k Keeper) ParcelsPage(kv store.KV, p *Params, bb [4]int64, cursor string, reverse bool, limit int) (*ParcelPage, error) {
	page := &ParcelPage{Parcels: []Parcel{}}
	bb[0], bb[1] = max(bb[0], p.MinX), max(bb[1], p.MinY)
	bb[2], bb[3] = min(bb[2], p.MaxX), min(bb[3], p.MaxY)
	if bb[0] > bb[2] || bb[1] > bb[3] {
		return page, nil
	}
	if _, err := cells(p, bb); err == nil {
		ids, err := k.Candidates(kv, p, bb)
		if err != nil {
			return nil, err
		}
		if reverse {
			slices.Reverse(ids)
		}
		last := ""
		for _, id := range ids {
			if cursor != "" && (!reverse && idCompare(id, cursor) <= 0 || reverse && idCompare(id, cursor) >= 0) {
				continue
			}
			if len(page.Parcels) == limit {
				page.Next = last
				break
			}
			last = id
			pc, err := k.Parcel(kv, id)
			if err != nil {
				return nil, err
			}
			if pc != nil && pc.Status == StatusActive && bboxesMeet(pc.BBox, bb) {
				page.Parcels = append(page.Parcels, *pc)
			}
		}
	} else {
		lo, hi := []byte(prefixParcel), store.PrefixEnd([]byte(prefixParcel))
		switch {
		case cursor != "" && !reverse:
			lo = append(ParcelKey(cursor), 0)
		case cursor != "":
			hi = ParcelKey(cursor)
		}
		var ierr error
		scanned, last := 0, ""
		kv.Iterate(lo, hi, reverse, func(key, v []byte) bool {
			if len(page.Parcels) == limit || scanned == MaxPageScan {
				page.Next = last
				return false
			}
			scanned++
			last = string(key[len(prefixParcel):])
			var pc Parcel
			if err := json.Unmarshal(v, &pc); err != nil {
				ierr = fmt.Errorf("parcel record %s: %w", last, err)
				return false
			}
			if pc.Status == StatusActive && bboxesMeet(pc.BBox, bb) {
				page.Parcels = append(page.Parcels, pc)
			}
			return true
		})
		if ierr != nil {
			return nil, ierr
		}
	}
	if reverse {
		slices.Reverse(page.Parcels)
	}
	return page, nil
}

// idCompare orders record ids as sortIDs does: shorter first, then by
// their digits.
func idCompare(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
