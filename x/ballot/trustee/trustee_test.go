package trustee

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/publica/publica/crypto/elgamal"
)

func keys(t *testing.T, n int) []ed25519.PrivateKey {
	t.Helper()
	out := make([]ed25519.PrivateKey, n)
	for i := range out {
		seed := bytes.Repeat([]byte{byte(i + 1)}, ed25519.SeedSize)
		out[i] = ed25519.NewKeyFromSeed(seed)
	}
	return out
}

func TestDerivationMessage(t *testing.T) {
	got := DerivationMessage(PurposeComm, "city-2026")
	if string(got) != "publica/ballot/v1/trustee-kdf\x00comm\x00city-2026" {
		t.Fatalf("derivation message %q", got)
	}
	for _, bad := range []string{"publica/tx/v1\x00", "publica/signin/v1\x00"} {
		if bytes.HasPrefix(got, []byte(bad)) {
			t.Fatalf("derivation message starts with %q", bad)
		}
	}
}

// TestSignaturesDeriveTheKeysSecrets: a trustee that hands over only its
// signatures of the derivation messages (the browser) derives the secrets
// the key itself derives (the CLI); another key's signatures are refused.
func TestSignaturesDeriveTheKeysSecrets(t *testing.T) {
	k := keys(t, 2)
	pub := k[0].Public().(ed25519.PublicKey)
	comm := ed25519.Sign(k[0], DerivationMessage(PurposeComm, "e1"))
	deal := ed25519.Sign(k[0], DerivationMessage(PurposeDealer, "e1"))
	s, err := FromSignatures(pub, "e1", comm, deal)
	if err != nil {
		t.Fatal(err)
	}
	cli := FromKey(k[0], "e1")
	if !s.CommKey().Equal(cli.CommKey()) || !bytes.Equal(s.dealerKey, cli.dealerKey) {
		t.Fatal("signatures and key derive different secrets")
	}
	if FromKey(k[0], "e2").CommKey().Equal(cli.CommKey()) {
		t.Fatal("two elections share a comm key")
	}
	if bytes.Equal(kdf(comm, PurposeComm, "e1"), kdf(comm, PurposeDealer, "e1")) {
		t.Fatal("purposes share a secret")
	}
	other := ed25519.Sign(k[1], DerivationMessage(PurposeComm, "e1"))
	for name, c := range map[string][3][]byte{
		"another key's signature": {other, deal, pub},
		"swapped purposes":        {deal, comm, pub},
		"short signature":         {comm[:10], deal, pub},
		"another election":        {ed25519.Sign(k[0], DerivationMessage(PurposeComm, "e2")), deal, pub},
	} {
		if _, err := FromSignatures(ed25519.PublicKey(c[2]), "e1", c[0], c[1]); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := FromSignatures(pub, "Bad Id", comm, deal); err == nil {
		t.Error("bad election id accepted")
	}
}

// TestCeremonyAndPartials runs a 2-of-3 ceremony with this package alone,
// one dealer cheating one recipient, and decrypts a sum with two trustees.
func TestCeremonyAndPartials(t *testing.T) {
	const id, th = "dkg-test", 2
	k := keys(t, 3)
	var sec []*Secret
	var comm []string
	for _, key := range k {
		s := FromKey(key, id)
		sec = append(sec, s)
		comm = append(comm, s.CommKey().String())
	}
	if _, _, err := sec[0].Deal(1, th, []string{comm[0], "", comm[2]}); err == nil || !strings.Contains(err.Error(), "trustee 2") {
		t.Fatalf("dealt before every key: %v", err)
	}
	recs := make([]*Record, 3)
	for i, s := range sec {
		c, sh, err := s.Deal(uint32(i+1), th, comm)
		if err != nil {
			t.Fatal(err)
		}
		recs[i] = &Record{Index: uint32(i + 1), CommKey: comm[i], Dealing: c, Shares: sh}
	}
	// Dealer 3 sends trustee 1 a wrong share: trustee 1 finds out, and the
	// revealed (correct) share answers the complaint.
	bad, _ := hex.DecodeString(recs[2].Shares[0])
	bad[0] ^= 1
	recs[2].Shares[0] = hex.EncodeToString(bad)
	if _, err := sec[0].OpenShare(1, recs[2]); err == nil {
		t.Fatal("a tampered share was accepted")
	}
	for j := uint32(1); j <= 3; j++ {
		if _, err := sec[1].OpenShare(2, recs[j-1]); err != nil {
			t.Fatalf("trustee 2, dealer %d: %v", j, err)
		}
	}
	revealed, err := sec[2].RevealShare(3, th, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := hex.DecodeString(recs[2].Dealing)
	dc3, _ := elgamal.DecodeDealerCommitments(raw)
	rb, _ := hex.DecodeString(revealed)
	rs, _ := elgamal.DecodeScalar(rb)
	if err := elgamal.ResolveComplaint(dc3, 1, rs); err != nil {
		t.Fatalf("the revealed share does not resolve the complaint: %v", err)
	}
	complaints := []*Complaint{{Dealer: 3, Complainer: 1, Status: "rejected", Revealed: revealed}}

	var dcs []elgamal.DealerCommitments
	for _, r := range recs {
		raw, _ := hex.DecodeString(r.Dealing)
		dc, err := elgamal.DecodeDealerCommitments(raw)
		if err != nil {
			t.Fatal(err)
		}
		dcs = append(dcs, *dc)
	}
	pk, err := elgamal.JointPublicKey(dcs)
	if err != nil {
		t.Fatal(err)
	}
	qualified := []uint32{1, 2, 3}
	vks := make([]string, 3)
	for j := range vks {
		vk, _ := elgamal.VerificationKey(dcs, uint32(j+1))
		vks[j] = vk.String()
	}
	// Encrypt 1 + 1 + 0 = 2 under the joint key.
	rnd := elgamal.DeterministicReader("trustee test")
	var sum elgamal.Ciphertext
	for i, m := range []uint64{1, 1, 0} {
		ct, _, err := elgamal.EncryptRandom(pk, m, rnd)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			sum = ct
		} else {
			sum = elgamal.Add(sum, ct)
		}
	}
	agg := [][]string{{hex.EncodeToString(sum.Bytes())}}
	if _, err := sec[0].KeyShare(1, qualified, recs, nil, vks[0]); err == nil {
		t.Fatal("trustee 1 combined a key share with the tampered share and no revealed one")
	}
	if _, err := sec[0].KeyShare(1, qualified, recs, complaints, vks[1]); err == nil {
		t.Fatal("a key share matched another trustee's verification key")
	}
	var pds []*elgamal.PartialDecryption
	for _, j := range []uint32{1, 3} {
		ks, err := sec[j-1].KeyShare(j, qualified, recs, complaints, vks[j-1])
		if err != nil {
			t.Fatalf("trustee %d key share: %v", j, err)
		}
		ps, err := Partials(ks, id, agg, rnd)
		if err != nil || len(ps) != 1 {
			t.Fatalf("partials: %v %v", ps, err)
		}
		raw, _ := hex.DecodeString(ps[0])
		pd, err := elgamal.DecodePartialDecryption(raw)
		if err != nil {
			t.Fatal(err)
		}
		vk, _ := elgamal.DecodePublicKey(mustHex(t, vks[j-1]))
		if err := elgamal.VerifyPartialDecryption(vk, elgamal.DecryptionContext{ElectionID: id}, sum, pd); err != nil {
			t.Fatalf("trustee %d partial: %v", j, err)
		}
		pds = append(pds, pd)
	}
	mg, err := elgamal.CombinePartialDecryptions(sum, pds, th)
	if err != nil {
		t.Fatal(err)
	}
	table, _ := elgamal.NewDLogTable(3)
	if m, err := table.Solve(mg); err != nil || m != 2 {
		t.Fatalf("decrypted %d (%v), want 2", m, err)
	}
	if _, err := Partials(nil, id, [][]string{{"zz"}}, rnd); err == nil {
		t.Fatal("bad aggregate hex accepted")
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
