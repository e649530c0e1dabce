package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Health serves GET /healthz: 200 "ok" when the node answers and is
// healthy; otherwise 503 with the reason in plain text: the node does not
// answer, a store write or consensus failed, it is catching up, or it has
// made no block for several block intervals (node.Node.Health).
func (s *Server) Health(c echo.Context) error {
	if err := s.chain.Ping(c.Request().Context()); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if s.nodeHealth != nil {
		if err := s.nodeHealth(); err != nil {
			if c.Request().Method == http.MethodHead {
				return c.NoContent(http.StatusServiceUnavailable)
			}
			return c.String(http.StatusServiceUnavailable, err.Error())
		}
	}
	return c.String(http.StatusOK, "ok")
}
