// Package trustee is a trustee's off-chain tool for x/ballot elections:
// the communication key, the dealing, checking received shares, answering
// complaints, the key share and the partial decryption of the chain's
// aggregate. None of it runs in the state machine. It depends only on
// crypto/elgamal so that it also builds, small, into the portal's
// WebAssembly (cmd/ballotwasm).
//
// Every secret derives from the trustee's Ed25519 signatures of two
// derivation messages (see DerivationMessage). Ed25519 signing is
// deterministic (RFC 8032), so a key signs them the same way every time,
// the tool keeps no state between rounds, and a key that cannot be
// exported (a browser's WebCrypto key) can still derive its secrets: the
// CLI and the browser of the same key derive the same ones.
package trustee

import (
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"

	"github.com/publica/publica/crypto/elgamal"
)

// DerivationDomain starts every derivation message. It is neither the
// transaction domain ("publica/tx/v1\x00") nor the sign-in domain, so a
// derivation signature is never a valid transaction or sign-in signature,
// and the portal's generic signing refuses to make one.
const DerivationDomain = "publica/ballot/v1/trustee-kdf"

// Purposes: one secret for receiving shares, one for the dealer's
// polynomial.
const (
	PurposeComm   = "comm"
	PurposeDealer = "dealer"
)

const shareTag = "publica/ballot/v1/share-pad"

