package features

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/x/land"
	"github.com/publica/publica/x/land/geojson"
)

func (s *service) landing(c echo.Context) error {
	if err := allow(c); err != nil {
		return s.answerError(c, err)
	}
	return writeJSON(c, http.StatusOK, echo.MIMEApplicationJSON, map[string]any{
		"title":       "Publica land register",
		"description": "The land register's parcels (spatial units) as OGC API – Features, in GeoJSON, in WGS 84 longitude/latitude or the register's projected CRS. Every answer reads one block height (header Publica-Height).",
		"links": []link{
			{Href: s.url(c, Base, nil), Rel: "self", Type: echo.MIMEApplicationJSON, Title: "This document"},
			{Href: s.url(c, Base+"/api", nil), Rel: "service-desc", Type: oasJSON, Title: "The API definition"},
			{Href: s.url(c, Base+"/conformance", nil), Rel: "conformance", Type: echo.MIMEApplicationJSON, Title: "Conformance classes"},
			{Href: s.url(c, Base+"/collections", nil), Rel: "data", Type: echo.MIMEApplicationJSON, Title: "The collections: parcels"},
		},
	})
}

func (s *service) conformance(c echo.Context) error {
	if err := allow(c); err != nil {
		return s.answerError(c, err)
	}
	return writeJSON(c, http.StatusOK, echo.MIMEApplicationJSON, map[string]any{"conformsTo": conformsTo})
}

func (s *service) notFound(c echo.Context) error {
	return s.answerError(c, notFound("no such resource: %s (the service's landing page is %s)", c.Request().URL.Path, Base))
}

// collectionDoc describes the parcels collection.
func (s *service) collectionDoc(c echo.Context, st *state) map[string]any {
	enc, _ := geojson.NewEncoder(st.params, false)
	aou := enc.AreaOfUse()
	items := Base + "/collections/parcels/items"
	download := Base + "/collections/parcels/download"
	return map[string]any{
		"id":    "parcels",
		"title": "Parcels",
		"description": "Active parcels of the land register, each with its cadastral reference, address, title and exact area (area_m2, " +
			"computed by the chain in " + st.crs.EPSG() + "). Stored in " + st.crs.Name + " in 1/" + strconv.FormatInt(st.params.UnitsPerMetre, 10) + " metres.",
		"itemType":   "feature",
		"crs":        st.crsURIs(),
		"storageCrs": geojson.CRSURI(st.crs),
		"extent": map[string]any{
			"spatial": map[string]any{"bbox": [][4]float64{aou}, "crs": geojson.CRS84},
		},
		"links": []link{
			{Href: s.url(c, Base+"/collections/parcels", nil), Rel: "self", Type: echo.MIMEApplicationJSON, Title: "This collection"},
			{Href: s.url(c, items, nil), Rel: "items", Type: geoJSON, Title: "Parcels (RFC 7946, WGS 84 longitude/latitude)"},
			{Href: s.url(c, download, nil), Rel: "enclosure", Type: geoJSON, Title: "The whole register, RFC 7946 (WGS 84 longitude/latitude)"},
			{Href: s.url(c, download, url.Values{"crs": {geojson.CRSURI(st.crs)}}), Rel: "enclosure", Type: geoJSON,
				Title: "The whole register in " + st.crs.Name + " (metres, exact)"},
		},
	}
}

func (s *service) collections(c echo.Context) error {
	if err := allow(c, "height", "datetime"); err != nil {
		return s.answerError(c, err)
	}
	st, err := s.read(c)
	if err != nil {
		return s.answerError(c, err)
	}
	return writeJSON(c, http.StatusOK, echo.MIMEApplicationJSON, map[string]any{
		"links":       []link{{Href: s.url(c, Base+"/collections", nil), Rel: "self", Type: echo.MIMEApplicationJSON}},
		"collections": []any{s.collectionDoc(c, st)},
		"crs":         st.crsURIs(),
	})
}

