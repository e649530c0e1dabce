package apptest_test

// The app-hash pin: one fixed scenario that sends every message kind of
// every module, each at least once accepted and once refused, through the
// in-process chain, and pins what consensus depends on:
//
//   - pinnedAppHash: the state root after the last block;
//   - testdata/pin.golden: per step, the result code and data, a digest of
//     its events and the app hash after its block, so that a change shows
//     which message kind moved.
//
// Everything is deterministic: demo keys and keys from fixed seeds, block
// times from apptest's fixed clock, and every random input (credential
// salts, zero-knowledge proofs, ballot encryption, partial-decryption
// proofs) read from elgamal.DeterministicReader with a fixed seed. Trustee
// dealing derives its secrets from deterministic Ed25519 signatures.
//
// Pinned at 5b0fbb6 (the commit before the reshaping of modules, portal
// and tests): internal/apptest with this file and testdata, copied
// unchanged into a worktree of that commit, passed there (-count=3) with
// the same app hash and the same golden file.
//
// A message kind added later is appended at the end of the scenario (the
// test requires every kind the app registers, accepted and refused), so
// the steps pinned at 5b0fbb6 keep their lines and pinnedBeforeBatches.
//
// Regenerate the golden file (only for an intended change of behaviour!):
//
//	go test ./internal/apptest -run TestAppHashPin -update

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
	"github.com/publica/publica/x/governance"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
	"github.com/publica/publica/x/land"
)

// pinnedBeforeBatches is the app hash after every step that existed at
// 5b0fbb6; pinnedAppHash is the final one, after the steps of message
// kinds added since (appended at the end, so the earlier steps' golden
// lines and this hash stay as they were pinned then).
//
// One deliberate change of the state machine moved them since: a caveat
// lodged by anyone but a clerk became an application that a clerk
// examines (land/examine-caveat). The pinned steps 1–37 kept their lines;
// step 38 (the citizen's caveat) now records an application, a clerk's
// acceptance was inserted after it so that the following steps keep their
// meaning, and from there every step kept its code, data and events (but
// for two identity events that carry a height one block later), with new
// app hashes. Before that change: 5FD08089…22883 and D7D85545…91C85.
//
// A second one: the block-time index records only blocks with
// transactions (so an empty block changes no state and the chain can make
// blocks only when there is something to record). Every step kept its
// code, data and events; the app hashes changed from the first block on.
// Before that change: 1A875D5C…E1C9E and 839DF618…D454D.
//
// A third: credentials name their status lists and JSON Schema by the
// portal's URL (credentialSchema type JsonSchema), so the pinned
// credentials' digests, and the anchors holding them, changed; every step
// kept its code and data, and the identity steps' app hashes changed from
// the first anchor on. The issuer's signed status lists
// (identity/publish-status-list) were appended. Before that change:
// B0B85174…C3A84 and C14825FA…72F40.
//
// A fourth: the development genesis names its demo parties (land party
// records N1 "Alice Citizen" … N9 "City Council", genesis.DemoParties),
// so the state differs from the first block on. Every step kept its code
// and events, except the party steps, whose parties are now N10 and N11
// (data and events). Before that change: 51B4BE32…8C53F and
// 834CD6B4…761D2.
//
// A fifth: governance. The genesis records the protocol version
// (governance/version) and, here, four validators (pinValidators), so the
// state differs from the first block on; every step kept its code, data
// and events. The governance steps (validators, an upgrade scheduled and
// cancelled, the authority set's change) were appended. Before that
// change: DC7C8658…EA12C and D2A2AA95…42740.
//
// A sixth: land's index entries whose key says everything (an offer under
// a parcel, an easement benefit, a caveat application) hold "1" instead
// of an empty value, which ICS23 refuses as a leaf, so the absence proofs
// of their neighbours did not verify. Every step kept its code, data and
// events; the app hashes changed from the first easement (step 34) on.
// Before that change: 4F691526…21EA5 and B04AC174…8C201.
//
// A seventh: the address index (land/address/<words>/<parcel>, for the
// portal's search by address). Every step kept its code, data and
// events; the app hashes changed from the first parcel with an address
// (step 18) on. Before that change: 70A72D80…2CBDF and CC7B2BE0…45EA6.
//
// An eighth: protocol 4, the sparse key index (a key that controls the
// account its hash names has no authority/pubkey/ entry; the genesis runs
// at protocol 4). Every step kept its code, data and events; the app
// hashes changed from the first block on. Before that change:
// 368415A3…C94F2 and 5708FC2D…723E5.
const (
	pinnedBeforeBatches = "85D86ADAE0AB120005AEF1117C8EB709DC216288135B00C34AF94BA3B2011960"
	pinnedAppHash       = "26F2E4263A1B3E39E89E40904D04E67C246EC1936903AF6233BA96E909C0683A"
)

var update = flag.Bool("update", false, "rewrite testdata/pin.golden")

const goldenPath = "testdata/pin.golden"

// pin is the chain plus the record of every step.
type pin struct {
	*apptest.Chain
	t     *testing.T
	lines []string
	kinds map[string][2]int // per message type: accepted, refused
}

// run sends one message in its own block and requires want (nil: success).
func (p *pin) run(name string, want *errs.Error, msgType string, msg any, keys ...ed25519.PrivateKey) string {
	p.t.Helper()
	return p.runRaw(name, want, msgType, p.Tx(msgType, msg, keys...))
}

func (p *pin) runRaw(name string, want *errs.Error, msgType string, raw []byte) string {
	p.t.Helper()
	res := p.Block(raw)
	r := res.TxResults[0]
	apptest.Check(p.t, name, r, want)
	p.record(name, r, res.AppHash)
	k := p.kinds[msgType]
	if r.Code == 0 {
		k[0]++
	} else {
		k[1]++
	}
	p.kinds[msgType] = k
	return string(r.Data)
}

// runBlock runs txs that must all succeed in one block.
func (p *pin) runBlock(name string, txs [][]byte) {
	p.t.Helper()
	res := p.Block(txs...)
	for i, r := range res.TxResults {
		apptest.Check(p.t, name, r, nil)
		p.record(fmt.Sprintf("%s #%d", name, i+1), r, res.AppHash)
	}
}

func (p *pin) record(name string, r *abci.ExecTxResult, appHash []byte) {
	ev, _ := json.Marshal(r.Events)
	evh := sha256.Sum256(ev)
	data := string(r.Data)
	if len(data) > 48 || strings.ContainsAny(data, "\x00\n") {
		h := sha256.Sum256(r.Data)
		data = "sha256:" + hex.EncodeToString(h[:8])
	}
	p.lines = append(p.lines, fmt.Sprintf("%03d %-52s %s/%d data=%q events=%x app=%X",
		len(p.lines)+1, name, r.Codespace, r.Code, data, evh[:6], appHash[:8]))
}

// rnd is the deterministic randomness of one named use.
func rnd(use string) io.Reader { return elgamal.DeterministicReader("publica app-hash pin: " + use) }

func docHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// rect is a counter-clockwise rectangle in centimetres.
func rect(x0, y0, x1, y1 int64) land.Geometry {
	return land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage(
		fmt.Sprintf("[[[%d,%d],[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]", x0, y0, x1, y0, x1, y1, x0, y1, x0, y0))}
}

func TestAppHashPin(t *testing.T) {
	start := time.Now()
	// Identity with a short recovery delay (as JSON, independent of the
	// module's Go types).
	appState := apptest.DevAppStateWith(t, "identity", json.RawMessage(`{"params":{"recovery_delay":3,"status_list_size":131072}}`))
	p := &pin{Chain: apptest.NewWith(t, apptest.Options{AppState: appState, Validators: pinValidators()}), t: t, kinds: map[string][2]int{}}

	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	clerk, registrar := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "registrar")
	official := apptest.DemoKey(t, "election-official")
	alice, bob, carol := apptest.DemoKey(t, "citizen-alice"), apptest.DemoKey(t, "citizen-bob"), apptest.DemoKey(t, "citizen-carol")
	dora, erin := apptest.SeededKey("pin", 1), apptest.SeededKey("pin", 2)
	doraNew, erinNew := apptest.SeededKey("pin", 11), apptest.SeededKey("pin", 12)
	pinEnvelope(p, a1, a2)
	pinAuthority(p, a1, a2, dora, erin)
	pinLand(p, clerk, registrar, alice, bob, carol)
	pinIdentity(p, a1, a2, registrar, alice, bob, dora, doraNew, erin, erinNew)
	pinBallot(p, official, alice, bob, carol)
	if got := fmt.Sprintf("%X", p.AppHash()); got != pinnedBeforeBatches {
		t.Errorf("app hash after the steps pinned at 5b0fbb6 is %s, pinned %s", got, pinnedBeforeBatches)
	}
	pinLandBatches(p, clerk, alice)
	pinCaveatExamination(p, clerk, alice, carol)
	pinMoneyAndShares(p, clerk, alice, registrar)
	pinTitleBatches(p, clerk, alice, bob)
	pinParties(p, clerk, alice, bob, registrar)
	pinStatusLists(p, registrar, alice)
	pinGovernance(p, a1, a2, apptest.DemoKey(t, "authority-3"))

	// Every message kind the app registers, accepted and refused.
	for _, k := range p.App.MessageTypes() {
		if n := p.kinds[k]; n[0] == 0 || n[1] == 0 {
			t.Errorf("%s: %d accepted, %d refused; the pin needs both", k, n[0], n[1])
		}
	}
	var kinds []string
	for _, k := range []string{
		authority.TypeRegisterAccount, authority.TypeGrantRole, authority.TypeRevokeRole,
		land.TypeRegisterParcel, land.TypeRegisterTitle, land.TypeOfferTransfer, land.TypeAcceptTransfer,
		land.TypeWithdrawOffer, land.TypeRegisterTransfer, land.TypeTransfer, land.TypeTransmit,
		land.TypeRegisterMortgage, land.TypeDischarge, land.TypeRegisterLease, land.TypeEndLease,
		land.TypeRegisterEasement, land.TypeEndEasement, land.TypeLodgeCaveat, land.TypeWithdrawCaveat,
		land.TypeRemoveCaveat, land.TypeSubdivide, land.TypeMerge, land.TypeCorrect,
		identity.TypeRegisterSchema, identity.TypeAccreditIssuer, identity.TypeSetIssuerStatus,
		identity.TypeAnchorCredential, identity.TypeSetStatus, identity.TypeRotateKey, identity.TypeUpdateDID,
		identity.TypeDeactivateDID, identity.TypeRequestRecovery, identity.TypeCancelRecovery,
		identity.TypeCompleteRecovery, identity.TypeRegisterEligibility,
		ballot.TypeCreateElection, ballot.TypeRegisterVoters, ballot.TypeRemoveVoters, ballot.TypeTrusteeKey,
		ballot.TypeDeal, ballot.TypeComplain, ballot.TypeReveal, ballot.TypePublishKey, ballot.TypeCast, ballot.TypeTally,
		land.TypeRegisterParcels, land.TypeExamineCaveat, land.TypeRegisterTitles,
		land.TypeRegisterParty, land.TypeAmendParty, identity.TypePublishStatusList,
		governance.TypeSetValidator, governance.TypeScheduleUpgrade, governance.TypeCancelUpgrade, authority.TypeSetAuthority,
	} {
		if n := p.kinds[k]; n[0] == 0 || n[1] == 0 {
			t.Errorf("%s: %d accepted, %d refused; the pin needs both", k, n[0], n[1])
		}
		kinds = append(kinds, k)
	}
	if len(p.kinds) != len(kinds)+1 { // + the unknown message type
		t.Errorf("the scenario sent %d message kinds, the list has %d", len(p.kinds), len(kinds))
	}

	got := fmt.Sprintf("%X", p.AppHash())
	golden := strings.Join(p.lines, "\n") + "\nfinal app hash " + got + "\n"
	if *update {
		if err := os.WriteFile(goldenPath, []byte(golden), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, []byte(golden)) {
		wl, gl := strings.Split(string(want), "\n"), strings.Split(golden, "\n")
		for i := 0; i < len(wl) || i < len(gl); i++ {
			var w, g string
			if i < len(wl) {
				w = wl[i]
			}
			if i < len(gl) {
				g = gl[i]
			}
			if w != g {
				t.Errorf("step differs from %s:\n  pinned: %s\n  now:    %s", goldenPath, w, g)
			}
		}
	}
	if got != pinnedAppHash {
		t.Errorf("final app hash %s, pinned %s", got, pinnedAppHash)
	}
	t.Logf("%d steps, %d blocks, app hash %s, %v", len(p.lines), p.Height, got, time.Since(start).Round(time.Millisecond))
}

// pinLandBatches: land/register-parcels, added after 5b0fbb6. A batch is
// all or nothing: the refused one (its second parcel overlaps the first)
// registers neither.
func pinLandBatches(p *pin, clerk, alice ed25519.PrivateKey) {
	batch := land.MsgRegisterParcels{Parcels: []land.MsgRegisterParcel{
		{CadastralRef: "PIN-B1", Geometry: rect(0, 10000, 1000, 11000), Address: "1 Batch Row", Document: docHash("batch plan")},
		{CadastralRef: "PIN-B2", Geometry: rect(1000, 10000, 2000, 11000), Address: "2 Batch Row", Document: docHash("batch plan")},
	}}
	p.run("land: register-parcels by a citizen", land.ErrNotClerk, land.TypeRegisterParcels, batch, alice)
	p.run("land: register-parcels", nil, land.TypeRegisterParcels, batch, clerk)
	p.run("land: register-parcels overlapping within the batch", land.ErrOverlap, land.TypeRegisterParcels,
		land.MsgRegisterParcels{Parcels: []land.MsgRegisterParcel{
			{CadastralRef: "PIN-B3", Geometry: rect(0, 20000, 1000, 21000), Document: docHash("batch plan 2")},
			{CadastralRef: "PIN-B4", Geometry: rect(500, 20500, 1500, 21500), Document: docHash("batch plan 2")},
		}}, clerk)
	var hits []land.CadRefHit
	p.List("/land/cadrefs/PIN-B1,PIN-B2,PIN-B3,PIN-B4", &hits)
	if len(hits) != 2 || hits[0].Ref != "PIN-B1" || hits[1].Ref != "PIN-B2" {
		p.t.Errorf("registered references after the batches: %+v, want PIN-B1 and PIN-B2 only", hits)
	}
}

