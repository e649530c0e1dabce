package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cmtdb "github.com/cometbft/cometbft-db"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	sm "github.com/cometbft/cometbft/state"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/gogoproto/proto"

	"github.com/publica/publica/audit"
	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// TestReplay runs a real node with a mix of transactions, then replays its
// home and tampered copies of it.
func TestReplay(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	t.Run("node running", func(t *testing.T) {
		r, err := audit.Replay(ctx, home, nil)
		if !errors.Is(err, audit.ErrNodeRunning) || r != nil {
			t.Fatalf("replay of a running node: got report %v, err %v; want ErrNodeRunning", r, err)
		}
		if want := "the node in " + home + " is running; stop it first"; err.Error() != want {
			t.Fatalf("message %q, want %q", err, want)
		}
	})

	var sent int64
	send := func(key ed25519.PrivateKey, msgType string, msg any, cosigners ...ed25519.PrivateKey) (*client.Result, error) {
		t.Helper()
		t0, err := c.Build(ctx, key.Public().(ed25519.PublicKey), msgType, msg, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Send(ctx, t0, append([]ed25519.PrivateKey{key}, cosigners...)...)
		if res != nil {
			sent++ // included in a block, whether it succeeded or not
		}
		return res, err
	}
	var citizens []ed25519.PrivateKey
	for range 3 {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		if _, err := send(k, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}); err != nil {
			t.Fatalf("register: %v", err)
		}
		citizens = append(citizens, k)
	}
	a1, a2 := testnode.DemoKey(t, "authority-1"), testnode.DemoKey(t, "authority-2")
	grant := authority.MsgGrantRole{Account: accountID(citizens[0]), Role: authority.RoleClerk}
	_, err := send(a1, authority.TypeGrantRole, grant)
	var txErr *client.TxError
	if !errors.As(err, &txErr) || txErr.Stage != "deliver" || txErr.Code != 9 {
		t.Fatalf("one-signature grant: want deliver code 9, got %v", err)
	}
	granted, err := send(a1, authority.TypeGrantRole, grant, a2)
	if err != nil {
		t.Fatalf("two-signature grant: %v", err)
	}
	st, err := c.RPC.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, st.SyncInfo.LatestBlockHeight+3)
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	storeHeight := n.Comet.BlockStore().Height()

	t.Run("verified", func(t *testing.T) {
		var calls, lastDone, lastTotal int64
		r, err := audit.Replay(ctx, home, func(done, total int64) { calls, lastDone, lastTotal = calls+1, done, total })
		if err != nil {
			t.Fatalf("replay: %v", err)
		}
		t.Logf("%s (block store height %d)", r.Summary(), storeHeight)
		if r.Result != audit.ResultVerified || r.Failure != nil {
			t.Fatalf("report %+v, want verified", r)
		}
		// The node may stop after saving a block it has not executed yet.
		if r.Blocks != storeHeight && !(r.Blocks == storeHeight-1 && r.Note != "") {
			t.Fatalf("verified %d blocks, block store height %d", r.Blocks, storeHeight)
		}
		if r.Transactions != sent {
			t.Fatalf("replayed %d transactions, sent %d", r.Transactions, sent)
		}
		if calls != r.Blocks || lastDone != r.Blocks || lastTotal != r.Blocks {
			t.Fatalf("progress: %d calls, last %d/%d, for %d blocks", calls, lastDone, lastTotal, r.Blocks)
		}
		// The final hash is the node's own committed app hash.
		appStore, err := store.Open(node.AppDBDir(home), dbm.PebbleDBBackend, store.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		version, hash := appStore.Version(), fmt.Sprintf("%X", appStore.Hash())
		appStore.Close()
		if r.LastHeight != version || r.FinalAppHash != hash {
			t.Fatalf("replay ended at %d with %s, node state is at %d with %s", r.LastHeight, r.FinalAppHash, version, hash)
		}
		want := fmt.Sprintf("verified %d blocks, %d transactions, final app hash %s", r.Blocks, sent, hash)
		if r.Summary() != want {
			t.Fatalf("summary %q, want %q", r.Summary(), want)
		}
		saved, err := audit.LastReport(home)
		if err != nil || saved == nil || saved.Result != audit.ResultVerified || saved.FinalAppHash != hash || saved.Blocks != r.Blocks {
			t.Fatalf("saved report %+v (err %v)", saved, err)
		}
	})

	t.Run("altered transaction", func(t *testing.T) {
		dir := copyHome(t, home)
		rewriteBlock(t, dir, granted.Height, func(b *cmtproto.Block) {
			if len(b.Data.Txs) == 0 {
				t.Fatalf("block %d holds no transaction", granted.Height)
			}
			raw := b.Data.Txs[len(b.Data.Txs)-1]
			raw[len(raw)/2] ^= 0x01
		})
		r, err := audit.Replay(ctx, dir, nil)
		var mm *audit.MismatchError
		if !errors.As(err, &mm) {
			t.Fatalf("want a mismatch, got %v", err)
		}
		if mm.Height != granted.Height || mm.Check != "data hash" || !strings.Contains(mm.Reason, "data hash") {
			t.Fatalf("mismatch %+v, want data hash at height %d", mm, granted.Height)
		}
		if !strings.HasPrefix(err.Error(), fmt.Sprintf("replay FAILED at height %d: data hash", granted.Height)) {
			t.Fatalf("message %q", err)
		}
		if r == nil || r.Result != audit.ResultFailed || r.Blocks != granted.Height-1 {
			t.Fatalf("report %+v, want failed after %d blocks", r, granted.Height-1)
		}
		saved, err := audit.LastReport(dir)
		if err != nil || saved == nil || saved.Failure == nil || saved.Failure.Height != granted.Height {
			t.Fatalf("saved report %+v (err %v)", saved, err)
		}
	})

	t.Run("altered header", func(t *testing.T) {
		dir := copyHome(t, home)
		// Any block's header will do, whether it holds transactions or not:
		// the block hash covers the header alone.
		h := granted.Height - 1
		rewriteBlock(t, dir, h, func(b *cmtproto.Block) { b.Header.Time = b.Header.Time.Add(time.Second) })
		_, err := audit.Replay(ctx, dir, nil)
		var mm *audit.MismatchError
		if !errors.As(err, &mm) || mm.Height != h || mm.Check != "block hash" {
			t.Fatalf("want a block hash mismatch at height %d, got %v", h, err)
		}
	})

	t.Run("altered state app hash", func(t *testing.T) {
		dir := copyHome(t, home)
		db, err := cmtdb.NewGoLevelDB("state", filepath.Join(dir, "data"))
		if err != nil {
			t.Fatal(err)
		}
		ss := sm.NewStore(db, sm.StoreOptions{})
		state, err := ss.Load()
		if err != nil {
			t.Fatal(err)
		}
		state.AppHash = bytes.Clone(state.AppHash)
		state.AppHash[0] ^= 0xff
		if err := ss.Save(state); err != nil {
			t.Fatal(err)
		}
		db.Close()
		_, err = audit.Replay(ctx, dir, nil)
		var mm *audit.MismatchError
		if !errors.As(err, &mm) || mm.Height != state.LastBlockHeight || mm.Check != "app hash" ||
			mm.Expected != fmt.Sprintf("%X", state.AppHash) || !strings.Contains(mm.Reason, "consensus state") {
			t.Fatalf("want an app hash mismatch against the stored state at height %d, got %v (%+v)", state.LastBlockHeight, err, mm)
		}
	})

	t.Run("forged commit signature", func(t *testing.T) {
		dir := copyHome(t, home)
		db, err := cmtdb.NewGoLevelDB("blockstore", filepath.Join(dir, "data"))
		if err != nil {
			t.Fatal(err)
		}
		last := n.Comet.BlockStore().Height()
		key := []byte(fmt.Sprintf("SC:%d", last))
		raw, err := db.Get(key)
		if err != nil || raw == nil {
			t.Fatalf("seen commit %s: %v", key, err)
		}
		var commit cmtproto.Commit
		if err := proto.Unmarshal(raw, &commit); err != nil {
			t.Fatal(err)
		}
		commit.Signatures[0].Signature[0] ^= 0xff
		if raw, err = proto.Marshal(&commit); err != nil {
			t.Fatal(err)
		}
		if err := db.SetSync(key, raw); err != nil {
			t.Fatal(err)
		}
		db.Close()
		r, err := audit.Replay(ctx, dir, nil)
		var mm *audit.MismatchError
		if r != nil && r.Note != "" {
			t.Skip("the last stored block was not executed; its seen commit is not used")
		}
		if !errors.As(err, &mm) || mm.Height != last || mm.Check != "commit signatures" {
			t.Fatalf("want a commit signature mismatch at height %d, got %v", last, err)
		}
	})

	t.Run("no home", func(t *testing.T) {
		if _, err := audit.Replay(ctx, filepath.Join(t.TempDir(), "nothing"), nil); err == nil {
			t.Fatal("replay of a missing home succeeded")
		}
	})
}

