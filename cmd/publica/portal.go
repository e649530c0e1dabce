package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/publica/publica/node"
	"github.com/publica/publica/web"
)

// startPortal serves the whole portal (web.Routes) for node n on addr and
// returns its URL and how to stop it.
func startPortal(addr string, n *node.Node) (string, func() error, error) {
	return startPortalAt(addr, "", false, n)
}

// startPortalAt is startPortal for a portal users reach at public (its
// public URL, e.g. behind a TLS proxy; "": the address it listens on),
// with HSTS if hsts.
func startPortalAt(addr, public string, hsts bool, n *node.Node) (string, func() error, error) {
	s, err := web.NewForNode(n, web.Options{
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		PublicOrigin: public,
		HSTS:         hsts,
	})
	if err != nil {
		return "", nil, err
	}
	if err := s.Start(addr); err != nil {
		return "", nil, err
	}
	stop := func() error {
		// Requests in flight get a few seconds to finish.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return s.Shutdown(ctx)
	}
	return "http://" + s.Addr(), stop, nil
}
