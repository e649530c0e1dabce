package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Health serves GET /healthz: 200 "ok" when the node answers.
func (s *Server) Health(c echo.Context) error {
	if err := s.chain.Ping(c.Request().Context()); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.String(http.StatusOK, "ok")
}
