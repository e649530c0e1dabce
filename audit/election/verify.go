// Package election is the independent election verifier: from the raw
// state records of one election (read from a node's home or over RPC) it
// re-checks the key ceremony, every counted ballot's proofs, the
// homomorphic aggregate, every trustee's partial decryption and the
// published result, and gives a verdict.
//
// It deliberately does not use the ballot module's code: it reads the
// records as documented in docs/ballot-verifier.md and uses only the
// cryptographic primitives of crypto/elgamal (specified in
// docs/election-crypto.md), so that a third party can reimplement it from
// the two documents.
package election

import (
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/publica/publica/crypto/elgamal"
)

// Source reads one height of the chain's state.
type Source interface {
	// Get returns the value at key, nil if absent.
	Get(key string) ([]byte, error)
	// List visits, in key order, every key under "ballot/<kind>/<election>/".
	List(kind, election string, fn func(key string, value []byte) error) error
}

// The records, as documented (only the fields the verifier needs).
type electionRec struct {
	ID        string `json:"id"`
	Questions []struct {
		Text       string   `json:"text"`
		Kind       string   `json:"kind"`
		Options    []string `json:"options"`
		MaxChoices uint32   `json:"max_choices"`
	} `json:"questions"`
	Eligibility struct {
		Kind string `json:"kind"`
	} `json:"eligibility"`
	Trustees         []string `json:"trustees"`
	Threshold        uint32   `json:"threshold"`
	Phase            string   `json:"phase"`
	PublicKey        string   `json:"public_key"`
	Qualified        []uint32 `json:"qualified"`
	VerificationKeys []string `json:"verification_keys"`
}

type trusteeRec struct {
	Index        uint32 `json:"index"`
	Account      string `json:"account"`
	CommKey      string `json:"comm_key"`
	Dealing      string `json:"dealing"`
	Disqualified bool   `json:"disqualified"`
}

type complaintRec struct {
	Dealer     uint32 `json:"dealer"`
	Complainer uint32 `json:"complainer"`
	Status     string `json:"status"`
	Revealed   string `json:"revealed"`
}

type aggregateRec struct {
	Ballots   uint64     `json:"ballots"`
	Questions [][]string `json:"questions"`
}

type trackerRec struct {
	Voter  string `json:"voter"`
	Status string `json:"status"`
}

type resultRec struct {
	Ballots  uint64     `json:"ballots"`
	Counts   [][]uint64 `json:"counts"`
	Trustees []uint32   `json:"trustees"`
}

// Report is the verifier's verdict.
type Report struct {
	Election         string         `json:"election"`
	Phase            string         `json:"phase"`
	Trustees         int            `json:"trustees"`
	Threshold        uint32         `json:"threshold"`
	Dealings         int            `json:"dealings_verified"`
	Complaints       int            `json:"complaints_checked"`
	Qualified        []uint32       `json:"qualified"`
	Ballots          int            `json:"ballots_counted"`
	BallotsValid     int            `json:"ballots_valid"`
	Trackers         map[string]int `json:"trackers"`
	AggregateMatches bool           `json:"aggregate_matches"`
	PartialsVerified int            `json:"partial_decryptions_verified"`
	Result           [][]uint64     `json:"result,omitempty"`
	// Questions are the election's questions and options, so the
	// summary names each count.
	Questions     []QuestionText `json:"-"`
	ResultMatches bool           `json:"result_matches"`
	Failures      []string       `json:"failures"`
	OK            bool           `json:"ok"`
	Elapsed       time.Duration  `json:"elapsed_ns"`
}

// QuestionText is a question as the election record words it.
type QuestionText struct {
	Text    string
	Options []string
}

// resultInWords names each recomputed count by its question and option
// ("Mayor: Ann 0, Ben 1, Cy 1"), questions separated by "; ".
func (r *Report) resultInWords() string {
	if len(r.Questions) != len(r.Result) {
		return fmt.Sprint(r.Result)
	}
	var qs []string
	for qi, q := range r.Questions {
		if len(q.Options) != len(r.Result[qi]) {
			return fmt.Sprint(r.Result)
		}
		opts := make([]string, len(q.Options))
		for oi, o := range q.Options {
			opts[oi] = fmt.Sprintf("%s %d", o, r.Result[qi][oi])
		}
		qs = append(qs, q.Text+": "+strings.Join(opts, ", "))
	}
	return strings.Join(qs, "; ")
}

