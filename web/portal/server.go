// Package portal is the core of the Publica portal: the Echo server and
// its middleware (security headers, request log, panic recovery, rate
// limits, CSRF), sessions and sign-in, the read height, rendering, the
// one chain reader, and the signing journey (prepare → check → the
// browser signs → relay) that every area's forms and co-signing use.
//
// The core declares no area's pages: New takes the function that
// declares every route (web.Routes), and each area (web/land,
// web/identity, web/ballot, web/explorer, web/audit) registers its pages
// and journeys there through the Server's exported methods. Areas import
// the core and web/ui, never each other.
package portal

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/cometbft/cometbft/rpc/client/local"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/publica/publica/client"
	"github.com/publica/publica/node"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/i18n"
)

// Options tune the portal. The zero value is usable.
type Options struct {
	// Logger receives request and error logs; nil discards them.
	Logger *slog.Logger
	// Refresh is how often the status page updates itself; 0 means 5 s,
	// a negative value turns it off.
	Refresh time.Duration
	// RequestTimeout bounds each handler's work (default 10 s). Sending a
	// transaction waits for its block within this time.
	RequestTimeout time.Duration
	// Home is the node's home directory, where the latest replay report is
	// read from (audit.LastReport); "" hides the replay panel's content.
	// NewForNode sets it from the node's configuration.
	Home string
	// Secret keys the MACs of sign-in challenges and prepared transactions;
	// nil picks a random one, so they do not outlive the process.
	Secret []byte
	// PublicOrigin is the portal's origin as users reach it
	// ("https://portal.example"), when a TLS proxy is in front: every link
	// the portal writes for elsewhere (certificate QR codes, co-signing
	// links, status lists, OpenAPI servers) and sign-in challenges use it,
	// and cookies are marked Secure when it is https. "" means the address
	// the server listens on (http://HOST:PORT; localhost for an
	// unspecified host): never the request's Host header, which any client
	// can set.
	PublicOrigin string
	// HSTS sends Strict-Transport-Security (one year, subdomains) on every
	// response that reached the portal over TLS or whose PublicOrigin is
	// https (behind a TLS proxy): browsers then refuse plain HTTP to it.
	HSTS bool
	// RateLimit bounds requests per client address (see RateLimit).
	RateLimit RateLimit
}

// Server is the portal's HTTP server.
type Server struct {
	echo      *echo.Echo
	chain     *chain.Source
	log       *slog.Logger
	refresh   int // seconds, 0 = off
	timeout   time.Duration
	home      string
	rateLimit RateLimit
	origin    string // Options.PublicOrigin
	hsts      bool

	cl       *client.Client // builds, relays and proves, through the same RPC
	clMu     sync.Mutex
	clReady  bool
	secret   []byte
	sessions *sessionStore
	journeys map[string]*Journey           // by message type, for /tx/send
	cosigned map[string]*Journey           // co-signed journeys by message type
	cosignAt string                        // the co-signing page's path
	stops    []func(context.Context) error // run by Shutdown (a running replay)

	nodeHealth func() error // an in-process node's health (Health), or nil
	largeBody  func(*http.Request) bool

	mu  sync.Mutex
	srv *http.Server
	ln  net.Listener
}

// Routes declares the portal's routes on e (web.Routes: every route of
// the core and of each area, in one place).
type Routes func(e *echo.Echo, s *Server)

