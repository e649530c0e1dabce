// Command presentwasm builds credential presentations in the holder's
// browser, so that the holder's file (every claim, its salt and its
// commitment's blinding) never leaves it. Built with GOOS=js GOARCH=wasm it
// registers on globalThis:
//
//	publicaPresent(requestJSON) → responseJSON
//
// Built natively it is a small tool: it reads one request from stdin and
// writes the response to stdout.
//
// Request:
//
//	{"held": {…holder's file…}, "holder": "<account id>",
//	 "pubkey": "<hex Ed25519 key in the browser>",
//	 "did_document": {…the holder's DID document…},
//	 "disclose": ["name", …], "prove": "age_band>=18,district=7",
//	 "challenge": "…", "domain": "…", "created": "2026-01-02T03:04:05Z",
//	 "eligibility_chain": "<chain id>"}
//
// The key number n of did:publica:<holder>#key-n is the DID document's
// current key (its first assertionMethod), which must be pubkey. With
// eligibility_chain the presentation proves "prove" to the chain: nothing
// is disclosed, the challenge is publica-eligibility:<chain id>:<holder>:
// <predicate> and the domain the chain id (x/identity's
// EligibilityChallenge).
//
// Response: {"presentation": "<JSON>", "key_number": n, "challenge": "…",
// "domain": "…", "terms": ["…"]} or {"error": "…"}. The presentation's
// holder proof carries an all-zero placeholder signature: the portal shows
// what the key signs, the browser's key signs it, and the portal puts the
// signature in its place (vc.PrepareDocument). It holds the credential,
// the chosen disclosures and the predicate proofs — what the verifier
// sees — and no opening, salt or undisclosed value.
package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/publica/publica/crypto/zkpred"
	"github.com/publica/publica/x/identity/vc"
)

type request struct {
	Held             json.RawMessage `json:"held"`
	Holder           string          `json:"holder"`
	PubKey           string          `json:"pubkey"`
	DIDDocument      json.RawMessage `json:"did_document"`
	Disclose         []string        `json:"disclose"`
	Prove            string          `json:"prove"`
	Challenge        string          `json:"challenge"`
	Domain           string          `json:"domain"`
	Created          string          `json:"created"`
	EligibilityChain string          `json:"eligibility_chain"`
}

type response struct {
	Presentation string   `json:"presentation,omitempty"`
	KeyNumber    int      `json:"key_number,omitempty"`
	Challenge    string   `json:"challenge,omitempty"`
	Domain       string   `json:"domain,omitempty"`
	Terms        []string `json:"terms,omitempty"`
	Error        string   `json:"error,omitempty"`
	// Field is the form field the error concerns: "credential",
	// "disclose", "terms" or "" (the key).
	Field string `json:"field,omitempty"`
}

// fieldError is an error about one form field. Its message goes to the
// portal, so it never carries a claim's value.
type fieldError struct {
	field, msg string
}

func (e *fieldError) Error() string { return e.msg }

func errorf(field, format string, args ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
}

// maxRequest bounds a request (the holder's file is at most 48 KiB).
const maxRequest = 256 << 10

func handle(in []byte) []byte {
	resp, err := present(in)
	if err != nil {
		resp = &response{Error: err.Error()}
		var fe *fieldError
		if errors.As(err, &fe) {
			resp.Field = fe.field
		}
	}
	out, _ := json.Marshal(resp)
	return out
}

// eligibilityChallenge is x/identity.EligibilityChallenge (not imported:
// it would bring the whole module into the WebAssembly; a test holds them
// equal).
func eligibilityChallenge(chainID, holder, predicate string) string {
	return "publica-eligibility:" + chainID + ":" + holder + ":" + predicate
}

// terms splits and normalises "a>=1, b=2".
func terms(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		t, err := vc.ParseTerm(strings.TrimSpace(part))
		if err != nil {
			return nil, errorf("terms", "%v", err)
		}
		out = append(out, t.String())
	}
	if len(out) > 8 {
		return nil, errorf("terms", "at most 8 terms")
	}
	return out, nil
}