func (s *service) collection(c echo.Context) error {
	if err := allow(c, "height", "datetime"); err != nil {
		return s.answerError(c, err)
	}
	st, err := s.read(c)
	if err != nil {
		return s.answerError(c, err)
	}
	return writeJSON(c, http.StatusOK, echo.MIMEApplicationJSON, s.collectionDoc(c, st))
}

// DefaultLimit and MaxLimit bound the features of one items page.
const (
	DefaultLimit = 100
	MaxLimit     = land.MaxPageLimit
)

// box reads bbox and bbox-crs into registry units; no bbox is the whole
// extent.
func (st *state) box(c echo.Context) ([4]int64, error) {
	p := st.params
	whole := [4]int64{p.MinX, p.MinY, p.MaxX, p.MaxY}
	raw := c.QueryParam("bbox")
	projected, err := st.isStorageCRS("bbox-crs", c.QueryParam("bbox-crs"))
	if err != nil {
		return whole, err
	}
	if raw == "" {
		return whole, nil
	}
	parts := strings.Split(raw, ",")
	if len(parts) != 4 {
		return whole, badParam("bbox %q must be four numbers: min x, min y, max x, max y (longitude/latitude unless bbox-crs names the storage CRS)", raw)
	}
	var bb [4]float64
	for i, s := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return whole, badParam("bbox value %q is not a number", s)
		}
		bb[i] = v
	}
	if bb[0] > bb[2] || bb[1] > bb[3] {
		return whole, badParam("bbox %q: the minimum exceeds the maximum (a box across the antimeridian is not supported)", raw)
	}
	enc, err := geojson.NewEncoder(st.params, false)
	if err != nil {
		return whole, err
	}
	out, all, err := enc.BBox(bb, projected)
	if err != nil {
		return whole, badParam("bbox %q: %v", raw, err)
	}
	if all {
		return whole, nil
	}
	return out, nil
}

