package v1

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/x/land"
	"github.com/publica/publica/x/land/geojson"
)

// Ids of the land register's records.
var (
	titleID  = regexp.MustCompile(`^T[1-9][0-9]{0,19}$`)
	parcelID = regexp.MustCompile(`^P[1-9][0-9]{0,19}$`)
	partyID  = regexp.MustCompile(`^N[1-9][0-9]{0,19}$`)
	eventSeq = regexp.MustCompile(`^[0-9]{10}$`)
)

// Key prefixes the lists walk.
var (
	titlePrefix  = land.TitleKey("")
	parcelPrefix = land.ParcelKey("")
	partyPrefix  = land.PartyRecordKey("")
)

// id reads the path parameter name, refusing what is not an id of re
// with 404 (such a record cannot exist).
func id(c echo.Context, name, what string, re *regexp.Regexp) (string, error) {
	v := c.Param(name)
	if !re.MatchString(v) {
		return "", notFound("%q is not a %s id (%s)", v, what, strings.TrimSuffix(strings.TrimPrefix(re.String(), "^"), "$"))
	}
	return v, nil
}

// titles answers GET /api/v1/titles: titles in key order, as stored.
func (a *api) titles(c echo.Context) error {
	return a.listRecords(c, titlePrefix, titleID)
}

// parties answers GET /api/v1/parties: party records in key order.
func (a *api) parties(c echo.Context) error {
	return a.listRecords(c, partyPrefix, partyID)
}

// listRecords answers a page of the JSON records under prefix.
func (a *api) listRecords(c echo.Context, prefix []byte, idRe *regexp.Regexp) error {
	after, limit, err := page(c, idRe)
	if err != nil {
		return fail(c, err)
	}
	r, err := a.open(c)
	if err != nil {
		return fail(c, err)
	}
	items, more, err := r.list(prefix, after, limit)
	if err != nil {
		return fail(c, err)
	}
	data := make([]json.RawMessage, len(items))
	for i, it := range items {
		data[i] = record(it.value)
	}
	next := ""
	if more {
		next = cursor(string(items[len(items)-1].key[len(prefix):]))
	}
	return r.answer(c, data, next)
}

// one answers a single stored JSON record at key, 404 when absent.
func (a *api) one(c echo.Context, key []byte, what string) error {
	r, err := a.open(c)
	if err != nil {
		return fail(c, err)
	}
	v, err := r.get(key)
	if err != nil {
		return fail(c, err)
	}
	if v == nil {
		return fail(c, notFound("there is no %s at height %d", what, r.height))
	}
	return r.answer(c, record(v), "")
}

// title answers GET /api/v1/titles/{id}.
func (a *api) title(c echo.Context) error {
	t, err := id(c, "id", "title", titleID)
	if err != nil {
		return fail(c, err)
	}
	return a.one(c, land.TitleKey(t), "title "+t)
}

// party answers GET /api/v1/parties/{id}.
func (a *api) party(c echo.Context) error {
	p, err := id(c, "id", "party", partyID)
	if err != nil {
		return fail(c, err)
	}
	return a.one(c, land.PartyRecordKey(p), "party "+p)
}

// encoder reads the register's parameters (proven) and ?crs: CRS84, the
// default, or the register's projected CRS, as the OGC service offers.
func (r *reader) encoder(c echo.Context) (*geojson.Encoder, bool, land.ProjectedCRS, error) {
	b, err := r.get(land.ParamsKey())
	if err != nil {
		return nil, false, land.ProjectedCRS{}, err
	}
	if b == nil {
		return nil, false, land.ProjectedCRS{}, notFound("the chain has no land register at height %d", r.height)
	}
	var p land.Params
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, false, land.ProjectedCRS{}, err
	}
	crs, err := land.LookupCRS(p.CRS)
	if err != nil {
		return nil, false, land.ProjectedCRS{}, err
	}
	projected := false
	switch v := strings.TrimSpace(c.QueryParam("crs")); v {
	case "", geojson.CRS84, "[OGC:CRS84]":
	case geojson.CRSURI(crs), "[" + crs.EPSG() + "]":
		projected = true
	default:
		return nil, false, crs, bad("crs %q is not offered: use %s (WGS 84 longitude/latitude, RFC 7946; the default) or %s (the register's %s, in metres)",
			v, geojson.CRS84, geojson.CRSURI(crs), crs.Name)
	}
	enc, err := geojson.NewEncoder(&p, projected)
	return enc, projected, crs, err
}

