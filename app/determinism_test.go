package app_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"testing"

	dbm "github.com/cosmos/cosmos-db"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// blockGen produces random blocks mixing valid and invalid transactions.
type blockGen struct {
	t    testing.TB
	rng  *rand.Rand
	keys []ed25519.PrivateKey
	auth []ed25519.PrivateKey
}

func newBlockGen(t testing.TB, seed uint64) *blockGen {
	g := &blockGen{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for _, d := range genesis.DemoKeys {
		if d.Authority {
			g.auth = append(g.auth, d.PrivateKey())
		}
	}
	for i := range 12 {
		var seed [32]byte
		binary.LittleEndian.PutUint64(seed[:], g.rng.Uint64())
		seed[31] = byte(i)
		g.keys = append(g.keys, ed25519.NewKeyFromSeed(seed[:]))
	}
	return g
}

func (g *blockGen) block(c *apptest.Chain) [][]byte {
	n := g.rng.IntN(12)
	var txs [][]byte
	pending := map[string]uint64{}
	seqOf := func(k ed25519.PrivateKey) uint64 {
		pub := k.Public().(ed25519.PublicKey)
		id := tx.AccountID(pub)
		if s, ok := pending[id]; ok {
			return s
		}
		return c.Sequence(k)
	}
	for range n {
		var raw []byte
		switch g.rng.IntN(4) {
		case 0: // register a key (maybe twice, maybe with a wrong sequence)
			k := g.keys[g.rng.IntN(len(g.keys))]
			seq := seqOf(k)
			if g.rng.IntN(5) == 0 {
				seq++
			}
			raw = apptest.Signed(g.t, seq, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, k)
			pending[tx.AccountID(k.Public().(ed25519.PublicKey))] = seq + 1
		default: // grant or revoke with 1..3 authority signatures
			target := tx.AccountID(g.keys[g.rng.IntN(len(g.keys))].Public().(ed25519.PublicKey))
			role := authority.Roles[g.rng.IntN(len(authority.Roles))]
			signers := g.rng.Perm(len(g.auth))[:1+g.rng.IntN(len(g.auth))]
			primary := g.auth[signers[0]]
			seq := seqOf(primary)
			keys := []ed25519.PrivateKey{}
			for _, s := range signers {
				keys = append(keys, g.auth[s])
			}
			if g.rng.IntN(2) == 0 {
				raw = apptest.Signed(g.t, seq, authority.TypeGrantRole, authority.MsgGrantRole{Account: target, Role: role}, keys...)
			} else {
				raw = apptest.Signed(g.t, seq, authority.TypeRevokeRole, authority.MsgRevokeRole{Account: target, Role: role}, keys...)
			}
			pending[tx.AccountID(primary.Public().(ed25519.PublicKey))] = seq + 1
		}
		switch g.rng.IntN(10) { // corrupt some
		case 0:
			raw = bytes.Clone(raw)
			raw[g.rng.IntN(len(raw))] ^= byte(1 + g.rng.IntN(255))
		case 1:
			raw = raw[:g.rng.IntN(len(raw))]
		}
		txs = append(txs, raw)
	}
	return txs
}

// TestDeterminism feeds two independent applications — one on an on-disk
// pebble store, one in memory, run with different parallelism — the same
// random blocks and requires identical app hashes and results at every
// height.
func TestDeterminism(t *testing.T) {
	const seed, blocks = 20261124, 200
	st, err := store.Open(t.TempDir(), dbm.PebbleDBBackend, store.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, b := apptest.NewWith(t, apptest.Options{Store: st}), apptest.New(t)
	gen := newBlockGen(t, seed)
	var ok, failed int
	for h := 1; h <= blocks; h++ {
		txs := gen.block(a)
		ra := a.Block(txs...)
		prev := runtime.GOMAXPROCS(1)
		rb := b.Block(txs...)
		runtime.GOMAXPROCS(prev)
		if !bytes.Equal(ra.AppHash, rb.AppHash) {
			t.Fatalf("seed %d height %d: app hash %X vs %X", seed, h, ra.AppHash, rb.AppHash)
		}
		for i := range ra.TxResults {
			x, y := ra.TxResults[i], rb.TxResults[i]
			if x.Code != y.Code || x.Codespace != y.Codespace || !bytes.Equal(x.Data, y.Data) || x.Log != y.Log {
				t.Fatalf("seed %d height %d tx %d: results differ: %v vs %v", seed, h, i, x, y)
			}
			if x.Code == 0 {
				ok++
			} else {
				failed++
			}
		}
	}
	// The generator must exercise both paths, or the test proves little.
	if ok < 50 || failed < 50 {
		t.Fatalf("weak mix: %d ok, %d failed transactions", ok, failed)
	}
	t.Logf("%d blocks, %d ok and %d failed transactions, final app hash %X", blocks, ok, failed, a.AppHash())
}
