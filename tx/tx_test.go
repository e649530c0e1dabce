package tx

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"
)

func testKey(b byte) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32)) }

func sample() *Tx {
	t := &Tx{ChainID: "publica-test", Sequence: 7, ValidUntil: 300, MsgType: "authority/grant-role",
		Msg: []byte(`{"account":"00112233445566778899aabbccddeeff00112233","role":"clerk"}`)}
	t.Sign(testKey(1))
	t.Sign(testKey(2))
	return t
}

func TestRoundTripAndSignatures(t *testing.T) {
	x := sample()
	raw := x.Encode()
	y, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(y.Encode(), raw) {
		t.Fatal("re-encoding differs")
	}
	if err := y.VerifySignatures(); err != nil {
		t.Fatal(err)
	}
	// Every signed field is covered: changing any of them breaks signatures.
	for name, f := range map[string]func(*Tx){
		"chain":       func(t *Tx) { t.ChainID = "other" },
		"sequence":    func(t *Tx) { t.Sequence++ },
		"valid_until": func(t *Tx) { t.ValidUntil++ },
		"msg_type":    func(t *Tx) { t.MsgType = "authority/revoke-role" },
		"msg":         func(t *Tx) { t.Msg = []byte(`{}`) },
		"primary":     func(t *Tx) { t.Signatures[0], t.Signatures[1] = t.Signatures[1], t.Signatures[0] },
	} {
		z, _ := Decode(raw)
		f(z)
		if z.VerifySignatures() == nil {
			t.Errorf("changing %s left the signatures valid", name)
		}
	}
}

// A known vector pins the wire format and the sign bytes: any change to
// either is a consensus-breaking change and must be deliberate.
func TestWireVector(t *testing.T) {
	x := sample()
	const wantPrefix = "010c7075626c6963612d7465737407ac0214617574686f726974792f6772616e742d726f6c65"
	if got := hex.EncodeToString(x.Encode()); !strings.HasPrefix(got, wantPrefix) {
		t.Fatalf("wire prefix %s, want %s", got[:len(wantPrefix)], wantPrefix)
	}
	sb := x.SignBytes(x.Primary())
	if !bytes.HasPrefix(sb, []byte("publica/tx/v1\x00")) {
		t.Fatalf("sign bytes lack the domain prefix: %q", sb[:16])
	}
}

func TestDecodeRejects(t *testing.T) {
	good := sample().Encode()
	cases := map[string][]byte{
		"empty":              nil,
		"version 2":          append([]byte{2}, good[1:]...),
		"truncated":          good[:len(good)-1],
		"trailing byte":      append(append([]byte{}, good...), 0),
		"no signatures":      (&Tx{ChainID: "c", MsgType: "m"}).Encode(),
		"non-minimal varint": append([]byte{1, 0x81, 0x00}, good[2:]...),
		"too large":          make([]byte, MaxTxBytes+1),
	}
	dup := sample()
	dup.Signatures = append(dup.Signatures, dup.Signatures[0])
	cases["repeated signer"] = dup.Encode()
	many := sample()
	for i := range MaxSigners {
		many.Sign(testKey(byte(10 + i)))
	}
	cases["too many signers"] = many.Encode()
	for name, raw := range cases {
		if _, err := Decode(raw); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestDecodeMsgCanonical(t *testing.T) {
	type M struct {
		A string `json:"a"`
		B int    `json:"b"`
	}
	var m M
	if err := DecodeMsg([]byte(`{"a":"x","b":1}`), &m); err != nil || m.A != "x" || m.B != 1 {
		t.Fatalf("canonical message refused: %v", err)
	}
	for _, bad := range []string{`{"b":1,"a":"x"}`, `{"a":"x", "b":1}`, `{"A":"x","b":1}`, `{"a":"x","b":1,"c":2}`,
		`{"a":"x","b":1}{}`, `{"a":"x","a":"y","b":1}`, `{"a":"x","b":1.0}`, ``, `null`} {
		if err := DecodeMsg([]byte(bad), &M{}); err == nil {
			t.Errorf("accepted non-canonical %s", bad)
		}
	}
}

func TestAccountID(t *testing.T) {
	id := AccountID(testKey(1).Public().(ed25519.PublicKey))
	if !ValidAccountID(id) {
		t.Fatalf("%s is not a valid id", id)
	}
	for _, bad := range []string{"", "xyz", strings.ToUpper(id), id + "0", id[:39] + "g"} {
		if ValidAccountID(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzDecode: Decode never panics, and whatever it accepts re-encodes to the
// same bytes (one encoding per transaction, so the tx hash is unique).
func FuzzDecode(f *testing.F) {
	f.Add(sample().Encode())
	f.Add([]byte{1})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, raw []byte) {
		x, err := Decode(raw)
		if err != nil {
			return
		}
		if !bytes.Equal(x.Encode(), raw) {
			t.Fatalf("accepted input does not re-encode identically:\n in  %x\n out %x", raw, x.Encode())
		}
		_ = x.VerifySignatures()
	})
}

// FuzzDecodeMsg: a message accepted by DecodeMsg is canonical.
func FuzzDecodeMsg(f *testing.F) {
	f.Add([]byte(`{"account":"00112233445566778899aabbccddeeff00112233","role":"clerk"}`))
	f.Add([]byte(`{}`))
	type M struct {
		Account string   `json:"account"`
		Role    string   `json:"role"`
		N       uint64   `json:"n,omitempty"`
		L       []string `json:"l,omitempty"`
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var m M
		if DecodeMsg(raw, &m) != nil {
			return
		}
		again, err := EncodeMsg(&m)
		if err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("accepted %q re-encodes as %q", raw, again)
		}
	})
}
