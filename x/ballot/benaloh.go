package ballot

// Benaloh cast-or-challenge, in the order Helios and ElectionGuard use: the
// device encrypts and commits to a ballot (the voter sees its tracker)
// before it learns whether the voter will cast it or challenge it. Commit
// takes no decision, so the encrypting code cannot encrypt honestly only
// the ballots that will be checked; Cast and Challenge take the committed
// ballot and nothing else. A challenged ballot is opened (its randomness
// revealed) and can never be cast; the voter checks the opening on another
// device (publica audit ballot, or the portal's check page) against the
// tracker they saw, then encrypts afresh.

import (
	"encoding/hex"
	"errors"
	"io"

	"github.com/publica/publica/crypto/elgamal"
)

// ErrSpoiled: a committed ballot was already challenged (it may never be
// cast) or already cast (it may no longer be challenged).
var ErrSpoiled = errors.New("this ballot was already cast or challenged: encrypt again")

// Committed is an encrypted ballot whose tracker the voter has been
// shown, waiting for the voter's decision. Its opening stays inside until
// Challenge.
type Committed struct {
	Election string
	Voter    string
	Ballot   []byte // canonical encoding
	Tracker  string // hex SHA-512/256 of Ballot

	opening *elgamal.Opening
	decided bool
}

// Commit encrypts choices for voter in election e (whose key is
// published) and fixes the ballot and its tracker. It is given no hint of
// what the voter will do with the ballot.
func Commit(e *Election, voter string, choices [][]bool, rnd io.Reader) (*Committed, error) {
	params, err := e.Params()
	if err != nil {
		return nil, err
	}
	b, op, err := elgamal.EncryptBallot(params, voter, choices, rnd)
	if err != nil {
		return nil, err
	}
	enc, err := b.Encode()
	if err != nil {
		return nil, err
	}
	return &Committed{Election: e.ID, Voter: voter, Ballot: enc, Tracker: TrackerOf(enc), opening: op}, nil
}

// Cast is the voter's decision to cast: the opening is dropped and the
// message to sign returned.
func (c *Committed) Cast() (*MsgCast, error) {
	if c.decided {
		return nil, ErrSpoiled
	}
	c.decided, c.opening = true, nil
	return &MsgCast{Election: c.Election, Ballot: hex.EncodeToString(c.Ballot)}, nil
}

// Challenge is the voter's decision to check the device: the ballot is
// opened and spoiled (Cast refuses it from now on).
func (c *Committed) Challenge() (*ChallengeFile, error) {
	if c.decided {
		return nil, ErrSpoiled
	}
	op, err := c.opening.Encode()
	if err != nil {
		return nil, err
	}
	c.decided, c.opening = true, nil
	return &ChallengeFile{Election: c.Election, Voter: c.Voter, Tracker: c.Tracker,
		Ballot: hex.EncodeToString(c.Ballot), Opening: hex.EncodeToString(op)}, nil
}

// ChallengeFile is a challenged ballot as the voter carries it to another
// device (docs/ballot-verifier.md, "Checking a challenged ballot"). The
// tracker in it is what the device claims; the checker compares the
// ballot against the tracker the voter wrote down.
type ChallengeFile struct {
	Election string `json:"election"`
	Voter    string `json:"voter"`
	Tracker  string `json:"tracker"`
	Ballot   string `json:"ballot"`  // hex canonical ballot encoding
	Opening  string `json:"opening"` // hex canonical opening encoding
}
