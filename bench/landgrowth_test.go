package bench

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

func TestLexicalOrder(t *testing.T) {
	got := lexicalOrder(12)
	want := []int32{1, 10, 11, 12, 2, 3, 4, 5, 6, 7, 8, 9}
	if !slices.Equal(got, want) {
		t.Fatalf("%v", got)
	}
	keys := lexicalOrder(5000)
	if len(keys) != 5000 || !slices.IsSortedFunc(keys, func(a, b int32) int { return bytes.Compare(fmt.Append(nil, a), fmt.Append(nil, b)) }) {
		t.Fatal("not every number, or not in key order")
	}
}

// TestLandGrowthSmall runs the growth table at two small sizes, loading
// in several steps: every transfer lands, and the past height (the loaded
// register) still proves.
func TestLandGrowthSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("loads two registers")
	}
	var out bytes.Buffer
	rows, err := LandGrowth(&out, GrowthOptions{Sizes: []int{1500, 4000}, Transfers: 300, PerBlock: 100, Chunk: 1000, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	if len(rows) != 2 || rows[1].Parcels != 4000 || rows[1].TransfersPerSec <= 0 || rows[1].ProofBytes == 0 || rows[1].PastQuery <= 0 || rows[1].DiskBytes == 0 {
		t.Fatalf("rows %+v", rows)
	}
}

// TestLandGrowthKept builds a register once in a kept directory and
// times it again in later runs: each run sells titles no earlier run
// sold (every transfer lands, or the run fails), and a run at another
// size is refused.
func TestLandGrowthKept(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a register")
	}
	keep := t.TempDir() + "/kept"
	opts := GrowthOptions{Sizes: []int{1500}, Transfers: 200, PerBlock: 100, Chunk: 1000, Keep: keep}
	var out bytes.Buffer
	if _, err := LandGrowth(&out, opts); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out.Bytes(), []byte("reusing")) {
		t.Fatalf("the first run reused a register:\n%s", out.String())
	}
	for _, passes := range [][]string{{"auto"}, {"off", "on"}} {
		out.Reset()
		opts.ReadAhead = passes
		rows, err := LandGrowth(&out, opts)
		if err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if !bytes.Contains(out.Bytes(), []byte("reusing the register")) || len(rows) != len(passes) || rows[len(rows)-1].TransfersPerSec <= 0 {
			t.Fatalf("rows %+v\n%s", rows, out.String())
		}
	}
	if !bytes.Contains(out.Bytes(), []byte("(400 transfers sold before)")) {
		t.Fatalf("the third run did not follow the earlier two:\n%s", out.String())
	}
	opts.Sizes = []int{2000}
	if _, err := LandGrowth(&out, opts); err == nil || !bytes.Contains([]byte(err.Error()), []byte("holds 1500 parcels")) {
		t.Fatalf("a run at another size: %v", err)
	}
}
