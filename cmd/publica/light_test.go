package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/testnet"
	"github.com/publica/publica/x/land"
)

// TestLightProxy: on a 4-validator network, publica light in front of an
// honest validator answers a land title read (/store/land/key and
// /land/title/T1), the latest state and an absence, each verified from a
// trusted header; in front of a validator whose abci_query answers are
// changed on the way (its headers are the chain's; another validator is
// the witness), it refuses them; a trust root the chain does not have is
// refused at start.
func TestLightProxy(t *testing.T) {
	base, err := testnet.FreeBasePort(4)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := testnet.Generate(testnet.Options{Validators: 4, Output: testnode.TempHome(t), BasePort: base,
		BlockInterval: 200 * time.Millisecond, EmptyBlockInterval: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, nd := range tn.Nodes {
		n, err := node.Start(nd.Home, node.Options{Store: store.DefaultOptions()})
		if err != nil {
			t.Fatalf("start %s: %v", nd.Name, err)
		}
		t.Cleanup(func() { n.Stop() })
	}
	home := tn.Nodes[0].Home
	c, err := client.New(tn.Nodes[0].RPCAddr())
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, 2)
	clerk, alice := testnode.DemoKey(t, "clerk"), testnode.DemoKey(t, "citizen-alice")
	h := sha256.Sum256([]byte("deed"))
	d := hex.EncodeToString(h[:])
	testnode.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "LP-1", Document: d,
		Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage("[[[0,0],[100,0],[100,100],[0,100],[0,0]]]")}}, clerk)
	tid := testnode.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: apptest.Account(alice), Share: "1"}}, Tenure: "freehold", Document: d}, clerk)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	one := int64(1)
	commit, err := c.RPC.Commit(ctx, &one)
	if err != nil {
		t.Fatal(err)
	}
	root := fmt.Sprintf("%X", commit.SignedHeader.Hash())
	info, err := c.RPC.ABCIInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	height := info.Response.LastBlockHeight
	testnode.WaitHeight(t, c, height+1)
	opts := rpcclient.ABCIQueryOptions{Height: height, Prove: true}
	honest := "http://" + strings.TrimPrefix(tn.Nodes[0].RPCAddr(), "tcp://")
	witness := tn.Nodes[1].RPCAddr()

	// A node that lies about state: abci_query values are changed on the
	// way, everything else (headers, commits, validators) is the chain's.
	target, _ := url.Parse(honest)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(r *http.Response) error {
		if r.StatusCode == http.StatusSwitchingProtocols { // the websocket passes as it is
			return nil
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		r.Body.Close()
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			if res, ok := m["result"].(map[string]any); ok {
				if resp, ok := res["response"].(map[string]any); ok {
					if v, ok := resp["value"].(string); ok && v != "" {
						raw, _ := base64.StdEncoding.DecodeString(v)
						resp["value"] = base64.StdEncoding.EncodeToString(bytes.Replace(raw, []byte(`"share":"1"`), []byte(`"share":"1/2"`), 1))
						b, _ = json.Marshal(m)
					}
				}
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Del("Content-Length")
		return nil
	}
	liar := httptest.NewServer(rp)
	defer liar.Close()

	// start runs publica light in front of node and returns its client.
	start := func(node string, extra ...string) *rpchttp.HTTP {
		t.Helper()
		listen := "tcp://" + testnode.FreeAddr(t)
		pctx, stop := context.WithCancel(context.Background())
		root := rootCmd()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs(append([]string{"light", "--home", home, "--node", node, "--listen", listen}, extra...))
		done := make(chan error, 1)
		go func() { done <- root.ExecuteContext(pctx) }()
		t.Cleanup(func() {
			stop()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Error("publica light did not stop")
			}
		})
		pc, err := rpchttp.New(listen, "/websocket")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			if _, err := pc.Health(ctx); err == nil {
				return pc
			} else if i == 100 {
				t.Fatalf("publica light did not start: %v\n%s", err, out.String())
			}
			select {
			case err := <-done:
				t.Fatalf("publica light stopped: %v\n%s", err, out.String())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	trust := []string{"--trust-height", "1", "--trust-hash", root}

	pc := start(honest, append(trust, "--witness", witness)...)
	key := land.TitleKey(tid)
	for _, q := range []struct{ path, data string }{{"/store/land/key", string(key)}, {"/land/title/" + tid, ""}} {
		res, err := pc.ABCIQueryWithOptions(ctx, q.path, []byte(q.data), opts)
		if err != nil {
			t.Fatalf("%s through publica light: %v", q.path, err)
		}
		if string(res.Response.Key) != string(key) || !strings.Contains(string(res.Response.Value), `"share":"1"`) {
			t.Fatalf("%s through publica light: %+v", q.path, res.Response)
		}
	}
	// The latest state (no height): read at the height whose next header
	// exists, so it verifies without waiting for a block.
	if res, err := pc.ABCIQueryWithOptions(ctx, "/land/title/"+tid, nil, rpcclient.ABCIQueryOptions{}); err != nil || string(res.Response.Key) != string(key) {
		t.Fatalf("latest title through publica light: %v %+v", err, res)
	}
	if res, err := pc.ABCIQueryWithOptions(ctx, "/store/land/key", land.TitleKey("T999"), opts); err != nil || len(res.Response.Value) != 0 {
		t.Fatalf("absent title through publica light: %v %+v", err, res)
	}

	// In front of the liar (another validator as witness): refused.
	lc := start(liar.URL, append(trust, "--witness", witness)...)
	for _, q := range []struct{ path, data string }{{"/store/land/key", string(key)}, {"/land/title/" + tid, ""}} {
		res, err := lc.ABCIQueryWithOptions(ctx, q.path, []byte(q.data), opts)
		if err == nil {
			t.Errorf("%s through publica light in front of a lying node: accepted %s", q.path, res.Response.Value)
		} else if !strings.Contains(err.Error(), "verify value proof") {
			t.Errorf("%s through publica light in front of a lying node: %v, want the value proof refused", q.path, err)
		}
	}
	// The liar really lies: a plain client takes its word.
	plain, err := rpchttp.New(liar.URL, "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := plain.ABCIQueryWithOptions(ctx, "/store/land/key", key, opts); err != nil || !strings.Contains(string(res.Response.Value), `"share":"1/2"`) {
		t.Fatalf("the lying node's answer: %v %+v", err, res)
	}

	// A trust root the chain does not have, and no root at all.
	wrong := []byte(root)
	if wrong[0] = '0'; root[0] == '0' {
		wrong[0] = '1'
	}
	if _, errOut, err := cli(t, home, "light", "--node", honest, "--trust-height", "1", "--trust-hash", string(wrong), "--listen", "tcp://"+testnode.FreeAddr(t)); err == nil {
		t.Errorf("publica light started from a root the chain does not have: %s", errOut)
	}
	if _, _, err := cli(t, home, "light", "--node", honest); err == nil || !strings.Contains(err.Error(), "--trust-height and --trust-hash are needed") {
		t.Errorf("publica light without a root: %v", err)
	}
}
