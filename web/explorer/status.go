package explorer

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
)

// statusPage renders GET /status (the front page is web/home).
func (s *handlers) statusPage(c echo.Context) error {
	st, err := s.Chain().Snapshot(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.StatusPage(st, s.Refresh()))
}

// statusJSON serves GET /api/status: the status page's data.
func (s *handlers) statusJSON(c echo.Context) error {
	st, err := s.Chain().Snapshot(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, st)
}
