package land

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/land"
)

// landSearch serves GET /land/search?q=WORDS (an address or a cadastral
// reference), ?ref=PREFIX (a reference alone) or ?bbox=W,S,E,N (an area):
// the parcels found, each with its address, reference and owners by
// name, read at the settled height (see readHeight). The address search
// reads x/land's address index, whose every entry is provable; each
// parcel's page is read with its proof.
func (s *handlers) landSearch(c echo.Context) error {
	q := c.QueryParams()
	v := ui.SearchView{Q: strings.TrimSpace(q.Get("q")), Ref: strings.TrimSpace(q.Get("ref")), BBox: strings.TrimSpace(q.Get("bbox"))}
	refuse := func(field, msg string) error {
		v.Errors = []ui.FormError{{Field: field, Message: msg}}
		return portal.Render(c, http.StatusUnprocessableEntity, ui.LandSearch(v))
	}
	if !q.Has("q") && !q.Has("ref") && !q.Has("bbox") {
		return portal.Render(c, http.StatusOK, ui.LandSearch(v))
	}
	if v.Q == "" && v.Ref != "" {
		v.Q = v.Ref // the older link: the reference is shown in the one box
	}
	var bb [4]int64
	switch {
	case v.Q != "" && v.BBox != "":
		return refuse("q", "Search by an address or reference, or by an area, not both")
	case v.Ref != "" && !cadRefRe.MatchString(v.Ref):
		return refuse("q", "A cadastral reference is 1 to 64 letters, digits and . _ : - and starts with a letter or digit")
	case v.Q != "":
		if len(v.Q) > 256 {
			return refuse("q", "Enter at most 256 characters")
		}
		if land.NormalizeAddress(v.Q) == "" {
			return refuse("q", "Enter an address or a cadastral reference with at least one letter or digit")
		}
	case v.BBox != "":
		var msg string
		if bb, msg = parseBBox(v.BBox); msg != "" {
			return refuse("bbox", msg)
		}
	default:
		return refuse("q", "Enter an address or a cadastral reference")
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	h, err := s.ReadHeight(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var ids []string
	if v.BBox != "" {
		var hits []land.BBoxHit
		if err := s.searchList(ctx, cl, fmt.Sprintf("bbox/%d/%d/%d/%d", bb[0], bb[1], bb[2], bb[3]), h, &hits); err != nil {
			return err
		}
		for _, x := range hits {
			ids = append(ids, x.ID)
		}
	} else if ids, err = s.searchWords(ctx, cl, v.Q, v.Ref != "", h); err != nil {
		return err
	}
	if len(ids) > ui.SearchLimit {
		ids, v.Truncated = ids[:ui.SearchLimit], true
	}
	v.Searched, v.Height = true, h
	var owners []string
	for _, id := range ids {
		var p land.Parcel
		ok, err := portal.ReadJSON(ctx, cl, "/land/parcel/"+id, h, &p)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		hit := ui.SearchHit{Parcel: &p}
		if p.Title != "" && p.Status == land.StatusActive {
			var t land.Title
			if ok, err := portal.ReadJSON(ctx, cl, "/land/title/"+p.Title, h, &t); err != nil {
				return err
			} else if ok {
				hit.Title = &t
				for _, o := range t.Owners {
					owners = append(owners, o.Party)
				}
			}
		}
		v.Hits = append(v.Hits, hit)
	}
	if v.Parties, err = readParties(ctx, cl, owners, h); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.LandSearch(v))
}

// searchWords finds parcels by cadastral reference (as typed and in
// capitals) and, unless refOnly, by address words: references first,
// then addresses, each parcel once, in index order.
func (s *handlers) searchWords(ctx context.Context, cl *client.Client, q string, refOnly bool, h int64) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if cadRefRe.MatchString(q) {
		refs := []string{q}
		if up := strings.ToUpper(q); up != q {
			refs = append(refs, up)
		}
		for _, r := range refs {
			var hits []land.CadRefHit
			if err := s.searchList(ctx, cl, "cadref-prefix/"+r, h, &hits); err != nil {
				return nil, err
			}
			for _, x := range hits {
				add(x.Parcel)
			}
		}
	}
	if !refOnly {
		var hits []land.AddressHit
		if err := s.searchList(ctx, cl, "address/"+land.NormalizeAddress(q), h, &hits); err != nil {
			return nil, err
		}
		for _, x := range hits {
			add(x.Parcel)
		}
	}
	return ids, nil
}

// searchList reads a land list query at height h into v.
func (s *handlers) searchList(ctx context.Context, cl *client.Client, path string, h int64, v any) error {
	res, err := cl.Query(ctx, "/land/"+path, nil, h, false)
	if err != nil {
		return portal.Unavailable(err)
	}
	if err := json.Unmarshal(res.Value, v); err != nil {
		return fmt.Errorf("decode search: %w", err)
	}
	return nil
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
