package portal

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/static"
)

// Static serves the embedded assets. A URL carrying the asset's
// current version (static.URL) may be cached for a year; any other
// request for it must revalidate.
func Static() echo.HandlerFunc {
	files := http.FileServerFS(static.FS)
	return func(c echo.Context) error {
		name := strings.TrimPrefix(c.Request().URL.Path, static.Prefix)
		if name == "" || strings.Contains(name, "/") {
			return echo.ErrNotFound
		}
		if _, err := fs.Stat(static.FS, name); err != nil {
			return echo.ErrNotFound
		}
		h := c.Response().Header()
		if v := c.QueryParam("v"); v != "" && v == static.Version(name) {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		r := c.Request().Clone(c.Request().Context())
		r.URL.Path = "/" + name
		files.ServeHTTP(c.Response(), r)
		return nil
	}
}
