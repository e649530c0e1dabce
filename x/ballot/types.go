// Package ballot runs end-to-end verifiable elections: an election
// official defines an election, its trustees run a threshold key ceremony
// on chain, eligible voters cast encrypted ballots with zero-knowledge
// proofs, and after the closing block time the trustees decrypt only the
// homomorphic aggregate the chain computed. Nobody learns a single vote;
// everybody can check every ballot's proofs, the aggregate and the result
// (audit/election, docs/ballot-verifier.md).
//
// The cryptography is crypto/elgamal; this module holds the state machine.
package ballot

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/tx"
)

// ModuleName is the module's name, codespace and key/query prefix.
const ModuleName = "ballot"

// Message types.
const (
	TypeCreateElection = "ballot/create-election"
	TypeRegisterVoters = "ballot/register-voters"
	TypeRemoveVoters   = "ballot/remove-voters"
	TypeTrusteeKey     = "ballot/trustee-key"
	TypeDeal           = "ballot/deal"
	TypeComplain       = "ballot/complain"
	TypeReveal         = "ballot/reveal"
	TypePublishKey     = "ballot/publish-key"
	TypeCast           = "ballot/cast"
	TypeTally          = "ballot/tally"
)

// Question kinds.
const (
	KindYesNo    = "yes_no"        // options "yes", "no"; exactly one
	KindSingle   = "single_choice" // exactly one of the options
	KindApproval = "approval"      // any number from 0 to max_choices
)

// Election phases (Election.Phase). Open/closed within "ready" follow
// from the block time and OpensAt/ClosesAt.
const (
	PhaseKeyCeremony = "key_ceremony"
	PhaseReady       = "ready"
	PhaseTallied     = "tallied"
)

// Eligibility rule kinds.
const (
	RuleRoll       = "roll"       // a voter roll kept on chain by the official
	RuleCredential = "credential" // an identity-module credential schema and predicate
)

// Limits.
const (
	MaxTitle      = 200
	MaxText       = 500
	MaxOptionText = 100
	MaxRollChange = 2000 // accounts per register/remove message
)

var electionIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidElectionID reports whether s can name an election: 1 to 63 lowercase
// letters, digits and dashes, not starting with a dash.
func ValidElectionID(s string) bool { return electionIDRe.MatchString(s) }

// Question is one question of an election.
type Question struct {
	Text       string   `json:"text"`
	Kind       string   `json:"kind"`
	Options    []string `json:"options"`
	MaxChoices uint32   `json:"max_choices,omitempty"` // approval only
}

// Spec is the question's shape for the cryptography: how many options and
// how many may be selected.
func (q Question) Spec() elgamal.QuestionSpec {
	n := uint32(len(q.Options))
	switch q.Kind {
	case KindApproval:
		return elgamal.QuestionSpec{Options: n, Min: 0, Max: q.MaxChoices}
	default:
		return elgamal.QuestionSpec{Options: n, Min: 1, Max: 1}
	}
}

func (q Question) validate(i int) error {
	if q.Text == "" || len(q.Text) > MaxText {
		return fmt.Errorf("question %d: text must be 1..%d bytes", i, MaxText)
	}
	if len(q.Options) > elgamal.MaxOptions {
		return fmt.Errorf("question %d: at most %d options", i, elgamal.MaxOptions)
	}
	for j, o := range q.Options {
		if o == "" || len(o) > MaxOptionText {
			return fmt.Errorf("question %d option %d: text must be 1..%d bytes", i, j, MaxOptionText)
		}
		if slices.Index(q.Options, o) != j {
			return fmt.Errorf("question %d: option %q repeated", i, o)
		}
	}
	switch q.Kind {
	case KindYesNo:
		if !slices.Equal(q.Options, []string{"yes", "no"}) {
			return fmt.Errorf(`question %d: a yes_no question has options ["yes","no"]`, i)
		}
	case KindSingle:
		if len(q.Options) < 2 {
			return fmt.Errorf("question %d: a single_choice question needs at least 2 options", i)
		}
	case KindApproval:
		if len(q.Options) < 1 || q.MaxChoices < 1 || q.MaxChoices > uint32(len(q.Options)) {
			return fmt.Errorf("question %d: approval needs options and 1 ≤ max_choices ≤ %d", i, len(q.Options))
		}
	default:
		return fmt.Errorf("question %d: unknown kind %q (yes_no, single_choice, approval)", i, q.Kind)
	}
	if q.Kind != KindApproval && q.MaxChoices != 0 {
		return fmt.Errorf("question %d: max_choices is for approval questions", i)
	}
	return nil
}

// Eligibility is an election's rule for who may vote.
type Eligibility struct {
	Kind      string `json:"kind"`
	Schema    string `json:"schema,omitempty"`    // credential: the identity schema id
	Predicate string `json:"predicate,omitempty"` // credential: the predicate over its attributes
}