// pinCaveatExamination: land/examine-caveat, added after the batches. A
// citizen's caveat is an application: only a clerk examines it; rejected
// it leaves the title free, accepted it freezes it.
func pinCaveatExamination(p *pin, clerk, alice, carol ed25519.PrivateKey) {
	var parcel string
	if !p.Query("/land/cadref/PIN-B1", &parcel) {
		p.t.Fatal("PIN-B1 is not registered")
	}
	owner := []land.Share{{Party: apptest.Account(alice), Share: "1"}}
	t := p.run("land: register-title over a batch parcel", nil, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{parcel},
		Owners: owner, Tenure: "freehold", Document: docHash("grant B1")}, clerk)
	lodge := land.MsgLodgeCaveat{Title: t, Reason: "claims the garden", Document: docHash("claim")}
	c1 := p.run("land: lodge-caveat by a citizen (an application)", nil, land.TypeLodgeCaveat, lodge, carol)
	reject := land.MsgExamineCaveat{Title: t, Caveat: c1, Decision: land.DecisionReject, Reason: "no interest in the land is shown"}
	p.run("land: examine-caveat by a citizen", land.ErrNotClerk, land.TypeExamineCaveat, reject, carol)
	p.run("land: examine-caveat, rejecting", nil, land.TypeExamineCaveat, reject, clerk)
	p.run("land: examine-caveat already decided", land.ErrUnknownRight, land.TypeExamineCaveat, reject, clerk)
	c2 := p.run("land: lodge-caveat by a citizen again", nil, land.TypeLodgeCaveat, lodge, carol)
	p.run("land: examine-caveat, accepting", nil, land.TypeExamineCaveat, land.MsgExamineCaveat{Title: t, Caveat: c2,
		Decision: land.DecisionAccept, Reason: "the survey supports the claim", Document: docHash("survey")}, clerk)
	p.run("land: transmit under the accepted caveat", land.ErrCaveat, land.TypeTransmit, land.MsgTransmit{Title: t, Owners: owner,
		Reason: "court-order", Document: docHash("order B1")}, clerk)
}

// pinMoneyAndShares: rules added after the caveat examination — a
// mortgage's currency is a current ISO 4217 code, and a share's
// denominator is at most 10^12.
func pinMoneyAndShares(p *pin, clerk, alice, lender ed25519.PrivateKey) {
	var parcel string
	if !p.Query("/land/cadref/PIN-B2", &parcel) {
		p.t.Fatal("PIN-B2 is not registered")
	}
	p.run("land: register-title with a share over 10^12", land.ErrBadShares, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{parcel},
		Owners: []land.Share{{Party: apptest.Account(alice), Share: "1000000000000/1000000000001"}, {Party: apptest.Account(lender), Share: "1/1000000000001"}},
		Tenure: "freehold", Document: docHash("grant B2")}, clerk)
	t := p.run("land: register-title over thousandths", nil, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{parcel},
		Owners: []land.Share{{Party: apptest.Account(alice), Share: "999/1000"}, {Party: apptest.Account(lender), Share: "1/1000"}},
		Tenure: "freehold", Document: docHash("grant B2")}, clerk)
	mortgage := land.MsgRegisterMortgage{Title: t, Lender: apptest.Account(lender), Amount: "25000000", Currency: "XYZ", Rank: 1, Document: docHash("mortgage B2")}
	p.run("land: register-mortgage in a currency not in ISO 4217", errs.InvalidMsg, land.TypeRegisterMortgage, mortgage, alice, lender)
	mortgage.Currency = "JPY"
	p.run("land: register-mortgage in yen", nil, land.TypeRegisterMortgage, mortgage, alice, lender)
}

// pinTitleBatches: land/register-titles, added after the money and share
// bounds. A batch is all or nothing: the refused one (its second title
// names the first's parcel) registers neither title.
func pinTitleBatches(p *pin, clerk, alice, bob ed25519.PrivateKey) {
	ids := p.run("land: register-parcels for the title batch", nil, land.TypeRegisterParcels, land.MsgRegisterParcels{Parcels: []land.MsgRegisterParcel{
		{CadastralRef: "PIN-T1", Geometry: rect(0, 30000, 1000, 31000), Address: "1 Title Row", Document: docHash("title plan")},
		{CadastralRef: "PIN-T2", Geometry: rect(1000, 30000, 2000, 31000), Address: "2 Title Row", Document: docHash("title plan")},
	}}, clerk)
	parcels := strings.Split(ids, ",")
	if len(parcels) != 2 {
		p.t.Fatalf("register-parcels data %q", ids)
	}
	one := func(parcel string, owners ...land.Share) land.MsgRegisterTitle {
		return land.MsgRegisterTitle{Parcels: []string{parcel}, Owners: owners, Tenure: "freehold", Document: docHash("grants " + parcel)}
	}
	alone := land.Share{Party: apptest.Account(alice), Share: "1"}
	half := []land.Share{{Party: apptest.Account(alice), Share: "1/2"}, {Party: apptest.Account(bob), Share: "1/2"}}
	p.run("land: register-titles by a citizen", land.ErrNotClerk, land.TypeRegisterTitles,
		land.MsgRegisterTitles{Titles: []land.MsgRegisterTitle{one(parcels[0], alone), one(parcels[1], half...)}}, alice)
	p.run("land: register-titles naming a parcel twice", land.ErrParcelTitled, land.TypeRegisterTitles,
		land.MsgRegisterTitles{Titles: []land.MsgRegisterTitle{one(parcels[0], alone), one(parcels[0], half...)}}, clerk)
	p.run("land: register-titles", nil, land.TypeRegisterTitles,
		land.MsgRegisterTitles{Titles: []land.MsgRegisterTitle{one(parcels[0], alone), one(parcels[1], half...)}}, clerk)
}

