package ballot

// The trustee's tool: what a trustee computes off chain with its signing
// key. None of this runs in the state machine. Every secret is derived
// deterministically from the trustee's ed25519 seed and the election id, so
// the tool keeps no state between the rounds of the ceremony and the tally.

import (
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"

	"github.com/publica/publica/crypto/elgamal"
)

const (
	kdfTag   = "publica/ballot/v1/trustee-kdf"
	shareTag = "publica/ballot/v1/share-pad"
)

func lenPrefixed(h io.Writer, s string) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

func kdf(priv ed25519.PrivateKey, electionID, purpose string) []byte {
	h := sha512.New()
	lenPrefixed(h, kdfTag)
	lenPrefixed(h, purpose)
	lenPrefixed(h, electionID)
	h.Write(priv.Seed())
	return h.Sum(nil)
}

// kdfReader is the stream SHA-512(key ‖ u64be(0)) ‖ SHA-512(key ‖ u64be(1)) ‖ …
type kdfReader struct {
	key []byte
	ctr uint64
	buf []byte
}

func (r *kdfReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.buf) == 0 {
			h := sha512.New()
			h.Write(r.key)
			binary.Write(h, binary.BigEndian, r.ctr)
			r.ctr++
			r.buf = h.Sum(nil)
		}
		c := copy(p[n:], r.buf)
		r.buf = r.buf[c:]
		n += c
	}
	return n, nil
}

// CommSecret is the trustee's secret for receiving shares in electionID.
func CommSecret(priv ed25519.PrivateKey, electionID string) *ristretto255.Scalar {
	s, err := ristretto255.NewScalar().SetUniformBytes(kdf(priv, electionID, "comm"))
	if err != nil {
		panic("unreachable: 64-byte input")
	}
	return s
}

// CommKeyMsg is round 1: the trustee's communication key.
func CommKeyMsg(priv ed25519.PrivateKey, electionID string) *MsgTrusteeKey {
	return &MsgTrusteeKey{Election: electionID, CommKey: elgamal.BaseMult(CommSecret(priv, electionID)).String()}
}

func dealer(priv ed25519.PrivateKey, e *Election, index uint32) (*elgamal.Dealer, error) {
	return elgamal.NewDealer(e.ID, index, e.Threshold, uint32(len(e.Trustees)),
		&kdfReader{key: kdf(priv, e.ID, "dealer")})
}

func sharePad(electionID string, dealerIdx, recipient uint32, shared elgamal.Point) []byte {
	h := sha512.New()
	lenPrefixed(h, shareTag)
	lenPrefixed(h, electionID)
	binary.Write(h, binary.BigEndian, dealerIdx)
	binary.Write(h, binary.BigEndian, recipient)
	h.Write(shared.Bytes())
	return h.Sum(nil)[:32]
}

func dh(secret *ristretto255.Scalar, pub elgamal.Point) elgamal.Point {
	return elgamal.NewPoint(ristretto255.NewElement().ScalarMult(secret, pub.Element()))
}

func xor32(a, b []byte) []byte {
	out := make([]byte, 32)
	for i := range out {
		out[i] = a[i] ^ b[i]
	}
	return out
}

// DealMsg is round 2: the trustee's commitments and its shares, share j
// encrypted to trustee j's communication key with a Diffie–Hellman pad:
// enc = s_ij ⊕ SHA-512(tag ‖ election ‖ i ‖ j ‖ e_i·E_j)[:32].
func DealMsg(priv ed25519.PrivateKey, e *Election, index uint32, trustees []*Trustee) (*MsgDeal, error) {
	d, err := dealer(priv, e, index)
	if err != nil {
		return nil, err
	}
	mine := CommSecret(priv, e.ID)
	msg := &MsgDeal{Election: e.ID, Commitments: hex.EncodeToString(d.Public.Encode())}
	for j := uint32(1); j <= uint32(len(e.Trustees)); j++ {
		t := trustees[j-1]
		if t == nil {
			return nil, fmt.Errorf("trustee %d has not registered its key yet", j)
		}
		pub, err := decodeKey(t.CommKey)
		if err != nil {
			return nil, fmt.Errorf("trustee %d comm key: %w", j, err)
		}
		s, err := d.Share(j)
		if err != nil {
			return nil, err
		}
		msg.Shares = append(msg.Shares, hex.EncodeToString(xor32(s.Bytes(), sharePad(e.ID, index, j, dh(mine, pub)))))
	}
	return msg, nil
}

