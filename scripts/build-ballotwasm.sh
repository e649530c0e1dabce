#!/usr/bin/env bash
# Builds the portal's WebAssembly: the ballot code (cmd/ballotwasm) into
# web/static/ballot.wasm and the credential presentation builder
# (cmd/presentwasm) into web/static/present.wasm, and copies the Go
# toolchain's wasm_exec.js beside them. Reproducible: the
# same Go version and sources give the same bytes (-trimpath, no build id,
# no VCS stamp), which web/static's TestBallotWasmFresh checks.
# Usage: scripts/build-ballotwasm.sh [OUTDIR]   (default web/static)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-web/static}"
GOOS=js GOARCH=wasm CGO_ENABLED=0 go build -trimpath -buildvcs=false \
	-ldflags='-s -w -buildid=' -o "$out/ballot.wasm" ./cmd/ballotwasm
GOOS=js GOARCH=wasm CGO_ENABLED=0 go build -trimpath -buildvcs=false \
	-ldflags='-s -w -buildid=' -o "$out/present.wasm" ./cmd/presentwasm
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$out/wasm_exec.js"
chmod 644 "$out/ballot.wasm" "$out/present.wasm" "$out/wasm_exec.js"
