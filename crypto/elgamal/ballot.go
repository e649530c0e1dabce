package elgamal

import (
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
)

// Limits on election shapes (they also bound the work a ballot can cause).
const (
	BallotVersion = 1
	MaxIDLength   = 255 // election id and voter id, bytes
	MaxQuestions  = 64
	MaxOptions    = 256 // per question
)

// Domain-separation tags of the Fiat–Shamir hashes.
const (
	selectionTag = "publica/election/v1/selection"
	rangeTag     = "publica/election/v1/range"
)

// QuestionSpec describes one question: Options choices, each selected (1)
// or not (0); the number of selected options must lie in [Min, Max].
type QuestionSpec struct {
	Options uint32
	Min     uint32
	Max     uint32
}

// NeedsRangeProof reports whether ballots carry a proof on the question's
// total. When Min = 0 and Max ≥ Options every total of 0/1 selections is
// allowed, so the proof would be trivially true and is omitted (0 branches).
func (q QuestionSpec) NeedsRangeProof() bool {
	return !(q.Min == 0 && q.Max >= q.Options)
}

func (q QuestionSpec) rangeValues() []uint64 {
	if !q.NeedsRangeProof() {
		return nil
	}
	vs := make([]uint64, 0, q.Max-q.Min+1)
	for v := q.Min; v <= q.Max; v++ {
		vs = append(vs, uint64(v))
	}
	return vs
}

// ElectionParams is what a ballot is verified against.
type ElectionParams struct {
	ElectionID string
	PublicKey  Point // the trustees' joint key
	Questions  []QuestionSpec
}

// Validate checks the parameters' shape.
func (p *ElectionParams) Validate() error {
	if len(p.ElectionID) == 0 || len(p.ElectionID) > MaxIDLength {
		return fmt.Errorf("%w: election id length %d", ErrParams, len(p.ElectionID))
	}
	if !p.PublicKey.Valid() || p.PublicKey.IsIdentity() {
		return fmt.Errorf("%w: public key missing or identity", ErrParams)
	}
	if len(p.Questions) == 0 || len(p.Questions) > MaxQuestions {
		return fmt.Errorf("%w: %d questions", ErrParams, len(p.Questions))
	}
	for i, q := range p.Questions {
		if q.Options == 0 || q.Options > MaxOptions {
			return fmt.Errorf("%w: question %d: %d options", ErrParams, i, q.Options)
		}
		if q.Min > q.Max || q.Max > q.Options {
			return fmt.Errorf("%w: question %d: min %d max %d options %d", ErrParams, i, q.Min, q.Max, q.Options)
		}
	}
	return nil
}

// Selection is one option's encrypted 0/1 choice with its proof (2 branches:
// value 0, value 1).
type Selection struct {
	Ciphertext Ciphertext
	Proof      DisjunctiveProof
}

// QuestionBallot holds a question's selections and, when the question needs
// it, the proof that the homomorphic sum of the selections encrypts a value
// in [Min, Max] (branch i ↔ value Min+i).
type QuestionBallot struct {
	Selections []Selection
	RangeProof DisjunctiveProof
}

// Ballot is an encrypted ballot. Its proofs are bound to ElectionID, Voter
// and the question and option indices, so they cannot be replayed in
// another election, by another voter or in another position.
type Ballot struct {
	ElectionID string
	Voter      string
	Questions  []QuestionBallot
}

// Opening is the Benaloh audit data of a ballot: the plaintext choices and
// the encryption randomness of every selection. Revealing it spoils the
// ballot (it must then not be cast).
type Opening struct {
	Choices    [][]bool
	Randomness [][]*ristretto255.Scalar
}

func selectionTranscript(electionID, voter string, q, o uint32, pk Point, ct Ciphertext) *transcript {
	tr := newTranscript(selectionTag)
	tr.str(electionID)
	tr.str(voter)
	tr.u32(q)
	tr.u32(o)
	tr.point(pk)
	tr.point(ct.Alpha)
	tr.point(ct.Beta)
	return tr
}

func rangeTranscript(electionID, voter string, q uint32, spec QuestionSpec, pk Point, sum Ciphertext) *transcript {
	tr := newTranscript(rangeTag)
	tr.str(electionID)
	tr.str(voter)
	tr.u32(q)
	tr.u32(spec.Min)
	tr.u32(spec.Max)
	tr.point(pk)
	tr.point(sum.Alpha)
	tr.point(sum.Beta)
	return tr
}