// RevealShare recomputes the share this dealer sent complainer, to answer
// the complaint.
func RevealShare(priv ed25519.PrivateKey, e *Election, index, complainer uint32) (*MsgReveal, error) {
	d, err := dealer(priv, e, index)
	if err != nil {
		return nil, err
	}
	s, err := d.Share(complainer)
	if err != nil {
		return nil, err
	}
	return &MsgReveal{Election: e.ID, Complainer: complainer, Share: hex.EncodeToString(s.Bytes())}, nil
}

// ReceivedShare decrypts and checks the share dealer sent trustee index.
// A nil error with a share means it matches the dealer's commitments.
func ReceivedShare(priv ed25519.PrivateKey, electionID string, index uint32, dealerRec *Trustee) (*ristretto255.Scalar, error) {
	raw, err := hex.DecodeString(dealerRec.Dealing)
	if err != nil {
		return nil, err
	}
	dc, err := elgamal.DecodeDealerCommitments(raw)
	if err != nil {
		return nil, err
	}
	if int(index) > len(dealerRec.Shares) {
		return nil, fmt.Errorf("dealer %d sent no share to trustee %d", dealerRec.Index, index)
	}
	enc, err := hex.DecodeString(dealerRec.Shares[index-1])
	if err != nil || len(enc) != 32 {
		return nil, fmt.Errorf("dealer %d: share %d is not 32 bytes", dealerRec.Index, index)
	}
	pub, err := decodeKey(dealerRec.CommKey)
	if err != nil {
		return nil, err
	}
	plain := xor32(enc, sharePad(electionID, dealerRec.Index, index, dh(CommSecret(priv, electionID), pub)))
	s, err := elgamal.DecodeScalar(plain)
	if err != nil {
		return nil, fmt.Errorf("dealer %d: share does not decrypt to a scalar: %w", dealerRec.Index, err)
	}
	if err := elgamal.VerifyShare(dc, index, s); err != nil {
		return nil, err
	}
	return s, nil
}

// KeyShareFor combines the shares trustee index received from the
// qualified dealers (a share revealed to answer its complaint replaces the
// encrypted one).
func KeyShareFor(priv ed25519.PrivateKey, e *Election, index uint32, trustees []*Trustee, complaints []*Complaint) (*elgamal.KeyShare, error) {
	var shares []*ristretto255.Scalar
	for _, q := range e.Qualified {
		t := trustees[q-1]
		var s *ristretto255.Scalar
		for _, c := range complaints {
			if c.Dealer == q && c.Complainer == index && c.Status == ComplaintRejected {
				b, _ := hex.DecodeString(c.Revealed)
				var err error
				if s, err = elgamal.DecodeScalar(b); err != nil {
					return nil, err
				}
			}
		}
		if s == nil {
			var err error
			if s, err = ReceivedShare(priv, e.ID, index, t); err != nil {
				return nil, fmt.Errorf("share from qualified dealer %d: %w", q, err)
			}
		}
		shares = append(shares, s)
	}
	ks, err := elgamal.CombineShares(index, shares)
	if err != nil {
		return nil, err
	}
	want, err := decodeKey(e.VerificationKeys[index-1])
	if err != nil {
		return nil, err
	}
	if !elgamal.BaseMult(ks.Secret).Equal(want) {
		return nil, fmt.Errorf("the combined key share does not match the chain's verification key for trustee %d", index)
	}
	return ks, nil
}

// TallyMsg partially decrypts the chain's aggregate, and nothing else: the
// ciphertexts come from the aggregate record, in question and option order.
func TallyMsg(ks *elgamal.KeyShare, e *Election, agg *Aggregate, rnd io.Reader) (*MsgTally, error) {
	cts, err := DecodeAggregate(agg)
	if err != nil {
		return nil, err
	}
	if len(cts) != len(e.Questions) {
		return nil, fmt.Errorf("aggregate shape differs from the election")
	}
	msg := &MsgTally{Election: e.ID}
	for qi := range cts {
		if len(cts[qi]) != len(e.Questions[qi].Options) {
			return nil, fmt.Errorf("aggregate shape differs from the election")
		}
		for oi := range cts[qi] {
			pd, err := elgamal.PartialDecrypt(ks, elgamal.DecryptionContext{ElectionID: e.ID, Question: uint32(qi), Option: uint32(oi)}, cts[qi][oi], rnd)
			if err != nil {
				return nil, err
			}
			msg.Partials = append(msg.Partials, hex.EncodeToString(pd.Encode()))
		}
	}
	return msg, nil
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
