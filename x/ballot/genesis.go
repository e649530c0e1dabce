package ballot

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
)

// Genesis is the module's state as typed records. An export carries every
// record (ballots, trackers, partial decryptions included) so a chain
// restarted from it holds the same keys and values byte for byte, and a
// verifier gets the same answer before and after. Each list is in key
// order.
type Genesis struct {
	Elections  []Election        `json:"elections,omitempty"`
	Trustees   []TrusteeRecord   `json:"trustees,omitempty"`
	Complaints []ComplaintRecord `json:"complaints,omitempty"`
	Roll       []RollRecord      `json:"roll,omitempty"`
	Ballots    []BallotRecord    `json:"ballots,omitempty"`
	Trackers   []TrackerRecord   `json:"trackers,omitempty"`
	Aggregates []AggregateRecord `json:"aggregates,omitempty"`
	Partials   []PartialRecord   `json:"partials,omitempty"`
	Results    []ResultRecord    `json:"results,omitempty"`
}

// TrusteeRecord is a trustee's key-ceremony record in an election.
type TrusteeRecord struct {
	Election string `json:"election"`
	Trustee
}

// ComplaintRecord is a complaint in an election's key ceremony.
type ComplaintRecord struct {
	Election string `json:"election"`
	Complaint
}

// RollRecord is an account on an election's voter roll.
type RollRecord struct {
	Election string `json:"election"`
	Account  string `json:"account"`
}

// BallotRecord is a voter's counted ballot (hex canonical encoding).
type BallotRecord struct {
	Election string `json:"election"`
	Voter    string `json:"voter"`
	Ballot   string `json:"ballot"`
}

// TrackerRecord is a bulletin-board entry, under its tracker Hash.
type TrackerRecord struct {
	Election string `json:"election"`
	Hash     string `json:"tracker"` // hex, see TrackerOf
	Tracker
}

// AggregateRecord is an election's running aggregate.
type AggregateRecord struct {
	Election string `json:"election"`
	Aggregate
}

// PartialRecord is a trustee's verified partial decryptions (hex, the
// concatenated encodings in question and option order).
type PartialRecord struct {
	Election string `json:"election"`
	Trustee  uint32 `json:"trustee"`
	Partials string `json:"partials"`
}

// ResultRecord is an election's decrypted tally.
type ResultRecord struct {
	Election string `json:"election"`
	Result
}

// InitGenesis validates the records and writes them; empty or null raw
// means no elections.
func (m *Module) InitGenesis(kv store.KV, raw json.RawMessage) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var g Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		return ErrInvalidGenesis.Wrapf("decode: %v", err)
	}
	if err := g.Validate(); err != nil {
		return err
	}
	return m.Keeper.Import(kv, &g)
}

// ExportGenesis returns every record of the module.
func (m *Module) ExportGenesis(kv store.KV) (json.RawMessage, error) {
	g, err := m.Keeper.Export(kv)
	if err != nil {
		return nil, err
	}
	return json.Marshal(g)
}

