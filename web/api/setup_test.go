package api_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/land"
)

// chain is what the API test registers: a parcel and its title, a
// credential schema, an accredited issuer with signed status lists, and a
// citizen's DID services.
type chain struct {
	base, title, parcel, issuer, citizen string
}

func startChain(t *testing.T) chain {
	base, cl := browser.StartPortal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	send := func(msgType string, msg any, keys ...ed25519.PrivateKey) string {
		t.Helper()
		x, err := cl.Build(ctx, apptest.Pub(keys[0]), msgType, msg, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := cl.Send(ctx, x, keys...)
		if err != nil {
			t.Fatalf("%s: %v", msgType, err)
		}
		return string(res.Data)
	}
	clerk, reg, alice := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "registrar"), apptest.DemoKey(t, "citizen-alice")
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	h := sha256.Sum256([]byte("deed"))
	d := hex.EncodeToString(h[:])
	const x0, y0 = 40_000_000, 580_000_000
	ring := func(w int64) string {
		return strings.NewReplacer("X0", itoa(x0), "X1", itoa(x0+w), "Y0", itoa(y0), "Y1", itoa(y0+w)).
			Replace("[[[X0,Y0],[X1,Y0],[X1,Y1],[X0,Y1],[X0,Y0]]]")
	}
	send(land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "API-1", Address: "1 API Street", Document: d,
		Geometry: land.Geometry{Type: "Polygon", Coordinates: json.RawMessage(ring(10_000))}}, clerk)
	tid := send(land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: apptest.Account(alice), Share: "1"}}, Tenure: "freehold", Document: d}, clerk)
	regID := apptest.Account(reg)
	send(identity.TypeRegisterSchema, identity.MsgRegisterSchema{ID: "residence", Version: 1, Claims: []identity.ClaimDef{
		{Name: "age_band", Type: "integer"}, {Name: "district", Type: "integer"}}, JSONSchemaHash: strings.Repeat("ab", 32)}, a1, a2)
	send(identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: regID, Schemas: []string{"residence"}}, a1, a2)
	for _, p := range []string{identity.PurposeRevocation, identity.PurposeSuspension} {
		doc, err := identity.SignStatusList(base, regID, p, 1, make([]byte, identity.MinStatusListBits/8), time.Now().Add(-time.Minute), reg)
		if err != nil {
			t.Fatal(err)
		}
		send(identity.TypePublishStatusList, identity.MsgPublishStatusList{Purpose: p, List: doc}, reg)
	}
	send(identity.TypeUpdateDID, identity.MsgUpdateDID{Services: []identity.Service{
		{ID: "web", Type: "LinkedDomains", Endpoint: "https://alice.example"}}}, alice)
	waitNext(t, cl)
	return chain{base: base, title: tid, parcel: "P1", issuer: regID, citizen: apptest.Account(alice)}
}

// waitNext waits for the block after the latest, so the portal's proven
// reads (which need header H+1) see everything sent.
func waitNext(t *testing.T, cl *client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := cl.LatestHeight(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if l, err := cl.LatestHeight(ctx); err == nil && l > h+1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no new block")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
