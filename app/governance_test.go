package app_test

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/publica/publica/app"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/governance"
)

// consensusKey is a deterministic validator key.
func consensusKey(label string) ed25519.PubKey {
	return ed25519.GenPrivKeyFromSecret([]byte("governance test " + label)).PubKey().(ed25519.PubKey)
}

func b64(pub ed25519.PubKey) string { return base64.StdEncoding.EncodeToString(pub) }

// fourValidators is a chain whose genesis lists four validators of power 10.
func fourValidators(t *testing.T, version uint64) (*apptest.Chain, []ed25519.PubKey) {
	var keys []ed25519.PubKey
	var vals []abci.ValidatorUpdate
	for _, l := range []string{"v0", "v1", "v2", "v3"} {
		k := consensusKey(l)
		keys = append(keys, k)
		vals = append(vals, abci.Ed25519ValidatorUpdate(k, 10))
	}
	return apptest.NewWith(t, apptest.Options{Validators: vals, AppVersion: version}), keys
}

func TestValidatorChanges(t *testing.T) {
	c, keys := fourValidators(t, 0)
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	var vals []governance.Validator
	c.List("/governance/validators", &vals)
	if len(vals) != 4 {
		t.Fatalf("genesis validators recorded: %d, want 4", len(vals))
	}

	// One authority signature is not the quorum (2 of 3).
	fifth := consensusKey("v4")
	add := governance.MsgSetValidator{PubKey: b64(fifth), Power: 10, Name: "agency-5"}
	c.Expect(errs.Unauthorized, governance.TypeSetValidator, add, a1)
	res := c.Block(c.Tx(governance.TypeSetValidator, add, a1, a2))
	apptest.Check(t, "add", res.TxResults[0], nil)
	if len(res.ValidatorUpdates) != 1 || res.ValidatorUpdates[0].Power != 10 ||
		!ed25519.PubKey(res.ValidatorUpdates[0].PubKey.GetEd25519()).Equals(fifth) {
		t.Fatalf("updates %v, want the fifth validator at power 10", res.ValidatorUpdates)
	}
	addr := governance.Address(fifth)
	var v governance.Validator
	if !c.Query("/governance/validator/"+addr, &v) || v.Power != 10 || v.Name != "agency-5" {
		t.Fatalf("proven validator record %+v", v)
	}
	var ch governance.ValidatorChange
	if !c.Query("/governance/change/"+itoa(c.Height)+"/"+addr, &ch) || ch.EffectiveHeight != c.Height+2 || ch.OldPower != 0 || len(ch.Approvers) != 2 {
		t.Fatalf("proven change record %+v", ch)
	}

	// Several changes in one block: one update per validator, by address,
	// the last change of a validator wins, an add-and-remove is no update.
	ghost := consensusKey("ghost")
	res = c.Block(
		c.Tx(governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(keys[2]), Power: 12}, a1, a2),
		c.Tx(governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(keys[1]), Power: 0}, a1, a2),
		c.Tx(governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(keys[2]), Power: 11}, a1, a2),
		c.Tx(governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(ghost), Power: 1}, a1, a2),
		c.Tx(governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(ghost), Power: 0}, a1, a2),
	)
	for i, r := range res.TxResults {
		apptest.Check(t, "block of changes #"+itoa(int64(i)), r, nil)
	}
	if len(res.ValidatorUpdates) != 2 {
		t.Fatalf("updates %v, want 2", res.ValidatorUpdates)
	}
	for i, u := range res.ValidatorUpdates {
		a := governance.Address(ed25519.PubKey(u.PubKey.GetEd25519()))
		if i > 0 && a <= governance.Address(ed25519.PubKey(res.ValidatorUpdates[i-1].PubKey.GetEd25519())) {
			t.Fatal("updates are not in address order")
		}
		switch a {
		case governance.Address(keys[1]):
			if u.Power != 0 {
				t.Fatalf("removed validator power %d", u.Power)
			}
		case governance.Address(keys[2]):
			if u.Power != 11 {
				t.Fatalf("re-weighted validator power %d, want the last change's 11", u.Power)
			}
		default:
			t.Fatalf("unexpected update for %s", a)
		}
	}
	if present(c, "/governance/validator/"+governance.Address(keys[1])) {
		t.Fatal("removed validator still recorded")
	}

	// Refusals.
	c.Expect(governance.ErrNotValidator, governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(keys[1]), Power: 0}, a1, a2)
	c.Expect(governance.ErrNoChange, governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(keys[0]), Power: 10}, a1, a2)
	c.Expect(errs.InvalidMsg, governance.TypeSetValidator, governance.MsgSetValidator{PubKey: "not a key", Power: 1}, a1, a2)
	// Protocol 3: a third of the power in one block is too much (41 now).
	c.Expect(governance.ErrPowerShift, governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(consensusKey("big")), Power: 14}, a1, a2)

	var history []governance.ValidatorChange
	c.List("/governance/history", &history)
	if len(history) != 4+1+3 { // genesis, the fifth, the block of three records
		t.Fatalf("history has %d records", len(history))
	}
}

