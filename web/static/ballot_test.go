package static

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBallotWasmFresh rebuilds the ballot and presentation WebAssembly and
// the loader the
// way `go generate` does and insists the embedded copies are identical, so
// a stale binary cannot ship.
func TestBallotWasmFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuilds cmd/ballotwasm")
	}
	dir := t.TempDir()
	cmd := exec.Command("../../scripts/build-ballotwasm.sh", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, name := range []string{"ballot.wasm", "present.wasm", "wasm_exec.js"} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `go generate ./web/static` (scripts/build-ballotwasm.sh) and commit it", name)
		}
	}
}
