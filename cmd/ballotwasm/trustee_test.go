//go:build !(js && wasm)

package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/ballot"
	"github.com/publica/publica/x/ballot/trustee"
)

// browserTrustee is what the portal's trustee page hands the WebAssembly:
// the key's public half and its signatures of the derivation messages
// (made by WebCrypto in the browser; by ed25519.Sign here, which RFC 8032
// makes the same bytes).
func browserTrustee(priv ed25519.PrivateKey, id string) trusteeRequest {
	return trusteeRequest{
		PublicKey: hex.EncodeToString(priv.Public().(ed25519.PublicKey)),
		CommSig:   hex.EncodeToString(ed25519.Sign(priv, trustee.DerivationMessage(trustee.PurposeComm, id))),
		DealerSig: hex.EncodeToString(ed25519.Sign(priv, trustee.DerivationMessage(trustee.PurposeDealer, id))),
	}
}

type op func(name string, req trusteeRequest) trusteeResponse

// nativeOp runs an operation in this process, as the WebAssembly's handle.
func nativeOp(t *testing.T) op {
	return func(name string, req trusteeRequest) trusteeResponse {
		t.Helper()
		in, _ := json.Marshal(req)
		var resp trusteeResponse
		if err := json.Unmarshal(handle(name, in), &resp); err != nil {
			t.Fatal(err)
		}
		return resp
	}
}

func message[T any](t *testing.T, resp trusteeResponse) *T {
	t.Helper()
	if resp.Error != "" {
		t.Fatalf("trustee operation: %s", resp.Error)
	}
	b, _ := json.Marshal(resp.Message)
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
	return v
}

