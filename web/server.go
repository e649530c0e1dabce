// Package web is the Publica portal: an Echo server rendering templ
// components, with embedded static assets. It reads the chain through
// CometBFT's RPC interface only (see package chain).
package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cometbft/cometbft/rpc/client/local"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

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
	// RequestTimeout bounds each handler's work (default 10 s).
	RequestTimeout time.Duration
}

// Server is the portal's HTTP server.
type Server struct {
	echo    *echo.Echo
	chain   *chain.Source
	log     *slog.Logger
	refresh int // seconds, 0 = off
	timeout time.Duration

	mu  sync.Mutex
	srv *http.Server
	ln  net.Listener
}

// New builds a portal reading the chain through rpc (an
// rpc/client/local.Local for an in-process node, or rpc/client/http.HTTP).
func New(rpc chain.RPC, opts Options) (*Server, error) {
	if rpc == nil {
		return nil, errors.New("web: no RPC client")
	}
	s := &Server{chain: chain.NewSource(rpc), log: opts.Logger, timeout: opts.RequestTimeout}
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
	s.echo = s.routes()
	return s, nil
}

// NewForNode builds a portal for an in-process node, reading it through
// CometBFT's local RPC client. It fails if the node does not answer.
func NewForNode(n *node.Node, opts Options) (*Server, error) {
	if n == nil || n.Comet == nil {
		return nil, errors.New("web: no node")
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
	e.Use(middleware.BodyLimit("64K"))
	e.Use(middleware.ContextTimeout(s.timeout))

	e.GET("/", s.statusPage)
	e.GET("/api/status", s.statusJSON)
	e.GET("/healthz", s.health)
	e.HEAD("/healthz", s.health)
	e.GET("/static/*", staticHandler())
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
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
		return fmt.Errorf("web: shutdown: %w", err)
	}
	return nil
}
