package features

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/x/land"
	"github.com/publica/publica/x/land/geojson"
)

type service struct{ p *portal.Server }

// Media types.
const (
	geoJSON = "application/geo+json"
	oasJSON = "application/vnd.oai.openapi+json;version=3.0"
)

// Conformance classes this service implements.
var conformsTo = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
}

// exception is an OGC API exception body.
type exception struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// problem is an answer other than success: a status, an OGC exception
// code and what to tell the client.
type problem struct {
	status int
	code   string
	msg    string
}

func (p *problem) Error() string { return p.msg }

func badParam(format string, args ...any) error {
	return &problem{http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &problem{http.StatusNotFound, "NotFound", fmt.Sprintf(format, args...)}
}

// answerError writes err as an OGC exception: a problem as it is, the
// application's refusal of a query as 400, anything else as the node
// being unreachable (503), logged.
func (s *service) answerError(c echo.Context, err error) error {
	var p *problem
	var qe *client.QueryError
	switch {
	case errors.As(err, &p):
	case errors.As(err, &qe):
		p = &problem{http.StatusBadRequest, "InvalidParameterValue", qe.Log}
	default:
		s.p.Log().Error("features: read failed", "path", c.Request().URL.Path, "err", err)
		p = &problem{http.StatusServiceUnavailable, "ServiceUnavailable", "The portal cannot read the register from its node just now; try again shortly."}
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	cors(c)
	return c.JSON(p.status, exception{Code: p.code, Description: p.msg})
}

func cors(c echo.Context) {
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "Content-Crs, Publica-Height, Publica-App-Hash, Link")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
}

// allow refuses query parameters the endpoint does not define (OGC API
// – Features, /req/core/query-param-unknown) and any f but json.
func allow(c echo.Context, names ...string) error {
	q := c.QueryParams()
	for k, vs := range q {
		if k == "f" {
			if vs[0] != "json" && vs[0] != "geojson" {
				return badParam("f=%s: this service answers in JSON only (f=json)", vs[0])
			}
			continue
		}
		known := false
		for _, n := range names {
			known = known || k == n
		}
		if !known {
			return badParam("unknown query parameter %q; this endpoint takes %s", k, strings.Join(append([]string{"f"}, names...), ", "))
		}
		if len(vs) > 1 {
			return badParam("query parameter %q is given %d times", k, len(vs))
		}
	}
	return nil
}

// state is what one answer reads: the chain at one height, with the
// register's params.
type state struct {
	ctx    context.Context
	cl     *client.Client
	height int64
	params *land.Params
	crs    land.ProjectedCRS
}

// read picks the height (height=, datetime=, or the settled height: the
// newest whose next header is signed) and reads the params there.
func (s *service) read(c echo.Context) (*state, error) {
	ctx := c.Request().Context()
	cl, err := s.p.Client(c)
	if err != nil {
		return nil, err
	}
	latest, err := cl.LatestHeight(ctx)
	if err != nil {
		return nil, portal.Unavailable(err)
	}
	settled := max(latest-1, 1)
	st := &state{ctx: ctx, cl: cl, height: settled}
	hq, dq := c.QueryParam("height"), c.QueryParam("datetime")
	switch {
	case hq != "" && dq != "":
		return nil, badParam("give height or datetime, not both")
	case hq != "":
		h, err := strconv.ParseInt(hq, 10, 64)
		if err != nil || h < 1 {
			return nil, badParam("height %q is not a block number (a whole number from 1)", hq)
		}
		if h > settled {
			return nil, notFound("block %d is not settled yet; the newest settled block is %d", h, settled)
		}
		st.height = h
	case dq != "":
		h, err := heightAt(ctx, cl, dq, settled)
		if err != nil {
			return nil, err
		}
		st.height = h
	}
	p, err := portal.Record[land.Params](ctx, cl, "/land/params", st.height)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, notFound("the chain has no land register at height %d", st.height)
	}
	st.params = p
	if st.crs, err = land.LookupCRS(p.CRS); err != nil {
		return nil, err
	}
	c.Response().Header().Set("Publica-Height", strconv.FormatInt(st.height, 10))
	return st, nil
}

// heightAt reads datetime (an RFC 3339 instant) as the last block at or
// before it, through the application's block-time index.
func heightAt(ctx context.Context, cl *client.Client, dt string, settled int64) (int64, error) {
	if strings.Contains(dt, "/") || strings.Contains(dt, "..") {
		return 0, badParam("datetime %q: the register is read at an instant (e.g. 2026-01-01T12:00:00Z), not over an interval", dt)
	}
	t, err := time.Parse(time.RFC3339Nano, dt)
	if err != nil {
		return 0, badParam("datetime %q is not an RFC 3339 instant such as 2026-01-01T12:00:00Z", dt)
	}
	res, err := cl.Query(ctx, "/land/height-at/"+t.UTC().Format(time.RFC3339Nano), nil, settled, false)
	if err != nil {
		var qe *client.QueryError
		if errors.As(err, &qe) {
			return 0, notFound("the chain has no block at or before %s", dt)
		}
		return 0, portal.Unavailable(err)
	}
	k := string(res.Key)
	h, err := strconv.ParseInt(k[strings.LastIndexByte(k, '/')+1:], 10, 64)
	if err != nil || h < 1 {
		return 0, fmt.Errorf("height-at answered key %q", k)
	}
	return h, nil
}

// outputCRS reads crs (and bbox-crs): CRS84 (the default) or the
// registry's storage CRS, by OGC URI or safe CURIE.
func (st *state) isStorageCRS(param, v string) (bool, error) {
	switch strings.TrimSpace(v) {
	case "", geojson.CRS84, "https://www.opengis.net/def/crs/OGC/1.3/CRS84", "[OGC:CRS84]":
		return false, nil
	case geojson.CRSURI(st.crs), strings.Replace(geojson.CRSURI(st.crs), "http:", "https:", 1), "[" + st.crs.EPSG() + "]":
		return true, nil
	}
	return false, badParam("%s %q is not offered; use %s (the default) or %s (the register's storage CRS, %s)", param, v, geojson.CRS84, geojson.CRSURI(st.crs), st.crs.Name)
}

func (st *state) crsURIs() []string { return []string{geojson.CRS84, geojson.CRSURI(st.crs)} }

// link is an OGC API link.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

func (s *service) url(c echo.Context, path string, q url.Values) string {
	u := s.p.Origin(c) + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

var parcelID = regexp.MustCompile(`^P[1-9][0-9]{0,19}$`)

func writeJSON(c echo.Context, status int, contentType string, v any) error {
	cors(c)
	c.Response().Header().Set(echo.HeaderContentType, contentType)
	return c.JSON(status, v)
}