// keyNumber is n of the DID document's current key if it is pub.
func keyNumber(doc json.RawMessage, holder string, pub ed25519.PublicKey) (int, error) {
	var d struct {
		ID                 string `json:"id"`
		VerificationMethod []struct {
			ID                 string `json:"id"`
			PublicKeyMultibase string `json:"publicKeyMultibase"`
		} `json:"verificationMethod"`
		AssertionMethod []string `json:"assertionMethod"`
	}
	if len(doc) == 0 || json.Unmarshal(doc, &d) != nil || d.ID != vc.DID(holder) || len(d.AssertionMethod) == 0 {
		return 0, errorf("", "the chain has no DID document for account %s", holder)
	}
	for _, m := range d.VerificationMethod {
		if m.ID == d.AssertionMethod[0] && m.PublicKeyMultibase == vc.MultikeyFromPublic(pub) {
			if acct, n, ok := vc.ParseKeyRef(m.ID); ok && acct == holder {
				return n, nil
			}
		}
	}
	return 0, errorf("", "the key in this browser is not the current key of account %s", holder)
}

func present(in []byte) (*response, error) {
	if len(in) == 0 || len(in) > maxRequest {
		return nil, fmt.Errorf("the request must be 1 byte to %d KiB of JSON", maxRequest>>10)
	}
	var r request
	if err := json.Unmarshal(in, &r); err != nil {
		return nil, fmt.Errorf("the request is not JSON: %v", err)
	}
	var held vc.Held
	if len(r.Held) == 0 || json.Unmarshal(r.Held, &held) != nil || len(held.Credential) == 0 {
		return nil, errorf("credential", "this is not a credential file: remove it and import the file your registrar gave you")
	}
	cred, err := vc.ParseCredential(held.Credential)
	if err != nil {
		return nil, errorf("credential", "the credential is damaged: %v", err)
	}
	if cred.Holder != r.Holder {
		return nil, errorf("credential", "this credential was issued to %s, not to the account of the key in this browser (%s)", vc.DID(cred.Holder), r.Holder)
	}
	pubRaw, err := hex.DecodeString(r.PubKey)
	if err != nil || len(pubRaw) != ed25519.PublicKeySize {
		return nil, errorf("", "there is no key in this browser: import your key on the Your key page first")
	}
	n, err := keyNumber(r.DIDDocument, r.Holder, pubRaw)
	if err != nil {
		return nil, err
	}
	created, err := time.Parse(time.RFC3339, r.Created)
	if err != nil {
		return nil, fmt.Errorf("created: %v", err)
	}
	prove, err := terms(r.Prove)
	if err != nil {
		return nil, err
	}
	challenge, domain, disclose := r.Challenge, r.Domain, r.Disclose
	if r.EligibilityChain != "" {
		if len(prove) == 0 {
			return nil, errorf("terms", "enter what to prove, such as age_band>=18")
		}
		challenge, domain, disclose = eligibilityChallenge(r.EligibilityChain, r.Holder, strings.Join(prove, ",")), r.EligibilityChain, nil
	}
	if challenge == "" {
		return nil, errorf("", "enter the verifier’s challenge")
	}
	discs, err := held.Disclose(disclose...)
	if err != nil {
		return nil, errorf("disclose", "choose only claims of this credential: %v", err)
	}
	if len(prove) > 0 && len(held.Commitments) == 0 {
		return nil, errorf("terms", "this credential has no commitments to prove anything over (it was issued before they existed): ask your registrar for a new one")
	}
	pend, _, err := vc.PreparePresentation(vc.PresentationParams{Holder: r.Holder, KeyNumber: n,
		Credential: held.Credential, Disclosures: discs, Challenge: challenge, Domain: domain,
		Created: created, Prove: prove, Openings: held.Commitments})
	if err != nil {
		// zkpred's own message names the claim's value: not sent.
		switch {
		case errors.Is(err, zkpred.ErrFalse):
			return nil, errorf("terms", "your credential cannot prove this: its claim does not satisfy a term")
		case errors.Is(err, zkpred.ErrUnprovable):
			return nil, errorf("terms", "your credential cannot prove this: a term compares values too far apart to prove")
		}
		return nil, errorf("terms", "your credential cannot prove this: %v", err)
	}
	out, err := pend.Finish(make([]byte, ed25519.SignatureSize))
	if err != nil {
		return nil, err
	}
	return &response{Presentation: string(out), KeyNumber: n, Challenge: challenge, Domain: domain, Terms: prove}, nil
}