var zeroOne = []uint64{0, 1}

// EncryptBallot encrypts choices (one []bool per question, one bool per
// option) and proves every selection and question total. It also returns the
// Opening for a Benaloh audit. All randomness is read from rnd (crypto/rand
// in production).
func EncryptBallot(params *ElectionParams, voter string, choices [][]bool, rnd io.Reader) (*Ballot, *Opening, error) {
	if err := params.Validate(); err != nil {
		return nil, nil, err
	}
	if len(voter) == 0 || len(voter) > MaxIDLength {
		return nil, nil, fmt.Errorf("%w: voter id length %d", ErrParams, len(voter))
	}
	if len(choices) != len(params.Questions) {
		return nil, nil, fmt.Errorf("%w: %d answers for %d questions", ErrMismatch, len(choices), len(params.Questions))
	}
	pk := params.PublicKey
	b := &Ballot{ElectionID: params.ElectionID, Voter: voter, Questions: make([]QuestionBallot, len(choices))}
	op := &Opening{Choices: make([][]bool, len(choices)), Randomness: make([][]*ristretto255.Scalar, len(choices))}
	for qi, spec := range params.Questions {
		ch := choices[qi]
		if uint32(len(ch)) != spec.Options {
			return nil, nil, fmt.Errorf("%w: question %d: %d choices for %d options", ErrMismatch, qi, len(ch), spec.Options)
		}
		total := uint32(0)
		for _, c := range ch {
			if c {
				total++
			}
		}
		if total < spec.Min || total > spec.Max {
			return nil, nil, fmt.Errorf("%w: question %d: %d selected, allowed [%d, %d]", ErrMismatch, qi, total, spec.Min, spec.Max)
		}
		qb := &b.Questions[qi]
		qb.Selections = make([]Selection, len(ch))
		op.Choices[qi] = append([]bool(nil), ch...)
		op.Randomness[qi] = make([]*ristretto255.Scalar, len(ch))
		rsum := ristretto255.NewScalar()
		cts := make([]Ciphertext, len(ch))
		for oi, c := range ch {
			m := uint64(0)
			if c {
				m = 1
			}
			ct, r, err := EncryptRandom(pk, m, rnd)
			if err != nil {
				return nil, nil, err
			}
			tr := selectionTranscript(params.ElectionID, voter, uint32(qi), uint32(oi), pk, ct)
			proof, err := proveDisjunctive(tr, pk, ct, zeroOne, int(m), r, rnd)
			if err != nil {
				return nil, nil, err
			}
			qb.Selections[oi] = Selection{Ciphertext: ct, Proof: proof}
			op.Randomness[qi][oi] = r
			rsum.Add(rsum, r)
			cts[oi] = ct
		}
		if spec.NeedsRangeProof() {
			sum := Sum(cts)
			tr := rangeTranscript(params.ElectionID, voter, uint32(qi), spec, pk, sum)
			proof, err := proveDisjunctive(tr, pk, sum, spec.rangeValues(), int(total-spec.Min), rsum, rnd)
			if err != nil {
				return nil, nil, err
			}
			qb.RangeProof = proof
		}
	}
	return b, op, nil
}

// checkShape verifies everything about b that needs no group operation.
func (b *Ballot) checkShape(params *ElectionParams) error {
	if err := params.Validate(); err != nil {
		return err
	}
	if b.ElectionID != params.ElectionID {
		return fmt.Errorf("%w: ballot for election %q", ErrMismatch, b.ElectionID)
	}
	if len(b.Voter) == 0 || len(b.Voter) > MaxIDLength {
		return fmt.Errorf("%w: voter id length %d", ErrMalformed, len(b.Voter))
	}
	if len(b.Questions) != len(params.Questions) {
		return fmt.Errorf("%w: %d questions, want %d", ErrMismatch, len(b.Questions), len(params.Questions))
	}
	for qi, spec := range params.Questions {
		qb := &b.Questions[qi]
		if uint32(len(qb.Selections)) != spec.Options {
			return fmt.Errorf("%w: question %d: %d selections, want %d", ErrMismatch, qi, len(qb.Selections), spec.Options)
		}
		want := len(spec.rangeValues())
		if len(qb.RangeProof.Branches) != want {
			return fmt.Errorf("%w: question %d: range proof has %d branches, want %d", ErrMismatch, qi, len(qb.RangeProof.Branches), want)
		}
		for oi := range qb.Selections {
			s := &qb.Selections[oi]
			if !s.Ciphertext.Alpha.Valid() || !s.Ciphertext.Beta.Valid() {
				return fmt.Errorf("%w: question %d option %d: missing ciphertext", ErrMalformed, qi, oi)
			}
			// α = 0·G would mean r = 0: the choice would be in clear.
			if s.Ciphertext.Alpha.IsIdentity() {
				return fmt.Errorf("question %d option %d: alpha: %w", qi, oi, ErrIdentity)
			}
			if !branchesValid(s.Proof.Branches) {
				return fmt.Errorf("%w: question %d option %d: missing commitment", ErrMalformed, qi, oi)
			}
		}
		if !branchesValid(qb.RangeProof.Branches) {
			return fmt.Errorf("%w: question %d: missing range commitment", ErrMalformed, qi)
		}
	}
	return nil
}

