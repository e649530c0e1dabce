package land

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/land"
)

// Maps drawn from the register itself (docs/portal.md "Maps"): the
// spatial index finds the parcels in a box (land/parcels/<box>/<limit>)
// and the server draws their stored geometries as SVG; there are no map
// tiles and nothing is fetched from elsewhere.

// mapLimit bounds the parcels one map draws.
const mapLimit = 150

// parcelsIn reads up to mapLimit active parcels meeting box at height h;
// more says the box holds others.
func parcelsIn(ctx context.Context, cl *client.Client, box [4]int64, h int64) (ps []land.Parcel, more bool, err error) {
	var page land.ParcelPage
	if _, err := portal.ReadJSON(ctx, cl, fmt.Sprintf("/land/parcels/%d/%d/%d/%d/%d", box[0], box[1], box[2], box[3], mapLimit), h, &page); err != nil {
		return nil, false, err
	}
	return page.Parcels, page.Next != "", nil
}

// neighbourMap draws parcel p in the middle of a square box reaching
// three quarters of its size beyond it on every side, with the active
// parcels the spatial index finds there.
func neighbourMap(ctx context.Context, cl *client.Client, p *land.Parcel, h int64) (*ui.AreaMap, error) {
	bb := p.BBox
	side := max(bb[2]-bb[0], bb[3]-bb[1], 1)
	side += side * 3 / 2
	cx, cy := bb[0]/2+bb[2]/2, bb[1]/2+bb[3]/2
	box := [4]int64{cx - side/2, cy - side/2, cx + side/2, cy + side/2}
	ps, more, err := parcelsIn(ctx, cl, box, h)
	if err != nil {
		return nil, err
	}
	found := false
	for _, x := range ps {
		found = found || x.ID == p.ID
	}
	if !found { // a retired parcel is no longer in the index: draw it over what replaced it
		ps = append(ps, *p)
	}
	m := ui.NewAreaMap("parcel-map", i18n.T(ctx, "land.areamap.neighbours", p.CadastralRef), box, ps, p.ID, more)
	return &m, nil
}

// landMap serves GET /land/map[?bbox=W,S,E,N]: a box of the register
// with every parcel in it drawn and linked, and links to move the box
// (north, south, east, west) and to zoom in and out. Without a box it
// opens on the first parcel of the register.
func (s *handlers) landMap(c echo.Context) error {
	ctx := c.Request().Context()
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	h, err := s.ReadHeight(c)
	if err != nil {
		return err
	}
	var params land.Params
	if _, err := portal.ReadJSON(ctx, cl, "/land/params", h, &params); err != nil {
		return err
	}
	upm := max(params.UnitsPerMetre, 1)
	minSide, maxSide := 20*upm, 5000*upm // 20 m to 5 km across
	v := ui.MapPageView{Height: h}
	var box [4]int64
	if q := strings.TrimSpace(c.QueryParam("bbox")); q != "" {
		bb, msg := parseBBox(q)
		if msg != "" {
			return echo.NewHTTPError(http.StatusBadRequest, "This map link is damaged: "+msg+".")
		}
		box = bb
	} else {
		// Open on the register's first parcels: the box around them.
		first, _, err := parcelsIn(ctx, cl, [4]int64{params.MinX, params.MinY, params.MaxX, params.MaxY}, h)
		if err != nil {
			return err
		}
		if len(first) == 0 {
			return portal.Render(c, http.StatusOK, ui.MapPage(v))
		}
		box = first[0].BBox
		for _, p := range first[1:] {
			if b := p.BBox; max(box[2], b[2])-min(box[0], b[0]) <= maxSide && max(box[3], b[3])-min(box[1], b[1]) <= maxSide {
				box = [4]int64{min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3])}
			}
		}
		pad := max(box[2]-box[0], box[3]-box[1]) / 20
		box = [4]int64{box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad}
	}
	// A square box of a sensible size, its centre kept.
	cx, cy := box[0]/2+box[2]/2, box[1]/2+box[3]/2
	side := min(max(box[2]-box[0], box[3]-box[1], minSide), maxSide)
	box = [4]int64{cx - side/2, cy - side/2, cx + side/2, cy + side/2}
	ps, more, err := parcelsIn(ctx, cl, box, h)
	if err != nil {
		return err
	}
	m := ui.NewAreaMap("area-map", i18n.T(ctx, "land.areamap.area"), box, ps, "", more)
	v.Map = &m
	link := func(b [4]int64) string { return fmt.Sprintf("/land/map?bbox=%d,%d,%d,%d", b[0], b[1], b[2], b[3]) }
	step := side / 2
	v.North = link([4]int64{box[0], box[1] + step, box[2], box[3] + step})
	v.South = link([4]int64{box[0], box[1] - step, box[2], box[3] - step})
	v.East = link([4]int64{box[0] + step, box[1], box[2] + step, box[3]})
	v.West = link([4]int64{box[0] - step, box[1], box[2] - step, box[3]})
	if side/2 >= minSide {
		v.ZoomIn = link([4]int64{cx - side/4, cy - side/4, cx + side/4, cy + side/4})
	}
	if side*2 <= maxSide {
		v.ZoomOut = link([4]int64{cx - side, cy - side, cx + side, cy + side})
	}
	v.SideMetres = side / upm
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.MapPage(v))
}
