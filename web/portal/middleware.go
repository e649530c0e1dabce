package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/ui"
)

// ContentSecurityPolicy allows nothing but this origin's own files: no
// inline script or style, no framing, forms only to ourselves.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		return next(c)
	}
}

// recoverer logs a panic with its stack and turns it into a 500 page.
func (s *Server) recoverer() echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		StackSize: 8 << 10,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "method", c.Request().Method, "path", c.Request().URL.Path,
				"request_id", requestID(c), "err", err, "stack", string(stack))
			return err
		},
	})
}

func (s *Server) requestLog() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURIPath: true, LogStatus: true, LogLatency: true, LogRemoteIP: true,
		LogRequestID: true,
		// Let the error handler write the response first, so the logged
		// status is the one the client got.
		HandleError: true,
		LogValuesFunc: func(_ echo.Context, v middleware.RequestLoggerValues) error {
			s.log.Info("request", "method", v.Method, "path", v.URIPath, "status", v.Status,
				"latency", v.Latency.Round(time.Microsecond), "ip", v.RemoteIP, "request_id", v.RequestID)
			return nil
		},
	})
}

const handledKey = "web.handledError"

func requestID(c echo.Context) string { return c.Response().Header().Get(echo.HeaderXRequestID) }

// handleError answers every error in the form the client asked for: JSON
// under /api/, plain text for /healthz, otherwise a page in the layout.
// Users never see internal error text; the log has it with the request id.
func (s *Server) handleError(err error, c echo.Context) {
	// The request logger hands errors here and then returns them, so Echo
	// calls this a second time with the same error: answer only once.
	if c.Get(handledKey) != nil {
		return
	}
	c.Set(handledKey, true)
	if c.Response().Committed {
		// Too late for an error page; at least the log knows.
		s.log.Error("error after the response started", "path", c.Request().URL.Path, "request_id", requestID(c), "err", err)
		return
	}
	ctx := c.Request().Context() // carries the page's language (i18n.Middleware)
	if c.Request().URL.Path == "/healthz" {
		ctx = i18n.With(ctx, i18n.English, "/healthz") // for machines: always English
	}
	code, title, msg := http.StatusInternalServerError, i18n.T(ctx, "error.500"), i18n.T(ctx, "error.500.msg")
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		code = he.Code
		title = statusTitle(ctx, code)
		msg = fmt.Sprint(he.Message) // the handler's own words (English unless it translated them)
		if code >= 500 && he.Internal == nil {
			he.Internal = err
		}
	case errors.Is(err, chain.ErrUnavailable):
		code, title, msg = http.StatusServiceUnavailable, i18n.T(ctx, "error.503"), i18n.T(ctx, "error.503.msg")
	}
	if code >= 500 {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path,
			"status", code, "request_id", requestID(c), "err", err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	// The request's context may already be cancelled (handler timeout,
	// which also runs before this handler); the error page must still render.
	c.SetRequest(c.Request().WithContext(context.WithoutCancel(c.Request().Context())))

	path := c.Request().URL.Path
	var werr error
	switch {
	case c.Request().Method == http.MethodHead:
		werr = c.NoContent(code)
	case strings.HasPrefix(path, "/api/"):
		werr = c.JSON(code, map[string]string{"error": msg, "request_id": requestID(c)})
	case path == "/healthz":
		werr = c.String(code, strings.ToLower(title))
	case code == http.StatusNotFound:
		werr = Render(c, code, ui.NotFound(path))
	default:
		werr = Render(c, code, ui.ErrorPage(code, title, msg, requestID(c)))
	}
	if werr != nil {
		s.log.Error("writing error response", "err", werr)
	}
}

// statusTitle is an error page's title for an HTTP status in the page's
// language: the catalog's "error.<code>", else Go's English status text.
func statusTitle(ctx context.Context, code int) string {
	key := "error." + strconv.Itoa(code)
	if t := i18n.T(ctx, key); t != key {
		return t
	}
	return http.StatusText(code)
}