func branchesValid(brs []Branch) bool {
	for i := range brs {
		if !brs[i].A.Valid() || !brs[i].B.Valid() {
			return false
		}
	}
	return true
}

func (b *Ballot) verify(params *ElectionParams, ec equationChecker) error {
	if err := b.checkShape(params); err != nil {
		return err
	}
	pk := params.PublicKey
	for qi, spec := range params.Questions {
		qb := &b.Questions[qi]
		cts := make([]Ciphertext, len(qb.Selections))
		for oi := range qb.Selections {
			s := &qb.Selections[oi]
			tr := selectionTranscript(b.ElectionID, b.Voter, uint32(qi), uint32(oi), pk, s.Ciphertext)
			if err := checkDisjunctive(tr, s.Ciphertext, zeroOne, &s.Proof, ec); err != nil {
				return fmt.Errorf("question %d option %d: %w", qi, oi, err)
			}
			cts[oi] = s.Ciphertext
		}
		if spec.NeedsRangeProof() {
			sum := Sum(cts)
			tr := rangeTranscript(b.ElectionID, b.Voter, uint32(qi), spec, pk, sum)
			if err := checkDisjunctive(tr, sum, spec.rangeValues(), &qb.RangeProof, ec); err != nil {
				return fmt.Errorf("question %d total: %w", qi, err)
			}
		}
	}
	return nil
}

// Verify checks every proof of b against params. All branch equations are
// checked together in one multi-scalar multiplication with weights derived
// deterministically from the public key and the ballot's encoding, so the
// result is the same on every validator (see batchChecker). A ballot that
// Verify accepts is accepted by VerifyUnbatched and, except with probability
// ≤ 2⁻¹²⁸ per ballot for a cheating prover, vice versa.
func (b *Ballot) Verify(params *ElectionParams) error {
	enc, err := b.Encode()
	if err != nil {
		return err
	}
	bc := newBatchChecker(params.PublicKey, enc)
	if err := b.verify(params, bc); err != nil {
		return err
	}
	return bc.verify()
}

// VerifyDecoded is Verify for a ballot decoded by DecodeBallot from enc:
// the batch weights are seeded from enc itself instead of encoding the
// ballot again (a point compression for every group element). DecodeBallot
// accepts only the canonical encoding, so enc is what Verify would encode
// and the verdict is Verify's.
func (b *Ballot) VerifyDecoded(params *ElectionParams, enc []byte) error {
	bc := newBatchChecker(params.PublicKey, enc)
	if err := b.verify(params, bc); err != nil {
		return err
	}
	return bc.verify()
}

// VerifyUnbatched checks every equation separately: slower, and the
// reference the batched Verify is tested against.
func (b *Ballot) VerifyUnbatched(params *ElectionParams) error {
	if err := params.Validate(); err != nil {
		return err
	}
	return b.verify(params, &directChecker{pk: params.PublicKey})
}

// DecodeAndVerify decodes a ballot strictly and verifies it.
func DecodeAndVerify(enc []byte, params *ElectionParams) (*Ballot, error) {
	b, err := DecodeBallot(enc)
	if err != nil {
		return nil, err
	}
	bc := newBatchChecker(params.PublicKey, enc)
	if err := b.verify(params, bc); err != nil {
		return nil, err
	}
	if err := bc.verify(); err != nil {
		return nil, err
	}
	return b, nil
}

