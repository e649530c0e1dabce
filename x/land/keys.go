package land

import (
	"fmt"
)

// State keys (all provable; values are JSON unless noted). Only the
// Keeper reads and writes them; the key functions are exported so that
// clients can ask for proofs.
//
//	land/params                          Params
//	land/seq/<kind>                      last number issued for ids of kind P, T, O, M, L, E, C, N (decimal)
//	land/parcel/<parcel>                 Parcel
//	land/cadref/<cadastral ref>          parcel id (one per parcel, active or retired)
//	land/grid/<cx>/<cy>/<parcel>         GridValue; active parcels whose bounding box meets cell (cx, cy) (10-digit cells)
//	land/title/<title>                   Title
//	land/party/<party>/<title>           the party's (party id or account) current share of the active title
//	land/party-record/<party>            Party (keeper_parties.go)
//	land/signer/<account>/<party>        "1"; the account may sign for the party
//	land/offer/<offer>                   Offer
//	land/history/<parcel>/<seq>          Event number seq (10 digits, from 1) of the parcel's history
//	land/owners/<parcel>/<from>          OwnerPeriod starting at height from (20 digits)
//	land/benefit/<parcel>/<title>/<easement>  "1"; the easement on the active title benefits the parcel
//	land/parcel-offer/<parcel>/<offer>   "1"; the offer was made on a title holding the parcel
//	land/caveat-application/<title>/<caveat>  "1"; the caveat application awaits a clerk's examination
//	land/address/<term>/<parcel>         "1"; the active parcel's normalised address has the words term from one of
//	                                     its first 8 words to its end (keeper_address.go)
//
// Index entries hold "1", never an empty value (see present, keeper.go).
const (
	keyParams     = "land/params"
	prefixLand    = "land/"
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
	prefixCavApp  = "land/caveat-application/"
	prefixAddress = "land/address/"
)

// Kinds of record id, each numbered by its own land/seq/<kind> counter.
const idKinds = "PTOMLECN"

func ParamsKey() []byte               { return []byte(keyParams) }
func SeqKey(kind string) []byte       { return []byte(prefixSeq + kind) }
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
func CaveatApplicationKey(title, caveat string) []byte {
	return []byte(prefixCavApp + title + "/" + caveat)
}
func CaveatApplicationPrefix() []byte { return []byte(prefixCavApp) }
func GridKey(cx, cy int64, p string) []byte {
	return []byte(fmt.Sprintf("%s%010d/%010d/%s", prefixGrid, cx, cy, p))
}
func HistoryKey(p string, seq uint64) []byte {
	return []byte(fmt.Sprintf("%s%s/%010d", prefixHistory, p, seq))
}
func OwnersKey(p string, from int64) []byte {
	return []byte(fmt.Sprintf("%s%s/%020d", prefixOwners, p, from))
}

func gridCellPrefix(cx, cy int64) []byte {
	return []byte(fmt.Sprintf("%s%010d/%010d/", prefixGrid, cx, cy))
}

// GridValue is a grid index entry's value: the parcel's bounding box
// "minx,miny,maxx,maxy", so searches skip parcels that do not meet the box
// without reading them (a cell may hold thousands of parcels).
func GridValue(bb [4]int64) []byte {
	return []byte(fmt.Sprintf("%d,%d,%d,%d", bb[0], bb[1], bb[2], bb[3]))
}

// gridBBox reads a GridValue; ok is false for anything else. A search
// reads every entry of the cells it covers, so this parses in place:
// each of the four fields as strconv.ParseInt(field, 10, 64) would.
func gridBBox(v []byte) (bb [4]int64, ok bool) {
	field := 0
	for start := 0; field < 4; field++ {
		end := start
		for end < len(v) && v[end] != ',' {
			end++
		}
		n, ok := parseInt64(v[start:end])
		if !ok {
			return bb, false
		}
		bb[field] = n
		if end == len(v) {
			break
		}
		start = end + 1
	}
	return bb, field == 3
}

// parseInt64 is strconv.ParseInt(string(b), 10, 64) without the string.
func parseInt64(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (1<<63)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
		if u > 1<<63 {
			return 0, false
		}
	}
	if !neg && u > 1<<63-1 {
		return 0, false
	}
	if neg {
		return -int64(u), true // u == 1<<63 gives math.MinInt64
	}
	return int64(u), true
}

// bboxesMeet reports whether two closed boxes share a point.
func bboxesMeet(a, b [4]int64) bool {
	return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

// bboxesOverlap reports whether two boxes share interior (more than an
// edge or a corner).
func bboxesOverlap(a, b [4]int64) bool {
	return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

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
