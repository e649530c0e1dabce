package ui

import (
	"context"
	"strconv"
	"strings"

	"github.com/publica/publica/x/identity"
)

// CredentialScripts are the scripts of pages that hold or sign credentials
// in the browser (static/credentials.js beside the key store).
var CredentialScripts = []string{"keystore.js", "credentials.js"}

// PresentScripts are the present and eligibility pages' scripts: the
// credential store and the presentation builder (present.wasm).
var PresentScripts = []string{"keystore.js", "wasm_exec.js", "credentials.js"}

// FocusScripts are for credential pages that hold no key: credentials.js
// alone moves focus to the error summary, as sign.js does on signing pages.
var FocusScripts = []string{"credentials.js"}

// Proven says at which state a page's records were read and against which
// app hash their proofs verified.
type Proven struct {
	Height  int64  // state height
	AppHash string // upper-case hex, from the header of Height+1
}

// IdentityHomeView is the credentials landing page.
type IdentityHomeView struct {
	Account string // signed-in account, "" if none
	Lookup  string // the recovery lookup's answer, when refused
	Errors  []FormError
}

// IssuerView is an issuer's public record.
type IssuerView struct {
	Account string
	Issuer  *identity.Issuer // nil: not an issuer (proven absent)
	Schemas []*identity.Schema
	Keys    []identity.KeyEntry
	Proof   Proven
	Own     bool // the signed-in account is this issuer
}

// CredentialStatusView is one status index of an issuer's lists.
type CredentialStatusView struct {
	Issuer    string
	Index     uint64
	Anchor    *identity.Anchor // nil: no credential holds the index
	Revoked   bool
	Suspended bool
	Proof     Proven
	Own       bool
}

// RecoveryView is the pending recovery of an account, if any.
type RecoveryView struct {
	Account  string
	Recovery *identity.Recovery // nil: none pending (proven absent)
	Proof    Proven
	Own      bool
}

// ClaimInput is one claim question of the issue form, made from the
// schema's claim definition.
type ClaimInput struct {
	Name, Type, Value, Error string
}

// ID of the claim's input.
func (c ClaimInput) ID() string { return "f-claim-" + c.Name }

// Hint says how to write a value of the claim's type.
func (c ClaimInput) Hint() string { return c.HintIn(context.Background()) }

// HintIn is Hint in the page's language.
func (c ClaimInput) HintIn(ctx context.Context) string {
	switch c.Type {
	case "integer", "boolean", "date":
		return tr(ctx, "identity.hint."+c.Type)
	}
	return tr(ctx, "identity.hint.text")
}

// claimType names a claim's type in the page's language.
func claimType(ctx context.Context, t string) string {
	switch t {
	case "integer", "boolean", "date", "string":
		return tr(ctx, "identity.type."+t)
	}
	return t
}

// SchemaOption is one schema the issuer may issue.
type SchemaOption struct {
	Value string // "<id>:<version>"
	Label string
}

// IssueForm is the first step of issuing: holder, schema, validity, and
// (once a schema is chosen) its claims.
type IssueForm struct {
	Issuer     string
	Refusal    string // why this account cannot issue; "" if it can
	Schemas    []SchemaOption
	Holder     string
	Schema     string // chosen option value
	SchemaID   string
	Version    uint32
	Claims     []ClaimInput // empty until a schema is chosen
	ValidUntil string
	Errors     []FormError
}

// DICheck is a Data Integrity proof waiting for a signature in the
// browser: the page shows the canonical proof options and document whose
// hashes the key signs, and static/credentials.js recomputes them.
type DICheck struct {
	ProofConfig string // canonical JSON of the proof options
	Document    string // canonical JSON of the document without proof
	SignBytes   string // hex: SHA-256(ProofConfig) ‖ SHA-256(Document)
	Purpose     string // assertionMethod (issuing) or authentication (presenting)
	PubKey      string // hex of the key that must sign
}

// IssueCheck shows a prepared credential before the issuer's key signs it.
type IssueCheck struct {
	Facts  []Fact
	Claims []Fact
	DI     DICheck
	Sealed string
	Errors []FormError
}

// StatusListCheck shows an issuer's status list before its key signs it.
type StatusListCheck struct {
	Facts  []Fact
	DI     DICheck
	Sealed string
	Errors []FormError
}

// StatusListTx shows the transaction publishing a signed status list
// before the issuer's key signs it.
type StatusListTx struct {
	Facts     []Fact
	Technical []Fact
	SignBytes string
	PubKey    string
	Prepared  string // sealed transaction
	Errors    []FormError
}