// Hash returns the ballot tracker: SHA-512/256 of the canonical encoding.
func (b *Ballot) Hash() ([32]byte, error) {
	enc, err := b.Encode()
	if err != nil {
		return [32]byte{}, err
	}
	return sha512.Sum512_256(enc), nil
}

// Ciphertexts returns the selections' ciphertexts per question (for the
// homomorphic tally).
func (b *Ballot) Ciphertexts() [][]Ciphertext {
	out := make([][]Ciphertext, len(b.Questions))
	for qi := range b.Questions {
		out[qi] = make([]Ciphertext, len(b.Questions[qi].Selections))
		for oi := range b.Questions[qi].Selections {
			out[qi][oi] = b.Questions[qi].Selections[oi].Ciphertext
		}
	}
	return out
}

// Encode returns the canonical encoding (docs/election-crypto.md, "Ballot"):
//
//	u8 version (1)
//	u8 len ‖ election id
//	u8 len ‖ voter id
//	u16 number of questions
//	per question:
//	    u16 number of options
//	    per option: α ‖ β ‖ branch(0) ‖ branch(1)
//	    u16 number of range branches ‖ branches
//	branch: A ‖ B ‖ C ‖ Z  (32 bytes each)
//
// Integers are big-endian.
func (b *Ballot) Encode() ([]byte, error) {
	if len(b.ElectionID) == 0 || len(b.ElectionID) > MaxIDLength || len(b.Voter) == 0 || len(b.Voter) > MaxIDLength {
		return nil, fmt.Errorf("%w: id length", ErrMalformed)
	}
	if len(b.Questions) == 0 || len(b.Questions) > 0xffff {
		return nil, fmt.Errorf("%w: %d questions", ErrMalformed, len(b.Questions))
	}
	size := 1 + 1 + len(b.ElectionID) + 1 + len(b.Voter) + 2
	for qi := range b.Questions {
		qb := &b.Questions[qi]
		if len(qb.Selections) == 0 || len(qb.Selections) > 0xffff || len(qb.RangeProof.Branches) > 0xffff {
			return nil, fmt.Errorf("%w: question %d size", ErrMalformed, qi)
		}
		size += 2 + len(qb.Selections)*(CiphertextSize+2*BranchSize) + 2 + len(qb.RangeProof.Branches)*BranchSize
	}
	out := make([]byte, 0, size)
	out = append(out, BallotVersion, byte(len(b.ElectionID)))
	out = append(out, b.ElectionID...)
	out = append(out, byte(len(b.Voter)))
	out = append(out, b.Voter...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(b.Questions)))
	for qi := range b.Questions {
		qb := &b.Questions[qi]
		out = binary.BigEndian.AppendUint16(out, uint16(len(qb.Selections)))
		for oi := range qb.Selections {
			s := &qb.Selections[oi]
			if len(s.Proof.Branches) != 2 || !s.Ciphertext.Alpha.Valid() || !s.Ciphertext.Beta.Valid() {
				return nil, fmt.Errorf("%w: question %d option %d", ErrMalformed, qi, oi)
			}
			out = append(out, s.Ciphertext.Alpha.enc[:]...)
			out = append(out, s.Ciphertext.Beta.enc[:]...)
			out = s.Proof.Branches[0].appendTo(out)
			out = s.Proof.Branches[1].appendTo(out)
		}
		out = binary.BigEndian.AppendUint16(out, uint16(len(qb.RangeProof.Branches)))
		for i := range qb.RangeProof.Branches {
			out = qb.RangeProof.Branches[i].appendTo(out)
		}
	}
	return out, nil
}

// reader is a strict cursor over an encoding.
type reader struct {
	b   []byte
	off int
}

func (r *reader) take(n int) ([]byte, error) {
	if n < 0 || len(r.b)-r.off < n {
		return nil, fmt.Errorf("%w: truncated at offset %d", ErrMalformed, r.off)
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out, nil
}

func (r *reader) u8() (int, error) {
	b, err := r.take(1)
	if err != nil {
		return 0, err
	}
	return int(b[0]), nil
}

func (r *reader) u16() (int, error) {
	b, err := r.take(2)
	if err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint16(b)), nil
}

