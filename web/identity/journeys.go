package identity

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// The registrar's signed journeys on the common flow (docs/portal.md
// "Identity"): revoke, suspend and reinstate a credential
// (identity/set-status), request a key recovery for a citizen, and the
// citizen's cancellation of a recovery. Issuing a credential needs two
// signatures and has its own pages (issue.go).

var digestRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// accountField reads an account id answer: 40 hex digits or did:publica:….
func accountField(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if acct, ok := vc.AccountOfDID(v); ok {
		return acct, true
	}
	v = strings.ToLower(v)
	return v, tx.ValidAccountID(v)
}

// credentialBits are the two status bits of a credential.
type credentialBits struct{ Revoked, Suspended bool }

func (b credentialBits) String() string {
	switch {
	case b.Revoked:
		return "revoked"
	case b.Suspended:
		return "suspended"
	}
	return "valid"
}

func readBits(ctx context.Context, cl *client.Client, issuer string, index uint64) (credentialBits, error) {
	var b credentialBits
	for _, p := range []string{identity.PurposeRevocation, identity.PurposeSuspension} {
		page, err := portal.Query(ctx, cl, "/key", identity.StatusPageKey(issuer, p, index), 0)
		if err != nil {
			return b, err
		}
		if p == identity.PurposeRevocation {
			b.Revoked = identity.StatusBit(page, index)
		} else {
			b.Suspended = identity.StatusBit(page, index)
		}
	}
	return b, nil
}

func credentialField() ui.Field {
	return ui.Field{Name: "credential", Label: "identity.credential", Hint: "identity.j.credential.hint", Wide: true}
}

// statusTarget resolves the credential answer to the signer's status index
// and reads its current bits.
func statusTarget(ctx context.Context, cl *client.Client, a portal.Answers) (uint64, credentialBits, []ui.FormError, error) {
	var errs []ui.FormError
	if a.Account == nil {
		return 0, credentialBits{}, []ui.FormError{{Field: portal.SignerField, Message: i18n.T(ctx, "identity.j.noaccount.issuer")}}, nil
	}
	is, err := portal.Record[identity.Issuer](ctx, cl, "/identity/issuer/"+a.Account.ID, 0)
	if err != nil {
		return 0, credentialBits{}, nil, err
	}
	if is == nil {
		errs = append(errs, ui.FormError{Field: portal.SignerField, Message: i18n.T(ctx, "identity.j.notissuer", a.Account.ID)})
	}
	v := strings.ToLower(strings.TrimSpace(a.Values.Get("credential")))
	var index uint64
	switch {
	case v == "":
		errs = append(errs, ui.FormError{Field: "credential", Message: i18n.T(ctx, "identity.j.credential.empty")})
	case digestRe.MatchString(v):
		an, err := portal.Record[identity.Anchor](ctx, cl, "/identity/credential/"+v, 0)
		if err != nil {
			return 0, credentialBits{}, nil, err
		}
		switch {
		case an == nil:
			errs = append(errs, ui.FormError{Field: "credential", Message: i18n.T(ctx, "identity.j.nodigest", v[:12])})
		case an.Issuer != a.Account.ID:
			errs = append(errs, ui.FormError{Field: "credential", Message: i18n.T(ctx, "identity.j.otherissuer", an.Issuer)})
		default:
			index = an.StatusIndex
		}
	default:
		n, perr := strconv.ParseUint(v, 10, 64)
		if perr != nil {
			errs = append(errs, ui.FormError{Field: "credential", Message: i18n.T(ctx, "identity.j.credential.bad")})
			break
		}
		if is != nil {
			slot, err := portal.Query(ctx, cl, "/key", identity.SlotKey(a.Account.ID, n), 0)
			if err != nil {
				return 0, credentialBits{}, nil, err
			}
			if slot == nil {
				errs = append(errs, ui.FormError{Field: "credential", Message: i18n.T(ctx, "identity.j.noindex", v)})
			}
		}
		index = n
	}
	if len(errs) > 0 {
		return 0, credentialBits{}, errs, nil
	}
	bits, err := readBits(ctx, cl, a.Account.ID, index)
	return index, bits, nil, err
}

