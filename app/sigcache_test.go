package app_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/authority"
)

// TestPreverify: signatures verified ahead of CheckTx, concurrently and in
// batches, change no outcome. Every seventh transaction carries a bad
// signature: CheckTx and the block refuse exactly those, and the app hash
// equals that of a chain that never pre-verified.
func TestPreverify(t *testing.T) {
	var txs [][]byte
	bad := map[int]bool{}
	for i := range 300 {
		raw := apptest.Signed(t, 0, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, apptest.SeededKey("preverify", i))
		if i%7 == 3 {
			raw[len(raw)-1] ^= 1
			bad[i] = true
		}
		txs = append(txs, raw)
	}
	pre, plain := apptest.New(t), apptest.New(t)
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Go(func() {
			for i := w; i < len(txs); i += 32 {
				pre.App.Preverify(txs[i])
				pre.App.Preverify(txs[i]) // a repeat finds it known
			}
		})
	}
	wg.Wait()
	for i, raw := range txs {
		var want *errs.Error
		if bad[i] {
			want = errs.BadSignature
		}
		apptest.Check(t, "CheckTx", pre.CheckTx(raw), want)
	}
	a, b := pre.Block(txs...), plain.Block(txs...)
	for i := range txs {
		var want *errs.Error
		if bad[i] {
			want = errs.BadSignature
		}
		apptest.Check(t, "pre-verified block", a.TxResults[i], want)
		apptest.Check(t, "plain block", b.TxResults[i], want)
	}
	if !bytes.Equal(pre.AppHash(), plain.AppHash()) {
		t.Errorf("app hash %X with pre-verification, %X without", pre.AppHash(), plain.AppHash())
	}
}
