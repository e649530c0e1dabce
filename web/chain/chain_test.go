package chain

import (
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/tx"
)

func TestSummarize(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	good := &tx.Tx{ChainID: "c", Sequence: 0, ValidUntil: 9, MsgType: "authority/register-account", Msg: []byte(`{}`)}
	good.Sign(key)
	_, key2, _ := ed25519.GenerateKey(nil)
	good.Sign(key2)
	raw := good.Encode()

	ok := Summarize(7, 0, raw, &abci.ExecTxResult{})
	if ok.MsgType != good.MsgType || ok.Signer != tx.AccountID(pub) || ok.Signers != 2 || !ok.OK() || ok.DecodeError != "" {
		t.Fatalf("good tx: %+v", ok)
	}
	if ok.Hash != strings.ToUpper(hex.EncodeToString(tx.Hash(raw))) || ok.ShortHash() != ok.Hash[:12] {
		t.Fatalf("hash %s short %s", ok.Hash, ok.ShortHash())
	}

	long := strings.Repeat("é", MaxLogRunes+50) + "\xff"
	bad := Summarize(7, 1, raw, &abci.ExecTxResult{Code: 9, Codespace: "authority", Log: long})
	if bad.OK() || bad.Code != 9 || bad.Codespace != "authority" {
		t.Fatalf("failed tx: %+v", bad)
	}
	if n := len([]rune(bad.Log)); n != MaxLogRunes+1 || !strings.HasSuffix(bad.Log, "…") {
		t.Fatalf("log not clipped: %d runes", n)
	}

	if none := Summarize(7, 2, raw, nil); none.HasResult || none.OK() {
		t.Fatalf("tx without result: %+v", none)
	}

	// Anything at all may sit in a block; it is described, never a panic.
	for _, junk := range [][]byte{nil, {}, {0x01}, {0x02, 0x00}, []byte("hello world"), raw[:len(raw)-1]} {
		s := Summarize(3, 0, junk, &abci.ExecTxResult{Code: 1, Codespace: "app", Log: "decode"})
		if s.DecodeError == "" || s.MsgType != "" || s.Signer != "" || len(s.Hash) != 64 {
			t.Errorf("junk %x: %+v", junk, s)
		}
	}
}
