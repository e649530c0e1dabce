package web

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/ui"
)

// statusPage renders GET /.
func (s *Server) statusPage(c echo.Context) error {
	st, err := s.chain.Snapshot(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, http.StatusOK, ui.StatusPage(st, s.refresh))
}

// statusJSON serves GET /api/status: the status page's data.
func (s *Server) statusJSON(c echo.Context) error {
	st, err := s.chain.Snapshot(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, st)
}

// health serves GET /healthz: 200 "ok" when the node answers.
func (s *Server) health(c echo.Context) error {
	if err := s.chain.Ping(c.Request().Context()); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.String(http.StatusOK, "ok")
}

// render writes a templ component as an HTML response.
func render(c echo.Context, code int, t templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(code)
	return t.Render(c.Request().Context(), c.Response())
}
