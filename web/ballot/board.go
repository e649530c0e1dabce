package ballot

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/ballot"
)

// BoardPageSize is how many trackers a bulletin board page shows.
const BoardPageSize = 100

// boardPage serves the browsable bulletin board, GET
// /elections/:id/board?after=<tracker>: a page of trackers in key order,
// each with its status and block, every record read with a proof against
// the validator-signed header after one height — and so is the absence of
// any other tracker between them (client.SeekProven: a node cannot leave
// a ballot out of a page).
func (s *handlers) boardPage(c echo.Context) error {
	_, e, err := s.electionOr404(c)
	if err != nil {
		return err
	}
	after := strings.ToLower(c.QueryParam("after"))
	if after != "" && !validTracker(after) {
		return echo.NewHTTPError(http.StatusNotFound, i18n.T(c.Request().Context(), "ballot.after.bad"))
	}
	r, err := s.Reader(c)
	if err != nil {
		return err
	}
	// The election record fixes the height every record is proven at.
	ep, err := r.Proven("/key", ballot.ElectionKey(e.ID))
	if err != nil {
		return err
	}
	if ep.Value == nil {
		return echo.NewHTTPError(http.StatusNotFound, i18n.T(c.Request().Context(), "ballot.notfound"))
	}
	ctx, cl, height := c.Request().Context(), r.Client(), ep.Height
	prefix := ballot.TrackerPrefix(e.ID)
	from := prefix
	if after != "" {
		from = append(ballot.TrackerKey(e.ID, after), 0)
	}
	v := ui.BoardView{ID: e.ID, Title: e.Title, After: after, Height: height, AppHash: r.Proof().AppHash}
	complete, err := provenWalk(ctx, cl, prefix, from, height, BoardPageSize, func(key, value []byte) error {
		var t ballot.Tracker
		if err := json.Unmarshal(value, &t); err != nil {
			return err
		}
		v.Rows = append(v.Rows, ui.TrackerRow{Tracker: string(key[len(prefix):]), Status: t.Status, Height: t.Height, Tx: strings.ToUpper(t.Tx)})
		return nil
	})
	if err != nil {
		return err
	}
	if !complete {
		v.Next = v.Rows[len(v.Rows)-1].Tracker
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.BoardPage(v))
}

// provenWalk hands each to the records under prefix from key from on, at
// height, each read with a proof that no record lies between it and the
// one before (client.SeekProven), and stops after limit records: complete
// is false when more follow.
func provenWalk(ctx context.Context, cl *client.Client, prefix, from []byte, height int64, limit int, each func(key, value []byte) error) (complete bool, err error) {
	for n := 0; ; n++ {
		key, value, err := cl.SeekProven(ctx, from, height)
		if err != nil {
			return false, portal.Unavailable(err)
		}
		if key == nil || !bytes.HasPrefix(key, prefix) {
			return true, nil
		}
		if n == limit {
			return false, nil
		}
		if err := each(key, value); err != nil {
			return false, err
		}
		from = append(key, 0)
	}
}
