package portal

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/web/static"
)

// GzipAsset serves the static asset name (WebAssembly) gzip-compressed,
// once compressed and kept, to clients that accept it, with the same
// caching as the other assets (Static otherwise). Register it at
// static.Prefix+name.
func GzipAsset(name, contentType string) echo.HandlerFunc {
	gz := sync.OnceValues(func() ([]byte, error) {
		raw, err := static.FS.(interface{ ReadFile(string) ([]byte, error) }).ReadFile(name)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(raw)
		if err := zw.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	})
	plain := Static()
	return func(c echo.Context) error {
		h := c.Response().Header()
		if v := c.QueryParam("v"); v != "" && v == static.Version(name) {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("Vary", "Accept-Encoding")
		if !strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
			return plain(c)
		}
		b, err := gz()
		if err != nil {
			return err
		}
		h.Set("Content-Encoding", "gzip")
		return c.Blob(http.StatusOK, contentType, b)
	}
}