// StatusListDone confirms a published status list.
type StatusListDone struct {
	Height int64
	Facts  []Fact
	URL    string // the signed list's URL
	Issuer string
}

// AnchorCheck shows the signed credential's anchor transaction before the
// issuer's key signs it.
type AnchorCheck struct {
	Facts     []Fact
	Technical []Fact
	MsgJSON   string
	SignBytes string
	PubKey    string
	Prepared  string // sealed transaction
	Held      string // sealed holder's file
	Errors    []FormError
}

// IssueDone confirms an anchored credential and offers the holder's file.
type IssueDone struct {
	Facts    []Fact
	Hash     string
	Height   int64
	Held     string // sealed holder's file, for the download form
	FileName string
}

// PresentCheck shows a prepared presentation before the holder's key signs it.
type PresentCheck struct {
	Facts       []Fact
	Disclosed   []Fact
	Proven      []Fact // terms proven in zero knowledge
	Eligibility bool   // for identity/register-eligibility
	DI          DICheck
	Sealed      string
	Errors      []FormError
}

// PresentDone hands the signed presentation to the holder.
type PresentDone struct {
	Presentation string
	FileName     string
	Facts        []Fact
}

// VerifyCheck is one step of verifying a presentation.
type VerifyCheck struct {
	Label  string
	Result string // "passed", "failed" or "not checked"
	Detail string
}

// PresentationVerify is the verify page: the form, and after a check its
// steps, the verdict and the disclosed claims.
type PresentationVerify struct {
	Challenge, Domain, Pasted string
	Predicate                 string
	Checked                   bool
	OK                        bool
	Code                      string // identity/NN of the failure
	Message                   string
	Checks                    []VerifyCheck
	Facts                     []Fact
	Claims                    []Fact
	Proof                     Proven // state the checks read
	Errors                    []FormError
}

func tagClass(result string) string {
	switch result {
	case "passed":
		return "tag tag-ok"
	case "failed":
		return "tag tag-bad"
	}
	return "tag tag-warn"
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

func upto(ctx context.Context, until int64) string {
	if until == 0 {
		return tr(ctx, "identity.inforce.now")
	}
	return tr(ctx, "identity.inforce.block", num(ctx, until-1))
}

func joinSchemas(ctx context.Context, s []string) string {
	if len(s) == 0 {
		return tr(ctx, "identity.none.word")
	}
	return strings.Join(s, listSep(ctx))
}

// issuerStatus is an issuer's accreditation status in the page's language.
func issuerStatus(ctx context.Context, s string) string {
	switch s {
	case "active", "suspended", "withdrawn":
		return tr(ctx, "identity.issuer."+s)
	}
	return s
}

// keyReason says why a DID key came into force, in the page's language.
func keyReason(ctx context.Context, r string) string {
	switch {
	case r == "account created":
		return tr(ctx, "identity.reason.created")
	case r == "rotated by holder":
		return tr(ctx, "identity.reason.rotated")
	case strings.HasPrefix(r, "recovered by registrar "):
		return tr(ctx, "identity.reason.recovered", strings.TrimPrefix(r, "recovered by registrar "))
	}
	return r
}

// checkResult is a verification step's result in the page's language.
func checkResult(ctx context.Context, r string) string {
	switch r {
	case "passed", "failed":
		return tr(ctx, "identity.check."+r)
	case "not checked":
		return tr(ctx, "identity.check.skipped")
	}
	return r
}

// credentialScriptKeys are the messages static/credentials.js shows.
var credentialScriptKeys = []string{"identity.js.notjson", "identity.js.notcred", "identity.js.notpublica", "identity.js.damaged",
	"identity.js.noexpiry", "identity.js.present", "identity.js.remove", "identity.js.confirmremove", "identity.js.removed",
	"identity.js.unreadable", "identity.js.choosefile", "identity.js.issuedother", "identity.js.imported", "identity.js.from",
	"identity.js.keyfor", "identity.js.nokey", "identity.js.buildfail", "identity.js.nowasm", "identity.js.nobuilder",
	"identity.js.di.notjson", "identity.js.di.notproof", "identity.js.di.hashes", "identity.js.di.domain", "identity.js.ready",
	"identity.js.signing", "identity.js.nokeysign", "identity.js.otherkey", "identity.js.signed", "identity.js.status.valid",
	"identity.js.status.revoked", "identity.js.status.suspended", "identity.js.status.expired", "identity.js.status.unknown",
	"identity.js.status.checking"}