// feature is a parcel as a GeoJSON Feature, with the crs member GDAL
// reads when projected.
func feature(enc *geojson.Encoder, projected bool, crs land.ProjectedCRS, v []byte) (json.RawMessage, error) {
	var pc land.Parcel
	if err := json.Unmarshal(v, &pc); err != nil {
		return nil, err
	}
	f, err := enc.Feature(&pc)
	if err != nil {
		return nil, err
	}
	if projected {
		f = append(f[:len(f)-1:len(f)-1], `,"crs":`...)
		f = append(f, geojson.CRSMember(crs)...)
		f = append(f, '}')
	}
	return f, nil
}

// parcels answers GET /api/v1/parcels: a GeoJSON FeatureCollection of
// parcels in key order (every status; properties.status says which).
func (a *api) parcels(c echo.Context) error {
	after, limit, err := page(c, parcelID)
	if err != nil {
		return fail(c, err)
	}
	r, err := a.open(c)
	if err != nil {
		return fail(c, err)
	}
	enc, projected, crs, err := r.encoder(c)
	if err != nil {
		return fail(c, err)
	}
	items, more, err := r.list(parcelPrefix, after, limit)
	if err != nil {
		return fail(c, err)
	}
	fc := struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
		CRS      json.RawMessage   `json:"crs,omitempty"`
	}{Type: "FeatureCollection", Features: []json.RawMessage{}}
	for _, it := range items {
		f, err := feature(enc, projected, crs, it.value)
		if err != nil {
			return fail(c, err)
		}
		fc.Features = append(fc.Features, f)
	}
	if projected {
		fc.CRS = geojson.CRSMember(crs)
	}
	next := ""
	if more {
		next = cursor(string(items[len(items)-1].key[len(parcelPrefix):]))
	}
	return r.answer(c, fc, next)
}

// parcel answers GET /api/v1/parcels/{id}: the parcel as a GeoJSON Feature.
func (a *api) parcel(c echo.Context) error {
	p, err := id(c, "id", "parcel", parcelID)
	if err != nil {
		return fail(c, err)
	}
	r, err := a.open(c)
	if err != nil {
		return fail(c, err)
	}
	enc, projected, crs, err := r.encoder(c)
	if err != nil {
		return fail(c, err)
	}
	v, err := r.get(land.ParcelKey(p))
	if err != nil {
		return fail(c, err)
	}
	if v == nil {
		return fail(c, notFound("there is no parcel %s at height %d", p, r.height))
	}
	f, err := feature(enc, projected, crs, v)
	if err != nil {
		return fail(c, err)
	}
	return r.answer(c, f, "")
}

// history answers GET /api/v1/parcels/{id}/history: the parcel's events
// in order (land/history/<parcel>/<seq>), as stored.
func (a *api) history(c echo.Context) error {
	p, err := id(c, "id", "parcel", parcelID)
	if err != nil {
		return fail(c, err)
	}
	after, limit, err := page(c, eventSeq)
	if err != nil {
		return fail(c, err)
	}
	r, err := a.open(c)
	if err != nil {
		return fail(c, err)
	}
	v, err := r.get(land.ParcelKey(p))
	if err != nil {
		return fail(c, err)
	}
	if v == nil {
		return fail(c, notFound("there is no parcel %s at height %d", p, r.height))
	}
	prefix := land.HistoryPrefix(p)
	items, more, err := r.list(prefix, after, limit)
	if err != nil {
		return fail(c, err)
	}
	data := make([]json.RawMessage, len(items))
	for i, it := range items {
		data[i] = record(it.value)
	}
	next := ""
	if more {
		next = cursor(string(items[len(items)-1].key[len(prefix):]))
	}
	return r.answer(c, data, next)
}

