package portal

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// Which state a proven page reads. A value read at height H is proven by
// the signed header of block H+1, so reading at the latest height means
// waiting for the next block (100 ms and more). Pages therefore read at
// the settled height — the newest whose next header is already signed —
// unless the viewer needs newer: their own last transaction's block (kept
// in a cookie by /tx/send, so people always see what they just did), or
// an explicit ?height= (a past state, for auditors and certificates).

// seenCookie holds the block height of the viewer's last transaction.
const seenCookie = "publica_seen"

// ReadHeight is the state height a proven page should read at.
func (s *Server) ReadHeight(c echo.Context) (int64, error) {
	cl, err := s.Client(c)
	if err != nil {
		return 0, err
	}
	ctx := c.Request().Context()
	latest, err := cl.LatestHeight(ctx)
	if err != nil {
		return 0, Unavailable(err)
	}
	if q := strings.TrimSpace(c.QueryParam("height")); q != "" {
		h, err := strconv.ParseInt(q, 10, 64)
		if err != nil || h < 1 {
			return 0, echo.NewHTTPError(http.StatusBadRequest, "The height must be a block number: a whole number from 1.")
		}
		if h > latest {
			return 0, echo.NewHTTPError(http.StatusNotFound, "Block "+q+" has not been made yet; the latest is "+strconv.FormatInt(latest, 10)+".")
		}
		return h, nil
	}
	h := max(latest-1, 1)
	if ck, err := c.Cookie(seenCookie); err == nil {
		// Never beyond the tip: a forged cookie must not make the page
		// wait for blocks that do not exist.
		if seen, err := strconv.ParseInt(ck.Value, 10, 64); err == nil && seen > h {
			h = min(seen, latest)
		}
	}
	return h, nil
}

// RememberSeen records the height of the viewer's transaction for
// readHeight. It is not a secret: only a hint of how fresh pages must be.
func (s *Server) RememberSeen(c echo.Context, height int64) {
	c.SetCookie(&http.Cookie{Name: seenCookie, Value: strconv.FormatInt(height, 10), Path: "/",
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode, MaxAge: 3600})
}