func accountID(k ed25519.PrivateKey) string { return tx.AccountID(k.Public().(ed25519.PublicKey)) }

// rewriteBlock edits the stored block at height h in place, under the
// same key CometBFT v0.38's block store uses ("P:<height>:<part>"),
// leaving its metadata and commits untouched.
func rewriteBlock(t *testing.T, home string, h int64, edit func(*cmtproto.Block)) {
	t.Helper()
	db, err := cmtdb.NewGoLevelDB("blockstore", filepath.Join(home, "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key := []byte(fmt.Sprintf("P:%d:0", h))
	raw, err := db.Get(key)
	if err != nil || raw == nil {
		t.Fatalf("block part %s: %v", key, err)
	}
	if next, _ := db.Get([]byte(fmt.Sprintf("P:%d:1", h))); next != nil {
		t.Fatalf("block %d has more than one part", h)
	}
	var part cmtproto.Part
	if err := proto.Unmarshal(raw, &part); err != nil {
		t.Fatal(err)
	}
	var block cmtproto.Block
	if err := proto.Unmarshal(part.Bytes, &block); err != nil {
		t.Fatal(err)
	}
	edit(&block)
	if part.Bytes, err = proto.Marshal(&block); err != nil {
		t.Fatal(err)
	}
	out, err := proto.Marshal(&part)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetSync(key, out); err != nil {
		t.Fatal(err)
	}
}

func copyHome(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if d.Type()&fs.ModeSymlink != 0 { // the state keeps its current snapshot as a link
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