// OwnerAt is the data of a dated owner answer.
type OwnerAt struct {
	Parcel string `json:"parcel"`
	Date   string `json:"date"`
	// Height is the last block at or before Date; BlockTime its time and
	// NextBlockTime the next block's, after Date.
	Height        int64             `json:"height"`
	BlockTime     string            `json:"block_time"`
	NextBlockTime string            `json:"next_block_time"`
	Owner         *land.OwnerPeriod `json:"owner"` // null: no title then
}

// owner answers GET /api/v1/parcels/{id}/owner: the owner period in force
// now (or after ?height), or with ?at=<RFC 3339> on that date, proven
// from the date to the period (extract.OwnerProof).
func (a *api) owner(c echo.Context) error {
	p, err := id(c, "id", "parcel", parcelID)
	if err != nil {
		return fail(c, err)
	}
	if at := c.QueryParam("at"); at != "" {
		return a.ownerAt(c, p, at)
	}
	r, err := a.open(c)
	if err != nil {
		return fail(c, err)
	}
	v, err := r.get(land.ParcelKey(p))
	if err != nil {
		return fail(c, err)
	}
	if v == nil {
		return fail(c, notFound("there is no parcel %s at height %d", p, r.height))
	}
	var pc land.Parcel
	if err := json.Unmarshal(v, &pc); err != nil {
		return fail(c, err)
	}
	var data json.RawMessage = json.RawMessage("null")
	if pc.OwnerSince != 0 {
		ov, err := r.get(land.OwnersKey(p, pc.OwnerSince))
		if err != nil {
			return fail(c, err)
		}
		if ov != nil {
			data = record(ov)
		}
	}
	return r.answer(c, data, "")
}

// ownerAt answers the dated owner question.
func (a *api) ownerAt(c echo.Context, parcel, at string) error {
	if c.QueryParam("height") != "" {
		return fail(c, bad("give at (a date) or height, not both"))
	}
	date, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return fail(c, bad("at %q is not an RFC 3339 instant such as 2026-01-01T12:00:00Z", at))
	}
	prove := false
	switch v := c.QueryParam("prove"); v {
	case "", "false":
	case "true":
		prove = true
	default:
		return fail(c, bad("prove must be true or false, not %q", v))
	}
	cl, err := a.p.Client(c)
	if err != nil {
		return fail(c, err)
	}
	ctx := c.Request().Context()
	latest, err := cl.LatestHeight(ctx)
	if err != nil {
		return fail(c, portal.Unavailable(err))
	}
	pr, err := extract.BuildOwnerAt(ctx, cl, parcel, date, latest)
	switch {
	case errors.Is(err, extract.ErrNoBlockYet):
		return fail(c, notFound("no block has been made after %s yet, so the register at that date is not settled; ask for the current owner, or again after the next block", at))
	case errors.Is(err, extract.ErrBeforeChain):
		return fail(c, notFound("%s is before the chain's first block", at))
	case err != nil:
		return fail(c, portal.Unavailable(err, "owner at"))
	}
	res, err := extract.VerifyOwnerAt(pr)
	if err != nil {
		return fail(c, portal.Unavailable(err))
	}
	if len(res.Periods) == 0 {
		// Was the parcel registered then? A parcel with no periods may
		// not exist at all.
		p, err := cl.QueryProven(ctx, "/key", land.ParcelKey(parcel), pr.Height)
		if err != nil {
			return fail(c, portal.Unavailable(err, "proven read"))
		}
		if p.Value == nil {
			return fail(c, notFound("there was no parcel %s at %s (height %d)", parcel, at, pr.Height))
		}
	}
	out := Answer{Height: pr.Height, Data: OwnerAt{Parcel: parcel, Date: pr.Date, Height: pr.Height,
		BlockTime: res.BlockTime.UTC().Format(time.RFC3339Nano), NextBlockTime: res.NextTime.UTC().Format(time.RFC3339Nano), Owner: res.Period}}
	if prove {
		out.Proof = pr
	}
	r := &reader{height: pr.Height, appHash: res.AppHash}
	return r.send(c, out)
}
