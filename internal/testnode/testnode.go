// Package testnode starts real single-validator Publica nodes for tests:
// a temporary home, the development genesis, free loopback ports and fast
// blocks.
package testnode

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/app"
	"github.com/publica/publica/client"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/testnet"
)

// FreeAddr returns a loopback tcp address that is free right now, taken
// where testnet.FreeBasePort takes its ports: below the kernel's
// ephemeral range, where an outgoing connection of a test running beside
// this one cannot take it before the node binds it.
func FreeAddr(t testing.TB) string {
	t.Helper()
	if port, err := testnet.FreeBasePort(1); err == nil {
		return "127.0.0.1:" + strconv.Itoa(port)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// InitHome creates a development home in a new temp dir.
func InitHome(t testing.TB) string {
	t.Helper()
	home := TempHome(t)
	err := node.Init(home, node.InitOptions{
		ChainID:       genesis.DevChainID,
		AppState:      genesis.DevAppState(),
		BlockInterval: 100 * time.Millisecond,
		// Tests wait for heights: a quiet test chain still moves on.
		EmptyBlockInterval: 200 * time.Millisecond,
		RPCAddr:            "tcp://" + FreeAddr(t),
		P2PAddr:            "tcp://" + FreeAddr(t),
		MetricsAddr:        FreeAddr(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	return home
}

// Admission is test nodes' admission policy: publica start's quotas, with
// a registration's proof of work cut to 8 bits so that tests registering
// accounts stay fast (the client still finds and the node still checks it).
var Admission = func() app.Admission {
	a := app.DefaultAdmission
	a.RegisterWorkBits = 8
	return a
}()

// Start runs the node in home until the test ends (or Stop is called) and
// waits until it has produced a block.
func Start(t testing.TB, home string) (*node.Node, *client.Client) {
	t.Helper()
	adm := Admission
	var n *node.Node
	for attempt := 1; ; attempt++ {
		var err error
		n, err = node.Start(home, node.Options{Store: store.DefaultOptions(), Admission: &adm})
		if err == nil {
			break
		}
		// FreeAddr's port was free when the home was made, but another
		// test package running at the same time may have taken it since.
		if attempt == 5 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatal(err)
		}
		t.Logf("start node: %v; moving it to new ports", err)
		MoveToFreePorts(t, home)
	}
	t.Cleanup(func() { n.Stop() })
	c, err := client.New(n.RPCAddress())
	if err != nil {
		t.Fatal(err)
	}
	WaitHeight(t, c, 1)
	return n, c
}

// MoveToFreePorts gives home's node new free loopback ports for RPC, p2p
// and metrics.
func MoveToFreePorts(t testing.TB, home string) {
	t.Helper()
	conf, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	conf.RPC.ListenAddress = "tcp://" + FreeAddr(t)
	conf.P2P.ListenAddress = "tcp://" + FreeAddr(t)
	if conf.Instrumentation.Prometheus {
		conf.Instrumentation.PrometheusListenAddr = FreeAddr(t)
	}
	if err := node.WriteConfig(conf); err != nil {
		t.Fatal(err)
	}
}

// WaitHeight waits until the application has committed height h. (The
// block store, which RPC status reports, is a step ahead: it saves a block
// before the application executes and commits it.)
func WaitHeight(t testing.TB, c *client.Client, h int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		info, err := c.RPC.ABCIInfo(ctx)
		if err == nil && info.Response.LastBlockHeight >= h {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal(fmt.Errorf("node did not reach height %d: %v", h, err))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// DemoKey returns the private key of the named demo account (the same
// keys apptest.DemoKey gives in-process chains).
func DemoKey(t testing.TB, name string) ed25519.PrivateKey {
	t.Helper()
	return apptest.DemoKey(t, name)
}

// Send builds a transaction of msg for keys[0] at its next sequence (valid
// for 100 blocks), has every key sign it, sends it and waits for its
// block; it stops the test on any refusal and returns the result data.
func Send(t testing.TB, c *client.Client, msgType string, msg any, keys ...ed25519.PrivateKey) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	x, err := c.Build(ctx, keys[0].Public().(ed25519.PublicKey), msgType, msg, 100)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(ctx, x, keys...)
	if err != nil {
		t.Fatalf("%s: %v", msgType, err)
	}
	return string(res.Data)
}

// TempHome is a temporary directory removed with retries at the end of the
// test: CometBFT goroutines that outlive a node's Stop by a moment (a last
// priv_validator_state.json write, for one; the address book) can make a
// single RemoveAll (or t.TempDir's cleanup) fail with "directory not
// empty" on a loaded machine.
func TempHome(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "publica-node-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var err error
		for i := 0; i < 50; i++ {
			if err = os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("remove test home: %v", err)
	})
	return dir
}