// statusJourney is one of revoke, suspend and reinstate.
// now and after say in plain words the credential's status before and
// after the change; Message has checked now when it prepared the change.
//
// title, lead, now and after are catalog keys; refuse returns one (or "");
// what is a key taking the status index.
func statusJourney(path, title, lead string, purpose string, set bool, refuse func(credentialBits) string, what string, now, after string) *portal.Journey {
	return &portal.Journey{
		Path: path, MsgType: identity.TypeSetStatus, Title: title, Lead: lead, Nav: "identity",
		Fields: []ui.Field{credentialField()},
		Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
			index, bits, errs, err := statusTarget(ctx, cl, a)
			if err != nil || len(errs) > 0 {
				return nil, errs, err
			}
			if msg := refuse(bits); msg != "" {
				return nil, []ui.FormError{{Field: "credential", Message: i18n.T(ctx, "identity.j.refused", index, i18n.T(ctx, "identity.j.bits."+bits.String()), i18n.T(ctx, msg))}}, nil
			}
			return identity.MsgSetStatus{Purpose: purpose, Index: index, Set: set}, nil, nil
		},
		DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
			var m identity.MsgSetStatus
			_ = tx.DecodeMsg(t.Msg, &m)
			return []ui.Fact{
				{Label: i18n.T(ctx, "identity.j.what"), Value: i18n.T(ctx, what, m.Index)},
				{Label: i18n.T(ctx, "identity.fact.index"), Value: strconv.FormatUint(m.Index, 10)},
				{Label: i18n.T(ctx, "identity.j.list"), Value: i18n.T(ctx, "identity.j.list."+m.Purpose)},
				{Label: i18n.T(ctx, "identity.j.bit"), Value: i18n.T(ctx, map[bool]string{true: "identity.j.bit.set", false: "identity.j.bit.clear"}[m.Set])},
				{Label: i18n.T(ctx, "identity.j.now"), Value: i18n.T(ctx, "identity.j.now.value", i18n.T(ctx, now))},
				{Label: i18n.T(ctx, "identity.j.after"), Value: i18n.T(ctx, after)},
				{Label: i18n.T(ctx, "identity.j.signedlist"), Value: withdrawnNote(ctx, m.Purpose)},
			}
		},
		DoneIn: func(ctx context.Context, t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
			var m identity.MsgSetStatus
			_ = tx.DecodeMsg(t.Msg, &m)
			issuer := eventAttr(r, "identity.status_changed", "issuer")
			href := fmt.Sprintf("/identity/issuers/%s/credentials/%d", issuer, m.Index)
			return i18n.T(ctx, "identity.j.done", i18n.T(ctx, title)),
				[]ui.Fact{{Label: i18n.T(ctx, "identity.credential"), Value: i18n.T(ctx, "identity.j.index", m.Index), Href: href},
					{Label: i18n.T(ctx, "identity.j.signedlist"), Value: withdrawnNote(ctx, m.Purpose)}},
				[]ui.Link{{Label: i18n.T(ctx, "identity.j.seestatus"), Href: href}, {Label: i18n.T(ctx, "identity.sldone.issuer"), Href: "/identity/issuers/" + issuer}}
		},
	}
}

// withdrawnNote says what a change made here does to the issuer's signed
// list: this page signs the transaction only, so the chain withdraws the
// signed list rather than keep an outdated one.
func withdrawnNote(ctx context.Context, purpose string) string {
	return i18n.T(ctx, "identity.j.withdrawn."+purpose)
}