// pinParties: land/register-party and land/amend-party, added after the
// title batches. A title names parties; the bank party signs a mortgage
// through one of its accounts; a renamed party keeps its former name.
// pinStatusLists: the issuer's signed status lists
// (identity/publish-status-list, and set-status carrying the list as it
// will stand).
func pinStatusLists(p *pin, registrar, alice ed25519.PrivateKey) {
	reg := apptest.Account(registrar)
	k := identity.New(authority.Keeper{}).Keeper
	sign := func(purpose string, bits []byte) json.RawMessage {
		doc, err := identity.SignStatusList("https://registry.example.gov", reg, purpose, 1, bits, apptest.GenesisTime, registrar)
		if err != nil {
			p.t.Fatal(err)
		}
		return doc
	}
	rev := k.StatusListBits(p.View(), reg, identity.PurposeRevocation)
	p.run("identity: publish-status-list by a citizen", identity.ErrNotIssuer, identity.TypePublishStatusList,
		identity.MsgPublishStatusList{Purpose: identity.PurposeRevocation, List: sign(identity.PurposeRevocation, rev)}, alice)
	p.run("identity: publish-status-list with other bits", identity.ErrStatusListDoc, identity.TypePublishStatusList,
		identity.MsgPublishStatusList{Purpose: identity.PurposeRevocation, List: sign(identity.PurposeRevocation, identity.WithStatusBit(rev, 9, true))}, registrar)
	p.run("identity: publish-status-list", nil, identity.TypePublishStatusList,
		identity.MsgPublishStatusList{Purpose: identity.PurposeRevocation, List: sign(identity.PurposeRevocation, rev)}, registrar)
	sus := k.StatusListBits(p.View(), reg, identity.PurposeSuspension)
	set := !identity.Bit(sus, 1)
	p.run("identity: set-status with the new signed list", nil, identity.TypeSetStatus, identity.MsgSetStatus{Purpose: identity.PurposeSuspension,
		Index: 1, Set: set, List: sign(identity.PurposeSuspension, identity.WithStatusBit(sus, 1, set))}, registrar)
}

func pinParties(p *pin, clerk, alice, bob, lender ed25519.PrivateKey) {
	person := land.MsgRegisterParty{Kind: land.PartyNaturalPerson, Name: "Pin Person", Accounts: []string{apptest.Account(alice)}}
	p.run("land: register-party by a citizen", land.ErrNotClerk, land.TypeRegisterParty, person, alice)
	pa := p.run("land: register-party, a person", nil, land.TypeRegisterParty, person, clerk)
	bank := p.run("land: register-party, a bank with two accounts", nil, land.TypeRegisterParty, land.MsgRegisterParty{Kind: land.PartyOrganisation,
		Name: "Pin Bank plc", RegistrationNumber: "PB 1", Accounts: []string{apptest.Account(lender), apptest.Account(bob)}}, clerk)
	name := "Pin Bank Group plc"
	p.run("land: amend-party of an unknown party", land.ErrUnknownParty, land.TypeAmendParty, land.MsgAmendParty{Party: "N999", Name: &name, Reason: "renamed"}, clerk)
	p.run("land: amend-party, a change of name", nil, land.TypeAmendParty, land.MsgAmendParty{Party: bank, Name: &name, Reason: "renamed",
		Document: docHash("change of name")}, clerk)
	parcel := p.run("land: register-parcel for the parties", nil, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "PIN-N1",
		Geometry: rect(0, 40000, 1000, 41000), Document: docHash("plan N1")}, clerk)
	t := p.run("land: register-title to a party", nil, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{parcel},
		Owners: []land.Share{{Party: pa, Share: "1"}}, Tenure: "freehold", Document: docHash("grant N1")}, clerk)
	mortgage := land.MsgRegisterMortgage{Title: t, Lender: bank, Amount: "25000000", Currency: "EUR", Rank: 1, Document: docHash("mortgage N1")}
	p.run("land: register-mortgage without the bank's signature", land.ErrMissingSignature, land.TypeRegisterMortgage, mortgage, alice)
	p.run("land: register-mortgage to a party, signed by one of its accounts", nil, land.TypeRegisterMortgage, mortgage, alice, bob)
}

// pinEnvelope: refusals of the transaction envelope and routing.
func pinEnvelope(p *pin, a1, a2 ed25519.PrivateKey) {
	grant := authority.MsgGrantRole{Account: apptest.Account(apptest.DemoKey(p.t, "citizen-carol")), Role: authority.RoleAuditor}
	p.runRaw("envelope: undecodable", errs.Undecodable, authority.TypeGrantRole, []byte{0x01, 0xff, 0xff})
	p.runRaw("envelope: bad sequence", errs.BadSequence, authority.TypeGrantRole,
		apptest.Signed(p.t, 7, authority.TypeGrantRole, grant, a1, a2))
	bad := apptest.Signed(p.t, p.Sequence(a1), authority.TypeGrantRole, grant, a1, a2)
	bad[len(bad)-1] ^= 1
	p.runRaw("envelope: bad signature", errs.BadSignature, authority.TypeGrantRole, bad)
	p.run("envelope: unknown message type", errs.UnknownMsgType, "land/teleport", grant, a1)
	p.runRaw("envelope: unknown account", errs.UnknownAccount, authority.TypeGrantRole,
		apptest.Signed(p.t, 0, authority.TypeGrantRole, grant, apptest.SeededKey("pin", 99)))
}

func pinAuthority(p *pin, a1, a2, dora, erin ed25519.PrivateKey) {
	reg := authority.MsgRegisterAccount{}
	p.run("authority: register dora", nil, authority.TypeRegisterAccount, reg, dora)
	p.run("authority: register erin", nil, authority.TypeRegisterAccount, reg, erin)
	p.run("authority: register dora again", authority.ErrAccountExists, authority.TypeRegisterAccount, reg, dora)
	grant := authority.MsgGrantRole{Account: apptest.Account(dora), Role: authority.RoleAuditor}
	p.run("authority: grant with one signature", errs.Unauthorized, authority.TypeGrantRole, grant, a1)
	p.run("authority: grant auditor to dora", nil, authority.TypeGrantRole, grant, a1, a2)
	p.run("authority: grant a held role", authority.ErrRoleHeld, authority.TypeGrantRole, grant, a2, a1)
	p.run("authority: grant to an unknown account", authority.ErrUnknownAccount, authority.TypeGrantRole,
		authority.MsgGrantRole{Account: apptest.Account(apptest.SeededKey("pin", 98)), Role: authority.RoleClerk}, a1, a2)
	p.run("authority: grant an unknown role", errs.InvalidMsg, authority.TypeGrantRole,
		authority.MsgGrantRole{Account: apptest.Account(dora), Role: "king"}, a1, a2)
	revoke := authority.MsgRevokeRole{Account: apptest.Account(dora), Role: authority.RoleAuditor}
	p.run("authority: revoke auditor from dora", nil, authority.TypeRevokeRole, revoke, a1, a2)
	p.run("authority: revoke a role not held", authority.ErrRoleNotHeld, authority.TypeRevokeRole, revoke, a1, a2)
	p.run("authority: revoke by a non-member", errs.Unauthorized, authority.TypeRevokeRole, revoke, dora)
}

