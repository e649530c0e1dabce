package elgamal

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gtank/ristretto255"
)

var updateVectors = flag.Bool("update", false, "rewrite testdata/vectors.json")

// Test vectors (testdata/vectors.json). Every random value comes from
// DeterministicReader(seed) with the seed written next to it, so a third
// party can regenerate everything; docs/election-crypto.md explains the
// encodings.
type vectors struct {
	Comment     string          `json:"comment"`
	Key         vecKey          `json:"key"`
	Encryptions []vecEncryption `json:"encryptions"`
	Ballot      vecBallot       `json:"ballot"`
	DKG         vecDKG          `json:"dkg"`
	Tally       vecTally        `json:"tally"`
}

type vecKey struct {
	Seed   string `json:"seed"`
	Secret string `json:"secret"`
	Public string `json:"public"`
}

type vecEncryption struct {
	Message    uint64 `json:"m"`
	R          string `json:"r"`
	Ciphertext string `json:"ciphertext"`
}

type vecQuestion struct {
	Options uint32 `json:"options"`
	Min     uint32 `json:"min"`
	Max     uint32 `json:"max"`
}

type vecBallot struct {
	ElectionID string        `json:"election_id"`
	PublicKey  string        `json:"public_key"`
	Questions  []vecQuestion `json:"questions"`
	Voter      string        `json:"voter"`
	Choices    [][]bool      `json:"choices"`
	Seed       string        `json:"seed"`
	Encoding   string        `json:"encoding"`
	Tracker    string        `json:"tracker"`
	Opening    string        `json:"opening"`
	// Hash input of the Fiat–Shamir challenge of question 0, option 0, and
	// the challenge (= C_0 + C_1 of that proof).
	Selection00HashInput string `json:"selection_0_0_hash_input"`
	Selection00Challenge string `json:"selection_0_0_challenge"`
	// Same for question 1's range proof.
	Range1HashInput string `json:"range_1_hash_input"`
	Range1Challenge string `json:"range_1_challenge"`
	// The first two batch weights of Verify.
	BatchWeights []string `json:"batch_weights"`
}

type vecDealer struct {
	Seed        string   `json:"seed"`
	Public      string   `json:"public"`
	SharesTo123 []string `json:"shares_to_1_2_3"`
}

type vecDKG struct {
	ElectionID       string      `json:"election_id"`
	Threshold        uint32      `json:"threshold"`
	Trustees         uint32      `json:"trustees"`
	Dealers          []vecDealer `json:"dealers"`
	KeyShares        []string    `json:"key_shares"`
	VerificationKeys []string    `json:"verification_keys"`
	JointPublicKey   string      `json:"joint_public_key"`
}

type vecPartial struct {
	Seed    string `json:"seed"`
	Trustee uint32 `json:"trustee"`
	Partial string `json:"partial"`
}

type vecTallyEntry struct {
	Question   uint32       `json:"question"`
	Option     uint32       `json:"option"`
	Ciphertext string       `json:"ciphertext"`
	Partials   []vecPartial `json:"partials"`
	Combined   string       `json:"combined"`
	Count      uint64       `json:"count"`
}

type vecTally struct {
	Questions []vecQuestion     `json:"questions"`
	Ballots   []vecTallyBallot  `json:"ballots"`
	Lagrange  map[string]string `json:"lagrange_1_3"`
	Entries   []vecTallyEntry   `json:"entries"`
}

type vecTallyBallot struct {
	Voter    string   `json:"voter"`
	Choices  [][]bool `json:"choices"`
	Seed     string   `json:"seed"`
	Encoding string   `json:"encoding"`
}

func hx(b []byte) string { return hex.EncodeToString(b) }

// explicit re-implementation of the hash inputs from the documentation
// (not using transcript), to check the spec and the code agree.
func lp(s string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(s))), s...)
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func challengeOf(input []byte) *ristretto255.Scalar {
	h := sha512.Sum512(input)
	s, _ := ristretto255.NewScalar().SetUniformBytes(h[:])
	return s
}