func (s *service) items(c echo.Context) error {
	if err := allow(c, "bbox", "bbox-crs", "crs", "limit", "datetime", "height", "cursor", "before"); err != nil {
		return s.answerError(c, err)
	}
	st, err := s.read(c)
	if err != nil {
		return s.answerError(c, err)
	}
	projected, err := st.isStorageCRS("crs", c.QueryParam("crs"))
	if err != nil {
		return s.answerError(c, err)
	}
	box, err := st.box(c)
	if err != nil {
		return s.answerError(c, err)
	}
	limit := DefaultLimit
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return s.answerError(c, badParam("limit %q is not a whole number from 1", v))
		}
		limit = min(n, MaxLimit)
	}
	cursor, before := c.QueryParam("cursor"), c.QueryParam("before")
	for name, v := range map[string]string{"cursor": cursor, "before": before} {
		if v != "" && !parcelID.MatchString(v) {
			return s.answerError(c, badParam("%s %q is not a parcel id (paging links carry it)", name, v))
		}
	}
	if cursor != "" && before != "" {
		return s.answerError(c, badParam("give cursor or before, not both"))
	}
	path := "/land/parcels/"
	if before != "" {
		path = "/land/parcels-before/"
	}
	path += strconv.FormatInt(box[0], 10) + "/" + strconv.FormatInt(box[1], 10) + "/" + strconv.FormatInt(box[2], 10) + "/" +
		strconv.FormatInt(box[3], 10) + "/" + strconv.Itoa(limit)
	if cursor != "" {
		path += "/" + cursor
	} else if before != "" {
		path += "/" + before
	}
	page, err := portal.Record[land.ParcelPage](st.ctx, st.cl, path, st.height)
	if err != nil {
		return s.answerError(c, err)
	}
	if page == nil {
		page = &land.ParcelPage{}
	}
	enc, err := geojson.NewEncoder(st.params, projected)
	if err != nil {
		return s.answerError(c, err)
	}

	// Links keep the request's parameters, pinned to the height read.
	q := url.Values{}
	for k, v := range c.QueryParams() {
		if k != "cursor" && k != "before" && k != "datetime" {
			q[k] = v
		}
	}
	q.Set("height", strconv.FormatInt(st.height, 10))
	with := func(k, v string) url.Values {
		o := url.Values{}
		for kk, vv := range q {
			o[kk] = vv
		}
		o.Set(k, v)
		return o
	}
	itemsPath := Base + "/collections/parcels/items"
	self := url.Values{}
	for k, v := range c.QueryParams() {
		self[k] = v
	}
	links := []link{
		{Href: s.url(c, itemsPath, self), Rel: "self", Type: geoJSON, Title: "This page"},
		{Href: s.url(c, Base+"/collections/parcels", nil), Rel: "collection", Type: echo.MIMEApplicationJSON, Title: "The parcels collection"},
	}
	n := len(page.Parcels)
	if before == "" {
		if page.Next != "" {
			links = append(links, link{Href: s.url(c, itemsPath, with("cursor", page.Next)), Rel: "next", Type: geoJSON, Title: "Next page"})
		}
		if cursor != "" && n > 0 {
			links = append(links, link{Href: s.url(c, itemsPath, with("before", page.Parcels[0].ID)), Rel: "prev", Type: geoJSON, Title: "Previous page"})
		}
	} else {
		if n > 0 {
			links = append(links, link{Href: s.url(c, itemsPath, with("cursor", page.Parcels[n-1].ID)), Rel: "next", Type: geoJSON, Title: "Next page"})
		}
		if page.Next != "" {
			links = append(links, link{Href: s.url(c, itemsPath, with("before", page.Next)), Rel: "prev", Type: geoJSON, Title: "Previous page"})
		}
	}

	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection",`)
	if projected {
		b.WriteString(`"crs":`)
		b.Write(geojson.CRSMember(st.crs))
		b.WriteByte(',')
	}
	b.WriteString(`"features":[`)
	for i := range page.Parcels {
		f, err := enc.Feature(&page.Parcels[i])
		if err != nil {
			return s.answerError(c, err)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(f)
	}
	lb, _ := json.Marshal(links)
	b.WriteString(`],"links":`)
	b.Write(lb)
	b.WriteString(`,"numberReturned":` + strconv.Itoa(n) + `,"timeStamp":` + strconv.Quote(time.Now().UTC().Format(time.RFC3339)) + `}`)
	s.featureHeaders(c, st, projected)
	return c.Blob(http.StatusOK, geoJSON, b.Bytes())
}

func (s *service) featureHeaders(c echo.Context, st *state, projected bool) {
	cors(c)
	uri := geojson.CRS84
	if projected {
		uri = geojson.CRSURI(st.crs)
	}
	c.Response().Header().Set("Content-Crs", "<"+uri+">")
}

func (s *service) item(c echo.Context) error {
	if err := allow(c, "crs", "datetime", "height"); err != nil {
		return s.answerError(c, err)
	}
	id := c.Param("id")
	if !parcelID.MatchString(id) {
		return s.answerError(c, notFound("%q is not a parcel id such as P1", id))
	}
	st, err := s.read(c)
	if err != nil {
		return s.answerError(c, err)
	}
	projected, err := st.isStorageCRS("crs", c.QueryParam("crs"))
	if err != nil {
		return s.answerError(c, err)
	}
	// One record: read with its proof, checked against the signed header.
	r := portal.NewReader(st.ctx, st.cl, st.height)
	pc, err := portal.ProvenRecord[land.Parcel](r, "/land/parcel/"+id)
	if err != nil {
		return s.answerError(c, err)
	}
	if pc == nil {
		return s.answerError(c, notFound("there is no parcel %s at height %d", id, st.height))
	}
	enc, err := geojson.NewEncoder(st.params, projected)
	if err != nil {
		return s.answerError(c, err)
	}
	f, err := enc.Feature(pc)
	if err != nil {
		return s.answerError(c, err)
	}
	links, _ := json.Marshal([]link{
		{Href: s.url(c, Base+"/collections/parcels/items/"+id, c.QueryParams()), Rel: "self", Type: geoJSON, Title: "This parcel"},
		{Href: s.url(c, Base+"/collections/parcels", nil), Rel: "collection", Type: echo.MIMEApplicationJSON, Title: "The parcels collection"},
		{Href: s.url(c, "/land/parcels/"+id, nil), Rel: "alternate", Type: echo.MIMETextHTML, Title: "The parcel's page in the register"},
	})
	out := append(f[:len(f)-1:len(f)-1], `,"links":`...)
	out = append(out, links...)
	if projected {
		out = append(out, `,"crs":`...)
		out = append(out, geojson.CRSMember(st.crs)...)
	}
	out = append(out, '}')
	s.featureHeaders(c, st, projected)
	c.Response().Header().Set("Publica-App-Hash", strings.ToUpper(r.Proof().AppHash))
	return c.Blob(http.StatusOK, geoJSON, out)
}