func (r *Report) fail(format string, args ...any) {
	if len(r.Failures) < 100 {
		r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
	} else if len(r.Failures) == 100 {
		r.Failures = append(r.Failures, "… further failures omitted")
	}
}

// Summary is the human verdict line and counts.
func (r *Report) Summary() string {
	var b strings.Builder
	verdict := "PASS"
	if !r.OK {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "election %s (%s): %s\n", r.Election, r.Phase, verdict)
	fmt.Fprintf(&b, "  key ceremony: %d dealings verified, %d complaints checked, qualified dealers %v, threshold %d of %d\n",
		r.Dealings, r.Complaints, r.Qualified, r.Threshold, r.Trustees)
	fmt.Fprintf(&b, "  ballots: %d counted, %d with valid proofs; trackers %s\n", r.Ballots, r.BallotsValid, trackerCounts(r.Trackers))
	fmt.Fprintf(&b, "  aggregate recomputed and equal to the chain's: %v\n", r.AggregateMatches)
	if r.Phase == "tallied" {
		fmt.Fprintf(&b, "  partial decryptions verified: %d; result recomputed and equal to the published one: %v\n", r.PartialsVerified, r.ResultMatches)
		if len(r.Result) > 0 {
			fmt.Fprintf(&b, "  result: %s\n", r.resultInWords())
		}
	}
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "  FAILURE: %s\n", f)
	}
	fmt.Fprintf(&b, "  verified in %s", r.Elapsed.Round(time.Millisecond))
	return b.String()
}

// trackerCounts lists the bulletin board's trackers per status, in
// words ("counted 2, superseded 1"), statuses in alphabetical order.
func trackerCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	statuses := make([]string, 0, len(m))
	for s := range m {
		statuses = append(statuses, s)
	}
	slices.Sort(statuses)
	parts := make([]string, len(statuses))
	for i, s := range statuses {
		parts[i] = fmt.Sprintf("%s %d", s, m[s])
	}
	return strings.Join(parts, ", ")
}

func getJSON(src Source, key string, v any) (bool, error) {
	b, err := src.Get(key)
	if err != nil || b == nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("%s: %w", key, err)
	}
	return true, nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// decodeHex reads the records' hex, which is lowercase
// (docs/ballot-verifier.md §1): other spellings of the same bytes are errors.
func decodeHex(s string) ([]byte, error) {
	if strings.ToLower(s) != s {
		return nil, errors.New("hex is not lowercase")
	}
	return hex.DecodeString(s)
}

func decodeKey(s string) (elgamal.Point, error) {
	b, err := decodeHex(s)
	if err != nil {
		return elgamal.Point{}, err
	}
	return elgamal.DecodePublicKey(b)
}

// Verify checks election id. An error means the records could not be
// read; a failed check is a Report with OK false and its Failures.
func Verify(src Source, id string) (*Report, error) {
	start := time.Now()
	r := &Report{Election: id, Trackers: map[string]int{}, Failures: []string{}}
	defer func() { r.Elapsed = time.Since(start) }()
	var e electionRec
	ok, err := getJSON(src, "ballot/election/"+id, &e)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no election %q", id)
	}
	r.Phase, r.Trustees, r.Threshold = e.Phase, len(e.Trustees), e.Threshold
	for _, q := range e.Questions {
		r.Questions = append(r.Questions, QuestionText{Text: q.Text, Options: q.Options})
	}
	if k := e.Eligibility.Kind; k != "roll" && k != "credential" {
		r.fail("unknown eligibility rule %q", k)
	}
	switch e.Phase {
	case "key_ceremony", "ready", "tallied":
	default:
		r.fail("unknown phase %q", e.Phase)
		return r, nil
	}
	params, vks, err := r.checkCeremony(src, &e)
	if err != nil {
		return nil, err
	}
	if e.Phase == "key_ceremony" {
		// The dealings and complaints so far are checked; nothing else
		// may exist before the key is published.
		if err := r.checkNothingYet(src, &e); err != nil {
			return nil, err
		}
		r.OK = len(r.Failures) == 0
		return r, nil
	}
	if params == nil {
		return r, nil
	}
	agg, err := r.checkBallots(src, &e, params)
	if err != nil {
		return nil, err
	}
	if agg != nil { // partial decryptions may precede the result
		if err := r.checkTally(src, &e, agg, vks); err != nil {
			return nil, err
		}
	}
	r.OK = len(r.Failures) == 0
	return r, nil
}