// ceremony runs a 2-of-3 election's key ceremony and tally where trustee 2
// uses the WebAssembly's operations (run by do) and trustees 1 and 3 the
// CLI's Go code path (x/ballot), checking every message as the chain does.
func ceremony(t *testing.T, do op) {
	const id = "interop"
	var keys []ed25519.PrivateKey
	e := &ballot.Election{ID: id, Threshold: 2, Questions: []ballot.Question{{Text: "q", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}}}}
	for i := 0; i < 3; i++ {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		keys = append(keys, k)
		e.Trustees = append(e.Trustees, tx.AccountID(k.Public().(ed25519.PublicKey)))
	}
	req := func() trusteeRequest {
		r := browserTrustee(keys[1], id)
		b, _ := json.Marshal(e)
		json.Unmarshal(b, &r.Election)
		return r
	}
	// Round 1.
	trs := make([]*ballot.Trustee, 3)
	for j := range trs {
		trs[j] = &ballot.Trustee{Index: uint32(j + 1), Account: e.Trustees[j], CommKey: ballot.CommKeyMsg(keys[j], id).CommKey}
	}
	resp := do("trustee-key", req())
	km := message[msgTrusteeKey](t, resp)
	if resp.Index != 2 || km.Election != id || km.CommKey != trs[1].CommKey {
		t.Fatalf("browser trustee-key %+v (index %d), CLI comm key %s", km, resp.Index, trs[1].CommKey)
	}
	if err := (&ballot.MsgTrusteeKey{Election: km.Election, CommKey: km.CommKey}).ValidateBasic(); err != nil {
		t.Fatal(err)
	}
	// Round 2: the browser's dealing equals the CLI's for the same key.
	for j := range trs {
		m, err := ballot.DealMsg(keys[j], e, uint32(j+1), trs)
		if err != nil {
			t.Fatal(err)
		}
		if j == 1 {
			r := req()
			r.Trustees, _ = ballot.Records(trs, nil)
			dm := message[msgDeal](t, do("deal", r))
			if dm.Commitments != m.Commitments || strings.Join(dm.Shares, ",") != strings.Join(m.Shares, ",") {
				t.Fatal("the browser's dealing differs from the CLI's for the same key")
			}
		}
		raw, _ := hex.DecodeString(m.Commitments)
		dc, err := elgamal.DecodeDealerCommitments(raw)
		if err != nil || elgamal.VerifyDealerCommitments(id, 2, 3, dc) != nil {
			t.Fatalf("dealer %d commitments: %v", j+1, err)
		}
		trs[j].Dealing, trs[j].Shares = m.Commitments, m.Shares
	}
	// Dealer 3 sends trustee 2 a bad share: the browser finds it.
	good := trs[2].Shares[1]
	bad, _ := hex.DecodeString(good)
	bad[5] ^= 0x40
	trs[2].Shares[1] = hex.EncodeToString(bad)
	r := req()
	r.Trustees, _ = ballot.Records(trs, nil)
	checks := do("check-shares", r)
	if checks.Error != "" || len(checks.Shares) != 2 || !checks.Shares[0].OK || checks.Shares[0].Dealer != 1 || checks.Shares[1].OK || checks.Shares[1].Problem == "" {
		t.Fatalf("check-shares: %+v", checks)
	}
	trs[2].Shares[1] = good
	// The browser answers a complaint against it with the CLI's share.
	r = req()
	r.Complainer = 3
	rv := message[msgReveal](t, do("reveal", r))
	want, _ := ballot.RevealShare(keys[1], e, 2, 3)
	if rv.Share != want.Share || rv.Complainer != 3 {
		t.Fatalf("reveal %+v, CLI %+v", rv, want)
	}
	// Publish the key, as the chain does.
	var dcs []elgamal.DealerCommitments
	for _, tr := range trs {
		raw, _ := hex.DecodeString(tr.Dealing)
		dc, _ := elgamal.DecodeDealerCommitments(raw)
		dcs = append(dcs, *dc)
	}
	pk, _ := elgamal.JointPublicKey(dcs)
	e.PublicKey, e.Qualified, e.Phase = pk.String(), []uint32{1, 2, 3}, ballot.PhaseReady
	for j := uint32(1); j <= 3; j++ {
		vk, _ := elgamal.VerificationKey(dcs, j)
		e.VerificationKeys = append(e.VerificationKeys, vk.String())
	}
	// Two ballots, yes and no, summed.
	params, _ := e.Params()
	var cts [][]elgamal.Ciphertext
	for i, ch := range [][][]bool{{{true, false}}, {{false, true}}} {
		b, _, err := elgamal.EncryptBallot(params, "voter", ch, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			cts = [][]elgamal.Ciphertext{{b.Questions[0].Selections[0].Ciphertext, b.Questions[0].Selections[1].Ciphertext}}
		} else {
			for oi := range cts[0] {
				cts[0][oi] = elgamal.Add(cts[0][oi], b.Questions[0].Selections[oi].Ciphertext)
			}
		}
	}
	agg := ballot.EncodeAggregate(2, cts)
	// Tally: the CLI's trustee 1 and the browser's trustee 2.
	ks1, err := ballot.KeyShareFor(keys[0], e, 1, trs, nil)
	if err != nil {
		t.Fatal(err)
	}
	t1, err := ballot.TallyMsg(ks1, e, agg, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r = req()
	b, _ := json.Marshal(e)
	json.Unmarshal(b, &r.Election)
	r.Trustees, _ = ballot.Records(trs, nil)
	r.Aggregate = &struct {
		Questions [][]string `json:"questions"`
	}{agg.Questions}
	t2 := message[msgTally](t, do("tally", r))
	var partials [][]*elgamal.PartialDecryption
	for j, ps := range [][]string{t1.Partials, t2.Partials} {
		if err := (&ballot.MsgTally{Election: id, Partials: ps}).ValidateBasic(); err != nil {
			t.Fatal(err)
		}
		vkRaw, _ := hex.DecodeString(e.VerificationKeys[j])
		vk, _ := elgamal.DecodePublicKey(vkRaw)
		var row []*elgamal.PartialDecryption
		for oi, p := range ps {
			raw, _ := hex.DecodeString(p)
			pd, _ := elgamal.DecodePartialDecryption(raw)
			if err := elgamal.VerifyPartialDecryption(vk, elgamal.DecryptionContext{ElectionID: id, Option: uint32(oi)}, cts[0][oi], pd); err != nil {
				t.Fatalf("trustee %d option %d: %v", j+1, oi, err)
			}
			row = append(row, pd)
		}
		partials = append(partials, row)
	}
	res, err := ballot.CombineTally(cts, 2, partials, 2)
	if err != nil || res.Counts[0][0] != 1 || res.Counts[0][1] != 1 {
		t.Fatalf("tally %+v %v", res, err)
	}
}

// TestTrusteeInteropNative: CLI and WebAssembly trustees (the latter's
// code run natively) take part in the same ceremony and tally.
func TestTrusteeInteropNative(t *testing.T) { ceremony(t, nativeOp(t)) }