// DownloadPage is how many parcels the download reads at a time.
const DownloadPage = 500

// download streams every active parcel at one height as one
// FeatureCollection, page by page, never holding the register in memory.
// It outlives the portal's request timeout: each page extends the write
// deadline, and a client that goes away ends it at the next write.
func (s *service) download(c echo.Context) error {
	if err := allow(c, "crs", "datetime", "height"); err != nil {
		return s.answerError(c, err)
	}
	st, err := s.read(c)
	if err != nil {
		return s.answerError(c, err)
	}
	projected, err := st.isStorageCRS("crs", c.QueryParam("crs"))
	if err != nil {
		return s.answerError(c, err)
	}
	enc, err := geojson.NewEncoder(st.params, projected)
	if err != nil {
		return s.answerError(c, err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), time.Hour)
	defer cancel()
	p := st.params
	prefix := "/land/parcels/" + strconv.FormatInt(p.MinX, 10) + "/" + strconv.FormatInt(p.MinY, 10) + "/" +
		strconv.FormatInt(p.MaxX, 10) + "/" + strconv.FormatInt(p.MaxY, 10) + "/" + strconv.Itoa(DownloadPage)
	// The first page before anything is written, so a failure is still
	// an exception with its status.
	page, err := portal.Record[land.ParcelPage](ctx, st.cl, prefix, st.height)
	if err != nil {
		return s.answerError(c, err)
	}
	name := "parcels-" + strconv.FormatInt(st.height, 10)
	if projected {
		name += "-epsg" + strconv.Itoa(st.crs.Code)
	}
	s.featureHeaders(c, st, projected)
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, geoJSON)
	w.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.geojson"`)
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","name":"parcels",`)
	if projected {
		buf.WriteString(`"crs":`)
		buf.Write(geojson.CRSMember(st.crs))
		buf.WriteByte(',')
	}
	buf.WriteString(`"publica_height":` + strconv.FormatInt(st.height, 10) + `,"features":[`)
	first := true
	for page != nil {
		for i := range page.Parcels {
			f, err := enc.Feature(&page.Parcels[i])
			if err != nil {
				return s.abort(c, err)
			}
			if !first {
				buf.WriteByte(',')
			}
			first = false
			buf.Write(f)
		}
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		if _, err := w.Write(buf.Bytes()); err != nil {
			return nil // the client went away
		}
		buf.Reset()
		_ = rc.Flush()
		if page.Next == "" {
			break
		}
		if page, err = portal.Record[land.ParcelPage](ctx, st.cl, prefix+"/"+page.Next, st.height); err != nil {
			return s.abort(c, err)
		}
	}
	_, _ = w.Write([]byte("]}\n"))
	return nil
}

// abort ends a download that has started: the status is sent, so the
// body stops short (not valid JSON: the client sees the failure) and the
// log says why.
func (s *service) abort(c echo.Context, err error) error {
	s.p.Log().Error("features: download cut short", "err", err)
	_, _ = c.Response().Write([]byte("\n"))
	return nil
}