// Election is the state record of an election.
type Election struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Official    string      `json:"official"` // account id that created it
	Questions   []Question  `json:"questions"`
	Eligibility Eligibility `json:"eligibility"`
	Trustees    []string    `json:"trustees"` // account ids; trustee index = position + 1
	Threshold   uint32      `json:"threshold"`
	OpensAt     int64       `json:"opens_at"`  // unix seconds, block time
	ClosesAt    int64       `json:"closes_at"` // unix seconds, block time
	CreatedAt   int64       `json:"created_height"`
	Phase       string      `json:"phase"`
	// Set when the key is published:
	PublicKey        string   `json:"public_key,omitempty"`        // hex, joint ElGamal key
	Qualified        []uint32 `json:"qualified,omitempty"`         // dealers whose commitments form the key
	VerificationKeys []string `json:"verification_keys,omitempty"` // hex X_j for trustee j = index+1
}

// TrusteeIndex is the 1-based index of account among the trustees, 0 if
// it is not one.
func (e *Election) TrusteeIndex(account string) uint32 {
	return uint32(slices.Index(e.Trustees, account) + 1)
}

// Params returns the parameters ballots are verified against (only once
// the key is published).
func (e *Election) Params() (*elgamal.ElectionParams, error) {
	raw, err := hex.DecodeString(e.PublicKey)
	if err != nil {
		return nil, ErrCorrupt.Wrapf("election %s public key: %v", e.ID, err)
	}
	pk, err := elgamal.DecodePublicKey(raw)
	if err != nil {
		return nil, ErrCorrupt.Wrapf("election %s public key: %v", e.ID, err)
	}
	p := &elgamal.ElectionParams{ElectionID: e.ID, PublicKey: pk}
	for _, q := range e.Questions {
		p.Questions = append(p.Questions, q.Spec())
	}
	return p, nil
}

// Options is the total number of options over all questions (the number
// of ciphertexts in the aggregate and of partial decryptions per trustee).
func (e *Election) Options() int {
	n := 0
	for _, q := range e.Questions {
		n += len(q.Options)
	}
	return n
}

// Trustee is the key-ceremony record of trustee Index of an election.
type Trustee struct {
	Index   uint32 `json:"index"`
	Account string `json:"account"`
	// CommKey is the trustee's ristretto255 key for receiving shares (hex).
	CommKey string `json:"comm_key"`
	// Dealing is the DealerCommitments encoding (hex), once dealt.
	Dealing string `json:"dealing,omitempty"`
	// Shares[j-1] is the share for trustee j, encrypted to j's CommKey
	// (32 bytes hex, see EncryptShare).
	Shares       []string `json:"shares,omitempty"`
	Disqualified bool     `json:"disqualified,omitempty"`
}

// Complaint statuses.
const (
	ComplaintOpen     = "open"
	ComplaintRejected = "rejected" // the dealer revealed a correct share
	ComplaintUpheld   = "upheld"   // the dealer revealed a wrong share, or none: disqualified
)

// Complaint is trustee Complainer's complaint that the share dealer Dealer
// sent it does not match Dealer's commitments.
type Complaint struct {
	Dealer     uint32 `json:"dealer"`
	Complainer uint32 `json:"complainer"`
	Status     string `json:"status"`
	Revealed   string `json:"revealed,omitempty"` // hex share, once revealed
}

// Aggregate is the homomorphic sum of the counted ballots (the last ballot
// of each voter), one ciphertext (hex α‖β) per question and option.
type Aggregate struct {
	Ballots   uint64     `json:"ballots"`
	Questions [][]string `json:"questions"`
}

// Tracker statuses.
const (
	TrackerCounted    = "counted"
	TrackerSuperseded = "superseded" // the voter cast a later ballot
	TrackerWithdrawn  = "withdrawn"  // the voter was removed from the roll
)

// Tracker is the bulletin-board entry of a cast ballot, keyed by the
// ballot's hash (its tracker).
type Tracker struct {
	Voter  string `json:"voter"`
	Height int64  `json:"height"`
	Tx     string `json:"tx"` // hex hash of the casting transaction
	Status string `json:"status"`
}

// Result is the decrypted tally.
type Result struct {
	Ballots  uint64     `json:"ballots"`
	Counts   [][]uint64 `json:"counts"`   // per question, per option
	Trustees []uint32   `json:"trustees"` // whose partial decryptions were combined
	Height   int64      `json:"height"`
}

// MsgCreateElection defines an election; the signer must hold the
// election_official role and becomes its official.
type MsgCreateElection struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Questions   []Question  `json:"questions"`
	Eligibility Eligibility `json:"eligibility"`
	Trustees    []string    `json:"trustees"`
	Threshold   uint32      `json:"threshold"`
	OpensAt     int64       `json:"opens_at"`
	ClosesAt    int64       `json:"closes_at"`
}