// Validate checks the records mean a state the chain could have reached:
// each names an existing election, trustee indexes lie within the
// election's trustees, ballots belong to eligible voters and carry a
// counted tracker, the aggregate counts the ballots, results belong to
// tallied elections, and nothing appears twice.
func (g *Genesis) Validate() error {
	bad := func(what string, i int, format string, args ...any) error {
		return ErrInvalidGenesis.Wrapf("%s %d: %s", what, i, fmt.Sprintf(format, args...))
	}
	elections := map[string]*Election{}
	for i := range g.Elections {
		e := &g.Elections[i]
		if err := validElection(e); err != nil {
			return bad("election", i, "%q: %v", e.ID, err)
		}
		if elections[e.ID] != nil {
			return bad("election", i, "%q appears twice", e.ID)
		}
		elections[e.ID] = e
	}
	election := func(what string, i int, id string) (*Election, error) {
		if e := elections[id]; e != nil {
			return e, nil
		}
		return nil, bad(what, i, "names no election %q", id)
	}
	inRange := func(e *Election, index uint32) bool { return index >= 1 && index <= uint32(len(e.Trustees)) }

	type slot struct {
		election string
		a, b     string
	}
	seen := map[slot]bool{} // lookups only
	once := func(what string, i int, s slot) error {
		s.a = what + "/" + s.a
		if seen[s] {
			return bad(what, i, "appears twice")
		}
		seen[s] = true
		return nil
	}
	trustees := map[slot]*Trustee{}
	for i := range g.Trustees {
		t := &g.Trustees[i]
		e, err := election("trustee", i, t.Election)
		if err != nil {
			return err
		}
		if !inRange(e, t.Index) || e.Trustees[t.Index-1] != t.Account {
			return bad("trustee", i, "index %d account %s is not a trustee of %s", t.Index, t.Account, e.ID)
		}
		if _, err := decodeKey(t.CommKey); err != nil {
			return bad("trustee", i, "comm_key: %v", err)
		}
		if t.Dealing != "" {
			raw, err := hex.DecodeString(t.Dealing)
			if err != nil {
				return bad("trustee", i, "dealing: %v", err)
			}
			if _, err := elgamal.DecodeDealerCommitments(raw); err != nil {
				return bad("trustee", i, "dealing: %v", err)
			}
			if len(t.Shares) != len(e.Trustees) {
				return bad("trustee", i, "%d shares for %d trustees", len(t.Shares), len(e.Trustees))
			}
		}
		s := slot{t.Election, fmt.Sprint(t.Index), ""}
		if err := once("trustee", i, s); err != nil {
			return err
		}
		trustees[s] = &t.Trustee
	}
	for i, c := range g.Complaints {
		e, err := election("complaint", i, c.Election)
		if err != nil {
			return err
		}
		if !inRange(e, c.Dealer) || !inRange(e, c.Complainer) || c.Dealer == c.Complainer {
			return bad("complaint", i, "dealer %d, complainer %d (trustees 1..%d, distinct)", c.Dealer, c.Complainer, len(e.Trustees))
		}
		if d := trustees[slot{c.Election, fmt.Sprint(c.Dealer), ""}]; d == nil || d.Dealing == "" {
			return bad("complaint", i, "dealer %d has not dealt", c.Dealer)
		}
		if trustees[slot{c.Election, fmt.Sprint(c.Complainer), ""}] == nil {
			return bad("complaint", i, "complainer %d has no trustee record", c.Complainer)
		}
		if !slices.Contains([]string{ComplaintOpen, ComplaintRejected, ComplaintUpheld}, c.Status) {
			return bad("complaint", i, "status %q", c.Status)
		}
		if err := once("complaint", i, slot{c.Election, fmt.Sprint(c.Dealer), fmt.Sprint(c.Complainer)}); err != nil {
			return err
		}
	}
	for i, r := range g.Roll {
		e, err := election("roll entry", i, r.Election)
		if err != nil {
			return err
		}
		if e.Eligibility.Kind != RuleRoll || !tx.ValidAccountID(r.Account) {
			return bad("roll entry", i, "%q on the roll of %s (a %s election)", r.Account, e.ID, e.Eligibility.Kind)
		}
		if err := once("roll", i, slot{r.Election, r.Account, ""}); err != nil {
			return err
		}
	}
	trackers := map[slot]*Tracker{}
	for i := range g.Trackers {
		t := &g.Trackers[i]
		if _, err := election("tracker", i, t.Election); err != nil {
			return err
		}
		if len(t.Hash) != 64 || hex.EncodeToString(mustHex(t.Hash)) != t.Hash {
			return bad("tracker", i, "%q is not 64 lowercase hex digits", t.Hash)
		}
		if !tx.ValidAccountID(t.Tracker.Voter) || t.Tracker.Height < 1 {
			return bad("tracker", i, "voter %q at height %d", t.Tracker.Voter, t.Tracker.Height)
		}
		if !slices.Contains([]string{TrackerCounted, TrackerSuperseded, TrackerWithdrawn}, t.Tracker.Status) {
			return bad("tracker", i, "status %q", t.Tracker.Status)
		}
		s := slot{t.Election, t.Hash, ""}
		if err := once("tracker", i, s); err != nil {
			return err
		}
		trackers[s] = &t.Tracker
	}
	ballots := map[string]uint64{}
	counted := map[slot]bool{} // election, tracker
	for i, b := range g.Ballots {
		e, err := election("ballot", i, b.Election)
		if err != nil {
			return err
		}
		if e.Phase == PhaseKeyCeremony {
			return bad("ballot", i, "election %s has no key yet", e.ID)
		}
		if e.Eligibility.Kind == RuleRoll && !seen[slot{b.Election, "roll/" + b.Voter, ""}] {
			return bad("ballot", i, "voter %q is not on the roll of %s", b.Voter, e.ID)
		}
		enc, err := hex.DecodeString(b.Ballot)
		if err != nil {
			return bad("ballot", i, "%v", err)
		}
		eb, err := elgamal.DecodeBallot(enc)
		if err != nil {
			return bad("ballot", i, "%v", err)
		}
		if eb.ElectionID != e.ID || eb.Voter != b.Voter {
			return bad("ballot", i, "ballot of %s in %s filed under %s in %s", eb.Voter, eb.ElectionID, b.Voter, e.ID)
		}
		h := TrackerOf(enc)
		if t := trackers[slot{b.Election, h, ""}]; t == nil || t.Voter != b.Voter || t.Status != TrackerCounted {
			return bad("ballot", i, "no counted tracker %s for %s", h, b.Voter)
		}
		if err := once("ballot", i, slot{b.Election, b.Voter, ""}); err != nil {
			return err
		}
		ballots[b.Election]++
		counted[slot{b.Election, h, ""}] = true
	}
	for i, t := range g.Trackers {
		if t.Tracker.Status == TrackerCounted && !counted[slot{t.Election, t.Hash, ""}] {
			return bad("tracker", i, "counted, but %s has no such ballot", t.Tracker.Voter)
		}
	}
	aggregates := map[string]*Aggregate{}
	for i := range g.Aggregates {
		a := &g.Aggregates[i]
		e, err := election("aggregate", i, a.Election)
		if err != nil {
			return err
		}
		if e.Phase == PhaseKeyCeremony {
			return bad("aggregate", i, "election %s has no key yet", e.ID)
		}
		if err := CheckAggregateShape(e, &a.Aggregate); err != nil {
			return bad("aggregate", i, "%v", err)
		}
		if _, err := DecodeAggregate(&a.Aggregate); err != nil {
			return bad("aggregate", i, "%v", err)
		}
		if a.Ballots != ballots[a.Election] {
			return bad("aggregate", i, "counts %d ballots, %s has %d", a.Ballots, e.ID, ballots[a.Election])
		}
		if aggregates[a.Election] != nil {
			return bad("aggregate", i, "appears twice")
		}
		aggregates[a.Election] = &a.Aggregate
	}
	for i, p := range g.Partials {
		e, err := election("partials", i, p.Election)
		if err != nil {
			return err
		}
		if !inRange(e, p.Trustee) || aggregates[p.Election] == nil {
			return bad("partials", i, "trustee %d of %s (1..%d, after the key)", p.Trustee, e.ID, len(e.Trustees))
		}
		raw, err := hex.DecodeString(p.Partials)
		if err != nil {
			return bad("partials", i, "%v", err)
		}
		pds, err := DecodePartials(raw)
		if err != nil {
			return bad("partials", i, "%v", err)
		}
		if len(pds) != e.Options() {
			return bad("partials", i, "%d partial decryptions for %d options", len(pds), e.Options())
		}
		for _, pd := range pds {
			if pd.Trustee != p.Trustee {
				return bad("partials", i, "an entry names trustee %d", pd.Trustee)
			}
		}
		if err := once("partials", i, slot{p.Election, fmt.Sprint(p.Trustee), ""}); err != nil {
			return err
		}
	}
	results := map[string]bool{}
	for i, r := range g.Results {
		e, err := election("result", i, r.Election)
		if err != nil {
			return err
		}
		if e.Phase != PhaseTallied || results[r.Election] {
			return bad("result", i, "of %s (phase %s), once, for a tallied election", e.ID, e.Phase)
		}
		if a := aggregates[r.Election]; a == nil || a.Ballots != r.Ballots {
			return bad("result", i, "counts %d ballots, not the aggregate's", r.Ballots)
		}
		if len(r.Counts) != len(e.Questions) {
			return bad("result", i, "%d questions, %s has %d", len(r.Counts), e.ID, len(e.Questions))
		}
		for qi, c := range r.Counts {
			if len(c) != len(e.Questions[qi].Options) {
				return bad("result", i, "question %d: %d counts for %d options", qi, len(c), len(e.Questions[qi].Options))
			}
		}
		for _, t := range r.Trustees {
			if !seen[slot{r.Election, "partials/" + fmt.Sprint(t), ""}] {
				return bad("result", i, "combines trustee %d, who posted no partial decryptions", t)
			}
		}
		results[r.Election] = true
	}
	for i, e := range g.Elections {
		if e.Phase != PhaseKeyCeremony && aggregates[e.ID] == nil {
			return bad("election", i, "%s has a key but no aggregate", e.ID)
		}
		if e.Phase == PhaseTallied && !results[e.ID] {
			return bad("election", i, "%s is tallied but has no result", e.ID)
		}
	}
	return nil
}

