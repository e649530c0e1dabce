package ballot

// The trustee's tool with ballot types: what a trustee computes off chain
// with its signing key (the CLI's trustee commands). The cryptography is
// x/ballot/trustee, which the portal's WebAssembly shares: every secret
// derives from the key's deterministic Ed25519 signatures of the
// derivation messages (trustee.DerivationMessage), so a CLI key and the
// same key held in a browser derive the same secrets.

import (
	"crypto/ed25519"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/x/ballot/trustee"
)

// CommSecret is the trustee's secret for receiving shares in electionID.
func CommSecret(priv ed25519.PrivateKey, electionID string) *ristretto255.Scalar {
	return trustee.FromKey(priv, electionID).CommSecret()
}

// CommKeyMsg is round 1: the trustee's communication key.
func CommKeyMsg(priv ed25519.PrivateKey, electionID string) *MsgTrusteeKey {
	return &MsgTrusteeKey{Election: electionID, CommKey: trustee.FromKey(priv, electionID).CommKey().String()}
}

// CommKeys lists the trustees' communication keys in trustee order ("" for
// a trustee without a record).
func CommKeys(e *Election, trustees []*Trustee) []string {
	out := make([]string, len(e.Trustees))
	for j := range out {
		if j < len(trustees) && trustees[j] != nil {
			out[j] = trustees[j].CommKey
		}
	}
	return out
}

// DealMsg is round 2: the trustee's commitments and its shares, share j
// encrypted to trustee j's communication key (trustee.Secret.Deal).
func DealMsg(priv ed25519.PrivateKey, e *Election, index uint32, trustees []*Trustee) (*MsgDeal, error) {
	return DealWith(trustee.FromKey(priv, e.ID), e, index, trustees)
}

// DealWith is DealMsg from derived secrets.
func DealWith(s *trustee.Secret, e *Election, index uint32, trustees []*Trustee) (*MsgDeal, error) {
	com, shares, err := s.Deal(index, e.Threshold, CommKeys(e, trustees))
	if err != nil {
		return nil, err
	}
	return &MsgDeal{Election: e.ID, Commitments: com, Shares: shares}, nil
}

// RevealShare recomputes the share this dealer sent complainer, to answer
// the complaint.
func RevealShare(priv ed25519.PrivateKey, e *Election, index, complainer uint32) (*MsgReveal, error) {
	sh, err := trustee.FromKey(priv, e.ID).RevealShare(index, e.Threshold, uint32(len(e.Trustees)), complainer)
	if err != nil {
		return nil, err
	}
	return &MsgReveal{Election: e.ID, Complainer: complainer, Share: sh}, nil
}

// ReceivedShare decrypts and checks the share dealer sent trustee index.
// A nil error with a share means it matches the dealer's commitments.
func ReceivedShare(priv ed25519.PrivateKey, electionID string, index uint32, dealerRec *Trustee) (*ristretto255.Scalar, error) {
	return trustee.FromKey(priv, electionID).OpenShare(index, (*trustee.Record)(dealerRec))
}

// Records converts trustee and complaint records for x/ballot/trustee.
func Records(trustees []*Trustee, complaints []*Complaint) ([]*trustee.Record, []*trustee.Complaint) {
	rs := make([]*trustee.Record, len(trustees))
	for i, t := range trustees {
		rs[i] = (*trustee.Record)(t)
	}
	cs := make([]*trustee.Complaint, len(complaints))
	for i, c := range complaints {
		cs[i] = (*trustee.Complaint)(c)
	}
	return rs, cs
}

// KeyShareFor combines the shares trustee index received from the
// qualified dealers (a share revealed to answer its complaint replaces the
// encrypted one).
func KeyShareFor(priv ed25519.PrivateKey, e *Election, index uint32, trustees []*Trustee, complaints []*Complaint) (*elgamal.KeyShare, error) {
	if index == 0 || int(index) > len(e.VerificationKeys) {
		return nil, fmt.Errorf("trustee %d has no verification key (is the election key published?)", index)
	}
	rs, cs := Records(trustees, complaints)
	return trustee.FromKey(priv, e.ID).KeyShare(index, e.Qualified, rs, cs, e.VerificationKeys[index-1])
}

// TallyMsg partially decrypts the chain's aggregate, and nothing else: the
// ciphertexts come from the aggregate record, in question and option order.
func TallyMsg(ks *elgamal.KeyShare, e *Election, agg *Aggregate, rnd io.Reader) (*MsgTally, error) {
	if err := CheckAggregateShape(e, agg); err != nil {
		return nil, err
	}
	ps, err := trustee.Partials(ks, e.ID, agg.Questions, rnd)
	if err != nil {
		return nil, err
	}
	return &MsgTally{Election: e.ID, Partials: ps}, nil
}

// CheckAggregateShape checks the aggregate has one ciphertext per question
// and option of the election.
func CheckAggregateShape(e *Election, agg *Aggregate) error {
	if agg == nil || len(agg.Questions) != len(e.Questions) {
		return fmt.Errorf("aggregate shape differs from the election")
	}
	for qi := range agg.Questions {
		if len(agg.Questions[qi]) != len(e.Questions[qi].Options) {
			return fmt.Errorf("aggregate shape differs from the election")
		}
	}
	return nil
}

// Choices converts answers (per question, the selected option indices)
// into the []bool form EncryptBallot takes.
func Choices(e *Election, answers [][]int) ([][]bool, error) {
	if len(answers) != len(e.Questions) {
		return nil, fmt.Errorf("%d answers for %d questions", len(answers), len(e.Questions))
	}
	out := make([][]bool, len(answers))
	for qi, a := range answers {
		out[qi] = make([]bool, len(e.Questions[qi].Options))
		for _, o := range a {
			if o < 0 || o >= len(out[qi]) || out[qi][o] {
				return nil, fmt.Errorf("question %d: option %d invalid or repeated", qi, o)
			}
			out[qi][o] = true
		}
	}
	return out, nil
}