// validElectionID is x/ballot.ValidElectionID (1 to 63 of a-z, 0-9 and
// dashes, not starting with a dash), without regexp: the WebAssembly
// carries this package and stays smaller.
func validElectionID(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// DerivationMessage is what a trustee's key signs to derive its secret for
// purpose in electionID:
//
//	"publica/ballot/v1/trustee-kdf" ‖ 0x00 ‖ purpose ‖ 0x00 ‖ election id
//
// Election ids and purposes contain no 0x00, so the message names both
// unambiguously.
func DerivationMessage(purpose, electionID string) []byte {
	return []byte(DerivationDomain + "\x00" + purpose + "\x00" + electionID)
}

// Secret is one trustee's secret material for one election.
type Secret struct {
	ElectionID string
	comm       *ristretto255.Scalar
	dealerKey  []byte
}

func lenPrefixed(h io.Writer, s string) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// kdf = SHA-512(len‖domain ‖ len‖purpose ‖ len‖election ‖ signature).
func kdf(sig []byte, purpose, electionID string) []byte {
	h := sha512.New()
	lenPrefixed(h, DerivationDomain)
	lenPrefixed(h, purpose)
	lenPrefixed(h, electionID)
	h.Write(sig)
	return h.Sum(nil)
}

// FromSignatures derives the secret from the trustee's signatures of the
// two derivation messages, checked against its public key (a signature by
// another key would derive secrets that match nothing on chain).
func FromSignatures(pub ed25519.PublicKey, electionID string, commSig, dealerSig []byte) (*Secret, error) {
	if !validElectionID(electionID) {
		return nil, fmt.Errorf("election id %q", electionID)
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("the trustee's public key must be 32 bytes")
	}
	for _, c := range []struct {
		purpose string
		sig     []byte
	}{{PurposeComm, commSig}, {PurposeDealer, dealerSig}} {
		if !ed25519.Verify(pub, DerivationMessage(c.purpose, electionID), c.sig) {
			return nil, fmt.Errorf("the %s derivation signature is not the trustee key's signature of %q", c.purpose, DerivationMessage(c.purpose, electionID))
		}
	}
	return derive(electionID, commSig, dealerSig), nil
}

func derive(electionID string, commSig, dealerSig []byte) *Secret {
	comm, err := ristretto255.NewScalar().SetUniformBytes(kdf(commSig, PurposeComm, electionID))
	if err != nil {
		panic("unreachable: SetUniformBytes takes any 64 bytes")
	}
	return &Secret{ElectionID: electionID, comm: comm, dealerKey: kdf(dealerSig, PurposeDealer, electionID)}
}

// FromKey signs the derivation messages with priv, as the CLI does.
func FromKey(priv ed25519.PrivateKey, electionID string) *Secret {
	return derive(electionID,
		ed25519.Sign(priv, DerivationMessage(PurposeComm, electionID)),
		ed25519.Sign(priv, DerivationMessage(PurposeDealer, electionID)))
}

// CommSecret is the secret for receiving shares.
func (s *Secret) CommSecret() *ristretto255.Scalar { return s.comm }

// CommKey is round 1: the public communication key.
func (s *Secret) CommKey() elgamal.Point { return elgamal.BaseMult(s.comm) }

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

// Dealer is the trustee's polynomial for the ceremony of its election.
func (s *Secret) Dealer(index, threshold, n uint32) (*elgamal.Dealer, error) {
	return elgamal.NewDealer(s.ElectionID, index, threshold, n, &kdfReader{key: s.dealerKey})
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

func decodeKey(s string) (elgamal.Point, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return elgamal.Point{}, err
	}
	return elgamal.DecodePublicKey(b)
}

// Deal is round 2: the commitments (hex DealerCommitments) and one share
// per trustee, share j encrypted to commKeys[j-1] with a Diffie–Hellman
// pad: enc = s_ij ⊕ SHA-512(tag ‖ election ‖ i ‖ j ‖ e_i·E_j)[:32].
// An empty comm key means that trustee has not registered one yet.
func (s *Secret) Deal(index, threshold uint32, commKeys []string) (string, []string, error) {
	n := uint32(len(commKeys))
	d, err := s.Dealer(index, threshold, n)
	if err != nil {
		return "", nil, err
	}
	var shares []string
	for j := uint32(1); j <= n; j++ {
		if commKeys[j-1] == "" {
			return "", nil, fmt.Errorf("trustee %d has not registered its key yet", j)
		}
		pub, err := decodeKey(commKeys[j-1])
		if err != nil {
			return "", nil, fmt.Errorf("trustee %d comm key: %w", j, err)
		}
		sh, err := d.Share(j)
		if err != nil {
			return "", nil, err
		}
		shares = append(shares, hex.EncodeToString(xor32(sh.Bytes(), sharePad(s.ElectionID, index, j, dh(s.comm, pub)))))
	}
	return hex.EncodeToString(d.Public.Encode()), shares, nil
}

// RevealShare recomputes the share dealer index sent complainer (hex), to
// answer a complaint in public.
func (s *Secret) RevealShare(index, threshold, n, complainer uint32) (string, error) {
	d, err := s.Dealer(index, threshold, n)
	if err != nil {
		return "", err
	}
	sh, err := d.Share(complainer)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(sh.Bytes()), nil
}

// Record is a trustee's ceremony record as the chain stores it (the JSON
// of x/ballot.Trustee, which converts to it).
type Record struct {
	Index        uint32   `json:"index"`
	Account      string   `json:"account"`
	CommKey      string   `json:"comm_key"`
	Dealing      string   `json:"dealing,omitempty"`
	Shares       []string `json:"shares,omitempty"`
	Disqualified bool     `json:"disqualified,omitempty"`
}

// Complaint is a complaint record (the JSON of x/ballot.Complaint).
type Complaint struct {
	Dealer     uint32 `json:"dealer"`
	Complainer uint32 `json:"complainer"`
	Status     string `json:"status"`
	Revealed   string `json:"revealed,omitempty"`
}

// OpenShare decrypts and checks the share dealer sent trustee index. A nil
// error means it matches the dealer's commitments; an error means the
// trustee should complain.
func (s *Secret) OpenShare(index uint32, dealer *Record) (*ristretto255.Scalar, error) {
	raw, err := hex.DecodeString(dealer.Dealing)
	if err != nil {
		return nil, err
	}
	dc, err := elgamal.DecodeDealerCommitments(raw)
	if err != nil {
		return nil, err
	}
	if index == 0 || int(index) > len(dealer.Shares) {
		return nil, fmt.Errorf("dealer %d sent no share to trustee %d", dealer.Index, index)
	}
	enc, err := hex.DecodeString(dealer.Shares[index-1])
	if err != nil || len(enc) != 32 {
		return nil, fmt.Errorf("dealer %d: share %d is not 32 bytes", dealer.Index, index)
	}
	pub, err := decodeKey(dealer.CommKey)
	if err != nil {
		return nil, err
	}
	plain := xor32(enc, sharePad(s.ElectionID, dealer.Index, index, dh(s.comm, pub)))
	sh, err := elgamal.DecodeScalar(plain)
	if err != nil {
		return nil, fmt.Errorf("dealer %d: share does not decrypt to a scalar: %w", dealer.Index, err)
	}
	if err := elgamal.VerifyShare(dc, index, sh); err != nil {
		return nil, err
	}
	return sh, nil
}

// KeyShare combines the shares trustee index received from the qualified
// dealers (a share revealed to answer its complaint replaces the encrypted
// one) and checks the result against the chain's verification key.
// records[j-1] is trustee j's record.
func (s *Secret) KeyShare(index uint32, qualified []uint32, records []*Record, complaints []*Complaint, verificationKey string) (*elgamal.KeyShare, error) {
	var shares []*ristretto255.Scalar
	for _, q := range qualified {
		if q == 0 || int(q) > len(records) || records[q-1] == nil {
			return nil, fmt.Errorf("qualified dealer %d has no record", q)
		}
		var sh *ristretto255.Scalar
		for _, c := range complaints {
			if c.Dealer == q && c.Complainer == index && c.Status == "rejected" {
				b, _ := hex.DecodeString(c.Revealed)
				var err error
				if sh, err = elgamal.DecodeScalar(b); err != nil {
					return nil, err
				}
			}
		}
		if sh == nil {
			var err error
			if sh, err = s.OpenShare(index, records[q-1]); err != nil {
				return nil, fmt.Errorf("share from qualified dealer %d: %w", q, err)
			}
		}
		shares = append(shares, sh)
	}
	ks, err := elgamal.CombineShares(index, shares)
	if err != nil {
		return nil, err
	}
	want, err := decodeKey(verificationKey)
	if err != nil {
		return nil, fmt.Errorf("verification key of trustee %d: %w", index, err)
	}
	if !elgamal.BaseMult(ks.Secret).Equal(want) {
		return nil, fmt.Errorf("the combined key share does not match the chain's verification key for trustee %d", index)
	}
	return ks, nil
}

// Partials partially decrypts the aggregate (hex ciphertexts per question
// and option, as the chain's aggregate record holds them) with a DLEQ
// proof each, in question and option order.
func Partials(ks *elgamal.KeyShare, electionID string, aggregate [][]string, rnd io.Reader) ([]string, error) {
	var out []string
	for qi := range aggregate {
		for oi, h := range aggregate[qi] {
			b, err := hex.DecodeString(h)
			if err != nil {
				return nil, fmt.Errorf("aggregate %d/%d: %w", qi, oi, err)
			}
			ct, err := elgamal.DecodeCiphertext(b)
			if err != nil {
				return nil, fmt.Errorf("aggregate %d/%d: %w", qi, oi, err)
			}
			pd, err := elgamal.PartialDecrypt(ks, elgamal.DecryptionContext{ElectionID: electionID, Question: uint32(qi), Option: uint32(oi)}, ct, rnd)
			if err != nil {
				return nil, err
			}
			out = append(out, hex.EncodeToString(pd.Encode()))
		}
	}
	return out, nil
}