func buildVectors(t *testing.T) *vectors {
	v := &vectors{Comment: "Publica election cryptography test vectors; see docs/election-crypto.md. Hex strings; scalars little-endian; integers big-endian."}

	kp := mustKey(t, "publica vectors: key")
	v.Key = vecKey{Seed: "publica vectors: key", Secret: hx(kp.Secret.Bytes()), Public: hx(kp.Public.Bytes())}
	for _, m := range []uint64{0, 1, 5} {
		r, _ := RandomScalar(DeterministicReader(fmt.Sprintf("publica vectors: r %d", m)))
		v.Encryptions = append(v.Encryptions, vecEncryption{Message: m, R: hx(r.Bytes()), Ciphertext: hx(Encrypt(kp.Public, m, r).Bytes())})
	}

	// Ballot.
	p := &ElectionParams{ElectionID: "vector-election", PublicKey: kp.Public, Questions: []QuestionSpec{
		{Options: 3, Min: 0, Max: 3}, {Options: 3, Min: 1, Max: 2},
	}}
	choices := [][]bool{{true, false, true}, {false, true, false}}
	const bseed = "publica vectors: ballot"
	b, op, err := EncryptBallot(p, "acct-1", choices, DeterministicReader(bseed))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(p); err != nil {
		t.Fatal(err)
	}
	enc, _ := b.Encode()
	tracker, _ := b.Hash()
	openEnc, _ := op.Encode()
	vb := vecBallot{ElectionID: p.ElectionID, PublicKey: hx(p.PublicKey.Bytes()), Voter: b.Voter, Choices: choices,
		Seed: bseed, Encoding: hx(enc), Tracker: hx(tracker[:]), Opening: hx(openEnc)}
	for _, q := range p.Questions {
		vb.Questions = append(vb.Questions, vecQuestion{q.Options, q.Min, q.Max})
	}
	{
		s := b.Questions[0].Selections[0]
		in := lp(selectionTag)
		in = append(in, lp(p.ElectionID)...)
		in = append(in, lp(b.Voter)...)
		in = append(in, u32(0)...)
		in = append(in, u32(0)...)
		in = append(in, p.PublicKey.Bytes()...)
		in = append(in, s.Ciphertext.Bytes()...)
		for _, br := range s.Proof.Branches {
			in = append(in, br.A.Bytes()...)
			in = append(in, br.B.Bytes()...)
		}
		c := challengeOf(in)
		sum := ristretto255.NewScalar().Add(&s.Proof.Branches[0].C, &s.Proof.Branches[1].C)
		if c.Equal(sum) != 1 {
			t.Fatal("documented selection hash input does not give the proof's challenge")
		}
		vb.Selection00HashInput, vb.Selection00Challenge = hx(in), hx(c.Bytes())
	}
	{
		qb := b.Questions[1]
		sum := Sum([]Ciphertext{qb.Selections[0].Ciphertext, qb.Selections[1].Ciphertext, qb.Selections[2].Ciphertext})
		in := lp(rangeTag)
		in = append(in, lp(p.ElectionID)...)
		in = append(in, lp(b.Voter)...)
		in = append(in, u32(1)...)
		in = append(in, u32(1)...) // min
		in = append(in, u32(2)...) // max
		in = append(in, p.PublicKey.Bytes()...)
		in = append(in, sum.Bytes()...)
		cs := ristretto255.NewScalar()
		for _, br := range qb.RangeProof.Branches {
			in = append(in, br.A.Bytes()...)
			in = append(in, br.B.Bytes()...)
			cs.Add(cs, &br.C)
		}
		c := challengeOf(in)
		if c.Equal(cs) != 1 {
			t.Fatal("documented range hash input does not give the proof's challenge")
		}
		vb.Range1HashInput, vb.Range1Challenge = hx(in), hx(c.Bytes())
	}
	{
		seedIn := append(lp(batchTag), p.PublicKey.Bytes()...)
		seed := sha512.Sum512(append(seedIn, enc...))
		bc := newBatchChecker(p.PublicKey, enc)
		for k := uint32(0); k < 2; k++ {
			h := sha512.Sum512(append(seed[:], u32(k)...))
			w := append(append([]byte(nil), h[:16]...), make([]byte, 16)...)
			if !bytes.Equal(w, bc.weight().Bytes()) {
				t.Fatal("documented batch weight differs from the code")
			}
			vb.BatchWeights = append(vb.BatchWeights, hx(w))
		}
	}
	v.Ballot = vb

	// DKG, 2 of 3.
	const eid = "vector-election-dkg"
	s := &trusteeSetup{}
	v.DKG = vecDKG{ElectionID: eid, Threshold: 2, Trustees: 3}
	for i := uint32(1); i <= 3; i++ {
		seed := fmt.Sprintf("publica vectors: dealer %d", i)
		d, err := NewDealer(eid, i, 2, 3, DeterministicReader(seed))
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyDealerCommitments(eid, 2, 3, &d.Public); err != nil {
			t.Fatal(err)
		}
		vd := vecDealer{Seed: seed, Public: hx(d.Public.Encode())}
		for j := uint32(1); j <= 3; j++ {
			sh, _ := d.Share(j)
			if err := VerifyShare(&d.Public, j, sh); err != nil {
				t.Fatal(err)
			}
			vd.SharesTo123 = append(vd.SharesTo123, hx(sh.Bytes()))
		}
		s.dealers = append(s.dealers, d)
		s.public = append(s.public, d.Public)
		v.DKG.Dealers = append(v.DKG.Dealers, vd)
	}
	for j := uint32(1); j <= 3; j++ {
		var shares []*ristretto255.Scalar
		for _, d := range s.dealers {
			sh, _ := d.Share(j)
			shares = append(shares, sh)
		}
		ks, _ := CombineShares(j, shares)
		vk, _ := VerificationKey(s.public, j)
		s.shares = append(s.shares, ks)
		s.vks = append(s.vks, vk)
		v.DKG.KeyShares = append(v.DKG.KeyShares, hx(ks.Secret.Bytes()))
		v.DKG.VerificationKeys = append(v.DKG.VerificationKeys, hx(vk.Bytes()))
	}
	s.pk, _ = JointPublicKey(s.public)
	v.DKG.JointPublicKey = hx(s.pk.Bytes())

	// Tally of three ballots under the joint key, decrypted by trustees 1
	// and 3.
	tp := &ElectionParams{ElectionID: eid, PublicKey: s.pk, Questions: []QuestionSpec{{Options: 2, Min: 1, Max: 1}}}
	v.Tally.Questions = []vecQuestion{{2, 1, 1}}
	tally := NewTally(tp)
	counts := []uint64{0, 0}
	for i, ch := range [][]bool{{true, false}, {false, true}, {true, false}} {
		seed := fmt.Sprintf("publica vectors: tally ballot %d", i)
		voter := fmt.Sprintf("acct-%d", i+10)
		tb, _, err := EncryptBallot(tp, voter, [][]bool{ch}, DeterministicReader(seed))
		if err != nil {
			t.Fatal(err)
		}
		if err := tb.Verify(tp); err != nil {
			t.Fatal(err)
		}
		tally.Add(tb)
		for k, c := range ch {
			if c {
				counts[k]++
			}
		}
		e, _ := tb.Encode()
		v.Tally.Ballots = append(v.Tally.Ballots, vecTallyBallot{Voter: voter, Choices: [][]bool{ch}, Seed: seed, Encoding: hx(e)})
	}
	lams, _ := LagrangeAtZero([]uint32{1, 3})
	v.Tally.Lagrange = map[string]string{"1": hx(lams[0].Bytes()), "3": hx(lams[1].Bytes())}
	table, _ := NewDLogTable(3)
	for oi, ct := range tally.Questions[0] {
		ctx := DecryptionContext{ElectionID: eid, Question: 0, Option: uint32(oi)}
		e := vecTallyEntry{Question: 0, Option: uint32(oi), Ciphertext: hx(ct.Bytes())}
		var pds []*PartialDecryption
		for _, j := range []uint32{1, 3} {
			seed := fmt.Sprintf("publica vectors: partial %d %d", j, oi)
			pd, err := PartialDecrypt(s.shares[j-1], ctx, ct, DeterministicReader(seed))
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyPartialDecryption(s.vks[j-1], ctx, ct, pd); err != nil {
				t.Fatal(err)
			}
			pds = append(pds, pd)
			e.Partials = append(e.Partials, vecPartial{Seed: seed, Trustee: j, Partial: hx(pd.Encode())})
		}
		mG, err := CombinePartialDecryptions(ct, pds, 2)
		if err != nil {
			t.Fatal(err)
		}
		n, err := table.Solve(mG)
		if err != nil || n != counts[oi] {
			t.Fatalf("vector tally option %d: %d %v", oi, n, err)
		}
		e.Combined, e.Count = hx(mG.Bytes()), n
		v.Tally.Entries = append(v.Tally.Entries, e)
	}
	return v
}

