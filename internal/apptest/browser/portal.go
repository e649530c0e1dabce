package browser

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/web"
	"github.com/publica/publica/web/portal"
)

// StartPortal starts a node (testnode, with the demo accounts) and the
// whole portal on a free local port, both stopped when the test ends; it
// returns the portal's base URL and a client of the node.
func StartPortal(t testing.TB) (string, *client.Client) {
	t.Helper()
	n, c := testnode.Start(t, testnode.InitHome(t))
	return Serve(t, n, web.Options{Refresh: -1, Logger: TestLogger(t)}), c
}

// Serve starts the whole portal for node n with opts on a free local port,
// stopped when the test ends, and returns its base URL.
func Serve(t testing.TB, n *node.Node, opts web.Options) string {
	t.Helper()
	return "http://" + StartServer(t, n, opts).Addr()
}

// StartServer is Serve for tests that need the server itself (to shut it
// down early).
func StartServer(t testing.TB, n *node.Node, opts web.Options) *portal.Server {
	t.Helper()
	s, err := web.NewForNode(n, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestLogger sends the portal's warnings and errors to the test log.
func TestLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// Send builds, signs with key and sends one message, waiting for its
// block; the test fails if the chain refuses it.
func Send(t testing.TB, c *client.Client, msgType string, msg any, key ed25519.PrivateKey) *client.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	x, err := c.Build(ctx, key.Public().(ed25519.PublicKey), msgType, msg, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(ctx, x, key)
	if err != nil {
		t.Fatalf("%s: %v", msgType, err)
	}
	return res
}