func pinLand(p *pin, clerk, lender, alice, bob, carol ed25519.PrivateKey) {
	id := apptest.Account
	share := func(k ed25519.PrivateKey, s string) land.Share { return land.Share{Party: id(k), Share: s} }
	shares := func(s ...land.Share) []land.Share { return s }

	// Parcels P1 and P2 side by side, a third apart for the refusals.
	parcel := land.MsgRegisterParcel{CadastralRef: "PIN-1", Geometry: rect(0, 0, 1000, 1000), Address: "1 Pin Lane", Document: docHash("plan 1")}
	p.run("land: register-parcel by a citizen", land.ErrNotClerk, land.TypeRegisterParcel, parcel, alice)
	p1 := p.run("land: register-parcel P1", nil, land.TypeRegisterParcel, parcel, clerk)
	p2 := p.run("land: register-parcel P2", nil, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "PIN-2",
		Geometry: rect(1000, 0, 2000, 1000), Address: "2 Pin Lane", Document: docHash("plan 2")}, clerk)
	p.run("land: register-parcel overlapping", land.ErrOverlap, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "PIN-X",
		Geometry: rect(500, 500, 1500, 1500), Document: docHash("plan x")}, clerk)
	p.run("land: register-parcel same reference", land.ErrDuplicateRef, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "PIN-1",
		Geometry: rect(5000, 0, 6000, 1000), Document: docHash("plan y")}, clerk)

	title := land.MsgRegisterTitle{Parcels: []string{p1}, Owners: shares(share(alice, "1")), Tenure: "freehold", Document: docHash("grant 1")}
	t1 := p.run("land: register-title T1", nil, land.TypeRegisterTitle, title, clerk)
	p.run("land: register-title twice", land.ErrParcelTitled, land.TypeRegisterTitle, title, clerk)
	p.run("land: register-title T2", nil, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{p2},
		Owners: shares(share(alice, "1")), Tenure: "freehold", Document: docHash("grant 2")}, clerk)

	mortgage := land.MsgRegisterMortgage{Title: t1, Lender: id(lender), Amount: "25000000", Currency: "EUR", Rank: 1, Document: docHash("mortgage")}
	p.run("land: register-mortgage without the lender", land.ErrMissingSignature, land.TypeRegisterMortgage, mortgage, alice)
	m1 := p.run("land: register-mortgage", nil, land.TypeRegisterMortgage, mortgage, alice, lender)
	discharge := land.MsgDischargeMortgage{Title: t1, Mortgage: m1, Document: docHash("release")}
	p.run("land: discharge-mortgage by the owner", land.ErrNotLender, land.TypeDischarge, discharge, alice)
	p.run("land: discharge-mortgage", nil, land.TypeDischarge, discharge, lender)

	lease := land.MsgRegisterLease{Title: t1, Lessee: id(bob), Start: "2026-02-01", End: "2036-01-31", Document: docHash("lease")}
	bad := lease
	bad.End = "2020-01-01"
	p.run("land: register-lease ending before it starts", errs.InvalidMsg, land.TypeRegisterLease, bad, alice, bob)
	l1 := p.run("land: register-lease", nil, land.TypeRegisterLease, lease, alice, bob)
	end := land.MsgEndLease{Title: t1, Lease: l1, Document: docHash("surrender")}
	p.run("land: end-lease by a stranger", land.ErrNotLessee, land.TypeEndLease, end, carol)
	p.run("land: end-lease", nil, land.TypeEndLease, end, bob)

	easement := land.MsgRegisterEasement{Title: t1, Benefiting: p2, Purpose: "right of way to the road", Document: docHash("easement")}
	self := easement
	self.Benefiting = p1
	p.run("land: register-easement benefiting itself", errs.InvalidMsg, land.TypeRegisterEasement, self, alice)
	e1 := p.run("land: register-easement", nil, land.TypeRegisterEasement, easement, alice)
	endE := land.MsgEndEasement{Title: t1, Easement: e1, Document: docHash("release of easement")}
	p.run("land: end-easement by a citizen", land.ErrNotClerk, land.TypeEndEasement, endE, bob)
	p.run("land: end-easement", nil, land.TypeEndEasement, endE, clerk)

	caveat := land.MsgLodgeCaveat{Title: t1, Reason: "claims an unregistered share", Document: docHash("declaration")}
	bad2 := caveat
	bad2.Title = "T99"
	p.run("land: lodge-caveat on an unknown title", land.ErrUnknownTitle, land.TypeLodgeCaveat, bad2, carol)
	c1 := p.run("land: lodge-caveat", nil, land.TypeLodgeCaveat, caveat, carol)
	sale := land.MsgOfferTransfer{Title: t1, Sellers: shares(share(alice, "1/2")), Buyers: shares(share(bob, "1/4"), share(carol, "1/4")),
		Expires: p.Height + 100}
	// Since caveats lodged by anyone but a clerk became applications, the
	// citizen's caveat freezes the title only once a clerk accepts it:
	// this step was inserted then (the steps before it keep their pinned
	// lines; from here on the app hashes changed).
	p.run("land: examine-caveat, accepting the application", nil, land.TypeExamineCaveat, land.MsgExamineCaveat{Title: t1, Caveat: c1,
		Decision: land.DecisionAccept, Reason: "the declaration shows an arguable claim"}, clerk)
	p.run("land: offer-transfer under a caveat", land.ErrCaveat, land.TypeOfferTransfer, sale, alice)
	p.run("land: withdraw-caveat by another party", land.ErrNotLodger, land.TypeWithdrawCaveat, land.MsgWithdrawCaveat{Title: t1, Caveat: c1}, alice)
	p.run("land: withdraw-caveat", nil, land.TypeWithdrawCaveat, land.MsgWithdrawCaveat{Title: t1, Caveat: c1}, carol)
	c2 := p.run("land: lodge-caveat again", nil, land.TypeLodgeCaveat, caveat, carol)
	remove := land.MsgRemoveCaveat{Title: t1, Caveat: c2, Reason: "lapsed after 30 days", Document: docHash("order")}
	p.run("land: remove-caveat by a citizen", land.ErrNotClerk, land.TypeRemoveCaveat, remove, alice)
	p.run("land: remove-caveat", nil, land.TypeRemoveCaveat, remove, clerk)

	p.run("land: offer-transfer unbalanced", land.ErrBadShares, land.TypeOfferTransfer, land.MsgOfferTransfer{Title: t1,
		Sellers: shares(share(alice, "1/2")), Buyers: shares(share(bob, "1/3")), Expires: p.Height + 100}, alice)
	o1 := p.run("land: offer-transfer", nil, land.TypeOfferTransfer, sale, alice)
	p.run("land: accept-transfer by one buyer", land.ErrMissingSignature, land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o1}, bob)
	p.run("land: accept-transfer", nil, land.TypeAcceptTransfer, land.MsgAcceptTransfer{Offer: o1}, bob, carol)
	deed := land.MsgRegisterTransfer{Offer: o1, Document: docHash("deed of sale")}
	p.run("land: register-transfer by a citizen", land.ErrNotClerk, land.TypeRegisterTransfer, deed, alice)
	p.run("land: register-transfer", nil, land.TypeRegisterTransfer, deed, clerk)
	p.run("land: register-transfer twice", land.ErrOfferState, land.TypeRegisterTransfer, deed, clerk)

	o2 := p.run("land: offer-transfer to withdraw", nil, land.TypeOfferTransfer, land.MsgOfferTransfer{Title: t1,
		Sellers: shares(share(alice, "1/2")), Buyers: shares(share(bob, "1/2")), Expires: p.Height + 100}, alice)
	p.run("land: withdraw-offer by the buyer", land.ErrMissingSignature, land.TypeWithdrawOffer, land.MsgWithdrawOffer{Offer: o2}, bob)
	p.run("land: withdraw-offer", nil, land.TypeWithdrawOffer, land.MsgWithdrawOffer{Offer: o2}, alice)

	transfer := land.MsgTransfer{Title: t1, Sellers: shares(share(alice, "1/4")), Buyers: shares(share(carol, "1/4")), Document: docHash("deed 2")}
	p.run("land: transfer without the seller", land.ErrMissingSignature, land.TypeTransfer, transfer, clerk, carol)
	p.run("land: transfer", nil, land.TypeTransfer, transfer, clerk, alice, carol)

	heirs := shares(share(bob, "1/2"), share(carol, "1/2"))
	p.run("land: transmit for a whim", errs.InvalidMsg, land.TypeTransmit, land.MsgTransmit{Title: t1, Owners: heirs, Reason: "whim",
		Document: docHash("will")}, clerk)
	p.run("land: transmit", nil, land.TypeTransmit, land.MsgTransmit{Title: t1, Owners: heirs, Reason: "death", Document: docHash("probate")}, clerk)

	sub := land.MsgSubdivide{Parcel: p1, Children: []land.ChildParcel{
		{CadastralRef: "PIN-1A", Geometry: rect(0, 0, 500, 1000), Address: "1a Pin Lane"},
		{CadastralRef: "PIN-1B", Geometry: rect(500, 0, 1000, 1000), Address: "1b Pin Lane"},
	}, Tolerance: "0", Document: docHash("subdivision plan")}
	overlap := sub
	overlap.Children = []land.ChildParcel{{CadastralRef: "PIN-1A", Geometry: rect(0, 0, 600, 1000)}, {CadastralRef: "PIN-1B", Geometry: rect(500, 0, 1000, 1000)}}
	p.run("land: subdivide with overlapping children", land.ErrSubdivision, land.TypeSubdivide, overlap, clerk)
	kids := strings.Split(p.run("land: subdivide", nil, land.TypeSubdivide, sub, clerk), ",")

	merge := land.MsgMerge{Parcels: kids, CadastralRef: "PIN-1M", Geometry: rect(0, 0, 1000, 1000), Address: "1 Pin Lane", Document: docHash("merger")}
	wrong := merge
	wrong.Geometry = rect(0, 0, 1000, 900)
	p.run("land: merge into a smaller parcel", land.ErrMerge, land.TypeMerge, wrong, clerk)
	p.run("land: merge", nil, land.TypeMerge, merge, clerk)

	addr := "2 Pin Lane (rear)"
	p.run("land: correct without a reason", errs.InvalidMsg, land.TypeCorrect, land.MsgCorrect{Parcel: p2, Address: &addr, Document: docHash("c")}, clerk)
	p.run("land: correct", nil, land.TypeCorrect, land.MsgCorrect{Parcel: p2, Address: &addr, Reason: "rear entrance omitted",
		Document: docHash("correction")}, clerk)
}

