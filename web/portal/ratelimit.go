package portal

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

// RateLimit bounds each client address's requests with token buckets: one
// for reads (GET, HEAD; static files included, so a client cannot make the
// portal serve its largest files, such as the WebAssembly modules, without
// limit), one for writes (everything else: forms, signed transactions,
// sign-in). The zero value means the defaults.
type RateLimit struct {
	ReadsPerSecond  float64 // default 100
	ReadBurst       int     // default 300
	WritesPerSecond float64 // default 5
	WriteBurst      int     // default 20
	// Off turns limiting off, e.g. for a load test whose requests all
	// come from one address.
	Off bool
}

func (r RateLimit) withDefaults() RateLimit {
	if r.ReadsPerSecond <= 0 {
		r.ReadsPerSecond = 100
	}
	if r.ReadBurst <= 0 {
		r.ReadBurst = 300
	}
	if r.WritesPerSecond <= 0 {
		r.WritesPerSecond = 5
	}
	if r.WriteBurst <= 0 {
		r.WriteBurst = 20
	}
	return r
}

// rateLimiter answers 429 with Retry-After once a client's bucket is
// empty. Buckets of clients unseen for 3 minutes are dropped.
func rateLimiter(cfg RateLimit) echo.MiddlewareFunc {
	if cfg.Off {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	cfg = cfg.withDefaults()
	store := func(r float64, burst int) middleware.RateLimiterStore {
		return middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(r), Burst: burst, ExpiresIn: 3 * time.Minute})
	}
	reads, writes := store(cfg.ReadsPerSecond, cfg.ReadBurst), store(cfg.WritesPerSecond, cfg.WriteBurst)
	deny := func(c echo.Context, _ string, err error) error {
		c.Response().Header().Set("Retry-After", "1")
		return echo.NewHTTPError(http.StatusTooManyRequests,
			"Too many requests from your address in a short time. Wait a moment, then try again.").SetInternal(err)
	}
	limit := func(s middleware.RateLimiterStore) echo.MiddlewareFunc {
		return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{Store: s, DenyHandler: deny,
			IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil }})
	}
	readMW, writeMW := limit(reads), limit(writes)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		read, write := readMW(next), writeMW(next)
		return func(c echo.Context) error {
			m := c.Request().Method
			switch {
			case m == http.MethodGet || m == http.MethodHead:
				return read(c)
			default:
				return write(c)
			}
		}
	}
}
