package node_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/x/authority"
)

// The metrics endpoint, on by default, serves CometBFT's metrics and the
// application's, counting a transaction by module, type and result.
func TestMetricsScrape(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	addr := n.MetricsAddress()
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("metrics address %q is not loopback", addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	reg, err := c.Build(ctx, key.Public().(ed25519.PublicKey), authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, reg, key); err != nil {
		t.Fatal(err)
	}
	var body string
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			if strings.Contains(body, `publica_txs_total{code="0",module="authority",type="authority/register-account"}`) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never counted the transaction (%v):\n%s", err, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{
		"publica_block_execution_seconds_count",
		"publica_store_commit_seconds_count",
		"publica_block_txs_bucket",
		"publica_ballots_cast_total",
		"publica_store_log_bytes",
		"publica_store_log_versions",
		"publica_store_snapshot_rewrites_held_back 0",
		"publica_store_snapshot_rewrites_as_layers 0",
		"publica_store_snapshot_rewrites_failed 0",
		"publica_store_snapshot_bytes",
		"publica_store_snapshot_layers 0",
		"cometbft_consensus_height{",
		"cometbft_mempool_size{",
		"cometbft_state_block_processing_time",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