// checkNothingYet fails on any ballot, tracker, aggregate, partial
// decryption or result of an election whose key is not published.
func (r *Report) checkNothingYet(src Source, e *electionRec) error {
	for _, k := range []string{"ballot/aggregate/" + e.ID, "ballot/result/" + e.ID} {
		v, err := src.Get(k)
		if err != nil {
			return err
		}
		if v != nil {
			r.fail("%s exists before the key is published", k)
		}
	}
	for _, kind := range []string{"vote", "tracker", "partial"} {
		n := 0
		if err := src.List(kind, e.ID, func(string, []byte) error { n++; return nil }); err != nil {
			return err
		}
		if n > 0 {
			r.fail("%d %s records before the key is published", n, kind)
		}
	}
	return nil
}

// checkCeremony re-derives the qualified dealers, the election key and the
// verification keys from the dealings and complaints.
func (r *Report) checkCeremony(src Source, e *electionRec) (*elgamal.ElectionParams, []elgamal.Point, error) {
	n := uint32(len(e.Trustees))
	trustees := make([]*trusteeRec, n+1)
	err := src.List("trustee", e.ID, func(key string, v []byte) error {
		var t trusteeRec
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if t.Index < 1 || t.Index > n || key != fmt.Sprintf("ballot/trustee/%s/%03d", e.ID, t.Index) {
			r.fail("trustee record %s has index %d", key, t.Index)
			return nil
		}
		if t.Account != e.Trustees[t.Index-1] {
			r.fail("trustee %d: the record names account %s, the election's trustee %d is %s", t.Index, t.Account, t.Index, e.Trustees[t.Index-1])
		}
		if b, err := decodeHex(t.CommKey); err != nil || len(b) != elgamal.PointSize {
			r.fail("trustee %d: comm_key is not a hex point", t.Index)
		} else if _, err := elgamal.DecodePoint(b); err != nil {
			r.fail("trustee %d: comm_key: %v", t.Index, err)
		}
		trustees[t.Index] = &t
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	dealings := map[uint32]*elgamal.DealerCommitments{} // lookups only
	for j := uint32(1); j <= n; j++ {
		t := trustees[j]
		if t == nil || t.Dealing == "" {
			continue
		}
		raw, err := decodeHex(t.Dealing)
		var dc *elgamal.DealerCommitments
		if err == nil {
			dc, err = elgamal.DecodeDealerCommitments(raw)
		}
		if err == nil && dc.Dealer != j {
			err = fmt.Errorf("names dealer %d", dc.Dealer)
		}
		if err == nil {
			err = elgamal.VerifyDealerCommitments(e.ID, e.Threshold, n, dc)
		}
		if err != nil {
			r.fail("dealing of trustee %d: %v", j, err)
			continue
		}
		dealings[j] = dc
		r.Dealings++
	}
	against := map[uint32]bool{} // dealers with an upheld (or, during the ceremony, open) complaint
	upheld := map[uint32]bool{}  // dealers with an upheld complaint
	err = src.List("complaint", e.ID, func(key string, v []byte) error {
		var c complaintRec
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		r.Complaints++
		if key != fmt.Sprintf("ballot/complaint/%s/%03d/%03d", e.ID, c.Dealer, c.Complainer) {
			r.fail("complaint record %s names dealer %d and complainer %d", key, c.Dealer, c.Complainer)
		}
		dc := dealings[c.Dealer]
		switch {
		case c.Status == "upheld":
			against[c.Dealer] = true
			upheld[c.Dealer] = true
			if c.Revealed != "" && dc != nil {
				if s, err := decodeScalarHex(c.Revealed); err == nil && elgamal.ResolveComplaint(dc, c.Complainer, s) == nil {
					r.fail("complaint %d→%d upheld although the revealed share is correct", c.Complainer, c.Dealer)
				}
			}
		case c.Status == "rejected":
			s, err := decodeScalarHex(c.Revealed)
			if err != nil || dc == nil || elgamal.ResolveComplaint(dc, c.Complainer, s) != nil {
				r.fail("complaint %d→%d rejected but the revealed share does not match the commitments", c.Complainer, c.Dealer)
			}
		case c.Status == "open" && e.Phase == "key_ceremony":
			against[c.Dealer] = true // not qualified while the complaint is open
		default:
			r.fail("complaint %d→%d still %q after the key was published", c.Complainer, c.Dealer, c.Status)
			against[c.Dealer] = true
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var qualified []elgamal.DealerCommitments
	for j := uint32(1); j <= n; j++ {
		if dc := dealings[j]; dc != nil && !against[j] && !trustees[j].Disqualified {
			qualified = append(qualified, *dc)
			r.Qualified = append(r.Qualified, j)
		}
		if trustees[j] != nil && trustees[j].Disqualified != upheld[j] {
			r.fail("trustee %d: disqualified=%v but upheld complaints=%v", j, trustees[j].Disqualified, upheld[j])
		}
	}
	if e.Phase == "key_ceremony" {
		if e.PublicKey != "" || e.Qualified != nil || e.VerificationKeys != nil {
			r.fail("the election record has a key, qualified dealers or verification keys during the key ceremony")
		}
		return nil, nil, nil
	}
	if !slices.Equal(r.Qualified, e.Qualified) {
		r.fail("qualified dealers recomputed as %v, the election record says %v", r.Qualified, e.Qualified)
	}
	if uint32(len(qualified)) < e.Threshold {
		r.fail("%d qualified dealers, threshold %d", len(qualified), e.Threshold)
		return nil, nil, nil
	}
	pk, err := elgamal.JointPublicKey(qualified)
	if err != nil {
		r.fail("joint key: %v", err)
		return nil, nil, nil
	}
	if pk.String() != e.PublicKey {
		r.fail("election key recomputed as %s, the record says %s", pk, e.PublicKey)
	}
	if len(e.VerificationKeys) != int(n) {
		r.fail("the election record lists %d verification keys for %d trustees", len(e.VerificationKeys), n)
	}
	vks := make([]elgamal.Point, n+1)
	for j := uint32(1); j <= n; j++ {
		if vks[j], err = elgamal.VerificationKey(qualified, j); err != nil {
			return nil, nil, err
		}
		if int(j) > len(e.VerificationKeys) || vks[j].String() != e.VerificationKeys[j-1] {
			r.fail("verification key of trustee %d differs from the recomputed one", j)
		}
	}
	p := paramsOf(e, pk)
	if err := p.Validate(); err != nil {
		r.fail("election parameters: %v", err)
		return nil, nil, nil
	}
	return p, vks, nil
}

// paramsOf is what ballots of election e are verified against, with key pk.
func paramsOf(e *electionRec, pk elgamal.Point) *elgamal.ElectionParams {
	p := &elgamal.ElectionParams{ElectionID: e.ID, PublicKey: pk}
	for _, q := range e.Questions {
		spec := elgamal.QuestionSpec{Options: uint32(len(q.Options)), Min: 1, Max: 1}
		if q.Kind == "approval" {
			spec.Min, spec.Max = 0, q.MaxChoices
		}
		p.Questions = append(p.Questions, spec)
	}
	return p
}

func decodeScalarHex(s string) (*ristrettoScalar, error) {
	b, err := decodeHex(s)
	if err != nil {
		return nil, err
	}
	return elgamal.DecodeScalar(b)
}

type vote struct {
	voter string
	enc   []byte
}

type checked struct {
	voter   string
	tracker string
	ballot  *elgamal.Ballot
	err     error
}

// checkBallots verifies every counted ballot in parallel and recomputes the
// aggregate; it returns the recomputed aggregate.
func (r *Report) checkBallots(src Source, e *electionRec, params *elgamal.ElectionParams) ([][]elgamal.Ciphertext, error) {
	prefix := "ballot/vote/" + e.ID + "/"
	var votes []vote
	err := src.List("vote", e.ID, func(key string, v []byte) error {
		voter := strings.TrimPrefix(key, prefix)
		if len(voter) != 40 || strings.ToLower(voter) != voter || !isHex(voter) {
			r.fail("vote record %s: not a 40-hex-digit account", key)
		}
		votes = append(votes, vote{voter: voter, enc: v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.Ballots = len(votes)
	out := make([]checked, len(votes))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				v := votes[i]
				b, err := elgamal.DecodeAndVerify(v.enc, params)
				if err == nil && b.Voter != v.voter {
					err = fmt.Errorf("ballot names voter %s", b.Voter)
				}
				if err != nil {
					b = nil
				}
				tr := sha512.Sum512_256(v.enc)
				out[i] = checked{voter: v.voter, tracker: hex.EncodeToString(tr[:]), ballot: b, err: err}
			}
		})
	}
	for i := range votes {
		next <- i
	}
	close(next)
	wg.Wait()

	// Trackers: every cast ballot has one; exactly the counted ballots are
	// "counted".
	counted := map[string]string{} // tracker → voter, lookups only
	err = src.List("tracker", e.ID, func(key string, v []byte) error {
		var t trackerRec
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if tk := strings.TrimPrefix(key, "ballot/tracker/"+e.ID+"/"); len(tk) != 64 || strings.ToLower(tk) != tk || !isHex(tk) {
			r.fail("tracker record %s: not a 64-hex-digit tracker", key)
			return nil
		}
		switch t.Status {
		case "counted", "superseded", "withdrawn":
		default:
			r.fail("tracker record %s: unknown status %q", key, t.Status)
			return nil
		}
		r.Trackers[t.Status]++
		if t.Status == "counted" {
			counted[strings.TrimPrefix(key, "ballot/tracker/"+e.ID+"/")] = t.Voter
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(counted) != len(votes) {
		r.fail("%d trackers marked counted, %d counted ballots", len(counted), len(votes))
	}
	tally := elgamal.NewTally(params)
	for _, c := range out {
		if c.err != nil {
			r.fail("ballot of %s: %v", c.voter, c.err)
			continue
		}
		if counted[c.tracker] != c.voter {
			r.fail("ballot of %s: tracker %s is not marked counted for this voter", c.voter, c.tracker)
		}
		if e.Eligibility.Kind == "roll" {
			on, err := src.Get("ballot/roll/" + e.ID + "/" + c.voter)
			if err != nil {
				return nil, err
			}
			if on == nil {
				r.fail("ballot of %s counted but the voter is not on the roll", c.voter)
			} else if len(on) != 1 || on[0] != 1 {
				r.fail("roll entry of %s is %x, not 01", c.voter, on)
			}
		}
		if err := tally.Add(c.ballot); err != nil {
			r.fail("ballot of %s: %v", c.voter, err)
			continue
		}
		r.BallotsValid++
	}
	var agg aggregateRec
	ok, err := getJSON(src, "ballot/aggregate/"+e.ID, &agg)
	if err != nil {
		return nil, err
	}
	if !ok {
		r.fail("no aggregate record")
		return tally.Questions, nil
	}
	r.AggregateMatches = agg.Ballots == uint64(len(votes)) && len(agg.Questions) == len(tally.Questions)
	for qi := range tally.Questions {
		if !r.AggregateMatches || len(agg.Questions[qi]) != len(tally.Questions[qi]) {
			r.AggregateMatches = false
			break
		}
		for oi, ct := range tally.Questions[qi] {
			if agg.Questions[qi][oi] != hex.EncodeToString(ct.Bytes()) {
				r.AggregateMatches = false
			}
		}
	}
	if !r.AggregateMatches {
		r.fail("the chain's aggregate (%d ballots) differs from the sum of the %d counted ballots", agg.Ballots, len(votes))
	}
	return tally.Questions, nil
}

// checkTally verifies every stored partial decryption against the
// recomputed aggregate and recombines the result.
func (r *Report) checkTally(src Source, e *electionRec, agg [][]elgamal.Ciphertext, vks []elgamal.Point) error {
	var res resultRec
	ok, err := getJSON(src, "ballot/result/"+e.ID, &res)
	if err != nil {
		return err
	}
	tallied := e.Phase == "tallied"
	switch {
	case tallied && !ok:
		r.fail("tallied but no result record")
	case !tallied && ok:
		r.fail("a result record in phase %s", e.Phase)
	}
	partials := map[uint32][]*elgamal.PartialDecryption{} // lookups only
	err = src.List("partial", e.ID, func(key string, v []byte) error {
		var idx uint32
		if _, err := fmt.Sscanf(strings.TrimPrefix(key, "ballot/partial/"+e.ID+"/"), "%d", &idx); err != nil || idx < 1 || int(idx) >= len(vks) || key != fmt.Sprintf("ballot/partial/%s/%03d", e.ID, idx) {
			r.fail("partial decryption record %s", key)
			return nil
		}
		if len(v)%elgamal.PartialDecryptionSize != 0 {
			r.fail("trustee %d: partial decryptions are %d bytes", idx, len(v))
			return nil
		}
		var pds []*elgamal.PartialDecryption
		i := 0
		for qi := range agg {
			for oi := range agg[qi] {
				off := i * elgamal.PartialDecryptionSize
				i++
				if off+elgamal.PartialDecryptionSize > len(v) {
					r.fail("trustee %d: too few partial decryptions", idx)
					return nil
				}
				pd, err := elgamal.DecodePartialDecryption(v[off : off+elgamal.PartialDecryptionSize])
				if err == nil && pd.Trustee != idx {
					err = fmt.Errorf("names trustee %d", pd.Trustee)
				}
				if err == nil {
					err = elgamal.VerifyPartialDecryption(vks[idx], elgamal.DecryptionContext{ElectionID: e.ID, Question: uint32(qi), Option: uint32(oi)}, agg[qi][oi], pd)
				}
				if err != nil {
					r.fail("trustee %d question %d option %d: partial decryption: %v", idx, qi, oi, err)
					return nil
				}
				pds = append(pds, pd)
				r.PartialsVerified++
			}
		}
		if i*elgamal.PartialDecryptionSize != len(v) {
			r.fail("trustee %d: extra partial decryptions", idx)
			return nil
		}
		partials[idx] = pds
		return nil
	})
	if err != nil {
		return err
	}
	if !tallied || !ok {
		return nil
	}
	if uint32(len(res.Trustees)) < e.Threshold {
		r.fail("result combines %d trustees, threshold %d", len(res.Trustees), e.Threshold)
		return nil
	}
	table, err := elgamal.NewDLogTable(uint64(r.Ballots))
	if err != nil {
		return err
	}
	r.Result = make([][]uint64, len(agg))
	i := 0
	for qi := range agg {
		r.Result[qi] = make([]uint64, len(agg[qi]))
		for oi := range agg[qi] {
			var pds []*elgamal.PartialDecryption
			for _, t := range res.Trustees {
				if partials[t] == nil {
					r.fail("result uses trustee %d, whose partial decryptions are missing or invalid", t)
					return nil
				}
				pds = append(pds, partials[t][i])
			}
			i++
			mg, err := elgamal.CombinePartialDecryptions(agg[qi][oi], pds, e.Threshold)
			if err == nil {
				r.Result[qi][oi], err = table.Solve(mg)
			}
			if err != nil {
				r.fail("question %d option %d: %v", qi, oi, err)
				return nil
			}
		}
	}
	r.ResultMatches = res.Ballots == uint64(r.Ballots) && slices.EqualFunc(r.Result, res.Counts, slices.Equal)
	if !r.ResultMatches {
		r.fail("published result %v (%d ballots) differs from the recomputed %v (%d ballots)", res.Counts, res.Ballots, r.Result, r.Ballots)
	}
	// Each question's counts must be possible for that many ballots.
	for qi, q := range e.Questions {
		var sum uint64
		for _, c := range r.Result[qi] {
			sum += c
		}
		max := uint64(1)
		if q.Kind == "approval" {
			max = uint64(q.MaxChoices)
		} else if sum != uint64(r.Ballots) {
			r.fail("question %d: %d selections for %d ballots of exactly one choice", qi, sum, r.Ballots)
		}
		if sum > max*uint64(r.Ballots) {
			r.fail("question %d: %d selections exceed %d per ballot", qi, sum, max)
		}
	}
	return nil
}
