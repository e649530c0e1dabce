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
	return ui.Field{Name: "credential", Label: "Credential",
		Hint: "Its status index (a whole number, shown on your issuer page) or its digest (64 hexadecimal characters).", Wide: true}
}

// statusTarget resolves the credential answer to the signer's status index
// and reads its current bits.
func statusTarget(ctx context.Context, cl *client.Client, a portal.Answers) (uint64, credentialBits, []ui.FormError, error) {
	var errs []ui.FormError
	if a.Account == nil {
		return 0, credentialBits{}, []ui.FormError{{Field: portal.SignerField, Message: "This key has no account: only the issuer of a credential can change its status"}}, nil
	}
	is, err := portal.Record[identity.Issuer](ctx, cl, "/identity/issuer/"+a.Account.ID, 0)
	if err != nil {
		return 0, credentialBits{}, nil, err
	}
	if is == nil {
		errs = append(errs, ui.FormError{Field: portal.SignerField, Message: "Account " + a.Account.ID + " is not a credential issuer: only the issuer of a credential can change its status"})
	}
	v := strings.ToLower(strings.TrimSpace(a.Values.Get("credential")))
	var index uint64
	switch {
	case v == "":
		errs = append(errs, ui.FormError{Field: "credential", Message: "Enter the credential’s status index or digest"})
	case digestRe.MatchString(v):
		an, err := portal.Record[identity.Anchor](ctx, cl, "/identity/credential/"+v, 0)
		if err != nil {
			return 0, credentialBits{}, nil, err
		}
		switch {
		case an == nil:
			errs = append(errs, ui.FormError{Field: "credential", Message: "No credential with digest " + v[:12] + "… is anchored on the chain"})
		case an.Issuer != a.Account.ID:
			errs = append(errs, ui.FormError{Field: "credential", Message: "That credential was issued by " + an.Issuer + ", not by your account: only its issuer can change its status"})
		default:
			index = an.StatusIndex
		}
	default:
		n, perr := strconv.ParseUint(v, 10, 64)
		if perr != nil {
			errs = append(errs, ui.FormError{Field: "credential", Message: "Enter a status index (a whole number such as 12) or a digest of 64 hexadecimal characters"})
			break
		}
		if is != nil {
			slot, err := portal.Query(ctx, cl, "/key", identity.SlotKey(a.Account.ID, n), 0)
			if err != nil {
				return 0, credentialBits{}, nil, err
			}
			if slot == nil {
				errs = append(errs, ui.FormError{Field: "credential", Message: "You have issued no credential with status index " + v})
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
func statusJourney(path, title, lead string, purpose string, set bool, refuse func(credentialBits) string, what func(index uint64) string, now, after string) *portal.Journey {
	return &portal.Journey{
		Path: path, MsgType: identity.TypeSetStatus, Title: title, Lead: lead, Nav: "identity",
		Fields: []ui.Field{credentialField()},
		Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
			index, bits, errs, err := statusTarget(ctx, cl, a)
			if err != nil || len(errs) > 0 {
				return nil, errs, err
			}
			if msg := refuse(bits); msg != "" {
				return nil, []ui.FormError{{Field: "credential", Message: fmt.Sprintf("The credential at status index %d is %s: %s", index, bits, msg)}}, nil
			}
			return identity.MsgSetStatus{Purpose: purpose, Index: index, Set: set}, nil, nil
		},
		Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
			var m identity.MsgSetStatus
			_ = tx.DecodeMsg(t.Msg, &m)
			return []ui.Fact{
				{Label: "What", Value: what(m.Index)},
				{Label: "Status index", Value: strconv.FormatUint(m.Index, 10)},
				{Label: "List", Value: "the " + m.Purpose + " list of your issuer account"},
				{Label: "Bit", Value: map[bool]string{true: "set to 1", false: "cleared to 0"}[m.Set]},
				{Label: "Status now", Value: now + " (read from the chain when this was prepared)"},
				{Label: "Status after", Value: after},
				{Label: "Signed list", Value: withdrawnNote(m.Purpose)},
			}
		},
		Done: func(t *tx.Tx, r *client.Result) (string, []ui.Fact, []ui.Link) {
			var m identity.MsgSetStatus
			_ = tx.DecodeMsg(t.Msg, &m)
			issuer := eventAttr(r, "identity.status_changed", "issuer")
			href := fmt.Sprintf("/identity/issuers/%s/credentials/%d", issuer, m.Index)
			return title + ": done",
				[]ui.Fact{{Label: "Credential", Value: "status index " + strconv.FormatUint(m.Index, 10), Href: href},
					{Label: "Signed list", Value: withdrawnNote(m.Purpose)}},
				[]ui.Link{{Label: "See the credential’s status", Href: href}, {Label: "Your issuer page", Href: "/identity/issuers/" + issuer}}
		},
	}
}

// withdrawnNote says what a change made here does to the issuer's signed
// list: this page signs the transaction only, so the chain withdraws the
// signed list rather than keep an outdated one.
func withdrawnNote(purpose string) string {
	return "your signed " + purpose + " list (the one other verifiers fetch) is withdrawn until you sign the new one: " +
		"“Sign and publish the " + purpose + " list” on your issuer page, or publica identity publish-status-list; until then they cannot read this list"
}

var (
	credentialRevoke = statusJourney("/identity/credentials/revoke", "Revoke a credential",
		"Issuers only. A revoked credential never verifies again: revocation is final.",
		identity.PurposeRevocation, true,
		func(b credentialBits) string {
			if b.Revoked {
				return "it is already revoked"
			}
			return ""
		},
		func(i uint64) string {
			return fmt.Sprintf("Revoke the credential at status index %d — this is final: it can never be valid again", i)
		}, "not revoked", "revoked, for good")
	credentialSuspend = statusJourney("/identity/credentials/suspend", "Suspend a credential",
		"Issuers only. A suspended credential does not verify until you reinstate it.",
		identity.PurposeSuspension, true,
		func(b credentialBits) string {
			switch {
			case b.Revoked:
				return "revocation is final, there is nothing to suspend"
			case b.Suspended:
				return "it is already suspended"
			}
			return ""
		},
		func(i uint64) string {
			return fmt.Sprintf("Suspend the credential at status index %d: it stops verifying until reinstated", i)
		}, "valid: neither revoked nor suspended", "suspended")
	credentialReinstate = statusJourney("/identity/credentials/reinstate", "Reinstate a suspended credential",
		"Issuers only. Lifts a suspension; a revoked credential cannot be reinstated.",
		identity.PurposeSuspension, false,
		func(b credentialBits) string {
			switch {
			case b.Revoked:
				return "revocation is final, it cannot be reinstated"
			case !b.Suspended:
				return "it is not suspended, there is nothing to reinstate"
			}
			return ""
		},
		func(i uint64) string {
			return fmt.Sprintf("Reinstate the suspended credential at status index %d: it verifies again", i)
		}, "suspended", "valid again")
)

var recoveryRequest = &portal.Journey{
	Path:    "/identity/recovery/request",
	MsgType: identity.TypeRequestRecovery,
	Title:   "Request a key recovery",
	Lead:    "Registrars only. When a citizen has lost their key, bind their account to a new key after a waiting period. Their current key can cancel it until then.",
	Nav:     "identity",
	Fields: []ui.Field{
		{Name: "account", Label: "Citizen’s account id", Hint: "40 hexadecimal characters, or their did:publica DID.", Wide: true},
		{Name: "new_pubkey", Label: "The citizen’s new public key", Hint: "64 hexadecimal characters: the key the citizen made on the Your key page of their new device.", Wide: true},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		var errs []ui.FormError
		switch {
		case a.Account == nil:
			errs = append(errs, ui.FormError{Field: portal.SignerField, Message: "This key has no account: only registrars request recoveries"})
		case !a.Account.HasRole(authority.RoleRegistrar):
			errs = append(errs, ui.FormError{Field: portal.SignerField, Message: "Account " + a.Account.ID + " is not a registrar: only registrars request recoveries"})
		}
		acct, ok := accountField(a.Values.Get("account"))
		switch {
		case strings.TrimSpace(a.Values.Get("account")) == "":
			errs = append(errs, ui.FormError{Field: "account", Message: "Enter the citizen’s account id"})
		case !ok:
			errs = append(errs, ui.FormError{Field: "account", Message: "An account id is 40 hexadecimal characters (0–9, a–f)"})
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
				errs = append(errs, ui.FormError{Field: "account", Message: "There is no account " + acct})
			case rec != nil:
				errs = append(errs, ui.FormError{Field: "account", Message: "A recovery is already pending for account " + acct + ": see its recovery page"})
			}
		}
		nk := strings.ToLower(strings.TrimSpace(a.Values.Get("new_pubkey")))
		newPub, err := authority.ParsePubKey(nk)
		switch {
		case nk == "":
			errs = append(errs, ui.FormError{Field: "new_pubkey", Message: "Enter the citizen’s new public key"})
		case err != nil:
			errs = append(errs, ui.FormError{Field: "new_pubkey", Message: "The new public key must be 64 hexadecimal characters (0–9, a–f)"})
		default:
			other, err := cl.AccountByKey(ctx, newPub)
			if err != nil {
				return nil, nil, portal.Unavailable(err)
			}
			if other != nil {
				errs = append(errs, ui.FormError{Field: "new_pubkey", Message: "That key already controls account " + other.ID + ": the citizen needs a new key"})
			}
		}
		if len(errs) > 0 {
			return nil, errs, nil
		}
		return identity.MsgRequestRecovery{Account: acct, NewPubKey: nk}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m identity.MsgRequestRecovery
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{
			{Label: "What", Value: "Announce that account " + m.Account + " will be controlled by a new key"},
			{Label: "Account", Value: m.Account, Mono: true},
			{Label: "New public key", Value: m.NewPubKey, Mono: true},
			{Label: "When", Value: "After the recovery waiting period (the identity parameter recovery_delay, in blocks); until then the account’s current key can cancel it"},
		}
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m identity.MsgRequestRecovery
		_ = tx.DecodeMsg(t.Msg, &m)
		return "Recovery requested",
			[]ui.Fact{{Label: "Account", Value: m.Account, Mono: true, Href: "/identity/recovery/" + m.Account}},
			[]ui.Link{{Label: "See the pending recovery", Href: "/identity/recovery/" + m.Account}}
	},
}

var recoveryCancel = &portal.Journey{
	Path:    "/identity/recovery/cancel",
	MsgType: identity.TypeCancelRecovery,
	Title:   "Cancel a recovery of your account",
	Lead:    "If a recovery of your account was requested and you still have your key, you can stop it: the account stays with your current key.",
	Nav:     "identity",
	Fields: []ui.Field{
		{Name: "account", Label: "Your account id", Hint: "40 hexadecimal characters.", Wide: true},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		acct, ok := accountField(a.Values.Get("account"))
		if strings.TrimSpace(a.Values.Get("account")) == "" && a.Account != nil {
			acct, ok = a.Account.ID, true
		}
		switch {
		case !ok:
			return nil, []ui.FormError{{Field: "account", Message: "An account id is 40 hexadecimal characters (0–9, a–f)"}}, nil
		case a.Account == nil || a.Account.ID != acct:
			return nil, []ui.FormError{{Field: portal.SignerField, Message: "Only the key that controls account " + acct + " now can cancel its recovery"}}, nil
		}
		rec, err := portal.Query(ctx, cl, "/identity/recovery/"+acct, nil, 0)
		if err != nil {
			return nil, nil, err
		}
		if rec == nil {
			return nil, []ui.FormError{{Field: "account", Message: "No recovery is pending for account " + acct}}, nil
		}
		return identity.MsgCancelRecovery{Account: acct}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m identity.MsgCancelRecovery
		_ = tx.DecodeMsg(t.Msg, &m)
		return []ui.Fact{
			{Label: "What", Value: "Cancel the pending recovery of your account: it stays with your current key"},
			{Label: "Account", Value: m.Account, Mono: true},
		}
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m identity.MsgCancelRecovery
		_ = tx.DecodeMsg(t.Msg, &m)
		return "The recovery is cancelled",
			[]ui.Fact{{Label: "Account", Value: m.Account, Mono: true, Href: "/accounts/" + m.Account}},
			[]ui.Link{{Label: "See your account", Href: "/accounts/" + m.Account}}
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
	Title:   "Register your eligibility from a presentation",
	Lead:    "Record on the chain that your credential satisfies a predicate, with a presentation that proves each term without disclosing any claim. To make one from a credential in this browser, use the eligibility page.",
	Nav:     "identity",
	Fields: []ui.Field{
		{Name: "predicate", Label: "Predicate", Hint: "Terms claim OP value joined by commas, for example age_band>=18,district=7."},
		{Name: "presentation", Label: "Presentation", Kind: "textarea",
			Hint: "Its JSON, with challenge publica-eligibility:<chain id>:<your account>:<predicate> and the chain id as domain."},
	},
	Message: func(ctx context.Context, cl *client.Client, a portal.Answers) (any, []ui.FormError, error) {
		var fe []ui.FormError
		if a.Account == nil {
			fe = append(fe, ui.FormError{Field: portal.SignerField, Message: "This key has no account: register it first"})
		}
		pred, perr := identity.ParsePredicate(strings.TrimSpace(a.Values.Get("predicate")))
		if perr != nil {
			fe = append(fe, ui.FormError{Field: "predicate", Message: "Write the predicate as terms claim OP value joined by commas (for example age_band>=18): " + perr.Error()})
		}
		pres := strings.TrimSpace(a.Values.Get("presentation"))
		if pres == "" {
			fe = append(fe, ui.FormError{Field: "presentation", Message: "Paste the presentation"})
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
			return nil, []ui.FormError{{Field: "presentation", Message: fmt.Sprintf("The chain would refuse this presentation (%s/%d): %s", code.Codespace, code.Code, shortText(verr.Error()))}}, nil
		default:
			return nil, nil, verr
		}
		return identity.MsgRegisterEligibility{Predicate: pred.String(), Presentation: pres}, nil, nil
	},
	Describe: func(t *tx.Tx, _ ed25519.PublicKey) []ui.Fact {
		var m identity.MsgRegisterEligibility
		_ = tx.DecodeMsg(t.Msg, &m)
		fs := []ui.Fact{
			{Label: "What", Value: "Record on the chain that your credential satisfies " + m.Predicate},
			{Label: "Predicate", Value: m.Predicate, Mono: true},
			{Label: "Claims disclosed", Value: "none: each term is proven in zero knowledge"},
		}
		if pp, err := vc.ParsePresentation([]byte(m.Presentation)); err == nil {
			c := pp.Credential
			fs = append(fs, ui.Fact{Label: "Credential", Value: c.SchemaID + ", version " + strconv.FormatUint(uint64(c.Version), 10) + ", from " + vc.DID(c.Issuer)})
		}
		return fs
	},
	Done: func(t *tx.Tx, _ *client.Result) (string, []ui.Fact, []ui.Link) {
		var m identity.MsgRegisterEligibility
		_ = tx.DecodeMsg(t.Msg, &m)
		return "Your eligibility is registered",
			[]ui.Fact{{Label: "Predicate", Value: m.Predicate, Mono: true}},
			[]ui.Link{{Label: "Elections", Href: "/elections"}, {Label: "My credentials", Href: "/identity/credentials"}}
	},
}