func TestTrusteeRefusals(t *testing.T) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	r := browserTrustee(k, "e1")
	r.Election.ID = "e1"
	r.Election.Trustees = []string{tx.AccountID(other.Public().(ed25519.PublicKey)), tx.AccountID(k.Public().(ed25519.PublicKey))}
	r.Election.Threshold = 1
	do := nativeOp(t)
	for name, c := range map[string]struct {
		op   string
		edit func(*trusteeRequest)
		want string
	}{
		"not a trustee":      {"trustee-key", func(r *trusteeRequest) { r.Election.Trustees = r.Election.Trustees[:1] }, "not a trustee"},
		"signature of other": {"trustee-key", func(r *trusteeRequest) { r.CommSig = browserTrustee(other, "e1").CommSig }, "derivation signature"},
		"deal too early":     {"deal", func(r *trusteeRequest) {}, "has not registered"},
		"reveal to self":     {"reveal", func(r *trusteeRequest) { r.Complainer = 2 }, "not yourself"},
		"tally without key":  {"tally", func(r *trusteeRequest) {}, "not published"},
		"unknown op":         {"sign", func(r *trusteeRequest) {}, "unknown operation"},
		"bad hex":            {"trustee-key", func(r *trusteeRequest) { r.PublicKey = "zz" }, "public_key"},
	} {
		rr := r
		rr.Election.Trustees = append([]string(nil), r.Election.Trustees...)
		c.edit(&rr)
		if !isTrusteeOp(c.op) { // handle would take it for a ballot operation
			if _, err := trusteeOp(c.op, &rr, rand.Reader); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if got := do(c.op, rr); got.Error == "" || !strings.Contains(got.Error, c.want) || got.Message != nil {
			t.Errorf("%s: %+v, want an error with %q", name, got, c.want)
		}
	}
	var resp trusteeResponse
	if json.Unmarshal(handle("deal", []byte("{")), &resp) != nil || resp.Error == "" {
		t.Errorf("bad JSON: %+v", resp)
	}
}

const trusteeRunnerJS = `"use strict";
globalThis.require = require;
globalThis.fs = require("fs");
globalThis.TextEncoder = require("util").TextEncoder;
globalThis.TextDecoder = require("util").TextDecoder;
globalThis.performance ??= require("perf_hooks").performance;
globalThis.crypto ??= require("crypto").webcrypto;
require(process.argv[2]);
const go = new Go();
WebAssembly.instantiate(fs.readFileSync(process.argv[3]), go.importObject).then((result) => {
	go.run(result.instance);
	const lines = fs.readFileSync(0, "utf8").split("\n").filter(Boolean);
	for (const l of lines) {
		const {op, req} = JSON.parse(l);
		process.stdout.write(globalThis.publicaTrustee(op, JSON.stringify(req)) + "\n");
	}
	process.exit(0);
}).catch((err) => { console.error(err); process.exit(1); });
`

// TestTrusteeInteropWasm: the same ceremony with trustee 2's operations
// run by the committed web/static/ballot.wasm under node.
func TestTrusteeInteropWasm(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH")
	}
	dir := t.TempDir()
	runner := filepath.Join(dir, "runner.js")
	os.WriteFile(runner, []byte(trusteeRunnerJS), 0o644)
	static, err := filepath.Abs(filepath.Join("..", "..", "web", "static"))
	if err != nil {
		t.Fatal(err)
	}
	// Each op starts the WebAssembly afresh: the ops keep no state.
	ceremony(t, func(name string, req trusteeRequest) trusteeResponse {
		t.Helper()
		line, _ := json.Marshal(map[string]any{"op": name, "req": req})
		cmd := exec.Command(node, runner, filepath.Join(static, "wasm_exec.js"), filepath.Join(static, "ballot.wasm"))
		cmd.Stdin = strings.NewReader(string(line) + "\n")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("node %s: %v\n%s", name, err, stderr.String())
		}
		var resp trusteeResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("%s: %q: %v", name, out, err)
		}
		return resp
	})
}

// FuzzTrustee: any request to any trustee operation gets a JSON answer,
// never a panic.
func FuzzTrustee(f *testing.F) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	r := browserTrustee(k, "e1")
	r.Election.ID = "e1"
	r.Election.Trustees = []string{tx.AccountID(k.Public().(ed25519.PublicKey))}
	r.Election.Threshold = 1
	seed, _ := json.Marshal(r)
	for _, op := range trusteeOps {
		f.Add(op, string(seed))
	}
	f.Add("tally", `{"election":{"id":"e1","trustees":[],"verification_keys":["zz"]},"aggregate":{"questions":[["00"]]}}`)
	f.Fuzz(func(t *testing.T, op, in string) {
		var resp trusteeResponse
		if err := json.Unmarshal(handleTrustee(op, []byte(in)), &resp); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
	})
}
