package apptest_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	cmted "github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/governance"
)

// pinConsensusKey is validator i's consensus key, from a fixed seed.
func pinConsensusKey(i int) cmted.PubKey {
	return cmted.GenPrivKeyFromSecret([]byte(fmt.Sprintf("publica app-hash pin: validator %d", i))).PubKey().(cmted.PubKey)
}

// pinValidators is the pin chain's genesis validator set: four of power 10.
func pinValidators() []abci.ValidatorUpdate {
	var out []abci.ValidatorUpdate
	for i := range 4 {
		out = append(out, abci.Ed25519ValidatorUpdate(pinConsensusKey(i), 10))
	}
	return out
}

// pinGovernance: validator changes, an upgrade scheduled and cancelled, and
// the authority set's change (last: it raises the threshold to 3 of 3).
func pinGovernance(p *pin, a1, a2, a3 ed25519.PrivateKey) {
	key := func(i int) string { return base64.StdEncoding.EncodeToString(pinConsensusKey(i)) }
	p.run("governance: set-validator with one authority signature", errs.Unauthorized, governance.TypeSetValidator,
		governance.MsgSetValidator{PubKey: key(4), Power: 10, Name: "agency-5"}, a1)
	p.run("governance: set-validator adds a fifth", nil, governance.TypeSetValidator,
		governance.MsgSetValidator{PubKey: key(4), Power: 10, Name: "agency-5"}, a1, a2)
	p.run("governance: set-validator removes the second", nil, governance.TypeSetValidator,
		governance.MsgSetValidator{PubKey: key(1), Power: 0}, a2, a3)
	p.run("governance: set-validator moving a third of the power", governance.ErrPowerShift, governance.TypeSetValidator,
		governance.MsgSetValidator{PubKey: key(5), Power: 20}, a1, a2)
	p.run("governance: schedule-upgrade", nil, governance.TypeScheduleUpgrade,
		governance.MsgScheduleUpgrade{Plan: governance.Plan{Name: "v9", Height: p.Height + 100, Version: 9, Info: "publica 9"}}, a1, a2)
	p.run("governance: schedule-upgrade while one is scheduled", governance.ErrUpgradeScheduled, governance.TypeScheduleUpgrade,
		governance.MsgScheduleUpgrade{Plan: governance.Plan{Name: "v10", Height: p.Height + 200, Version: 10}}, a1, a2)
	p.run("governance: cancel-upgrade of another name", governance.ErrNoUpgrade, governance.TypeCancelUpgrade,
		governance.MsgCancelUpgrade{Name: "v10"}, a1, a2)
	p.run("governance: cancel-upgrade", nil, governance.TypeCancelUpgrade, governance.MsgCancelUpgrade{Name: "v9"}, a2, a3)
	set := authority.MsgSetAuthority{Threshold: 3, Members: []string{apptest.Account(a1), apptest.Account(a2), apptest.Account(a3)}}
	p.run("authority: set-authority to 3 of 3", nil, authority.TypeSetAuthority, set, a1, a3)
	p.run("authority: set-authority with the same set", authority.ErrSameAuthority, authority.TypeSetAuthority, set, a1, a2, a3)
}
