package app

import (
	"context"
	"encoding/json"
	"slices"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// Admission is a node's mempool admission policy: the chain stays free
// for citizens, and no one account, nor all accounts without a role
// together, can fill the mempool or the blocks. It is applied by CheckTx
// (and the proposer's PrepareProposal) only, from the committed state and
// this node's own mempool; FinalizeBlock never consults it, so a block's
// outcome never depends on it, and nodes may run different policies
// (docs/operations.md, "Abuse resistance").
//
// Role holders (an account with any role, or a member of the authority
// set) are the registry's staff: they are not counted against the quotas,
// and their transactions go first into the blocks this node proposes.
type Admission struct {
	// MaxPendingPerAccount is how many transactions of one account
	// without a role may wait in the mempool at once (0: no limit).
	MaxPendingPerAccount int `json:"max_pending_per_account"`
	// MaxPendingOpen is how many transactions of accounts without a role
	// (registrations included) may wait at once in all (0: no limit). Set
	// below the mempool's size, it keeps room for role holders however
	// many accounts an attacker floods from.
	MaxPendingOpen int `json:"max_pending_open"`
	// RegisterWorkBits is the proof of work a registration carries: the
	// SHA-256 of its chain id, key and valid-until height
	// (tx.RegisterWork) starts with this many zero bits (0: none).
	RegisterWorkBits int `json:"register_work_bits"`
	// MaxOpenPerBlock is how many transactions of accounts without a role
	// a block this node proposes carries at most (0: no limit); role
	// holders' go first and are not counted.
	MaxOpenPerBlock int `json:"max_open_per_block"`
}

// DefaultAdmission is the policy of `publica start` (docs/operations.md
// explains the figures): CometBFT's mempool holds 5,000 transactions, of
// which citizens share 4,000 and role holders always find 1,000 free.
var DefaultAdmission = Admission{
	MaxPendingPerAccount: 16,
	MaxPendingOpen:       4000,
	RegisterWorkBits:     20,
	MaxOpenPerBlock:      2000,
}

// AdmissionQueryPath answers this node's Admission as JSON (not proven:
// it is the node's policy, not state). Clients read RegisterWorkBits there.
const AdmissionQueryPath = "/app/admission"

// SetAdmission sets the node's admission policy (the zero value admits
// everything that passes the checks, as in-process test chains do).
func (a *App) SetAdmission(p Admission) {
	a.mu.Lock()
	a.admission = p
	a.mu.Unlock()
}

// Admission is the node's admission policy.
func (a *App) Admission() Admission {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.admission
}

// isRoleHolder reports whether the account holds a role or sits in the
// authority set, in the committed state kv.
func (a *App) isRoleHolder(kv store.KV, acct *authority.Account) bool {
	if acct == nil {
		return false
	}
	if len(acct.Roles) > 0 {
		return true
	}
	p, err := a.auth.Keeper.Params(kv)
	return err == nil && p != nil && slices.Contains(p.Members, acct.ID)
}

// admit applies the policy to a transaction CheckTx has otherwise
// accepted, and counts it as waiting. id is its primary account (or the
// account a registration creates). Priority is not CheckTx's to give:
// CometBFT v0.38 dropped the priority mempool (v0.37's "v1") and the
// Priority field with it; its mempool is first-in first-out, so the
// priority of role holders is applied by PrepareProposal (prioritize)
// and by the share of the mempool kept free for them.
func (a *App) admit(pol Admission, c *checked, id string, role, newAccount bool) error {
	if role {
		return nil
	}
	// The work bounds new accounts: a key that has one and sends a
	// registration again sends a failing transaction, which its quota
	// bounds like any other.
	if pol.RegisterWorkBits > 0 && newAccount && c.tx.MsgType == authority.TypeRegisterAccount {
		if got := tx.RegisterWork(c.tx.ChainID, c.tx.Primary(), c.tx.ValidUntil); got < pol.RegisterWorkBits {
			return errs.NeedsWork.Wrapf("this node admits a registration whose proof of work has %d zero bits (it has %d): choose its valid-until height so that tx.RegisterWork reaches it (publica and the portal do; query %s)",
				pol.RegisterWorkBits, got, AdmissionQueryPath)
		}
	}
	if pol.MaxPendingPerAccount > 0 && a.pendingCount[id] >= pol.MaxPendingPerAccount {
		return errs.MempoolQuota.Wrapf("account %s already has %d transactions waiting, the most this node holds for an account without a role: send more after they are in a block", id, a.pendingCount[id])
	}
	if pol.MaxPendingOpen > 0 && a.pendingOpen >= pol.MaxPendingOpen {
		return errs.MempoolQuota.Wrapf("this node's mempool holds %d transactions of accounts without a role, its share for them: try again in a few blocks", a.pendingOpen)
	}
	a.pendingCount[id]++
	a.pendingOpen++
	return nil
}

// prioritize orders a proposal's transactions: role holders' first, then
// the others, each group in mempool order (so one account's transactions
// keep their sequence order), with at most pol.MaxOpenPerBlock of the
// others. Transactions that do not decode keep their place among the
// others (the stateless checks drop them).
func (a *App) prioritize(pol Admission, txs [][]byte) [][]byte {
	if pol == (Admission{}) {
		return txs
	}
	view := a.store.Working() // between blocks: the last commit
	roleOf := map[string]bool{}
	var staff, open [][]byte
	for _, raw := range txs {
		t, err := tx.Decode(raw)
		role := false
		if err == nil && len(t.Signatures) > 0 {
			key := string(t.Primary())
			r, seen := roleOf[key]
			if !seen {
				acct, _ := a.auth.Keeper.AccountByPubKey(view, t.Primary())
				r = a.isRoleHolder(view, acct)
				roleOf[key] = r
			}
			role = r
		}
		if role {
			staff = append(staff, raw)
		} else if pol.MaxOpenPerBlock <= 0 || len(open) < pol.MaxOpenPerBlock {
			open = append(open, raw)
		}
	}
	return append(staff, open...)
}

// admissionQuery answers AdmissionQueryPath.
func (a *App) admissionQuery(_ context.Context, req *abci.RequestQuery) *abci.ResponseQuery {
	b, _ := json.Marshal(a.Admission())
	return &abci.ResponseQuery{Value: b, Height: a.store.Version()}
}
