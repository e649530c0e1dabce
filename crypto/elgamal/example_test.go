package elgamal_test

import (
	"fmt"

	"github.com/gtank/ristretto255"
	"github.com/publica/publica/crypto/elgamal"
)

// A 2-of-3 election from key ceremony to result. Real code passes
// crypto/rand.Reader where this example uses DeterministicReader.
func Example() {
	const id = "example-election"
	rnd := elgamal.DeterministicReader("example")

	// Key ceremony: every trustee deals; every trustee checks its shares.
	var dealers []*elgamal.Dealer
	var public []elgamal.DealerCommitments
	for i := uint32(1); i <= 3; i++ {
		d, _ := elgamal.NewDealer(id, i, 2, 3, rnd)
		if err := elgamal.VerifyDealerCommitments(id, 2, 3, &d.Public); err != nil {
			panic(err)
		}
		dealers, public = append(dealers, d), append(public, d.Public)
	}
	keyShares := map[uint32]*elgamal.KeyShare{}
	for j := uint32(1); j <= 3; j++ {
		var shares []*ristretto255.Scalar
		for i, d := range dealers {
			s, _ := d.Share(j)
			if err := elgamal.VerifyShare(&public[i], j, s); err != nil {
				panic(err) // would be a complaint
			}
			shares = append(shares, s)
		}
		keyShares[j], _ = elgamal.CombineShares(j, shares)
	}
	pk, _ := elgamal.JointPublicKey(public)

	// Voting: choose exactly one of three.
	params := &elgamal.ElectionParams{ElectionID: id, PublicKey: pk,
		Questions: []elgamal.QuestionSpec{{Options: 3, Min: 1, Max: 1}}}
	tally := elgamal.NewTally(params)
	for v, choice := range []int{0, 2, 2, 1, 2} {
		choices := [][]bool{make([]bool, 3)}
		choices[0][choice] = true
		ballot, _, _ := elgamal.EncryptBallot(params, fmt.Sprintf("voter-%d", v), choices, rnd)
		enc, _ := ballot.Encode()
		cast, err := elgamal.DecodeAndVerify(enc, params) // what a validator runs
		if err != nil {
			panic(err)
		}
		tally.Add(cast)
	}

	// Tally: trustees 1 and 3 decrypt; anyone checks and combines.
	table, _ := elgamal.NewDLogTable(tally.Ballots)
	for o, ct := range tally.Questions[0] {
		ctx := elgamal.DecryptionContext{ElectionID: id, Question: 0, Option: uint32(o)}
		var partials []*elgamal.PartialDecryption
		for _, j := range []uint32{1, 3} {
			pd, _ := elgamal.PartialDecrypt(keyShares[j], ctx, ct, rnd)
			vk, _ := elgamal.VerificationKey(public, j)
			if err := elgamal.VerifyPartialDecryption(vk, ctx, ct, pd); err != nil {
				panic(err)
			}
			partials = append(partials, pd)
		}
		mG, _ := elgamal.CombinePartialDecryptions(ct, partials, 2)
		n, _ := table.Solve(mG)
		fmt.Printf("option %d: %d\n", o, n)
	}
	// Output:
	// option 0: 1
	// option 1: 1
	// option 2: 3
}
