package main

// The trustee operations: a trustee's ceremony and tally messages computed
// from its derived secret (x/ballot/trustee). The browser signs the two
// derivation messages with the trustee's key (keystore.js deriveTrustee)
// and passes the signatures; the server passes the chain's records.

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/publica/publica/x/ballot/trustee"
)

// trusteeOps are the operations handled by handleTrustee.
var trusteeOps = []string{"trustee-key", "deal", "check-shares", "reveal", "tally"}

// electionRec is the part of the chain's election record the trustee
// operations read (x/ballot.Election's JSON).
type electionRec struct {
	ID        string `json:"id"`
	Questions []struct {
		Options []string `json:"options"`
	} `json:"questions"`
	Trustees         []string `json:"trustees"`
	Threshold        uint32   `json:"threshold"`
	Qualified        []uint32 `json:"qualified"`
	VerificationKeys []string `json:"verification_keys"`
}

type trusteeRequest struct {
	PublicKey  string               `json:"public_key"` // the trustee's Ed25519 key, hex
	CommSig    string               `json:"comm_sig"`   // its signature of the comm derivation message
	DealerSig  string               `json:"dealer_sig"` // and of the dealer derivation message
	Election   electionRec          `json:"election"`
	Trustees   []*trustee.Record    `json:"trustees"` // [j-1] = trustee j's record or null
	Complaints []*trustee.Complaint `json:"complaints"`
	Aggregate  *struct {
		Questions [][]string `json:"questions"`
	} `json:"aggregate"`
	Complainer uint32 `json:"complainer"` // reveal: whose complaint to answer
}

// The chain messages (x/ballot's JSON).
type (
	msgTrusteeKey struct {
		Election string `json:"election"`
		CommKey  string `json:"comm_key"`
	}
	msgDeal struct {
		Election    string   `json:"election"`
		Commitments string   `json:"commitments"`
		Shares      []string `json:"shares"`
	}
	msgReveal struct {
		Election   string `json:"election"`
		Complainer uint32 `json:"complainer"`
		Share      string `json:"share"`
	}
	msgTally struct {
		Election string   `json:"election"`
		Partials []string `json:"partials"`
	}
)

// shareCheck is check-shares' verdict on one dealer's share.
type shareCheck struct {
	Dealer  uint32 `json:"dealer"`
	OK      bool   `json:"ok"`
	Problem string `json:"problem,omitempty"`
}

type trusteeResponse struct {
	Index   uint32       `json:"index"` // the trustee's 1-based index
	Message any          `json:"message,omitempty"`
	Shares  []shareCheck `json:"shares,omitempty"`
	Error   string       `json:"error,omitempty"`
}

func unhex(name, s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// secret derives the trustee's secret and finds its index.
func (r *trusteeRequest) secret() (*trustee.Secret, uint32, error) {
	pub, err := unhex("public_key", r.PublicKey)
	if err != nil {
		return nil, 0, err
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, 0, errors.New("public_key: 32 bytes")
	}
	h := sha256.Sum256(pub)
	idx := uint32(slices.Index(r.Election.Trustees, hex.EncodeToString(h[:20])) + 1)
	if idx == 0 {
		return nil, 0, fmt.Errorf("account %x is not a trustee of election %s", h[:20], r.Election.ID)
	}
	commSig, err := unhex("comm_sig", r.CommSig)
	if err != nil {
		return nil, 0, err
	}
	dealerSig, err := unhex("dealer_sig", r.DealerSig)
	if err != nil {
		return nil, 0, err
	}
	s, err := trustee.FromSignatures(pub, r.Election.ID, commSig, dealerSig)
	return s, idx, err
}

func (r *trusteeRequest) record(j uint32) *trustee.Record {
	if j == 0 || int(j) > len(r.Trustees) {
		return nil
	}
	return r.Trustees[j-1]
}

func trusteeOp(op string, r *trusteeRequest, rnd io.Reader) (*trusteeResponse, error) {
	s, idx, err := r.secret()
	if err != nil {
		return nil, err
	}
	n := uint32(len(r.Election.Trustees))
	resp := &trusteeResponse{Index: idx}
	switch op {
	case "trustee-key":
		resp.Message = msgTrusteeKey{Election: s.ElectionID, CommKey: s.CommKey().String()}
	case "deal":
		keys := make([]string, n)
		for j := uint32(1); j <= n; j++ {
			if t := r.record(j); t != nil {
				keys[j-1] = t.CommKey
			}
		}
		com, shares, err := s.Deal(idx, r.Election.Threshold, keys)
		if err != nil {
			return nil, err
		}
		resp.Message = msgDeal{Election: s.ElectionID, Commitments: com, Shares: shares}
	case "check-shares":
		for j := uint32(1); j <= n; j++ {
			t := r.record(j)
			if j == idx || t == nil || t.Dealing == "" {
				continue
			}
			c := shareCheck{Dealer: j, OK: true}
			if _, err := s.OpenShare(idx, t); err != nil {
				c.OK, c.Problem = false, err.Error()
			}
			resp.Shares = append(resp.Shares, c)
		}
	case "reveal":
		if r.Complainer == 0 || r.Complainer > n || r.Complainer == idx {
			return nil, fmt.Errorf("complainer %d (trustees 1..%d, not yourself)", r.Complainer, n)
		}
		sh, err := s.RevealShare(idx, r.Election.Threshold, n, r.Complainer)
		if err != nil {
			return nil, err
		}
		resp.Message = msgReveal{Election: s.ElectionID, Complainer: r.Complainer, Share: sh}
	case "tally":
		if int(idx) > len(r.Election.VerificationKeys) {
			return nil, errors.New("the election key is not published yet")
		}
		if r.Aggregate == nil || len(r.Aggregate.Questions) != len(r.Election.Questions) {
			return nil, errors.New("the aggregate's shape differs from the election's")
		}
		for qi, q := range r.Election.Questions {
			if len(r.Aggregate.Questions[qi]) != len(q.Options) {
				return nil, errors.New("the aggregate's shape differs from the election's")
			}
		}
		ks, err := s.KeyShare(idx, r.Election.Qualified, r.Trustees, r.Complaints, r.Election.VerificationKeys[idx-1])
		if err != nil {
			return nil, err
		}
		ps, err := trustee.Partials(ks, s.ElectionID, r.Aggregate.Questions, rnd)
		if err != nil {
			return nil, err
		}
		resp.Message = msgTally{Election: s.ElectionID, Partials: ps}
	default:
		return nil, fmt.Errorf("unknown operation %q", op)
	}
	return resp, nil
}

// handleTrustee runs one trustee operation and always returns JSON.
func handleTrustee(op string, in []byte) []byte {
	var req trusteeRequest
	resp, err := (*trusteeResponse)(nil), json.Unmarshal(in, &req)
	if err == nil {
		resp, err = trusteeOp(op, &req, rand.Reader)
	}
	if err != nil {
		resp = &trusteeResponse{Error: err.Error()}
	}
	out, _ := json.Marshal(resp)
	return out
}

func isTrusteeOp(op string) bool { return slices.Contains(trusteeOps, op) }