func (m *MsgCreateElection) ValidateBasic() error {
	if !ValidElectionID(m.ID) {
		return ErrInvalidElection.Wrapf("id %q: 1 to 63 of a-z, 0-9, -", m.ID)
	}
	if m.Title == "" || len(m.Title) > MaxTitle {
		return ErrInvalidElection.Wrapf("title must be 1..%d bytes", MaxTitle)
	}
	if len(m.Questions) == 0 || len(m.Questions) > elgamal.MaxQuestions {
		return ErrInvalidElection.Wrapf("1..%d questions", elgamal.MaxQuestions)
	}
	for i, q := range m.Questions {
		if err := q.validate(i); err != nil {
			return ErrInvalidElection.Wrap(err)
		}
	}
	switch m.Eligibility.Kind {
	case RuleRoll:
		if m.Eligibility.Schema != "" || m.Eligibility.Predicate != "" {
			return ErrInvalidElection.Wrapf("a roll rule has no schema or predicate")
		}
	case RuleCredential:
		if m.Eligibility.Schema == "" {
			return ErrInvalidElection.Wrapf("a credential rule names a schema")
		}
	default:
		return ErrInvalidElection.Wrapf("eligibility kind %q (roll, credential)", m.Eligibility.Kind)
	}
	n := len(m.Trustees)
	if n == 0 || n > elgamal.MaxTrustees {
		return ErrInvalidElection.Wrapf("1..%d trustees", elgamal.MaxTrustees)
	}
	for i, t := range m.Trustees {
		if !tx.ValidAccountID(t) {
			return ErrInvalidElection.Wrapf("trustee %q is not an account id", t)
		}
		if slices.Index(m.Trustees, t) != i {
			return ErrInvalidElection.Wrapf("trustee %s named twice", t)
		}
	}
	if m.Threshold < 1 || m.Threshold > uint32(n) {
		return ErrInvalidElection.Wrapf("threshold %d outside 1..%d", m.Threshold, n)
	}
	if m.OpensAt <= 0 || m.ClosesAt <= m.OpensAt {
		return ErrInvalidElection.Wrapf("opens_at %d must be positive and before closes_at %d", m.OpensAt, m.ClosesAt)
	}
	return nil
}

// MsgRegisterVoters adds accounts to a roll election's voter roll (the
// official only, before closing).
type MsgRegisterVoters struct {
	Election string   `json:"election"`
	Voters   []string `json:"voters"`
}

func (m *MsgRegisterVoters) ValidateBasic() error { return validateRoll(m.Election, m.Voters) }

// MsgRemoveVoters removes accounts from the roll (revocation). A removed
// voter's counted ballot is withdrawn from the aggregate.
type MsgRemoveVoters struct {
	Election string   `json:"election"`
	Voters   []string `json:"voters"`
}

func (m *MsgRemoveVoters) ValidateBasic() error { return validateRoll(m.Election, m.Voters) }

func validateRoll(election string, voters []string) error {
	if !ValidElectionID(election) {
		return ErrInvalidRoll.Wrapf("election id %q", election)
	}
	if len(voters) == 0 || len(voters) > MaxRollChange {
		return ErrInvalidRoll.Wrapf("1..%d voters per message", MaxRollChange)
	}
	for i, v := range voters {
		if !tx.ValidAccountID(v) {
			return ErrInvalidRoll.Wrapf("voter %q is not an account id", v)
		}
		if i > 0 && voters[i-1] >= v {
			return ErrInvalidRoll.Wrapf("voters must be sorted and distinct (%s after %s)", v, voters[i-1])
		}
	}
	return nil
}

// MsgTrusteeKey registers the signing trustee's communication key (round 1
// of the key ceremony).
type MsgTrusteeKey struct {
	Election string `json:"election"`
	CommKey  string `json:"comm_key"` // hex ristretto255 point
}

func (m *MsgTrusteeKey) ValidateBasic() error {
	if !ValidElectionID(m.Election) {
		return ErrInvalidDealing.Wrapf("election id %q", m.Election)
	}
	if _, err := decodeKey(m.CommKey); err != nil {
		return ErrInvalidDealing.Wrapf("comm_key: %v", err)
	}
	return nil
}

func decodeKey(s string) (elgamal.Point, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return elgamal.Point{}, err
	}
	return elgamal.DecodePublicKey(b)
}

// MsgDeal is the signing trustee's dealing (round 2): its polynomial's
// commitments with a proof of knowledge, and one encrypted share per
// trustee (in trustee order, its own included).
type MsgDeal struct {
	Election    string   `json:"election"`
	Commitments string   `json:"commitments"` // hex DealerCommitments encoding
	Shares      []string `json:"shares"`      // hex, 32 bytes each
}

