package land

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/land"
)

// landSearch serves GET /land/search?ref=PREFIX or ?bbox=W,S,E,N: active
// parcels by cadastral reference prefix or whose bounding box meets an
// area, read at the settled height (see readHeight).
func (s *handlers) landSearch(c echo.Context) error {
	v := ui.SearchView{Ref: strings.TrimSpace(c.QueryParam("ref")), BBox: strings.TrimSpace(c.QueryParam("bbox"))}
	refuse := func(field, msg string) error {
		v.Errors = []ui.FormError{{Field: field, Message: msg}}
		return portal.Render(c, http.StatusUnprocessableEntity, ui.LandSearch(v))
	}
	q := c.QueryParams()
	if !q.Has("ref") && !q.Has("bbox") {
		return portal.Render(c, http.StatusOK, ui.LandSearch(v))
	}
	var path string
	switch {
	case v.Ref != "" && v.BBox != "":
		return refuse("ref", "Search by a cadastral reference or by an area, not both")
	case v.Ref != "":
		if !cadRefRe.MatchString(v.Ref) {
			return refuse("ref", "A cadastral reference is 1 to 64 letters, digits and . _ : - and starts with a letter or digit")
		}
		path = "cadref-prefix/" + v.Ref
	case v.BBox != "":
		bb, msg := parseBBox(v.BBox)
		if msg != "" {
			return refuse("bbox", msg)
		}
		path = fmt.Sprintf("bbox/%d/%d/%d/%d", bb[0], bb[1], bb[2], bb[3])
	default:
		return refuse("ref", "Enter a cadastral reference or an area")
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	h, err := s.ReadHeight(c)
	if err != nil {
		return err
	}
	res, err := cl.Query(c.Request().Context(), "/land/"+path, nil, h, false)
	if err != nil {
		return portal.Unavailable(err)
	}
	v.Searched, v.Height = true, res.Height
	if v.Ref != "" {
		var refs []struct {
			Ref    string `json:"cadastral_ref"`
			Parcel string `json:"parcel"`
		}
		if err := json.Unmarshal(res.Value, &refs); err != nil {
			return fmt.Errorf("decode search: %w", err)
		}
		for _, r := range refs {
			v.Hits = append(v.Hits, land.BBoxHit{ID: r.Parcel, CadastralRef: r.Ref})
		}
	} else if err := json.Unmarshal(res.Value, &v.Hits); err != nil {
		return fmt.Errorf("decode search: %w", err)
	}
	if len(v.Hits) > ui.SearchLimit {
		v.Hits, v.Truncated = v.Hits[:ui.SearchLimit], true
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.LandSearch(v))
}

// parseBBox reads "W,S,E,N" (whole numbers); msg says what is wrong.
func parseBBox(s string) (bb [4]int64, msg string) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return bb, "Enter the area as four whole numbers separated by commas: west, south, east, north"
	}
	for i, p := range parts {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return bb, fmt.Sprintf("%q is not a whole number; enter west, south, east, north as whole numbers", strings.TrimSpace(p))
		}
		bb[i] = n
	}
	if bb[0] > bb[2] || bb[1] > bb[3] {
		return bb, "West must not be greater than east, nor south greater than north"
	}
	return bb, ""
}
