package node_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/node"
)

// A reader never sees an empty or partial file while it is being
// replaced, and no temporary file is left behind.
func TestWriteFileAtomicNeverPartial(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	a, b := bytes.Repeat([]byte("a"), 1<<20), bytes.Repeat([]byte("b"), 1<<20)
	if err := node.WriteFileAtomic(path, a, 0o600); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			got, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("read: %v", err)
				return
			}
			if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
				t.Errorf("reader saw a partial file of %d bytes", len(got))
				return
			}
		}
	}()
	for i := 0; i < 20; i++ {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := node.WriteFileAtomic(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only f.json", len(entries))
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

// A write that fails leaves the old file whole and no temporary file.
func TestWriteFileAtomicFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	if err := node.WriteFileAtomic(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A folder in the way of the rename makes the last step fail.
	if err := node.WriteFileAtomic(filepath.Join(dir, "missing", "x"), []byte("new"), 0o644); err == nil {
		t.Fatal("write into a missing folder succeeded")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("old file now %q", got)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// Init's every file is complete and loads, with no temporary file left.
func TestInitFilesParse(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	if err := node.Init(home, node.InitOptions{ChainID: genesis.DevChainID, AppState: genesis.DevAppState()}); err != nil {
		t.Fatal(err)
	}
	conf, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p2p.LoadNodeKey(conf.NodeKeyFile()); err != nil {
		t.Errorf("node key: %v", err)
	}
	pv := privval.LoadFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
	doc, err := types.GenesisDocFromFile(conf.GenesisFile())
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Validators) != 1 || !doc.Validators[0].PubKey.Equals(pv.Key.PubKey) {
		t.Errorf("genesis validator is not the home's validator key")
	}
	err = filepath.WalkDir(home, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
		if !d.IsDir() {
			if fi, _ := d.Info(); fi.Size() == 0 {
				t.Errorf("empty file: %s", p)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if err := node.Init(home, node.InitOptions{ChainID: genesis.DevChainID}); err == nil {
		t.Error("Init over an existing home succeeded")
	}
}