func TestVectors(t *testing.T) {
	got, err := json.MarshalIndent(buildVectors(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "vectors.json")
	if *updateVectors {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestVectors -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("recomputed vectors differ from testdata/vectors.json byte for byte")
	}
}

// The published vectors verify through the public decoding API alone, as
// an independent verifier would use them.
func TestVectorsVerifyFromFile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	unhex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pk, err := DecodePublicKey(unhex(v.Ballot.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	p := &ElectionParams{ElectionID: v.Ballot.ElectionID, PublicKey: pk}
	for _, q := range v.Ballot.Questions {
		p.Questions = append(p.Questions, QuestionSpec{q.Options, q.Min, q.Max})
	}
	b, err := DecodeAndVerify(unhex(v.Ballot.Encoding), p)
	if err != nil {
		t.Fatal(err)
	}
	op, err := DecodeOpening(unhex(v.Ballot.Opening))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.CheckOpening(p, op); err != nil {
		t.Fatal(err)
	}
	var dcs []DealerCommitments
	for _, d := range v.DKG.Dealers {
		dc, err := DecodeDealerCommitments(unhex(d.Public))
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyDealerCommitments(v.DKG.ElectionID, v.DKG.Threshold, v.DKG.Trustees, dc); err != nil {
			t.Fatal(err)
		}
		for j, sh := range d.SharesTo123 {
			s, err := DecodeScalar(unhex(sh))
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyShare(dc, uint32(j+1), s); err != nil {
				t.Fatal(err)
			}
		}
		dcs = append(dcs, *dc)
	}
	jpk, _ := JointPublicKey(dcs)
	if hx(jpk.Bytes()) != v.DKG.JointPublicKey {
		t.Fatal("joint key differs")
	}
	for _, e := range v.Tally.Entries {
		ct, err := DecodeCiphertext(unhex(e.Ciphertext))
		if err != nil {
			t.Fatal(err)
		}
		var pds []*PartialDecryption
		for _, pv := range e.Partials {
			pd, err := DecodePartialDecryption(unhex(pv.Partial))
			if err != nil {
				t.Fatal(err)
			}
			vk, _ := VerificationKey(dcs, pd.Trustee)
			if err := VerifyPartialDecryption(vk, DecryptionContext{ElectionID: v.DKG.ElectionID, Question: e.Question, Option: e.Option}, ct, pd); err != nil {
				t.Fatal(err)
			}
			pds = append(pds, pd)
		}
		mG, _ := CombinePartialDecryptions(ct, pds, v.DKG.Threshold)
		if hx(mG.Bytes()) != e.Combined || !mG.Equal(BaseMult(ScalarFromUint64(e.Count))) {
			t.Fatalf("entry %d/%d combined value differs", e.Question, e.Option)
		}
	}
}