func (m *MsgDeal) ValidateBasic() error {
	if !ValidElectionID(m.Election) {
		return ErrInvalidDealing.Wrapf("election id %q", m.Election)
	}
	raw, err := hex.DecodeString(m.Commitments)
	if err != nil {
		return ErrInvalidDealing.Wrapf("commitments: %v", err)
	}
	if _, err := elgamal.DecodeDealerCommitments(raw); err != nil {
		return ErrInvalidDealing.Wrapf("commitments: %v", err)
	}
	if len(m.Shares) == 0 || len(m.Shares) > elgamal.MaxTrustees {
		return ErrInvalidDealing.Wrapf("%d shares", len(m.Shares))
	}
	for i, s := range m.Shares {
		if b, err := hex.DecodeString(s); err != nil || len(b) != 32 {
			return ErrInvalidDealing.Wrapf("share %d is not 32 bytes of hex", i)
		}
	}
	return nil
}

// MsgComplain: the signing trustee says the share from Dealer does not
// match Dealer's commitments.
type MsgComplain struct {
	Election string `json:"election"`
	Dealer   uint32 `json:"dealer"`
}

func (m *MsgComplain) ValidateBasic() error {
	if !ValidElectionID(m.Election) || m.Dealer == 0 {
		return ErrComplaintNotAllowed.Wrapf("election %q dealer %d", m.Election, m.Dealer)
	}
	return nil
}

// MsgReveal: the signing dealer answers Complainer's complaint by revealing
// the share publicly.
type MsgReveal struct {
	Election   string `json:"election"`
	Complainer uint32 `json:"complainer"`
	Share      string `json:"share"` // hex scalar
}

func (m *MsgReveal) ValidateBasic() error {
	if !ValidElectionID(m.Election) || m.Complainer == 0 {
		return ErrNoComplaint.Wrapf("election %q complainer %d", m.Election, m.Complainer)
	}
	b, err := hex.DecodeString(m.Share)
	if err != nil {
		return ErrInvalidDealing.Wrapf("share: %v", err)
	}
	if _, err := elgamal.DecodeScalar(b); err != nil {
		return ErrInvalidDealing.Wrapf("share: %v", err)
	}
	return nil
}

// MsgPublishKey ends the key ceremony (the official): the qualified dealers'
// commitments give the election key and every trustee's verification key.
type MsgPublishKey struct {
	Election string `json:"election"`
}

func (m *MsgPublishKey) ValidateBasic() error {
	if !ValidElectionID(m.Election) {
		return ErrUnknownElection.Wrapf("election id %q", m.Election)
	}
	return nil
}

// MsgCast casts an encrypted ballot; it must be bound to the election and
// to the signer's account. A later ballot of the same voter replaces it.
type MsgCast struct {
	Election string `json:"election"`
	Ballot   string `json:"ballot"` // hex canonical ballot encoding

	// prepared caches a successful proof verification done in
	// FinalizeBlock's parallel pre-check (see Module.prepareCasts).
	prepared *preparedBallot
}

type preparedBallot struct {
	print  paramsPrint // the election parameters the proofs were verified against
	ballot *elgamal.Ballot
}

func (m *MsgCast) ValidateBasic() error {
	if !ValidElectionID(m.Election) {
		return ErrMalformedBallot.Wrapf("election id %q", m.Election)
	}
	if len(m.Ballot) == 0 {
		return ErrMalformedBallot.Wrapf("empty ballot")
	}
	if _, err := hex.DecodeString(m.Ballot); err != nil {
		return ErrMalformedBallot.Wrapf("ballot hex: %v", err)
	}
	return nil
}

// MsgTally carries the signing trustee's partial decryptions of the
// chain's aggregate, one per option in question order (hex
// PartialDecryption encodings).
type MsgTally struct {
	Election string   `json:"election"`
	Partials []string `json:"partials"`
}

func (m *MsgTally) ValidateBasic() error {
	if !ValidElectionID(m.Election) {
		return ErrInvalidPartial.Wrapf("election id %q", m.Election)
	}
	if len(m.Partials) == 0 || len(m.Partials) > elgamal.MaxQuestions*elgamal.MaxOptions {
		return ErrInvalidPartial.Wrapf("%d partial decryptions", len(m.Partials))
	}
	for i, p := range m.Partials {
		b, err := hex.DecodeString(p)
		if err != nil {
			return ErrInvalidPartial.Wrapf("partial %d: %v", i, err)
		}
		if _, err := elgamal.DecodePartialDecryption(b); err != nil {
			return ErrInvalidPartial.Wrapf("partial %d: %v", i, err)
		}
	}
	return nil
}
