package static

// ballot.wasm is cmd/ballotwasm and present.wasm cmd/presentwasm built for
// GOOS=js GOARCH=wasm, and
// wasm_exec.js the matching loader from $(go env GOROOT)/lib/wasm. All are
// generated (go generate ./web/static, or make generate) and committed;
// TestBallotWasmFresh rebuilds them and fails if the committed copies differ.

//go:generate ../../scripts/build-ballotwasm.sh
