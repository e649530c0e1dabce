// Command ballotwasm exposes ballot encryption and the trustee's tool to
// JavaScript. Built with GOOS=js GOARCH=wasm it registers on globalThis:
//
//	publicaEncryptBallot(requestJSON) → responseJSON
//	publicaVerifyBallot(requestJSON)  → responseJSON
//	publicaAuditBallot(requestJSON)   → responseJSON
//	publicaTrustee(op, requestJSON)   → responseJSON
//
// Built natively it is a small tool: it reads one request from stdin, runs
// the operation named by its first argument ("encrypt", the default,
// "verify", "audit", or a trustee operation) and writes the response to
// stdout.
//
// The trustee operations (trustee.go) are "trustee-key", "deal",
// "check-shares", "reveal" and "tally". Their request carries the
// trustee's public key, its signatures of the two derivation messages
// (x/ballot/trustee.DerivationMessage), and the chain's election, trustee,
// complaint and aggregate records as JSON; the response is the chain
// message to sign ({"index": j, "message": {…}}), check-shares' verdict
// per dealer ({"shares": [{"dealer": 1, "ok": true}, …]}), or {"error": "…"}.
//
// Request (all binary values lower-case hex):
//
//	{"election_id": "…", "public_key": "<32-byte point>",
//	 "questions": [{"options": 5, "min": 0, "max": 5}, …],
//	 "voter": "<account id>", "choices": [[true, false, …], …],
//	 "ballot": "<encoded ballot, verify and audit>",
//	 "opening": "<encoded opening, audit only>"}
//
// Response: {"ballot": "…", "tracker": "…", "opening": "…"} for encrypt,
// {"ok": true, "tracker": "…"} for verify, {"ok": true, "tracker": "…",
// "choices": [[…], …]} for audit (the ballot verifies and its opening
// re-encrypts to exactly these choices), or {"error": "…"}.
// The opening is the Benaloh audit data: keep it to audit (spoil) the ballot,
// discard it to cast. See docs/election-crypto.md.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/publica/publica/crypto/elgamal"
)

type question struct {
	Options uint32 `json:"options"`
	Min     uint32 `json:"min"`
	Max     uint32 `json:"max"`
}

type request struct {
	ElectionID string     `json:"election_id"`
	PublicKey  string     `json:"public_key"`
	Questions  []question `json:"questions"`
	Voter      string     `json:"voter"`
	Choices    [][]bool   `json:"choices"`
	Ballot     string     `json:"ballot,omitempty"`
	Opening    string     `json:"opening,omitempty"`
}

type response struct {
	Ballot  string   `json:"ballot,omitempty"`
	Tracker string   `json:"tracker,omitempty"`
	Opening string   `json:"opening,omitempty"`
	OK      bool     `json:"ok,omitempty"`
	Choices [][]bool `json:"choices,omitempty"`
	Error   string   `json:"error,omitempty"`
}

func (r *request) params() (*elgamal.ElectionParams, error) {
	raw, err := hex.DecodeString(r.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("public_key: %w", err)
	}
	pk, err := elgamal.DecodePublicKey(raw)
	if err != nil {
		return nil, err
	}
	p := &elgamal.ElectionParams{ElectionID: r.ElectionID, PublicKey: pk}
	for _, q := range r.Questions {
		p.Questions = append(p.Questions, elgamal.QuestionSpec{Options: q.Options, Min: q.Min, Max: q.Max})
	}
	return p, p.Validate()
}

func encryptBallot(req *request, rnd io.Reader) (*response, error) {
	p, err := req.params()
	if err != nil {
		return nil, err
	}
	b, op, err := elgamal.EncryptBallot(p, req.Voter, req.Choices, rnd)
	if err != nil {
		return nil, err
	}
	enc, err := b.Encode()
	if err != nil {
		return nil, err
	}
	openEnc, err := op.Encode()
	if err != nil {
		return nil, err
	}
	tracker, _ := b.Hash()
	return &response{Ballot: hex.EncodeToString(enc), Tracker: hex.EncodeToString(tracker[:]), Opening: hex.EncodeToString(openEnc)}, nil
}

func verifyBallot(req *request) (*response, error) {
	p, err := req.params()
	if err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(req.Ballot)
	if err != nil {
		return nil, fmt.Errorf("ballot: %w", err)
	}
	b, err := elgamal.DecodeAndVerify(raw, p)
	if err != nil {
		return nil, err
	}
	if req.Voter != "" && b.Voter != req.Voter {
		return nil, fmt.Errorf("ballot is for voter %q", b.Voter)
	}
	tracker, _ := b.Hash()
	return &response{OK: true, Tracker: hex.EncodeToString(tracker[:])}, nil
}

// auditBallot is the Benaloh check: the ballot verifies for this election
// and voter, and its opening (the choices and the randomness) re-encrypts
// to exactly its ciphertexts. The response reveals the choices.
func auditBallot(req *request) (*response, error) {
	resp, err := verifyBallot(req)
	if err != nil {
		return nil, err
	}
	p, _ := req.params()
	raw, _ := hex.DecodeString(req.Ballot)
	b, err := elgamal.DecodeBallot(raw)
	if err != nil {
		return nil, err
	}
	rawOpen, err := hex.DecodeString(req.Opening)
	if err != nil {
		return nil, fmt.Errorf("opening: %w", err)
	}
	op, err := elgamal.DecodeOpening(rawOpen)
	if err != nil {
		return nil, err
	}
	if err := b.CheckOpening(p, op); err != nil {
		return nil, err
	}
	resp.Choices = op.Choices
	return resp, nil
}

// handle runs one JSON request and always returns a JSON response.
func handle(op string, in []byte) []byte {
	if isTrusteeOp(op) {
		return handleTrustee(op, in)
	}
	var req request
	var resp *response
	err := json.Unmarshal(in, &req)
	if err == nil {
		switch op {
		case "encrypt":
			resp, err = encryptBallot(&req, rand.Reader)
		case "verify":
			resp, err = verifyBallot(&req)
		case "audit":
			resp, err = auditBallot(&req)
		default:
			err = fmt.Errorf("unknown operation %q", op)
		}
	}
	if err != nil {
		resp = &response{Error: err.Error()}
	}
	out, _ := json.Marshal(resp)
	return out
}