func TestLastValidatorCannotLeave(t *testing.T) {
	k := consensusKey("only")
	c := apptest.NewWith(t, apptest.Options{Validators: []abci.ValidatorUpdate{abci.Ed25519ValidatorUpdate(k, 10)}, AppVersion: governance.ProtocolGovernance})
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	c.Expect(governance.ErrEmptySet, governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(k), Power: 0}, a1, a2)
	// Protocol 2 has no power limit: the set may be replaced at once.
	c.MustOK(governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(consensusKey("new")), Power: 100}, a1, a2)
}

func TestAuthoritySetChange(t *testing.T) {
	c := apptest.New(t)
	a1, a2, a3 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2"), apptest.DemoKey(t, "authority-3")
	clerk, alice := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "citizen-alice")
	// alice joins, authority-3 leaves, the threshold goes to 3 of 3.
	set := authority.MsgSetAuthority{Threshold: 3, Members: []string{apptest.Account(alice), apptest.Account(a1), apptest.Account(a2)}}
	c.Expect(errs.Unauthorized, authority.TypeSetAuthority, set, a3)
	c.Expect(errs.InvalidMsg, authority.TypeSetAuthority, authority.MsgSetAuthority{Threshold: 4, Members: set.Members}, a1, a2)
	c.Expect(authority.ErrUnknownAccount, authority.TypeSetAuthority,
		authority.MsgSetAuthority{Threshold: 1, Members: []string{apptest.Account(apptest.SeededKey("nobody", 1))}}, a1, a2)
	c.MustOK(authority.TypeSetAuthority, set, a1, a3)
	changedAt := c.Height
	c.Expect(authority.ErrSameAuthority, authority.TypeSetAuthority, set, a1, a2, alice)

	var p authority.Params
	c.Query("/authority/params", &p)
	if p.Threshold != 3 || len(p.Members) != 3 {
		t.Fatalf("params %+v", p)
	}
	var ch authority.ParamsChange
	if !c.Query("/authority/params-change/"+itoa(changedAt), &ch) || ch.Old.Threshold != 2 || len(ch.Old.Members) != 3 || len(ch.Approvers) != 2 {
		t.Fatalf("proven change record %+v", ch)
	}
	// The old quorum no longer grants roles, the new one does; roles
	// granted before the change keep working.
	bob := apptest.Account(apptest.DemoKey(t, "citizen-bob"))
	c.Expect(errs.Unauthorized, authority.TypeGrantRole, authority.MsgGrantRole{Account: bob, Role: authority.RoleClerk}, a1, a2)
	c.Expect(errs.Unauthorized, authority.TypeGrantRole, authority.MsgGrantRole{Account: bob, Role: authority.RoleClerk}, a1, a2, a3)
	c.MustOK(authority.TypeGrantRole, authority.MsgGrantRole{Account: bob, Role: authority.RoleClerk}, a1, a2, alice)
	var clerkAcct authority.Account
	c.Query("/authority/account/"+apptest.Account(clerk), &clerkAcct)
	if !clerkAcct.HasRole(authority.RoleClerk) {
		t.Fatal("the clerk lost its role with the authority change")
	}
	var hist []authority.ParamsChange
	c.List("/authority/params-history", &hist)
	if len(hist) != 1 {
		t.Fatalf("history %d records", len(hist))
	}
}

// A chain from before governance (protocol 1) knows none of its messages
// and records nothing new at genesis.
func TestProtocolOneHasNoGovernance(t *testing.T) {
	c := apptest.NewWith(t, apptest.Options{AppVersion: 1,
		Validators: []abci.ValidatorUpdate{abci.Ed25519ValidatorUpdate(consensusKey("v0"), 10)}})
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	raw := c.Tx(governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(consensusKey("v1")), Power: 1}, a1, a2)
	c.ExpectTx("set-validator on protocol 1", raw, errs.UnknownMsgType, true)
	if present(c, "/governance/version") || present(c, "/governance/validator/"+governance.Address(consensusKey("v0"))) {
		t.Fatal("a protocol 1 genesis recorded governance state")
	}
	info, _ := c.App.Info(context.Background(), &abci.RequestInfo{})
	if info.AppVersion != 1 {
		t.Fatalf("AppVersion %d", info.AppVersion)
	}
}