var (
	credentialRevoke = statusJourney("/identity/credentials/revoke", "identity.j.revoke.title", "identity.j.revoke.lead",
		identity.PurposeRevocation, true,
		func(b credentialBits) string {
			if b.Revoked {
				return "identity.j.revoke.already"
			}
			return ""
		}, "identity.j.revoke.what", "identity.j.state.notrevoked", "identity.j.state.revoked")
	credentialSuspend = statusJourney("/identity/credentials/suspend", "identity.j.suspend.title", "identity.j.suspend.lead",
		identity.PurposeSuspension, true,
		func(b credentialBits) string {
			switch {
			case b.Revoked:
				return "identity.j.suspend.revoked"
			case b.Suspended:
				return "identity.j.suspend.already"
			}
			return ""
		}, "identity.j.suspend.what", "identity.j.state.valid", "identity.j.state.suspended")
	credentialReinstate = statusJourney("/identity/credentials/reinstate", "identity.j.reinstate.title", "identity.j.reinstate.lead",
		identity.PurposeSuspension, false,
		func(b credentialBits) string {
			switch {
			case b.Revoked:
				return "identity.j.reinstate.revoked"
			case !b.Suspended:
				return "identity.j.reinstate.notsuspended"
			}
			return ""
		}, "identity.j.reinstate.what", "identity.j.state.suspended", "identity.j.state.validagain")
)