// validElection checks an election record: its definition passes the
// create-election checks, and its phase and key fit together.
func validElection(e *Election) error {
	def := MsgCreateElection{ID: e.ID, Title: e.Title, Questions: e.Questions, Eligibility: e.Eligibility,
		Trustees: e.Trustees, Threshold: e.Threshold, OpensAt: e.OpensAt, ClosesAt: e.ClosesAt}
	if err := def.ValidateBasic(); err != nil {
		return err
	}
	if !tx.ValidAccountID(e.Official) || e.CreatedAt < 1 {
		return fmt.Errorf("official %q created at height %d", e.Official, e.CreatedAt)
	}
	switch e.Phase {
	case PhaseKeyCeremony:
		if e.PublicKey != "" || len(e.Qualified) != 0 || len(e.VerificationKeys) != 0 {
			return fmt.Errorf("a key before the ceremony ended")
		}
		return nil
	case PhaseReady, PhaseTallied:
	default:
		return fmt.Errorf("phase %q", e.Phase)
	}
	if _, err := e.Params(); err != nil {
		return err
	}
	if uint32(len(e.Qualified)) < e.Threshold {
		return fmt.Errorf("%d qualified dealers, threshold %d", len(e.Qualified), e.Threshold)
	}
	for i, q := range e.Qualified {
		if q < 1 || q > uint32(len(e.Trustees)) || (i > 0 && e.Qualified[i-1] >= q) {
			return fmt.Errorf("qualified dealers %v", e.Qualified)
		}
	}
	if len(e.VerificationKeys) != len(e.Trustees) {
		return fmt.Errorf("%d verification keys for %d trustees", len(e.VerificationKeys), len(e.Trustees))
	}
	for j, vk := range e.VerificationKeys {
		if _, err := decodeKey(vk); err != nil {
			return fmt.Errorf("verification key %d: %v", j+1, err)
		}
	}
	return nil
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}
