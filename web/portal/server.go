// Package web is the Publica portal: an Echo server rendering templ
// components, with embedded static assets. It reads the chain through
// CometBFT's RPC interface only (see package chain).
package web

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
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/publica/publica/client"
	"github.com/publica/publica/node"
	"github.com/publica/publica/web/chain"
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
	// ("https://portal.example"), when a TLS proxy is in front. Sign-in
	// challenges are bound to it, and cookies are marked Secure when it is
	// https. "" means the origin of each request as the server sees it.
	PublicOrigin string
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

	cl       *client.Client // builds, relays and proves, through the same RPC
	clMu     sync.Mutex
	clReady  bool
	secret   []byte
	sessions *sessionStore
	journeys map[string]*Journey // by message type
	replays  *replays            // full replays started from the portal (audit_replay.go)

	mu  sync.Mutex
	srv *http.Server
	ln  net.Listener
}

// New builds a portal reading the chain through rpc (an
// rpc/client/local.Local for an in-process node, or rpc/client/http.HTTP).
func New(rpc rpcclient.Client, opts Options) (*Server, error) {
	if rpc == nil {
		return nil, errors.New("web: no RPC client")
	}
	s := &Server{chain: chain.NewSource(rpc), log: opts.Logger, timeout: opts.RequestTimeout,
		home: opts.Home, rateLimit: opts.RateLimit, origin: strings.TrimRight(opts.PublicOrigin, "/"),
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
	for _, j := range Journeys {
		s.journeys[j.MsgType] = j
	}
	s.echo = s.routes()
	return s, nil
}

// NewForNode builds a portal for an in-process node, reading it through
// CometBFT's local RPC client. It fails if the node does not answer.
func NewForNode(n *node.Node, opts Options) (*Server, error) {
	if n == nil || n.Comet == nil {
		return nil, errors.New("web: no node")
	}
	if opts.Home == "" && n.Config != nil {
		opts.Home = n.Config.RootDir
	}
	s, err := New(local.New(n.Comet), opts)
	if err != nil {
		return nil, err
	}
	// local.New only logs a failure to configure its RPC environment and
	// returns a client that cannot work; find out now, not on first request.
	if err := s.chain.Ping(context.Background()); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return s, nil
}

func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// No proxy in front by default: the client address is the peer address,
	// never a header the client can forge.
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = s.handleError

	e.Use(securityHeaders) // first, so even error responses carry them
	e.Use(middleware.RequestID())
	e.Use(s.requestLog())
	e.Use(s.recoverer())
	e.Use(rateLimiter(s.rateLimit))
	e.Use(middleware.BodyLimit("64K"))
	e.Use(middleware.ContextTimeout(s.timeout))
	e.Use(s.csrf())
	e.Use(s.viewer)

	e.GET("/", s.statusPage)
	e.GET("/api/status", s.statusJSON)
	e.GET("/healthz", s.health)
	e.HEAD("/healthz", s.health)
	e.GET("/static/*", staticHandler())

	// Keys, sign-in and the signed-transaction journeys.
	e.GET("/keys", s.keysPage)
	e.GET("/signin", s.signInPage)
	e.POST("/signin", s.signIn)
	e.POST("/signout", s.signOut)
	for _, j := range Journeys {
		e.GET(j.Path, s.journeyForm(j))
		e.POST(j.Path, s.journeyPrepare(j))
	}
	e.POST("/tx/send", s.txSend)

	// Explorer.
	e.GET("/blocks", s.blocksPage)
	e.GET("/blocks/:height", s.blockPage)
	e.GET("/tx/:hash", s.txPage)
	e.GET("/accounts/:id", s.accountPage)

	// Elections (ballot_handlers.go).
	s.ballotRoutes(e)

	// Land registry pages (land_pages.go).
	s.landRoutes(e)

	// Credentials: issuers, holders, verifiers (identity_pages.go).
	s.identityRoutes(e)

	// Full replays started by auditors (audit_replay.go).
	s.auditRoutes(e)
	return e
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
	rerr := s.replays.stop(ctx) // a running replay ends with the server
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