// An upgrade scheduled at a height: software that does not know the new
// version stops there with the reason; software that does continues from
// the same state, applies the upgrade first, and the new rules hold from
// that block.
func TestScheduledUpgrade(t *testing.T) {
	c, _ := fourValidators(t, governance.ProtocolGovernance)
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	c.App.LimitProtocol(governance.ProtocolGovernance) // the old release
	at := c.Height + 4
	plan := governance.Plan{Name: "power-limit", Height: at, Version: governance.ProtocolPowerLimit, Info: "publica 0.2.0"}
	c.Expect(governance.ErrUpgradeHeight, governance.TypeScheduleUpgrade, governance.MsgScheduleUpgrade{Plan: governance.Plan{Name: "x", Height: c.Height + 1, Version: 3}}, a1, a2)
	c.Expect(governance.ErrUpgradeVersion, governance.TypeScheduleUpgrade, governance.MsgScheduleUpgrade{Plan: governance.Plan{Name: "x", Height: at, Version: 2}}, a1, a2)
	at = c.Height + 4 // after this block, the refusal and one change
	plan.Height = at
	c.MustOK(governance.TypeScheduleUpgrade, governance.MsgScheduleUpgrade{Plan: plan}, a1, a2)
	c.Expect(governance.ErrUpgradeScheduled, governance.TypeScheduleUpgrade, governance.MsgScheduleUpgrade{Plan: governance.Plan{Name: "y", Height: at + 5, Version: 4}}, a1, a2)
	// Before the upgrade the old rules hold: no power limit.
	c.MustOK(governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(consensusKey("big")), Power: 30}, a1, a2)
	if c.Height != at-1 {
		t.Fatalf("at height %d, upgrade at %d", c.Height, at)
	}
	_, err := c.App.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: at, Time: c.Time.Add(c.Step)})
	var need *app.UpgradeNeededError
	if !errors.As(err, &need) || need.Plan.Name != "power-limit" || c.App.UpgradeNeeded() == nil {
		t.Fatalf("old software at the upgrade height: %v", err)
	}
	t.Logf("the old software says: %v", err)

	// The new software on the same store.
	c.App = app.New(c.Store)
	if info, _ := c.App.Info(context.Background(), &abci.RequestInfo{}); info.AppVersion != governance.ProtocolGovernance {
		t.Fatalf("AppVersion before the upgrade %d", info.AppVersion)
	}
	res := c.Block(c.Tx(governance.TypeSetValidator, governance.MsgSetValidator{PubKey: b64(consensusKey("bigger")), Power: 40}, a1, a2))
	apptest.Check(t, "a third of the power in the upgrade block", res.TxResults[0], governance.ErrPowerShift)
	if p := res.ConsensusParamUpdates; p == nil || p.Version == nil || p.Version.App != governance.ProtocolPowerLimit {
		t.Fatalf("consensus param updates %v, want version.app 3", p)
	}
	if info, _ := c.App.Info(context.Background(), &abci.RequestInfo{}); info.AppVersion != governance.ProtocolPowerLimit {
		t.Fatalf("AppVersion after the upgrade %d", info.AppVersion)
	}
	var ups []governance.AppliedUpgrade
	c.List("/governance/upgrades", &ups)
	if len(ups) != 1 || ups[0].Height != at || ups[0].FromVersion != governance.ProtocolGovernance {
		t.Fatalf("applied upgrades %+v", ups)
	}
	if present(c, "/governance/plan") {
		t.Fatal("the plan is still scheduled")
	}
	// Restarting the old software on the upgraded state is refused.
	old := app.New(c.Store)
	old.LimitProtocol(governance.ProtocolGovernance)
	var unsupported *app.UnsupportedVersionError
	if err := old.CheckSupported(); !errors.As(err, &unsupported) {
		t.Fatalf("old software on an upgraded chain: %v", err)
	}
}

func TestCancelUpgrade(t *testing.T) {
	c := apptest.New(t)
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	next := app.ProtocolVersion + 1
	c.MustOK(governance.TypeScheduleUpgrade, governance.MsgScheduleUpgrade{Plan: governance.Plan{Name: "next", Height: 100, Version: next}}, a1, a2)
	c.Expect(governance.ErrNoUpgrade, governance.TypeCancelUpgrade, governance.MsgCancelUpgrade{Name: "another"}, a1, a2)
	c.MustOK(governance.TypeCancelUpgrade, governance.MsgCancelUpgrade{Name: "next"}, a1, a2)
	if present(c, "/governance/plan") {
		t.Fatal("cancelled plan still there")
	}
}

func itoa(n int64) string { return governance.FormatHeight(n) }

// present reports whether path's key holds a value, without a proof: the
// non-membership proof of a key above the last of the high tree fails
// while x/land's signer index stores empty values (ICS23 proves no empty
// leaf; see the report of this change).
func present(c *apptest.Chain, path string) bool {
	c.T.Helper()
	return c.RawQuery(&abci.RequestQuery{Path: path}).Value != nil
}
