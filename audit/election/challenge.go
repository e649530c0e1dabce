package election

// Checking a challenged ballot (Benaloh): on a device other than the one
// that encrypted it, from the election record alone, decide whether the
// ballot the voter was shown (by its tracker) encrypts exactly the choices
// its opening reveals. Specified in docs/ballot-verifier.md, "Checking a
// challenged ballot".

import (
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/publica/publica/crypto/elgamal"
)

// challengeRec is the challenge file the voting device hands the voter.
type challengeRec struct {
	Election string `json:"election"`
	Voter    string `json:"voter"`
	Tracker  string `json:"tracker"`
	Ballot   string `json:"ballot"`
	Opening  string `json:"opening"`
}

// ChallengeReport is the verdict on a challenged ballot.
type ChallengeReport struct {
	Election string `json:"election"`
	Voter    string `json:"voter"`
	Tracker  string `json:"tracker"` // SHA-512/256 of the ballot in the file
	// Choices are the options the ballot encrypts, per question, by their
	// text (only when OK).
	Choices   [][]string `json:"choices,omitempty"`
	Questions []string   `json:"questions,omitempty"`
	OK        bool       `json:"ok"`
	Problem   string     `json:"problem,omitempty"` // why not OK
}

// Summary is the human verdict.
func (r *ChallengeReport) Summary() string {
	var b strings.Builder
	if !r.OK {
		fmt.Fprintf(&b, "challenged ballot: FAIL: %s", r.Problem)
		return b.String()
	}
	fmt.Fprintf(&b, "challenged ballot %s in election %s (voter %s): PASS\n", r.Tracker, r.Election, r.Voter)
	b.WriteString("  the ballot with the tracker you were shown encrypts exactly:\n")
	for qi, q := range r.Questions {
		picked := "no choice"
		if len(r.Choices[qi]) > 0 {
			picked = strings.Join(r.Choices[qi], ", ")
		}
		fmt.Fprintf(&b, "    %s: %s\n", q, picked)
	}
	b.WriteString("  if these are the choices you made, the device encrypted honestly; this ballot was NOT cast")
	return b.String()
}

// NormalTracker returns s as a tracker (64 lower-case hex digits), or "".
func NormalTracker(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) != 64 || strings.Trim(s, "0123456789abcdef") != "" {
		return ""
	}
	return s
}

// CheckChallenge checks a challenge file against the election record (its
// JSON, as stored under ballot/election/<id>) and the tracker the voter
// was shown before choosing to challenge. It never returns nil.
func CheckChallenge(electionRecord, challenge []byte, shownTracker string) *ChallengeReport {
	r := &ChallengeReport{}
	fail := func(format string, args ...any) *ChallengeReport {
		r.OK, r.Choices = false, nil
		r.Problem = fmt.Sprintf(format, args...)
		return r
	}
	var e electionRec
	if err := json.Unmarshal(electionRecord, &e); err != nil || e.ID == "" {
		return fail("the election record cannot be read")
	}
	r.Election = e.ID
	var c challengeRec
	if err := json.Unmarshal(challenge, &c); err != nil {
		return fail("the challenge file is not the JSON the vote page or the CLI gives: %v", err)
	}
	r.Voter = c.Voter
	if c.Election != e.ID {
		return fail("the challenge file is for election %q, not %q", c.Election, e.ID)
	}
	shown := NormalTracker(shownTracker)
	if shown == "" {
		return fail("the tracker you were shown must be 64 hexadecimal characters")
	}
	enc, err := hex.DecodeString(c.Ballot)
	if err != nil || len(enc) == 0 {
		return fail("the ballot in the challenge file is not hexadecimal")
	}
	h := sha512.Sum512_256(enc)
	r.Tracker = hex.EncodeToString(h[:])
	if r.Tracker != shown {
		return fail("the ballot in the file has tracker %s, not the tracker you were shown (%s): the device opened another ballot", r.Tracker, shown)
	}
	if e.PublicKey == "" {
		return fail("election %s has no published key yet", e.ID)
	}
	pk, err := decodeKey(e.PublicKey)
	if err != nil {
		return fail("election %s: public key: %v", e.ID, err)
	}
	params := paramsOf(&e, pk)
	if err := params.Validate(); err != nil {
		return fail("election %s parameters: %v", e.ID, err)
	}
	b, err := elgamal.DecodeAndVerify(enc, params)
	if err != nil {
		return fail("the ballot does not verify for election %s: %v", e.ID, err)
	}
	if b.Voter != c.Voter {
		return fail("the ballot is bound to voter %q, the file says %q", b.Voter, c.Voter)
	}
	rawOpen, err := hex.DecodeString(c.Opening)
	if err != nil {
		return fail("the opening in the challenge file is not hexadecimal")
	}
	op, err := elgamal.DecodeOpening(rawOpen)
	if err != nil {
		return fail("the opening cannot be decoded: %v", err)
	}
	if err := b.CheckOpening(params, op); err != nil {
		return fail("the ballot does not encrypt the opened choices: %v", err)
	}
	for qi, q := range e.Questions {
		r.Questions = append(r.Questions, q.Text)
		picked := []string{}
		for oi, on := range op.Choices[qi] {
			if on {
				picked = append(picked, q.Options[oi])
			}
		}
		r.Choices = append(r.Choices, picked)
	}
	r.OK = true
	return r
}
