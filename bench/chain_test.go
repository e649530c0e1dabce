package bench

import (
	"bytes"
	"strings"
	"testing"
)

// TestChainSmall runs the benchmark driver on a tiny load so that `make
// bench` cannot rot: every transaction must succeed and the report must
// carry both figures.
func TestChainSmall(t *testing.T) {
	var out bytes.Buffer
	res, err := Chain(&out, ChainOptions{Blocks: 2, TxsPerBlock: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Txs != 40 || res[1].Txs != 40 || res[0].TxPerSec <= 0 {
		t.Fatalf("unexpected results %+v", res)
	}
	if !strings.Contains(out.String(), "ed25519 verify") || !strings.Contains(out.String(), "of the bare verify rate") {
		t.Fatalf("report lacks figures:\n%s", out.String())
	}
}
