//go:build !(js && wasm)

package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/publica/publica/crypto/elgamal"
)

func testRequest(t *testing.T) (*request, *elgamal.ElectionParams) {
	t.Helper()
	kp, err := elgamal.GenerateKey(elgamal.DeterministicReader("wasm test key"))
	if err != nil {
		t.Fatal(err)
	}
	req := &request{
		ElectionID: "wasm-election",
		PublicKey:  hex.EncodeToString(kp.Public.Bytes()),
		Questions:  []question{{Options: 5, Min: 0, Max: 5}, {Options: 3, Min: 1, Max: 1}},
		Voter:      "acct-wasm",
		Choices:    [][]bool{{true, false, true, true, false}, {false, false, true}},
	}
	p, err := req.params()
	if err != nil {
		t.Fatal(err)
	}
	return req, p
}

// checkResponse decodes an encrypt response and verifies it natively,
// including the Benaloh opening.
func checkResponse(t *testing.T, out []byte, req *request, p *elgamal.ElectionParams) {
	t.Helper()
	var resp response
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("response %q: %v", out, err)
	}
	if resp.Error != "" {
		t.Fatalf("encrypt failed: %s", resp.Error)
	}
	raw, err := hex.DecodeString(resp.Ballot)
	if err != nil {
		t.Fatal(err)
	}
	b, err := elgamal.DecodeAndVerify(raw, p)
	if err != nil {
		t.Fatalf("ballot does not verify natively: %v", err)
	}
	if b.Voter != req.Voter {
		t.Fatalf("voter %q", b.Voter)
	}
	tr, _ := b.Hash()
	if hex.EncodeToString(tr[:]) != resp.Tracker {
		t.Fatal("tracker mismatch")
	}
	rawOpen, _ := hex.DecodeString(resp.Opening)
	op, err := elgamal.DecodeOpening(rawOpen)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.CheckOpening(p, op); err != nil {
		t.Fatal(err)
	}
	for qi := range req.Choices {
		for oi, c := range req.Choices[qi] {
			if op.Choices[qi][oi] != c {
				t.Fatalf("opening q%d o%d = %v, want %v", qi, oi, op.Choices[qi][oi], c)
			}
		}
	}
}

func TestHandleNative(t *testing.T) {
	req, p := testRequest(t)
	in, _ := json.Marshal(req)
	out := handle("encrypt", in)
	checkResponse(t, out, req, p)

	var resp response
	json.Unmarshal(out, &resp)
	vreq := *req
	vreq.Ballot = resp.Ballot
	vin, _ := json.Marshal(&vreq)
	var vresp response
	json.Unmarshal(handle("verify", vin), &vresp)
	if !vresp.OK || vresp.Tracker != resp.Tracker {
		t.Fatalf("verify: %+v", vresp)
	}
	vreq.Voter = "someone-else"
	vin, _ = json.Marshal(&vreq)
	json.Unmarshal(handle("verify", vin), &vresp)
	if vresp.Error == "" {
		t.Fatal("ballot accepted for another voter")
	}

	for name, bad := range map[string]string{
		"not json":     "{",
		"bad key hex":  `{"election_id":"e","public_key":"zz","questions":[{"options":1,"max":1}],"voter":"v","choices":[[true]]}`,
		"identity key": `{"election_id":"e","public_key":"` + strings.Repeat("00", 32) + `","questions":[{"options":1,"max":1}],"voter":"v","choices":[[true]]}`,
		"over-vote":    `{"election_id":"e","public_key":"` + req.PublicKey + `","questions":[{"options":2,"max":1}],"voter":"v","choices":[[true,true]]}`,
	} {
		var r response
		if err := json.Unmarshal(handle("encrypt", []byte(bad)), &r); err != nil || r.Error == "" || r.Ballot != "" {
			t.Errorf("%s: %+v %v", name, r, err)
		}
	}
}

const runnerJS = `"use strict";
globalThis.require = require;
globalThis.fs = require("fs");
globalThis.path = require("path");
globalThis.TextEncoder = require("util").TextEncoder;
globalThis.TextDecoder = require("util").TextDecoder;
globalThis.performance ??= require("perf_hooks").performance;
globalThis.crypto ??= require("crypto").webcrypto;
require(process.argv[2]);
const go = new Go();
WebAssembly.instantiate(fs.readFileSync(process.argv[3]), go.importObject).then((result) => {
	go.run(result.instance);
	const out = globalThis.publicaEncryptBallot(fs.readFileSync(0, "utf8"));
	process.stdout.write(out);
	process.exit(0);
}).catch((err) => { console.error(err); process.exit(1); });
`

func goTool(t *testing.T) string {
	t.Helper()
	gobin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		p, err := exec.LookPath("go")
		if err != nil {
			t.Fatalf("go tool not found: %v", err)
		}
		gobin = p
	}
	return gobin
}

// TestWasmBuildAndRun builds the command for GOOS=js GOARCH=wasm and, when
// node is installed, encrypts a ballot in it and verifies it natively.
func TestWasmBuildAndRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm binary; skipped in -short mode")
	}
	gobin := goTool(t)
	dir := t.TempDir()
	wasm := filepath.Join(dir, "ballot.wasm")
	build := exec.Command(gobin, "build", "-o", wasm, ".")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go build: %v\n%s", err, out)
	}
	if fi, err := os.Stat(wasm); err != nil || fi.Size() == 0 {
		t.Fatalf("no wasm output: %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH: built the wasm binary but cannot run it")
	}
	goroot, err := exec.Command(gobin, "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	root := strings.TrimSpace(string(goroot))
	execJS := filepath.Join(root, "lib", "wasm", "wasm_exec.js")
	if _, err := os.Stat(execJS); err != nil {
		execJS = filepath.Join(root, "misc", "wasm", "wasm_exec.js")
		if _, err := os.Stat(execJS); err != nil {
			t.Fatalf("wasm_exec.js not found under %s", root)
		}
	}
	runner := filepath.Join(dir, "runner.js")
	if err := os.WriteFile(runner, []byte(runnerJS), 0o644); err != nil {
		t.Fatal(err)
	}
	req, p := testRequest(t)
	in, _ := json.Marshal(req)
	cmd := exec.Command(node, runner, execJS, wasm)
	cmd.Stdin = strings.NewReader(string(in))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	checkResponse(t, out, req, p)
}