var recoveryRequest = &portal.Journey{
	Path:    "/identity/recovery/request",
	MsgType: identity.TypeRequestRecovery,
	Title:   "identity.requestrecovery",
	Lead:    "identity.j.rr.lead",
	Nav:     "identity",
	Fields: []ui.Field{
		{Name: "account", Label: "identity.j.rr.account", Hint: "identity.j.rr.account.hint", Wide: true},
		{Name: "new_pubkey", Label: "identity.j.rr.newkey", Hint: "identity.j.rr.newkey.hint", Wide: true},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		var errs []ui.FormError
		switch {
		case a.Account == nil:
			errs = append(errs, ui.FormError{Field: portal.SignerField, Message: i18n.T(ctx, "identity.j.rr.noaccount")})
		case !a.Account.HasRole(authority.RoleRegistrar):
			errs = append(errs, ui.FormError{Field: portal.SignerField, Message: i18n.T(ctx, "identity.j.rr.notregistrar", a.Account.ID)})
		}
		acct, ok := accountField(a.Values.Get("account"))
		switch {
		case strings.TrimSpace(a.Values.Get("account")) == "":
			errs = append(errs, ui.FormError{Field: "account", Message: i18n.T(ctx, "identity.j.rr.account.empty")})
		case !ok:
			errs = append(errs, ui.FormError{Field: "account", Message: i18n.T(ctx, "identity.j.account.bad")})
		default:
			ac, err := cl.Account(ctx, acct)
			if err != nil {
				return nil, nil, portal.Unavailable(err)
			}
			rec, err := portal.Query(ctx, cl, "/identity/recovery/"+acct, nil, 0)
			if err != nil {
				return nil, nil, err
			}
			switch {
			case ac == nil:
				errs = append(errs, ui.FormError{Field: "account", Message: i18n.T(ctx, "identity.j.account.none", acct)})
			case rec != nil:
				errs = append(errs, ui.FormError{Field: "account", Message: i18n.T(ctx, "identity.j.rr.pending", acct)})
			}
		}
		nk := strings.ToLower(strings.TrimSpace(a.Values.Get("new_pubkey")))
		newPub, err := authority.ParsePubKey(nk)
		switch {
		case nk == "":
			errs = append(errs, ui.FormError{Field: "new_pubkey", Message: i18n.T(ctx, "identity.j.rr.newkey.empty")})
		case err != nil:
			errs = append(errs, ui.FormError{Field: "new_pubkey", Message: i18n.T(ctx, "identity.j.rr.newkey.bad")})
		default:
			other, err := cl.AccountByKey(ctx, newPub)
			if err != nil {
				return nil, nil, portal.Unavailable(err)
			}
			if other != nil {
				errs = append(errs, ui.FormError{Field: "new_pubkey", Message: i18n.T(ctx, "identity.j.rr.newkey.used", other.ID)})
			}
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return identity.MsgRequestRecovery{Account: acct, NewPubKey: nk}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m identity.MsgRequestRecovery
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{
			{Label: i18n.T(ctx, "identity.j.what"), Value: i18n.T(ctx, "identity.j.rr.what", m.Account)},
			{Label: i18n.T(ctx, "identity.j.account"), Value: m.Account, Mono: true},
			{Label: i18n.T(ctx, "identity.rec.newkey"), Value: m.NewPubKey, Mono: true},
			{Label: i18n.T(ctx, "identity.j.when"), Value: i18n.T(ctx, "identity.j.rr.when")},
		}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m identity.MsgRequestRecovery
		_ = tx.DecodeMsg(t.Msg, &m)
		return i18n.T(ctx, "identity.j.rr.done"),
			[]ui.Fact{{Label: i18n.T(ctx, "identity.j.account"), Value: m.Account, Mono: true, Href: "/identity/recovery/" + m.Account}},
			[]ui.Link{{Label: i18n.T(ctx, "identity.j.rr.see"), Href: "/identity/recovery/" + m.Account}}
	},
}

var recoveryCancel = &portal.Journey{
	Path:    "/identity/recovery/cancel",
	MsgType: identity.TypeCancelRecovery,
	Title:   "identity.cancelrecovery",
	Lead:    "identity.j.rc.lead",
	Nav:     "identity",
	Fields: []ui.Field{
		{Name: "account", Label: "identity.j.rc.account", Hint: "identity.j.rc.account.hint", Wide: true},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		acct, ok := accountField(a.Values.Get("account"))
		if strings.TrimSpace(a.Values.Get("account")) == "" && a.Account != nil {
			acct, ok = a.Account.ID, true
		}
		switch {
		case !ok:
			return nil, []ui.FormError{{Field: "account", Message: i18n.T(ctx, "identity.j.account.bad")}}, nil
		case a.Account == nil || a.Account.ID != acct:
			return nil, []ui.FormError{{Field: portal.SignerField, Message: i18n.T(ctx, "identity.j.rc.onlykey", acct)}}, nil
		}
		rec, err := portal.Query(ctx, cl, "/identity/recovery/"+acct, nil, 0)
		if err != nil {
			return nil, nil, err
		}
		if rec == nil {
			return nil, []ui.FormError{{Field: "account", Message: i18n.T(ctx, "identity.j.rc.none", acct)}}, nil
		}
		return identity.MsgCancelRecovery{Account: acct}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m identity.MsgCancelRecovery
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{
			{Label: i18n.T(ctx, "identity.j.what"), Value: i18n.T(ctx, "identity.j.rc.what")},
			{Label: i18n.T(ctx, "identity.j.account"), Value: m.Account, Mono: true},
		}
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m identity.MsgCancelRecovery
		_ = tx.DecodeMsg(t.Msg, &m)
		return i18n.T(ctx, "identity.j.rc.done"),
			[]ui.Fact{{Label: i18n.T(ctx, "identity.j.account"), Value: m.Account, Mono: true, Href: "/accounts/" + m.Account}},
			[]ui.Link{{Label: i18n.T(ctx, "identity.j.rc.see"), Href: "/accounts/" + m.Account}}
	},
}

// eventAttr is the value of key in the result's first event of type typ.
func eventAttr(r *client.Result, typ, key string) string {
	for _, e := range r.Events {
		if e.Type != typ {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == key {
				return a.Value
			}
		}
	}
	return ""
}

// eligibilityRegister records that the holder's credential satisfies a
// predicate (identity/register-eligibility). The eligibility page
// (present.go) prepares the presentation with zero-knowledge
// proofs and leads here; this form also takes a presentation made
// elsewhere (publica credential present --prove).
var eligibilityRegister = &portal.Journey{
	Path:    "/identity/eligibility/register",
	MsgType: identity.TypeRegisterEligibility,
	Title:   "identity.j.el.title",
	Lead:    "identity.j.el.lead",
	Nav:     "identity",
	Fields: []ui.Field{
		{Name: "predicate", Label: "identity.j.predicate", Hint: "identity.j.predicate.hint"},
		{Name: "presentation", Label: "identity.pdone.the", Kind: "textarea", Hint: "identity.j.el.presentation.hint"},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		var fe []ui.FormError
		if a.Account == nil {
			fe = append(fe, ui.FormError{Field: portal.SignerField, Message: i18n.T(ctx, "ballot.err.noaccount")})
		}
		pred, perr := identity.ParsePredicate(strings.TrimSpace(a.Values.Get("predicate")))
		if perr != nil {
			fe = append(fe, ui.FormError{Field: "predicate", Message: i18n.T(ctx, "identity.verify.err.predicate", perr.Error())})
		}
		pres := strings.TrimSpace(a.Values.Get("presentation"))
		if pres == "" {
			fe = append(fe, ui.FormError{Field: "presentation", Message: i18n.T(ctx, "identity.j.el.paste")})
		}
		if len(fe) > 0 {
			return nil, fe, nil
		}
		chainID, err := cl.ChainID(ctx)
		if err != nil {
			return nil, nil, portal.Unavailable(err)
		}
		// Check it as the chain will, so a refusal comes before signing.
		r := portal.NewReader(ctx, cl, 0)
		_, verr := identity.VerifyPresentation(r, []byte(pres), identity.VerifyOptions{
			Challenge: identity.EligibilityChallenge(chainID, a.Account.ID, pred.String()), Domain: chainID,
			Now: time.Now(), Predicate: pred, ProofsOnly: true})
		var code *errs.Error
		switch {
		case verr == nil:
		case errors.As(verr, &code) && code.Codespace == identity.Codespace:
			return nil, []ui.FormError{{Field: "presentation", Message: i18n.T(ctx, "identity.j.el.refuse", fmt.Sprintf("%s/%d", code.Codespace, code.Code), shortText(verr.Error()))}}, nil
		default:
			return nil, nil, verr
		}
		return identity.MsgRegisterEligibility{Predicate: pred.String(), Presentation: pres}, nil, nil
	},
	DescribeIn: func(ctx context.Context, t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m identity.MsgRegisterEligibility
		_ = tx.DecodeMsg(t.Msg, &m)
		fs := []ui.Fact{
			{Label: i18n.T(ctx, "identity.j.what"), Value: i18n.T(ctx, "identity.j.el.what", m.Predicate)},
			{Label: i18n.T(ctx, "identity.j.predicate"), Value: m.Predicate, Mono: true},
			{Label: i18n.T(ctx, "identity.j.el.disclosed"), Value: i18n.T(ctx, "identity.j.el.none")},
		}
		if pp, err := vc.ParsePresentation([]byte(m.Presentation)); err == nil {
			c := pp.Credential
			fs = append(fs, ui.Fact{Label: i18n.T(ctx, "identity.credential"), Value: i18n.T(ctx, "identity.j.el.from", schemaVersionIn(ctx, c.SchemaID, c.Version), vc.DID(c.Issuer))})
		}
		return fs
	},
	DoneIn: func(ctx context.Context, t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m identity.MsgRegisterEligibility
		_ = tx.DecodeMsg(t.Msg, &m)
		return i18n.T(ctx, "identity.j.el.done"),
			[]ui.Fact{{Label: i18n.T(ctx, "identity.j.predicate"), Value: m.Predicate, Mono: true}},
			[]ui.Link{{Label: i18n.T(ctx, "nav.elections"), Href: "/elections"}, {Label: i18n.T(ctx, "home.credentials"), Href: "/identity/credentials"}}
	},
}
