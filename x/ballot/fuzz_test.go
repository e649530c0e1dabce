package ballot_test

import (
	"crypto/rand"
	"errors"
	"testing"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/ballot"
)

// FuzzBallotDecoding feeds arbitrary bytes to the ballot path a validator
// runs (the cast message JSON, then decoding and verification against an
// election): it must never panic, every refusal must carry one of the
// module's codes, and an accepted ballot must re-encode to its input.
func FuzzBallotDecoding(f *testing.F) {
	kp, err := elgamal.GenerateKey(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	e := &ballot.Election{ID: "fuzz", Questions: yesNoSingle(), PublicKey: kp.Public.String()}
	params, err := e.Params()
	if err != nil {
		f.Fatal(err)
	}
	b, _, err := elgamal.EncryptBallot(params, "voter", [][]bool{{true, false}, {false, false, true}}, rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	enc, _ := b.Encode()
	f.Add(enc)
	f.Add(enc[:len(enc)/2])
	f.Add([]byte{1, 4, 'f', 'u', 'z', 'z', 5, 'v', 'o', 't', 'e', 'r', 0, 1})
	f.Add([]byte(`{"election":"fuzz","ballot":"00"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m ballot.MsgCast
		if tx.DecodeMsg(data, &m) == nil {
			if err := m.ValidateBasic(); err != nil {
				var ce *errs.Error
				if !errors.As(err, &ce) || ce.Codespace != ballot.Codespace {
					t.Fatalf("ValidateBasic error without a ballot code: %v", err)
				}
			}
		}
		got, err := ballot.VerifyBallot(params, "voter", data)
		if err != nil {
			var ce *errs.Error
			if !errors.As(err, &ce) || ce.Codespace != ballot.Codespace {
				t.Fatalf("refusal without a ballot code: %v", err)
			}
			return
		}
		re, err := got.Encode()
		if err != nil || string(re) != string(data) {
			t.Fatalf("accepted ballot does not re-encode to its input")
		}
	})
}