// New builds a portal reading the chain through rpc (an
// rpc/client/local.Local for an in-process node, or rpc/client/http.HTTP),
// serving the routes declared by routes (nil: only the error pages).
func New(rpc rpcclient.Client, opts Options, routes Routes) (*Server, error) {
	if rpc == nil {
		return nil, errors.New("web: no RPC client")
	}
	s := &Server{chain: chain.NewSource(rpc), log: opts.Logger, timeout: opts.RequestTimeout,
		home: opts.Home, rateLimit: opts.RateLimit, origin: strings.TrimRight(opts.PublicOrigin, "/"), hsts: opts.HSTS,
		cl: client.NewFromRPC(rpc), sessions: newSessionStore()}
	s.secret = opts.Secret
	if len(s.secret) == 0 {
		s.secret = make([]byte, 32)
		if _, err := rand.Read(s.secret); err != nil {
			return nil, fmt.Errorf("web: secret: %w", err)
		}
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	switch {
	case opts.Refresh == 0:
		s.refresh = 5
	case opts.Refresh > 0:
		s.refresh = max(1, int(opts.Refresh/time.Second))
	}
	s.journeys = map[string]*Journey{}
	s.cosigned = map[string]*Journey{}
	s.echo = s.newEcho()
	if routes != nil {
		routes(s.echo, s)
	}
	return s, nil
}

// NewForNode builds a portal for an in-process node, reading it through
// CometBFT's local RPC client. It fails if the node does not answer.
func NewForNode(n *node.Node, opts Options, routes Routes) (*Server, error) {
	if n == nil || n.Comet == nil {
		return nil, errors.New("web: no node")
	}
	if opts.Home == "" && n.Config != nil {
		opts.Home = n.Config.RootDir
	}
	s, err := New(inProcess{local.New(n.Comet), n}, opts, routes)
	if err != nil {
		return nil, err
	}
	s.nodeHealth = n.Health
	// local.New only logs a failure to configure its RPC environment and
	// returns a client that cannot work; find out now, not on first request.
	if err := s.chain.Ping(context.Background()); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return s, nil
}

// inProcess is the in-process node's RPC, which refuses status once the
// node has stopped: its stores then answer reads with nothing (the node
// keeps CometBFT's late readers from crashing on them), and the portal
// must say the node is unavailable, not show an empty chain.
type inProcess struct {
	*local.Local
	n *node.Node
}

func (c inProcess) Status(ctx context.Context) (*coretypes.ResultStatus, error) {
	if !c.n.Comet.IsRunning() {
		return nil, errors.New("the node is stopped")
	}
	return c.Local.Status(ctx)
}

// newEcho is the server with its middleware and no routes yet.
func (s *Server) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// No proxy in front by default: the client address is the peer address,
	// never a header the client can forge.
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = s.handleError

	e.Use(securityHeaders) // first, so even error responses carry them
	e.Use(s.strictTransport)
	e.Use(middleware.RequestID())
	e.Use(s.requestLog())
	e.Use(s.recoverer())
	e.Use(rateLimiter(s.rateLimit))
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "64K", Skipper: func(c echo.Context) bool {
		return s.largeBody != nil && s.largeBody(c.Request()) // an area with its own limit (document uploads)
	}}))
	e.Use(middleware.ContextTimeout(s.timeout))
	e.Use(s.csrf())
	e.Use(s.viewer)
	e.Use(i18n.Middleware) // the page's language: cookie, Accept-Language, English
	return e
}

// AllowLargeBody exempts the requests f picks from the portal's 64 KiB
// body limit; their handler must bound the body itself (document uploads,
// web/documents). Call it while declaring routes.
// Each call adds to the requests exempted.
func (s *Server) AllowLargeBody(f func(*http.Request) bool) {
	if prev := s.largeBody; prev != nil {
		s.largeBody = func(r *http.Request) bool { return prev(r) || f(r) }
		return
	}
	s.largeBody = f
}

// Log is the portal's logger.
func (s *Server) Log() *slog.Logger { return s.log }

// Refresh is how often self-updating pages reload, in seconds (0: off).
func (s *Server) Refresh() int { return s.refresh }

// Home is the node's home directory ("" when unknown).
func (s *Server) Home() string { return s.home }

// Chain is the explorer's view of the node (status, blocks, transactions).
func (s *Server) Chain() *chain.Source { return s.chain }

// RPC is the node's RPC client, for work that reads the chain itself (a
// full replay).
func (s *Server) RPC() rpcclient.Client { return s.cl.RPC }

// OnShutdown adds work that Shutdown runs before it stops serving, such
// as stopping a replay the portal started.
func (s *Server) OnShutdown(stop func(context.Context) error) {
	s.stops = append(s.stops, stop)
}

// Handler is the portal as an http.Handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.echo }

// Start listens on addr (host:port; port 0 picks a free one) and serves in
// the background. It returns once the listener is open, so a busy port is
// reported here.
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("web: already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("web: listen %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      s.timeout + 5*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.srv, s.ln = srv, ln
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("portal stopped", "err", err)
		}
	}()
	s.log.Info("portal listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the address the server listens on ("" before Start).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Shutdown stops accepting connections and waits for requests in flight
// until ctx ends; then it closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	var rerr error
	for _, stop := range s.stops {
		rerr = errors.Join(rerr, stop(ctx))
	}
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return rerr
	}
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
		return errors.Join(rerr, fmt.Errorf("web: shutdown: %w", err))
	}
	return rerr
}
