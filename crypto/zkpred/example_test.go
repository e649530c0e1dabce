package zkpred_test

import (
	"crypto/rand"
	"fmt"

	"github.com/publica/publica/crypto/zkpred"
)

// An issuer commits to an age; the holder proves it is at least 18 to a
// verifier who sees only the commitment, bound to the verifier's context.
func Example() {
	c, opening, err := zkpred.Commit(zkpred.Int(30), rand.Reader)
	if err != nil {
		panic(err)
	}
	context := []byte("verifier challenge 6f1c")
	proof, err := zkpred.Prove(zkpred.Ge, zkpred.Int(18), opening, context, rand.Reader)
	if err != nil {
		panic(err)
	}
	wire := proof.Bytes()
	got, err := zkpred.ParseProof(wire)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(wire), zkpred.Verify(zkpred.Ge, zkpred.Int(18), c, context, got))
	fmt.Println(zkpred.Verify(zkpred.Ge, zkpred.Int(18), c, []byte("another verifier"), got) != nil)
	_, err = zkpred.Prove(zkpred.Ge, zkpred.Int(40), opening, context, rand.Reader)
	fmt.Println(err)
	// Output:
	// 4097 <nil>
	// true
	// zkpred: the statement is false: 30 >= 40 does not hold
}
