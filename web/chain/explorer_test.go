package chain

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/tx"
)

func TestByMinute(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 30, 0, time.UTC)
	blocks := []ActivityBlock{
		{Height: 1, Time: t0, NumTxs: 1},
		{Height: 2, Time: t0.Add(10 * time.Second), NumTxs: 2},
		{Height: 3, Time: t0.Add(2*time.Minute + 5*time.Second)}, // 10:02:35, minute 10:01 is empty
	}
	m := ByMinute(blocks)
	if len(m) != 3 {
		t.Fatalf("%d buckets: %+v", len(m), m)
	}
	want := []MinuteBucket{{Blocks: 2, Txs: 3}, {}, {Blocks: 1}}
	for i := range m {
		if m[i].Blocks != want[i].Blocks || m[i].Txs != want[i].Txs {
			t.Errorf("bucket %d = %+v, want %+v", i, m[i], want[i])
		}
		if !m[i].Start.Equal(time.Date(2026, 1, 1, 10, i, 0, 0, time.UTC)) {
			t.Errorf("bucket %d starts %s", i, m[i].Start)
		}
	}
	if len(ByMinute(nil)) != 0 {
		t.Error("buckets without blocks")
	}
	// A gap of days keeps only the newest day, not millions of buckets.
	far := ByMinute([]ActivityBlock{{Height: 1, Time: t0}, {Height: 2, Time: t0.Add(72 * time.Hour)}})
	if len(far) != 24*60 || far[len(far)-1].Blocks != 1 {
		t.Errorf("long gap: %d buckets, last %+v", len(far), far[len(far)-1])
	}
}

func TestDetail(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	x := &tx.Tx{ChainID: "c", Sequence: 3, ValidUntil: 40, MsgType: "authority/grant-role",
		Msg: []byte(`{"account":"00112233445566778899aabbccddeeff00112233","role":"clerk"}`)}
	x.Sign(key)
	_, key2, _ := ed25519.GenerateKey(nil)
	x.Sign(key2)
	res := &abci.ExecTxResult{Data: []byte("ok-data"), Events: []abci.Event{{Type: "authority.role_granted",
		Attributes: []abci.EventAttribute{{Key: "role", Value: "clerk"}}}}}
	d := Detail(9, 0, x.Encode(), res)
	if d.Sequence != 3 || d.ValidUntil != 40 || d.ChainID != "c" || len(d.SignerList) != 2 ||
		!d.SignerList[0].Primary || d.SignerList[1].Primary || d.SignerList[0].Account != tx.AccountID(pub) {
		t.Fatalf("detail %+v", d)
	}
	if !strings.Contains(d.MsgJSON, "\n  \"role\": \"clerk\"") {
		t.Errorf("message not pretty-printed: %q", d.MsgJSON)
	}
	if d.Data != "ok-data" || len(d.Events) != 1 || d.Events[0].Attrs[0].Value != "clerk" {
		t.Errorf("result %+v", d)
	}
	if b := Detail(9, 1, []byte{0xff, 0}, &abci.ExecTxResult{Data: []byte{1, 2}}); b.DecodeError == "" || b.MsgJSON != "" || b.Data != "0102" {
		t.Errorf("junk bytes: %+v", b)
	}
}