var residenceClaims = []identity.ClaimDef{
	{Name: "age_band", Type: "integer"}, {Name: "birth_date", Type: "date"},
	{Name: "district", Type: "integer"}, {Name: "full_name", Type: "string"},
}

// pinPredicate is the eligibility alice proves, and the credential
// election's rule.
const pinPredicate = "age_band>=18,district=7"

func pinIdentity(p *pin, a1, a2, registrar, alice, bob, dora, doraNew, erin, erinNew ed25519.PrivateKey) {
	id := apptest.Account
	pubHex := func(k ed25519.PrivateKey) string { return hex.EncodeToString(apptest.Pub(k)) }
	schema := identity.MsgRegisterSchema{ID: "residence", Version: 1, Claims: residenceClaims, JSONSchemaHash: docHash("residence-v1")}
	p.run("identity: register-schema with one signature", errs.Unauthorized, identity.TypeRegisterSchema, schema, a1)
	p.run("identity: register-schema", nil, identity.TypeRegisterSchema, schema, a1, a2)
	p.run("identity: register-schema twice", identity.ErrSchemaExists, identity.TypeRegisterSchema, schema, a1, a2)

	p.run("identity: accredit-issuer for an unknown schema", identity.ErrUnknownSchema, identity.TypeAccreditIssuer,
		identity.MsgAccreditIssuer{Issuer: id(registrar), Schemas: []string{"nope"}}, a1, a2)
	p.run("identity: accredit-issuer registrar", nil, identity.TypeAccreditIssuer,
		identity.MsgAccreditIssuer{Issuer: id(registrar), Schemas: []string{"residence"}}, a1, a2)
	p.run("identity: accredit-issuer bob", nil, identity.TypeAccreditIssuer,
		identity.MsgAccreditIssuer{Issuer: id(bob), Schemas: []string{"residence"}}, a1, a2)
	suspend := identity.MsgSetIssuerStatus{Issuer: id(bob), Status: identity.IssuerSuspended}
	p.run("identity: set-issuer-status suspends bob", nil, identity.TypeSetIssuerStatus, suspend, a1, a2)
	p.run("identity: set-issuer-status unchanged", identity.ErrStatusUnchanged, identity.TypeSetIssuerStatus, suspend, a1, a2)

	// Two credentials for alice from the registrar; salts and proofs from
	// the seeded reader.
	issue := func(index uint64, use string) (*vc.Held, string) {
		held, sec, err := vc.Issue(vc.IssuerParams{Issuer: id(registrar), KeyNumber: 1, Holder: id(alice), SchemaID: "residence", Version: 1,
			StatusIndex: index, Claims: []vc.Claim{{Name: "full_name", Value: "Alice Quixotic-Zephyr"}, {Name: "birth_date", Value: "1987-03-14"},
				{Name: "district", Value: 7}, {Name: "age_band", Value: 30}},
			ValidFrom: apptest.GenesisTime, Rand: rnd(use)}, registrar)
		if err != nil {
			p.t.Fatal(err)
		}
		return held, hex.EncodeToString(sec.DocHash[:])
	}
	held, digest := issue(0, "credential 0")
	_, digest1 := issue(1, "credential 1")
	anchor := identity.MsgAnchorCredential{Digest: digest, SchemaID: "residence", Version: 1, StatusIndex: 0}
	p.run("identity: anchor-credential by a suspended issuer", identity.ErrIssuerSuspended, identity.TypeAnchorCredential, anchor, bob)
	p.run("identity: anchor-credential", nil, identity.TypeAnchorCredential, anchor, registrar)
	p.run("identity: anchor-credential twice", identity.ErrCredentialExists, identity.TypeAnchorCredential, anchor, registrar)
	p.run("identity: anchor-credential 1", nil, identity.TypeAnchorCredential,
		identity.MsgAnchorCredential{Digest: digest1, SchemaID: "residence", Version: 1, StatusIndex: 1}, registrar)

	p.run("identity: set-status of an unallocated index", identity.ErrUnknownIndex, identity.TypeSetStatus,
		identity.MsgSetStatus{Purpose: identity.PurposeSuspension, Index: 77, Set: true}, registrar)
	p.run("identity: set-status suspends credential 1", nil, identity.TypeSetStatus,
		identity.MsgSetStatus{Purpose: identity.PurposeSuspension, Index: 1, Set: true}, registrar)

	// Eligibility: a zero-knowledge proof of the predicate over credential 0.
	presentation := func(challenge, use string) string {
		pend, sb, err := vc.PreparePresentation(vc.PresentationParams{Holder: id(alice), KeyNumber: 1, Credential: held.Credential,
			Challenge: challenge, Domain: genesis.DevChainID, Created: p.Time, Prove: strings.Split(pinPredicate, ","),
			Openings: held.Commitments, Rand: rnd(use)})
		if err != nil {
			p.t.Fatal(err)
		}
		out, err := pend.Finish(ed25519.Sign(alice, sb))
		if err != nil {
			p.t.Fatal(err)
		}
		return string(out)
	}
	good := identity.MsgRegisterEligibility{Predicate: pinPredicate,
		Presentation: presentation(identity.EligibilityChallenge(genesis.DevChainID, id(alice), pinPredicate), "eligibility")}
	p.run("identity: register-eligibility relayed by bob", identity.ErrChallenge, identity.TypeRegisterEligibility, good, bob)
	p.run("identity: register-eligibility", nil, identity.TypeRegisterEligibility, good, alice)

	// Dora rotates her key, updates and deactivates her DID.
	rotate := identity.MsgRotateKey{NewPubKey: pubHex(doraNew)}
	p.run("identity: rotate-key without the new key", identity.ErrNewKeyNotSigned, identity.TypeRotateKey, rotate, dora)
	p.run("identity: rotate-key", nil, identity.TypeRotateKey, rotate, dora, doraNew)
	p.run("identity: update-did unsorted services", errs.InvalidMsg, identity.TypeUpdateDID, identity.MsgUpdateDID{Services: []identity.Service{
		{ID: "b", Type: "T", Endpoint: "https://b.example"}, {ID: "a", Type: "T", Endpoint: "https://a.example"}}}, doraNew)
	p.run("identity: update-did", nil, identity.TypeUpdateDID, identity.MsgUpdateDID{Services: []identity.Service{
		{ID: "inbox", Type: "Mailbox", Endpoint: "https://dora.example/inbox"}}}, doraNew)
	p.run("identity: deactivate-did", nil, identity.TypeDeactivateDID, identity.MsgDeactivateDID{}, doraNew)
	p.run("identity: deactivate-did twice", identity.ErrDIDDeactivated, identity.TypeDeactivateDID, identity.MsgDeactivateDID{}, doraNew)

	// Erin's key is recovered by the registrar after the delay (3 blocks).
	req := identity.MsgRequestRecovery{Account: id(erin), NewPubKey: pubHex(erinNew)}
	p.run("identity: request-recovery by a citizen", identity.ErrNotRegistrar, identity.TypeRequestRecovery, req, bob)
	p.run("identity: request-recovery", nil, identity.TypeRequestRecovery, req, registrar)
	p.run("identity: cancel-recovery by another account", errs.Unauthorized, identity.TypeCancelRecovery, identity.MsgCancelRecovery{Account: id(erin)}, bob)
	p.run("identity: cancel-recovery", nil, identity.TypeCancelRecovery, identity.MsgCancelRecovery{Account: id(erin)}, erin)
	p.run("identity: request-recovery again", nil, identity.TypeRequestRecovery, req, registrar)
	complete := identity.MsgCompleteRecovery{Account: id(erin)}
	p.run("identity: complete-recovery too early", identity.ErrRecoveryNotDue, identity.TypeCompleteRecovery, complete, bob)
	p.Block()
	p.run("identity: complete-recovery", nil, identity.TypeCompleteRecovery, complete, bob)
}