// count reads a u16 count of items of itemSize bytes and checks that they
// fit in what is left (so a short input cannot make us allocate much).
func (r *reader) count(itemSize int) (int, error) {
	n, err := r.u16()
	if err != nil {
		return 0, err
	}
	if n*itemSize > len(r.b)-r.off {
		return 0, fmt.Errorf("%w: count %d exceeds remaining input", ErrMalformed, n)
	}
	return n, nil
}

func (r *reader) id(what string) (string, error) {
	n, err := r.u8()
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", fmt.Errorf("%w: empty %s", ErrMalformed, what)
	}
	b, err := r.take(n)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func (r *reader) end() error {
	if r.off != len(r.b) {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(r.b)-r.off)
	}
	return nil
}

// DecodeBallot decodes the canonical encoding strictly: unknown version,
// truncation, trailing bytes, empty ids, zero counts and non-canonical
// points or scalars are all rejected, so an accepted input re-encodes to the
// same bytes.
func DecodeBallot(enc []byte) (*Ballot, error) { return decodeBallot(enc, true) }

// decodeBallot is DecodeBallot; without proofs it checks the layout alike
// but leaves the proofs' points and scalars undecoded and the ballot's
// proofs empty (DecodeCiphertexts).
func decodeBallot(enc []byte, proofs bool) (*Ballot, error) {
	r := &reader{b: enc}
	v, err := r.u8()
	if err != nil {
		return nil, err
	}
	if v != BallotVersion {
		return nil, fmt.Errorf("%w: ballot version %d", ErrMalformed, v)
	}
	b := &Ballot{}
	if b.ElectionID, err = r.id("election id"); err != nil {
		return nil, err
	}
	if b.Voter, err = r.id("voter id"); err != nil {
		return nil, err
	}
	minQuestion := 2 + (CiphertextSize + 2*BranchSize) + 2
	nq, err := r.count(minQuestion)
	if err != nil {
		return nil, err
	}
	if nq == 0 {
		return nil, fmt.Errorf("%w: no questions", ErrMalformed)
	}
	b.Questions = make([]QuestionBallot, nq)
	for qi := range b.Questions {
		qb := &b.Questions[qi]
		no, err := r.count(CiphertextSize + 2*BranchSize)
		if err != nil {
			return nil, err
		}
		if no == 0 {
			return nil, fmt.Errorf("%w: question %d has no options", ErrMalformed, qi)
		}
		qb.Selections = make([]Selection, no)
		for oi := range qb.Selections {
			s := &qb.Selections[oi]
			raw, _ := r.take(CiphertextSize + 2*BranchSize) // length checked by count
			if s.Ciphertext, err = DecodeCiphertext(raw[:CiphertextSize]); err != nil {
				return nil, fmt.Errorf("question %d option %d: %w", qi, oi, err)
			}
			if !proofs {
				continue
			}
			s.Proof.Branches = make([]Branch, 2)
			for i := 0; i < 2; i++ {
				off := CiphertextSize + i*BranchSize
				if s.Proof.Branches[i], err = decodeBranch(raw[off : off+BranchSize]); err != nil {
					return nil, fmt.Errorf("question %d option %d branch %d: %w", qi, oi, i, err)
				}
			}
		}
		nb, err := r.count(BranchSize)
		if err != nil {
			return nil, err
		}
		if !proofs {
			r.take(nb * BranchSize) // length checked by count
			continue
		}
		if nb > 0 {
			qb.RangeProof.Branches = make([]Branch, nb)
		}
		for i := range qb.RangeProof.Branches {
			raw, _ := r.take(BranchSize)
			if qb.RangeProof.Branches[i], err = decodeBranch(raw); err != nil {
				return nil, fmt.Errorf("question %d range branch %d: %w", qi, i, err)
			}
		}
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return b, nil
}

// DecodeCiphertexts returns the selections' ciphertexts of an encoded
// ballot, per question, decoding only them: a third of a ballot's points
// for 0/1 selections (each selection also carries two branches with two
// points each). It checks the layout as strictly as DecodeBallot (version,
// counts, ids, no trailing bytes) but not the proofs' points and scalars,
// so it is for ballots already verified — a voter's counted ballot read
// back from the store to leave the aggregate on a re-vote or a withdrawal.
// For such bytes the result is DecodeBallot(enc).Ciphertexts().
func DecodeCiphertexts(enc []byte) ([][]Ciphertext, error) {
	b, err := decodeBallot(enc, false)
	if err != nil {
		return nil, err
	}
	return b.Ciphertexts(), nil
}

// CheckOpening verifies a Benaloh audit: every ciphertext of b must equal
// Encrypt(pk, choice, r) for the revealed choice and randomness, and the
// choices must respect the question limits. It returns nil if the ballot
// indeed encrypts op.Choices.
func (b *Ballot) CheckOpening(params *ElectionParams, op *Opening) error {
	if err := b.checkShape(params); err != nil {
		return err
	}
	if len(op.Choices) != len(b.Questions) || len(op.Randomness) != len(b.Questions) {
		return fmt.Errorf("%w: opening has %d questions", ErrMismatch, len(op.Choices))
	}
	for qi, spec := range params.Questions {
		qb := &b.Questions[qi]
		if len(op.Choices[qi]) != len(qb.Selections) || len(op.Randomness[qi]) != len(qb.Selections) {
			return fmt.Errorf("%w: opening question %d size", ErrMismatch, qi)
		}
		total := uint32(0)
		for oi := range qb.Selections {
			m := uint64(0)
			if op.Choices[qi][oi] {
				m = 1
				total++
			}
			r := op.Randomness[qi][oi]
			if r == nil {
				return fmt.Errorf("%w: question %d option %d: no randomness", ErrMismatch, qi, oi)
			}
			if !Encrypt(params.PublicKey, m, r).Equal(qb.Selections[oi].Ciphertext) {
				return fmt.Errorf("%w: question %d option %d: ciphertext does not open to %d", ErrMismatch, qi, oi, m)
			}
		}
		if total < spec.Min || total > spec.Max {
			return fmt.Errorf("%w: question %d: opened total %d outside [%d, %d]", ErrMismatch, qi, total, spec.Min, spec.Max)
		}
	}
	return nil
}

// Encode returns the opening's canonical encoding:
//
//	u8 version (1) ‖ u16 questions ‖ per question: u16 options ‖
//	per option: u8 choice (0 or 1) ‖ r (32-byte scalar)
func (op *Opening) Encode() ([]byte, error) {
	if len(op.Choices) != len(op.Randomness) || len(op.Choices) > 0xffff {
		return nil, fmt.Errorf("%w: opening shape", ErrMalformed)
	}
	out := []byte{BallotVersion}
	out = binary.BigEndian.AppendUint16(out, uint16(len(op.Choices)))
	for qi := range op.Choices {
		if len(op.Choices[qi]) != len(op.Randomness[qi]) || len(op.Choices[qi]) > 0xffff {
			return nil, fmt.Errorf("%w: opening question %d shape", ErrMalformed, qi)
		}
		out = binary.BigEndian.AppendUint16(out, uint16(len(op.Choices[qi])))
		for oi, c := range op.Choices[qi] {
			var m byte
			if c {
				m = 1
			}
			if op.Randomness[qi][oi] == nil {
				return nil, fmt.Errorf("%w: opening question %d option %d: no randomness", ErrMalformed, qi, oi)
			}
			out = append(out, m)
			out = append(out, op.Randomness[qi][oi].Bytes()...)
		}
	}
	return out, nil
}

// DecodeOpening decodes an opening strictly.
func DecodeOpening(enc []byte) (*Opening, error) {
	r := &reader{b: enc}
	v, err := r.u8()
	if err != nil {
		return nil, err
	}
	if v != BallotVersion {
		return nil, fmt.Errorf("%w: opening version %d", ErrMalformed, v)
	}
	nq, err := r.count(2)
	if err != nil {
		return nil, err
	}
	op := &Opening{Choices: make([][]bool, nq), Randomness: make([][]*ristretto255.Scalar, nq)}
	for qi := 0; qi < nq; qi++ {
		no, err := r.count(1 + ScalarSize)
		if err != nil {
			return nil, err
		}
		op.Choices[qi] = make([]bool, no)
		op.Randomness[qi] = make([]*ristretto255.Scalar, no)
		for oi := 0; oi < no; oi++ {
			raw, _ := r.take(1 + ScalarSize)
			switch raw[0] {
			case 0:
			case 1:
				op.Choices[qi][oi] = true
			default:
				return nil, fmt.Errorf("%w: opening choice byte %d", ErrMalformed, raw[0])
			}
			if op.Randomness[qi][oi], err = DecodeScalar(raw[1:]); err != nil {
				return nil, fmt.Errorf("opening question %d option %d: %w", qi, oi, err)
			}
		}
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return op, nil
}
