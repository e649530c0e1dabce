package jsverifier_test

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gtank/ristretto255"

	"github.com/publica/publica/audit/election"
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

// The same verdict from two verifiers that share no code: the Go verifier
// (audit/election) and the JavaScript one in this directory, on an honest
// 50-voter election (at phase ready and tallied) and on a copy of its
// exported record tampered with for every record kind.

const electionID = "city-2026"

// node returns the node binary, or skips (fails when PUBLICA_REQUIRE_NODE
// is set) when Node.js or the locked npm packages are absent.
func node(t *testing.T) string {
	t.Helper()
	require := os.Getenv("PUBLICA_REQUIRE_NODE") != ""
	missing := func(format string, args ...any) string {
		msg := fmt.Sprintf(format, args...) + " (scripts/install-node.sh installs it; `make test` runs it)"
		if require {
			t.Fatal(msg)
		}
		t.Skip("skipping the JavaScript verifier: " + msg)
		return ""
	}
	bin, err := exec.LookPath("node")
	if err != nil {
		return missing("node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "@noble", "curves", "package.json")); err != nil {
		return missing("audit/jsverifier/node_modules has no @noble/curves")
	}
	return bin
}

// TestVectors runs the JavaScript verifier's own tests (node:test) against
// the published test vectors of crypto/elgamal.
func TestVectors(t *testing.T) {
	bin := node(t)
	out, err := exec.Command(bin, "--test", "vectors.test.mjs").CombinedOutput()
	if err != nil {
		t.Fatalf("node --test vectors.test.mjs: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("# fail 0")) {
		t.Fatalf("node --test: no passing summary\n%s", out)
	}
}

func mustBlock(t *testing.T, c *apptest.Chain, what string, txs ...[]byte) {
	t.Helper()
	for i, r := range c.Block(txs...).TxResults {
		if r.Code != 0 {
			t.Fatalf("%s %d: %s/%d %s", what, i, r.Codespace, r.Code, r.Log)
		}
	}
}

func getElection(t *testing.T, c *apptest.Chain) *ballot.Election {
	t.Helper()
	var e ballot.Election
	if err := json.Unmarshal(c.View().Get(ballot.ElectionKey(electionID)), &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

func getTrustees(t *testing.T, c *apptest.Chain, e *ballot.Election) []*ballot.Trustee {
	out := make([]*ballot.Trustee, len(e.Trustees))
	for i := range out {
		if raw := c.View().Get(ballot.TrusteeKey(electionID, uint32(i+1))); raw != nil {
			out[i] = new(ballot.Trustee)
			if err := json.Unmarshal(raw, out[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

func answersOf(i int) [][]int {
	yn := 0
	if i%3 == 0 {
		yn = 1
	}
	parks := []int{i % 4}
	if i%2 == 0 {
		parks = append(parks, (i+1)%4)
	}
	return [][]int{{yn}, {i % 3}, parks}
}

func castTx(t *testing.T, c *apptest.Chain, e *ballot.Election, k ed25519.PrivateKey, answers [][]int) []byte {
	t.Helper()
	ch, err := ballot.Choices(e, answers)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Params()
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := elgamal.EncryptBallot(p, apptest.Account(k), ch, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := b.Encode()
	return c.Tx(ballot.TypeCast, &ballot.MsgCast{Election: electionID, Ballot: hex.EncodeToString(enc)}, k)
}

// runElection: 51 accounts on the roll and one more that never is; three
// trustees, 2 of 3, with a key ceremony in which dealer 2 answers a false
// complaint (rejected) and dealer 1 a true one with a wrong share (upheld:
// dealer 1 is disqualified, qualified {2, 3}); 51 ballots, voter 7 votes
// again (a superseded tracker), voter 50 is removed from the roll after
// voting (a withdrawn tracker): 50 counted ballots; trustees 1 and 3 tally.
// It returns the records at phase ready (voting closed), after trustee 1's
// partial decryptions (still ready: one is below the threshold), and tallied.
func runElection(t *testing.T) (ceremony, ready, onePartial, tallied *election.Record) {
	c := apptest.New(t)
	var voters []ed25519.PrivateKey
	var txs [][]byte
	var roll []string
	for i := range 52 {
		k := apptest.SeededKey("jsverifier-voter", i)
		voters = append(voters, k)
		txs = append(txs, c.Tx(authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, k))
		if i < 51 {
			roll = append(roll, apptest.Account(k))
		}
	}
	mustBlock(t, c, "register", txs...)
	slices.Sort(roll)
	off := apptest.DemoKey(t, "election-official")
	tk := []ed25519.PrivateKey{apptest.DemoKey(t, "trustee-1"), apptest.DemoKey(t, "trustee-2"), apptest.DemoKey(t, "trustee-3")}
	var tids []string
	for _, k := range tk {
		tids = append(tids, apptest.Account(k))
	}
	opens, closes := c.Time.Add(10*time.Second), c.Time.Add(time.Hour)
	c.MustOK(ballot.TypeCreateElection, &ballot.MsgCreateElection{
		ID: electionID, Title: "City 2026", Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll},
		Questions: []ballot.Question{
			{Text: "Approve the 2026 budget?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
			{Text: "Mayor", Kind: ballot.KindSingle, Options: []string{"Ann", "Ben", "Cy"}},
			{Text: "Parks to renovate (up to 2)", Kind: ballot.KindApproval, Options: []string{"North", "South", "East", "West"}, MaxChoices: 2},
		},
		Trustees: tids, Threshold: 2, OpensAt: opens.Unix(), ClosesAt: closes.Unix(),
	}, off)
	c.MustOK(ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: electionID, Voters: roll}, off)
	txs = nil
	for _, k := range tk {
		txs = append(txs, c.Tx(ballot.TypeTrusteeKey, ballot.CommKeyMsg(k, electionID), k))
	}
	mustBlock(t, c, "trustee key", txs...)
	e := getElection(t, c)
	trs := getTrustees(t, c, e)
	txs = nil
	for i, k := range tk {
		d, err := ballot.DealMsg(k, e, uint32(i+1), trs)
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, c.Tx(ballot.TypeDeal, d, k))
	}
	mustBlock(t, c, "deal", txs...)
	// Trustee 3 complains falsely about dealer 2, who reveals the right
	// share; trustee 2 complains about dealer 1, who reveals a wrong one.
	c.MustOK(ballot.TypeComplain, &ballot.MsgComplain{Election: electionID, Dealer: 2}, tk[2])
	c.MustOK(ballot.TypeComplain, &ballot.MsgComplain{Election: electionID, Dealer: 1}, tk[1])
	export := func() *election.Record {
		rec, err := election.Export(election.StoreSource{KV: c.View()}, electionID, 0)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	ceremony = export() // two open complaints
	rv, err := ballot.RevealShare(tk[1], e, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r := c.MustOK(ballot.TypeReveal, rv, tk[1]); r != ballot.ComplaintRejected {
		t.Fatalf("honest reveal: %s", r)
	}
	bad, err := ballot.RevealShare(tk[0], e, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	bad.Complainer = 2
	if r := c.MustOK(ballot.TypeReveal, bad, tk[0]); r != ballot.ComplaintUpheld {
		t.Fatalf("wrong reveal: %s", r)
	}
	c.MustOK(ballot.TypePublishKey, &ballot.MsgPublishKey{Election: electionID}, off)
	e = getElection(t, c)
	if !slices.Equal(e.Qualified, []uint32{2, 3}) {
		t.Fatalf("qualified %v, want [2 3]", e.Qualified)
	}
	c.BlockAt(opens)
	txs = nil
	for i := range 51 {
		txs = append(txs, castTx(t, c, e, voters[i], answersOf(i)))
	}
	mustBlock(t, c, "cast", txs...)
	mustBlock(t, c, "re-vote", castTx(t, c, e, voters[7], [][]int{{1}, {2}, {}}))
	c.MustOK(ballot.TypeRemoveVoters, &ballot.MsgRemoveVoters{Election: electionID, Voters: []string{apptest.Account(voters[50])}}, off)
	c.BlockAt(closes)
	ready = export()
	complaints, err := ballot.Keeper{}.Complaints(c.View(), electionID)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range []int{1, 3} {
		ks, err := ballot.KeyShareFor(tk[j-1], e, uint32(j), getTrustees(t, c, e), complaints)
		if err != nil {
			t.Fatal(err)
		}
		agg, err := ballot.Keeper{}.Aggregate(c.View(), electionID)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ballot.TallyMsg(ks, e, agg, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		c.MustOK(ballot.TypeTally, m, tk[j-1])
		if j == 1 {
			onePartial = export()
		}
	}
	return ceremony, ready, onePartial, export()
}

// ---- tampering helpers (on a copy of the exported record) ----

type rec struct {
	t *testing.T
	r *election.Record
}

func clone(t *testing.T, r *election.Record) *rec {
	c := &election.Record{Format: r.Format, Election: r.Election, Height: r.Height}
	for _, e := range r.Records {
		c.Records = append(c.Records, election.RecordEntry{Key: e.Key, Value: slices.Clone(e.Value)})
	}
	return &rec{t, c}
}

func (r *rec) index(key string) int {
	for i, e := range r.r.Records {
		if e.Key == key {
			return i
		}
	}
	r.t.Fatalf("no record %s", key)
	return -1
}

func (r *rec) get(key string) []byte { return r.r.Records[r.index(key)].Value }

func (r *rec) set(key string, v []byte) {
	for i, e := range r.r.Records {
		if e.Key == key {
			r.r.Records[i].Value = v
			return
		}
	}
	r.r.Records = append(r.r.Records, election.RecordEntry{Key: key, Value: v})
	slices.SortFunc(r.r.Records, func(a, b election.RecordEntry) int { return strings.Compare(a.Key, b.Key) })
}

func (r *rec) del(key string) {
	i := r.index(key)
	r.r.Records = slices.Delete(r.r.Records, i, i+1)
}

func (r *rec) keys(prefix string) []string {
	var out []string
	for _, e := range r.r.Records {
		if strings.HasPrefix(e.Key, prefix) {
			out = append(out, e.Key)
		}
	}
	return out
}

// editJSON rewrites a JSON record through a generic map, keeping fields
// the edit does not touch.
func (r *rec) editJSON(key string, edit func(map[string]any)) {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(r.get(key)))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		r.t.Fatalf("%s: %v", key, err)
	}
	edit(m)
	b, _ := json.Marshal(m)
	r.set(key, b)
}

func trackerOf(b []byte) string {
	h := sha512.Sum512_256(b)
	return hex.EncodeToString(h[:])
}

// setVote replaces a counted ballot and moves its tracker record to the new
// ballot's tracker, so that only the ballot's own checks can fail.
func (r *rec) setVote(key string, v []byte) {
	old := "ballot/tracker/" + electionID + "/" + trackerOf(r.get(key))
	tr := r.get(old)
	r.del(old)
	r.set("ballot/tracker/"+electionID+"/"+trackerOf(v), tr)
	r.set(key, v)
}

// optionOffset is the offset of question 0 option 0's α in a ballot.
func optionOffset(b []byte) int {
	eid := int(b[1])
	voter := int(b[2+eid])
	return 1 + 1 + eid + 1 + voter + 2 + 2
}

func pointAdd(t *testing.T, a []byte, g *ristretto255.Element) []byte {
	p := ristretto255.NewIdentityElement()
	if err := p.Decode(a); err != nil {
		t.Fatal(err)
	}
	return p.Add(p, g).Encode(nil)
}

// ---- the two verifiers ----

type verdict struct {
	OK        bool     `json:"ok"`
	Failures  []string `json:"failures"`
	ElapsedMS int      `json:"elapsed_ms"`
}

func goVerify(t *testing.T, path string) verdict {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := election.ReadRecord(f)
	if err != nil {
		return verdict{Failures: []string{err.Error()}}
	}
	rep, err := election.VerifyRecord(r)
	if err != nil {
		return verdict{Failures: []string{err.Error()}}
	}
	return verdict{OK: rep.OK, Failures: rep.Failures}
}

// jsVerify runs the JavaScript verifier once over every file.
func jsVerify(t *testing.T, bin string, paths []string) []verdict {
	cmd := exec.Command(bin, append([]string{"verify.mjs", "--json"}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() > 2 {
			t.Fatalf("node verify.mjs: %v\n%s", err, stderr.String())
		}
	}
	var vs []verdict
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var v verdict
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("node verify.mjs: %v in %q", err, sc.Text())
		}
		vs = append(vs, v)
	}
	if len(vs) != len(paths) {
		t.Fatalf("node verify.mjs: %d verdicts for %d records\n%s", len(vs), len(paths), stderr.String())
	}
	return vs
}

type variant struct {
	name   string
	base   *election.Record // the record to tamper with; nil: the tallied one
	honest bool
	edit   func(r *rec)
	raw    func(path string) // writes the file itself (for records that are not valid exports)
}

func TestSameVerdictAsGo(t *testing.T) {
	bin := node(t)
	ceremony, ready, onePartial, tallied := runElection(t)
	base := clone(t, tallied)
	votes := base.keys("ballot/vote/" + electionID + "/")
	if len(votes) != 50 {
		t.Fatalf("%d counted ballots, want 50", len(votes))
	}
	ek := "ballot/election/" + electionID
	var e ballot.Election
	json.Unmarshal(base.get(ek), &e)
	partial3 := "ballot/partial/" + electionID + "/003"
	partial1 := "ballot/partial/" + electionID + "/001"

	variants := []variant{
		{name: "honest, tallied", honest: true, edit: func(r *rec) {}},
		{name: "ballot proof: a selection proof's challenge changed (tracker moved along)", edit: func(r *rec) {
			b := slices.Clone(r.get(votes[3]))
			b[optionOffset(b)+64+64] ^= 1 // branch 0's C, low byte
			r.setVote(votes[3], b)
		}},
		{name: "ballot proof: a range proof branch changed (tracker moved along)", edit: func(r *rec) {
			b := slices.Clone(r.get(votes[4]))
			b[len(b)-64] ^= 1 // the last question's last range branch's C, low byte
			r.setVote(votes[4], b)
		}},
		{name: "ballot: a byte of a counted ballot flipped (tracker not moved)", edit: func(r *rec) {
			b := slices.Clone(r.get(votes[5]))
			b[len(b)/2] ^= 0x10
			r.set(votes[5], b)
		}},
		{name: "encryption: one more vote added to an option's β (tracker moved along)", edit: func(r *rec) {
			b := slices.Clone(r.get(votes[6]))
			o := optionOffset(b)
			copy(b[o+32:o+64], pointAdd(t, b[o+32:o+64], ristretto255.NewGeneratorElement()))
			r.setVote(votes[6], b)
		}},
		{name: "encryption: an option's ciphertext taken from another ballot (tracker moved along)", edit: func(r *rec) {
			b, src := slices.Clone(r.get(votes[8])), r.get(votes[9])
			o := optionOffset(b)
			copy(b[o:o+64], src[optionOffset(src):optionOffset(src)+64])
			r.setVote(votes[8], b)
		}},
		{name: "tally: aggregate options swapped", edit: func(r *rec) {
			r.editJSON("ballot/aggregate/"+electionID, func(m map[string]any) {
				q := m["questions"].([]any)[1].([]any)
				q[0], q[1] = q[1], q[0]
			})
		}},
		{name: "tally: aggregate ballot count", edit: func(r *rec) {
			r.editJSON("ballot/aggregate/"+electionID, func(m map[string]any) { m["ballots"] = 51 })
		}},
		{name: "tally: result counts moved between options", edit: func(r *rec) {
			r.editJSON("ballot/result/"+electionID, func(m map[string]any) {
				q := m["counts"].([]any)[1].([]any)
				a, _ := q[0].(json.Number).Int64()
				b, _ := q[1].(json.Number).Int64()
				q[0], q[1] = a-1, b+1
			})
		}},
		{name: "tally: result from one trustee (below the threshold)", edit: func(r *rec) {
			r.editJSON("ballot/result/"+electionID, func(m map[string]any) { m["trustees"] = []int{3} })
		}},
		{name: "tally: result ballots", edit: func(r *rec) {
			r.editJSON("ballot/result/"+electionID, func(m map[string]any) { m["ballots"] = 49 })
		}},
		{name: "partial decryption: a proof's response changed", edit: func(r *rec) {
			v := slices.Clone(r.get(partial3))
			v[100+4+32+32] ^= 1 // entry 1's z, low byte
			r.set(partial3, v)
		}},
		{name: "partial decryption: D replaced by another option's", edit: func(r *rec) {
			v := slices.Clone(r.get(partial3))
			copy(v[4:36], v[104:136])
			r.set(partial3, v)
		}},
		{name: "partial decryption: trustee 1's filed as trustee 3's", edit: func(r *rec) {
			r.set(partial3, slices.Clone(r.get(partial1)))
		}},
		{name: "partial decryption: missing for a result trustee", edit: func(r *rec) { r.del(partial3) }},
		{name: "trustee key: a dealing's proof changed", edit: func(r *rec) {
			r.editJSON("ballot/trustee/"+electionID+"/002", func(m map[string]any) {
				d, _ := hex.DecodeString(m["dealing"].(string))
				d[len(d)-32] ^= 1
				m["dealing"] = hex.EncodeToString(d)
			})
		}},
		{name: "trustee key: a verification key swapped", edit: func(r *rec) {
			r.editJSON(ek, func(m map[string]any) {
				vk := m["verification_keys"].([]any)
				vk[0], vk[2] = vk[2], vk[0]
			})
		}},
		{name: "trustee key: the election key replaced", edit: func(r *rec) {
			r.editJSON(ek, func(m map[string]any) { m["public_key"] = e.VerificationKeys[1] })
		}},
		{name: "trustee key: the disqualified dealer counted as qualified", edit: func(r *rec) {
			r.editJSON(ek, func(m map[string]any) { m["qualified"] = []int{1, 2, 3} })
		}},
		{name: "trustee key: the disqualification dropped", edit: func(r *rec) {
			r.editJSON("ballot/trustee/"+electionID+"/001", func(m map[string]any) { delete(m, "disqualified") })
		}},
		{name: "trustee key: a rejected complaint marked upheld", edit: func(r *rec) {
			r.editJSON("ballot/complaint/"+electionID+"/002/003", func(m map[string]any) { m["status"] = "upheld" })
		}},
		{name: "trustee key: the upheld complaint marked rejected", edit: func(r *rec) {
			r.editJSON("ballot/complaint/"+electionID+"/001/002", func(m map[string]any) { m["status"] = "rejected" })
		}},
		{name: "trustee key: threshold lowered", edit: func(r *rec) {
			r.editJSON(ek, func(m map[string]any) { m["threshold"] = 1 })
		}},
		{name: "missing ballot (its tracker still counted)", edit: func(r *rec) { r.del(votes[10]) }},
		{name: "missing ballot and its tracker", edit: func(r *rec) {
			r.del("ballot/tracker/" + electionID + "/" + trackerOf(r.get(votes[11])))
			r.del(votes[11])
		}},
		{name: "tracker: a counted ballot's tracker marked superseded", edit: func(r *rec) {
			r.editJSON("ballot/tracker/"+electionID+"/"+trackerOf(r.get(votes[12])), func(m map[string]any) { m["status"] = "superseded" })
		}},
		{name: "duplicate voter: one voter's ballot filed under another voter too", edit: func(r *rec) {
			r.set(votes[13], slices.Clone(r.get(votes[14])))
		}},
		{name: "duplicate voter: a second counted ballot for a voter (record listed twice)", raw: func(path string) {
			r := clone(t, tallied)
			i := r.index(votes[15])
			r.r.Records = slices.Insert(r.r.Records, i+1, r.r.Records[i])
			writeRecord(t, path, r.r)
		}},
		{name: "roll: a counted voter not on the roll", edit: func(r *rec) {
			r.del("ballot/roll/" + electionID + "/" + strings.TrimPrefix(votes[16], "ballot/vote/"+electionID+"/"))
		}},
		{name: "election: the key in upper-case hex", edit: func(r *rec) {
			r.editJSON(ek, func(m map[string]any) { m["public_key"] = strings.ToUpper(e.PublicKey) })
		}},
		{name: "election: a verification key in upper-case hex", edit: func(r *rec) {
			r.editJSON(ek, func(m map[string]any) {
				vk := m["verification_keys"].([]any)
				vk[1] = strings.ToUpper(vk[1].(string))
			})
		}},
		{name: "trustee key: a dealing in upper-case hex", edit: func(r *rec) {
			r.editJSON("ballot/trustee/"+electionID+"/003", func(m map[string]any) { m["dealing"] = strings.ToUpper(m["dealing"].(string)) })
		}},
		{name: "trustee key: a revealed share in upper-case hex", edit: func(r *rec) {
			r.editJSON("ballot/complaint/"+electionID+"/002/003", func(m map[string]any) { m["revealed"] = strings.ToUpper(m["revealed"].(string)) })
		}},
		{name: "tally: an aggregate ciphertext in upper-case hex", edit: func(r *rec) {
			r.editJSON("ballot/aggregate/"+electionID, func(m map[string]any) {
				q := m["questions"].([]any)[0].([]any)
				q[0] = strings.ToUpper(q[0].(string))
			})
		}},
		{name: "roll: a counted voter's roll entry not 0x01", edit: func(r *rec) {
			r.set("ballot/roll/"+electionID+"/"+strings.TrimPrefix(votes[17], "ballot/vote/"+electionID+"/"), []byte{2})
		}},
		{name: "trustee key: a trustee record names another account", edit: func(r *rec) {
			r.editJSON("ballot/trustee/"+electionID+"/002", func(m map[string]any) { m["account"] = e.Trustees[2] })
		}},
		{name: "trustee key: a communication key that is no point", edit: func(r *rec) {
			r.editJSON("ballot/trustee/"+electionID+"/003", func(m map[string]any) { m["comm_key"] = strings.Repeat("ff", 32) })
		}},
		{name: "tracker: a tracker key that is no tracker (a superseded tracker's copy)", edit: func(r *rec) {
			for _, k := range r.keys("ballot/tracker/" + electionID + "/") {
				if strings.Contains(string(r.get(k)), `"superseded"`) {
					r.set("ballot/tracker/"+electionID+"/not-a-tracker", slices.Clone(r.get(k)))
					return
				}
			}
			t.Fatal("no superseded tracker")
		}},
		{name: "tally: result trustees out of order", edit: func(r *rec) {
			r.editJSON("ballot/result/"+electionID, func(m map[string]any) { m["trustees"] = []int{3, 1} })
		}},
		{name: "phase: a result in phase ready", base: ready, edit: func(r *rec) {
			r.set("ballot/result/"+electionID, slices.Clone(base.get("ballot/result/"+electionID)))
		}},
		{name: "phase: a tallied election said to be ready", edit: func(r *rec) {
			r.editJSON(ek, func(m map[string]any) { m["phase"] = "ready" })
		}},
		{name: "phase: a tallied election said to be in the key ceremony", edit: func(r *rec) {
			r.editJSON(ek, func(m map[string]any) { m["phase"] = "key_ceremony" })
		}},
		{name: "phase: an unknown phase", edit: func(r *rec) {
			r.editJSON(ek, func(m map[string]any) { m["phase"] = "done" })
		}},
		{name: "phase: a partial decryption changed before the threshold", base: onePartial, edit: func(r *rec) {
			v := slices.Clone(r.get(partial1))
			v[100+4+32+32] ^= 1
			r.set(partial1, v)
		}},
		{name: "phase: a ballot during the key ceremony", base: ceremony, edit: func(r *rec) {
			r.set(votes[0], slices.Clone(base.get(votes[0])))
		}},
		{name: "election: an unknown eligibility rule", edit: func(r *rec) {
			r.editJSON(ek, func(m map[string]any) { m["eligibility"] = map[string]any{"kind": "anyone"} })
		}},
		{name: "election: approval of more options than it has", edit: func(r *rec) {
			r.editJSON(ek, func(m map[string]any) { m["questions"].([]any)[2].(map[string]any)["max_choices"] = 5 })
		}},
		{name: "election: a verification key too many", edit: func(r *rec) {
			r.editJSON(ek, func(m map[string]any) {
				m["verification_keys"] = append(m["verification_keys"].([]any), e.VerificationKeys[0])
			})
		}},
		{name: "tracker: an unknown status", edit: func(r *rec) {
			for _, k := range r.keys("ballot/tracker/" + electionID + "/") {
				var tr struct{ Status string }
				json.Unmarshal(r.get(k), &tr)
				if tr.Status == "superseded" {
					r.editJSON(k, func(m map[string]any) { m["status"] = "lost" })
					return
				}
			}
			t.Fatal("no superseded tracker")
		}},
		{name: "tally: an aggregate with a question too many", edit: func(r *rec) {
			r.editJSON("ballot/aggregate/"+electionID, func(m map[string]any) {
				q := m["questions"].([]any)
				m["questions"] = append(q, q[0])
			})
		}},
		{name: "vote: a self-consistent ballot of a voter whose id is no account (before the tally)", base: ready, edit: func(r *rec) {
			// A valid ballot, tracker and roll entry for voter "not-an-account",
			// and the aggregate moved to include it: only the key form is wrong.
			const voter = "not-an-account"
			enc := encryptBallot(t, &e, voter, [][]int{{0}, {1}, {2}})
			r.set("ballot/vote/"+electionID+"/"+voter, enc)
			r.set("ballot/roll/"+electionID+"/"+voter, []byte{1})
			tr, _ := json.Marshal(map[string]any{"voter": voter, "height": 1, "tx": strings.Repeat("00", 32), "status": "counted"})
			r.set("ballot/tracker/"+electionID+"/"+trackerOf(enc), tr)
			addToAggregate(t, r, enc)
		}},
		{name: "record: a key of another election", edit: func(r *rec) {
			r.set("ballot/vote/other-election/"+strings.Repeat("ab", 20), r.get(votes[0]))
		}},
	}

	dir := t.TempDir()
	var paths []string
	readyPath, onePath := filepath.Join(dir, "ready.json"), filepath.Join(dir, "one-partial.json")
	ceremonyPath := filepath.Join(dir, "ceremony.json")
	writeRecord(t, readyPath, ready)
	writeRecord(t, onePath, onePartial)
	writeRecord(t, ceremonyPath, ceremony)
	paths = append(paths, readyPath, onePath, ceremonyPath)
	for i, v := range variants {
		p := filepath.Join(dir, fmt.Sprintf("variant-%02d.json", i))
		if v.raw != nil {
			v.raw(p)
		} else {
			base := tallied
			if v.base != nil {
				base = v.base
			}
			r := clone(t, base)
			v.edit(r)
			writeRecord(t, p, r.r)
		}
		paths = append(paths, p)
	}
	started := time.Now()
	js := jsVerify(t, bin, paths)
	t.Logf("JavaScript verifier: %d records (50 ballots each) in %s", len(paths), time.Since(started).Round(time.Millisecond))

	check := func(name string, honest bool, path string, j verdict) {
		g := goVerify(t, path)
		switch {
		case g.OK != j.OK:
			t.Errorf("%s: Go says ok=%v %q, JavaScript ok=%v %q", name, g.OK, g.Failures, j.OK, j.Failures)
		case g.OK != honest:
			t.Errorf("%s: both verifiers say ok=%v (Go %q, JavaScript %q)", name, g.OK, g.Failures, j.Failures)
		default:
			t.Logf("%s: both %v; Go %q; JavaScript %q", name, map[bool]string{true: "PASS", false: "FAIL"}[g.OK], first(g.Failures), first(j.Failures))
		}
	}
	t.Logf("JavaScript verifier: the first record (50 ballots, 3 trustees, nothing cached) in %d ms", js[0].ElapsedMS)
	check("honest, ready", true, readyPath, js[0])
	check("honest, ready with one trustee's partial decryptions", true, onePath, js[1])
	check("honest, key ceremony with two open complaints", true, ceremonyPath, js[2])
	for i, v := range variants {
		check(v.name, v.honest, paths[i+3], js[i+3])
	}
}

func first(f []string) string {
	if len(f) == 0 {
		return ""
	}
	if len(f) == 1 {
		return f[0]
	}
	return fmt.Sprintf("%s (+%d more)", f[0], len(f)-1)
}

func writeRecord(t *testing.T, path string, r *election.Record) {
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// encryptBallot encrypts answers for voter under e's key.
func encryptBallot(t *testing.T, e *ballot.Election, voter string, answers [][]int) []byte {
	ch, err := ballot.Choices(e, answers)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Params()
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := elgamal.EncryptBallot(p, voter, ch, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := b.Encode()
	return enc
}

// addToAggregate adds a ballot's ciphertexts to the record's aggregate
// (and one to its ballot count), as the chain would have.
func addToAggregate(t *testing.T, r *rec, enc []byte) {
	b, err := elgamal.DecodeBallot(enc)
	if err != nil {
		t.Fatal(err)
	}
	cts := b.Ciphertexts()
	r.editJSON("ballot/aggregate/"+electionID, func(m map[string]any) {
		n, _ := m["ballots"].(json.Number).Int64()
		m["ballots"] = n + 1
		for qi, q := range m["questions"].([]any) {
			row := q.([]any)
			for oi := range row {
				raw, _ := hex.DecodeString(row[oi].(string))
				sum, err := elgamal.DecodeCiphertext(raw)
				if err != nil {
					t.Fatal(err)
				}
				row[oi] = hex.EncodeToString(elgamal.Add(sum, cts[qi][oi]).Bytes())
			}
		}
	})
}
