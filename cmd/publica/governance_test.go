package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/publica/publica/app"
	"github.com/publica/publica/x/governance"
)

// The governance commands against a running development node: its own
// validator key, a second validator (power 1, so the single running
// validator still holds more than two thirds), the history, an authority
// change, an upgrade scheduled and cancelled.
func TestNetworkCLI(t *testing.T) {
	home, _ := devNode(t)
	var me struct{ Address, Pubkey string }
	if err := json.Unmarshal([]byte(mustCLI(t, home, "show-validator")), &me); err != nil || len(me.Address) != 40 {
		t.Fatalf("show-validator: %+v %v", me, err)
	}
	var vals []governance.Validator
	mustJSON(t, mustCLI(t, home, "query", "governance", "validators"), &vals)
	if len(vals) != 1 || vals[0].PubKey != me.Pubkey {
		t.Fatalf("validators %+v, want this node's key %s", vals, me.Pubkey)
	}

	other := base64.StdEncoding.EncodeToString(ed25519.GenPrivKeyFromSecret([]byte("cli test")).PubKey().Bytes())
	_, _, err := cli(t, home, "tx", "governance", "set-validator", other, "1", "--from", "authority-1")
	if err == nil || !strings.Contains(err.Error(), "authority signatures") {
		t.Fatalf("one signature: %v", err)
	}
	r := decodeResult(t, mustCLI(t, home, "tx", "governance", "set-validator", other, "1", "--name", "agency-2",
		"--from", "authority-1", "--cosign", "authority-2"))
	if r.Code != 0 || !r.hasEvent("governance.validator_changed", "power", "1") {
		t.Fatalf("set-validator: %+v", r)
	}
	out := mustCLI(t, home, "query", "governance", "validator", r.Data, "--prove")
	if !strings.Contains(out, `"agency-2"`) || !strings.Contains(out, "proof verified") {
		t.Fatalf("validator --prove:\n%s", out)
	}
	var hist []governance.ValidatorChange
	mustJSON(t, mustCLI(t, home, "query", "governance", "history"), &hist)
	if len(hist) != 2 || hist[1].EffectiveHeight != r.Height+2 {
		t.Fatalf("history %+v", hist)
	}

	r = decodeResult(t, mustCLI(t, home, "tx", "governance", "schedule-upgrade", "next", "--height", "100000", "--version", "9",
		"--info", "publica 9.0", "--from", "authority-1", "--cosign", "authority-3"))
	if r.Code != 0 {
		t.Fatalf("schedule-upgrade: %+v", r)
	}
	if out := mustCLI(t, home, "query", "governance", "plan"); !strings.Contains(out, `"publica 9.0"`) {
		t.Fatalf("plan:\n%s", out)
	}
	mustCLI(t, home, "tx", "governance", "cancel-upgrade", "next", "--from", "authority-2", "--cosign", "authority-3")

	r = decodeResult(t, mustCLI(t, home, "tx", "authority", "set-authority", "authority-1", "authority-2", "--threshold", "2",
		"--from", "authority-1", "--cosign", "authority-3"))
	if r.Code != 0 || !r.hasEvent("authority.set_changed", "threshold", "2") {
		t.Fatalf("set-authority: %+v", r)
	}
	if out := mustCLI(t, home, "query", "governance", "authority-history"); !strings.Contains(out, `"approvers"`) {
		t.Fatalf("authority-history:\n%s", out)
	}
	if out := mustCLI(t, home, "query", "governance", "version", "--prove"); !strings.Contains(out, fmt.Sprintf(`"version": %d`, app.ProtocolVersion)) {
		t.Fatalf("version:\n%s", out)
	}
	if _, _, err := cli(t, home, "tx", "authority", "set-authority", "authority-1", "--threshold", "2", "--from", "authority-1"); err == nil ||
		!strings.Contains(err.Error(), "threshold 2 outside 1..1") {
		t.Fatalf("bad threshold: %v", err)
	}
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
}