// pinBallot: a roll election through the whole ceremony (with a corrupt
// dealing, complaints and reveals), casting and tally; then a credential
// election that alice's registered eligibility lets her vote in.
func pinBallot(p *pin, official, alice, bob, carol ed25519.PrivateKey) {
	id := apptest.Account
	tk := []ed25519.PrivateKey{apptest.DemoKey(p.t, "trustee-1"), apptest.DemoKey(p.t, "trustee-2"), apptest.DemoKey(p.t, "trustee-3")}
	tids := []string{id(tk[0]), id(tk[1]), id(tk[2])}
	questions := []ballot.Question{
		{Text: "Approve?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
		{Text: "Chair", Kind: ballot.KindSingle, Options: []string{"Ann", "Ben", "Cy"}},
	}
	opens, closes := p.Time.Add(time.Hour), p.Time.Add(2*time.Hour)
	create := &ballot.MsgCreateElection{ID: "council", Title: "Council 2026", Questions: questions,
		Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll}, Trustees: tids, Threshold: 2, OpensAt: opens.Unix(), ClosesAt: closes.Unix()}
	p.run("ballot: create-election by a citizen", errs.Unauthorized, ballot.TypeCreateElection, create, alice)
	tooMany := *create
	tooMany.Threshold = 4
	p.run("ballot: create-election threshold above n", ballot.ErrInvalidElection, ballot.TypeCreateElection, &tooMany, official)
	p.run("ballot: create-election", nil, ballot.TypeCreateElection, create, official)

	voters := []string{id(alice), id(bob), id(carol)}
	sortStrings(voters)
	p.run("ballot: register-voters by a citizen", ballot.ErrNotOfficial, ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: "council", Voters: voters}, bob)
	p.run("ballot: register-voters", nil, ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: "council", Voters: voters}, official)
	p.run("ballot: remove-voters by a citizen", ballot.ErrNotOfficial, ballot.TypeRemoveVoters, &ballot.MsgRemoveVoters{Election: "council", Voters: []string{id(carol)}}, bob)
	p.run("ballot: remove-voters", nil, ballot.TypeRemoveVoters, &ballot.MsgRemoveVoters{Election: "council", Voters: []string{id(carol)}}, official)

	for i, k := range tk[:2] {
		p.run(fmt.Sprintf("ballot: trustee-key %d", i+1), nil, ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, "council"), k)
	}
	p.run("ballot: trustee-key twice", ballot.ErrDuplicate, ballot.TypeTrusteeKey, ballot.CommKeyMsg(tk[0], "council"), tk[0])
	p.run("ballot: trustee-key 3", nil, ballot.TypeTrusteeKey, ballot.CommKeyMsg(tk[2], "council"), tk[2])

	e, trs := p.election("council"), p.trustees("council", 3)
	// Dealer 1 corrupts the share for trustee 2.
	d1, err := ballot.DealMsg(tk[0], e, 1, trs)
	if err != nil {
		p.t.Fatal(err)
	}
	raw, _ := hex.DecodeString(d1.Shares[1])
	raw[0] ^= 1
	d1.Shares[1] = hex.EncodeToString(raw)
	p.run("ballot: deal 1 (one corrupt share)", nil, ballot.TypeDeal, d1, tk[0])
	d2, _ := ballot.DealMsg(tk[1], e, 2, trs)
	d3, _ := ballot.DealMsg(tk[2], e, 3, trs)
	p.run("ballot: deal with another dealer's commitments", ballot.ErrInvalidDealing, ballot.TypeDeal, d3, tk[1])
	p.run("ballot: deal 2", nil, ballot.TypeDeal, d2, tk[1])
	p.run("ballot: deal 3", nil, ballot.TypeDeal, d3, tk[2])

	p.run("ballot: complain by a non-trustee", ballot.ErrNotTrustee, ballot.TypeComplain, &ballot.MsgComplain{Election: "council", Dealer: 1}, alice)
	p.run("ballot: complain about dealer 1", nil, ballot.TypeComplain, &ballot.MsgComplain{Election: "council", Dealer: 1}, tk[1])
	p.run("ballot: complain falsely about dealer 2", nil, ballot.TypeComplain, &ballot.MsgComplain{Election: "council", Dealer: 2}, tk[2])
	rv, _ := ballot.RevealShare(tk[1], e, 2, 3)
	p.run("ballot: reveal by a non-trustee", ballot.ErrNotTrustee, ballot.TypeReveal, rv, alice)
	p.run("ballot: reveal the right share", nil, ballot.TypeReveal, rv, tk[1])
	wrong, _ := ballot.RevealShare(tk[0], e, 1, 3)
	wrong.Complainer = 2
	p.run("ballot: reveal a wrong share", nil, ballot.TypeReveal, wrong, tk[0])
	p.run("ballot: publish-key by a citizen", ballot.ErrNotOfficial, ballot.TypePublishKey, &ballot.MsgPublishKey{Election: "council"}, alice)
	p.run("ballot: publish-key", nil, ballot.TypePublishKey, &ballot.MsgPublishKey{Election: "council"}, official)

	e = p.election("council")
	cast := func(voter ed25519.PrivateKey, use string, answers ...[]int) *ballot.MsgCast {
		params, err := e.Params()
		if err != nil {
			p.t.Fatal(err)
		}
		ch, err := ballot.Choices(e, answers)
		if err != nil {
			p.t.Fatal(err)
		}
		b, _, err := elgamal.EncryptBallot(params, id(voter), ch, rnd(use))
		if err != nil {
			p.t.Fatal(err)
		}
		enc, err := b.Encode()
		if err != nil {
			p.t.Fatal(err)
		}
		return &ballot.MsgCast{Election: e.ID, Ballot: hex.EncodeToString(enc)}
	}
	p.run("ballot: cast before opening", ballot.ErrNotOpen, ballot.TypeCast, cast(alice, "early", []int{0}, []int{0}), alice)
	p.BlockAt(opens)
	p.run("ballot: cast alice", nil, ballot.TypeCast, cast(alice, "alice", []int{0}, []int{1}), alice)
	p.run("ballot: cast bob", nil, ballot.TypeCast, cast(bob, "bob", []int{1}, []int{1}), bob)
	p.run("ballot: cast by a voter removed from the roll", ballot.ErrNotEligible, ballot.TypeCast, cast(carol, "carol", []int{0}, []int{2}), carol)
	p.run("ballot: cast another voter's ballot", ballot.ErrWrongVoter, ballot.TypeCast, cast(alice, "stolen", []int{0}, []int{0}), bob)

	tally := func(k ed25519.PrivateKey, index uint32, use string) *ballot.MsgTally {
		e := p.election("council")
		var complaints []*ballot.Complaint
		var page ballot.Page
		p.List("/ballot/list/complaint/council", &page)
		for _, en := range page.Entries {
			var c ballot.Complaint
			if err := json.Unmarshal(en.Value, &c); err != nil {
				p.t.Fatal(err)
			}
			complaints = append(complaints, &c)
		}
		ks, err := ballot.KeyShareFor(k, e, index, p.trustees("council", 3), complaints)
		if err != nil {
			p.t.Fatal(err)
		}
		var agg ballot.Aggregate
		p.Query("/ballot/aggregate/council", &agg)
		m, err := ballot.TallyMsg(ks, e, &agg, rnd(use))
		if err != nil {
			p.t.Fatal(err)
		}
		return m
	}
	p.run("ballot: tally before closing", ballot.ErrNotClosed, ballot.TypeTally, tally(tk[1], 2, "early tally"), tk[1])
	p.BlockAt(closes)
	p.run("ballot: tally by a non-trustee", ballot.ErrNotTrustee, ballot.TypeTally, tally(tk[1], 2, "stolen tally"), alice)
	p.run("ballot: tally 2", nil, ballot.TypeTally, tally(tk[1], 2, "tally 2"), tk[1])
	p.run("ballot: tally 3", nil, ballot.TypeTally, tally(tk[2], 3, "tally 3"), tk[2])
	p.run("ballot: tally after the result", ballot.ErrAlreadyTallied, ballot.TypeTally, tally(tk[0], 1, "tally 1"), tk[0])
	var result ballot.Result
	if !p.Query("/ballot/result/council", &result) {
		p.t.Fatal("no result")
	}
	if got, _ := json.Marshal(result.Counts); string(got) != "[[1,1],[0,2,0]]" {
		p.t.Errorf("council counts %s", got)
	}

	// A credential election: alice's registered eligibility lets her vote,
	// bob has none.
	opens, closes = p.Time.Add(time.Minute), p.Time.Add(time.Hour)
	p.run("ballot: create-election (credential)", nil, ballot.TypeCreateElection, &ballot.MsgCreateElection{ID: "residents", Title: "Residents 2026",
		Questions: questions[:1], Eligibility: ballot.Eligibility{Kind: ballot.RuleCredential, Schema: "residence", Predicate: pinPredicate},
		Trustees: tids, Threshold: 2, OpensAt: opens.Unix(), ClosesAt: closes.Unix()}, official)
	var keys [][]byte
	for _, k := range tk {
		keys = append(keys, p.Tx(ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, "residents"), k))
	}
	p.runBlock("ballot: trustee-key 1-3 (credential)", keys)
	e, trs = p.election("residents"), p.trustees("residents", 3)
	var deals [][]byte
	for i, k := range tk {
		d, err := ballot.DealMsg(k, e, uint32(i+1), trs)
		if err != nil {
			p.t.Fatal(err)
		}
		deals = append(deals, p.Tx(ballot.TypeDeal, d, k))
	}
	p.runBlock("ballot: deal 1-3 (credential)", deals)
	p.run("ballot: publish-key (credential)", nil, ballot.TypePublishKey, &ballot.MsgPublishKey{Election: "residents"}, official)
	e = p.election("residents")
	p.BlockAt(opens)
	p.run("ballot: cast without eligibility", ballot.ErrNotEligible, ballot.TypeCast, cast(bob, "residents bob", []int{0}), bob)
	p.run("ballot: cast with eligibility", nil, ballot.TypeCast, cast(alice, "residents alice", []int{0}), alice)
}

func (p *pin) election(id string) *ballot.Election {
	p.t.Helper()
	var e ballot.Election
	if !p.Query("/ballot/election/"+id, &e) {
		p.t.Fatalf("no election %s", id)
	}
	return &e
}

func (p *pin) trustees(id string, n int) []*ballot.Trustee {
	p.t.Helper()
	out := make([]*ballot.Trustee, n)
	for i := range out {
		var tr ballot.Trustee
		if p.Query(fmt.Sprintf("/ballot/trustee/%s/%d", id, i+1), &tr) {
			out[i] = &tr
		}
	}
	return out
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}
