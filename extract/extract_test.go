package extract_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/x/land"
)

// TestExtractOffline: a title extract built from a running node verifies
// with no node, and any change to it is caught.
func TestExtractOffline(t *testing.T) {
	_, c := testnode.Start(t, testnode.InitHome(t))
	clerk, alice := testnode.DemoKey(t, "clerk"), testnode.DemoKey(t, "citizen-alice")
	h := sha256.Sum256([]byte("deed"))
	d := hex.EncodeToString(h[:])
	testnode.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "X-1", Document: d,
		Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage("[[[0,0],[100,0],[100,100],[0,100],[0,0]]]")}}, clerk)
	tid := testnode.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: apptest.Account(alice), Share: "1"}}, Tenure: "freehold", Document: d}, clerk)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	x, err := extract.Build(ctx, c, tid, 0)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.MarshalIndent(x, "", "  ") // as the CLI writes it
	var back extract.Extract
	if err := json.Unmarshal(doc, &back); err != nil {
		t.Fatal(err)
	}
	res, err := extract.Verify(&back)
	if err != nil {
		t.Fatal(err)
	}
	if res.Title.ID != tid || len(res.Parcels) != 1 || res.Parcels[0].CadastralRef != "X-1" || res.Title.Owners[0].Share != "1" {
		t.Fatalf("verified %+v", res)
	}
	t.Logf("extract: %d bytes", len(doc))

	tamper := func(name string, f func(*extract.Extract), want string) {
		var y extract.Extract
		_ = json.Unmarshal(doc, &y)
		f(&y)
		if _, err := extract.Verify(&y); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
	tamper("owner changed", func(y *extract.Extract) {
		y.Entries[0].Value = strings.Replace(y.Entries[0].Value, `"share":"1"`, `"share":"1/2"`, 1)
	}, "does not verify")
	tamper("height changed", func(y *extract.Extract) { y.Height-- }, "header is for height")
	tamper("parcel dropped", func(y *extract.Extract) { y.Entries = y.Entries[:1] }, "does not prove")
	tamper("signature broken", func(y *extract.Extract) {
		y.SignedHeader = json.RawMessage(strings.Replace(string(y.SignedHeader), `"signature": "`, `"signature": "AAAA`, 1))
	}, "")
	tamper("other chain", func(y *extract.Extract) { y.ChainID = "other" }, "")
}
