package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/publica/publica/app"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// IdentityOptions size the credential verification run.
type IdentityOptions struct {
	Credentials int           // distinct credentials issued and presented
	Duration    time.Duration // how long each timed loop runs
}

// IdentityResult holds the measured figures.
type IdentityResult struct {
	Verifications  int
	Elapsed        time.Duration
	PerSec         float64 // full verification, every state read proven
	PerSecNoProofs float64 // the same, reading state without proofs
	// EligibilityPerSec: verifications of an eligibility presentation
	// with zero-knowledge proofs of "age_band>=18,district=7" (one range
	// proof, one equality), as identity/register-eligibility runs them.
	EligibilityPerSec float64
	ProveTime         time.Duration // building and signing one such presentation
}

// Identity measures credential verifications per second: parsing a
// presentation, the issuer's and the holder's eddsa-jcs-2022 signatures,
// and the chain reads (issuer and holder DIDs, issuer record, anchor,
// schema, revocation and suspension pages), each with an ICS23 proof
// checked against the app hash. One core, as a verifier would run it.
func Identity(w io.Writer, opts IdentityOptions) (IdentityResult, error) {
	if opts.Credentials < 1 {
		opts.Credentials = 100
	}
	if opts.Duration <= 0 {
		opts.Duration = 2 * time.Second
	}
	view, presentations, helds, err := identityChain(opts.Credentials)
	if err != nil {
		return IdentityResult{}, err
	}
	run := func(r identity.Reader) (int, time.Duration, error) {
		n := 0
		start := time.Now()
		for time.Since(start) < opts.Duration {
			p := presentations[n%len(presentations)]
			if _, err := identity.VerifyPresentation(r, p, identity.VerifyOptions{
				Challenge: "bench-challenge", Domain: "bench.example", Now: time.Unix(1_800_000_100, 0),
				RequiredClaims: []string{"district"}}); err != nil {
				return 0, 0, err
			}
			n++
		}
		return n, time.Since(start), nil
	}
	n, el, err := run(identity.ProvenViewReader{View: view})
	if err != nil {
		return IdentityResult{}, err
	}
	n2, el2, err := run(identity.KVReader{KV: view})
	if err != nil {
		return IdentityResult{}, err
	}
	res := IdentityResult{Verifications: n, Elapsed: el, PerSec: float64(n) / el.Seconds(), PerSecNoProofs: float64(n2) / el2.Seconds()}
	fmt.Fprintf(w, "credential verify          %7d in %6.2fs: %8.0f verifications/s on 1 core (2 signatures + 8 proven state reads); %.0f/s without proofs\n",
		n, el.Seconds(), res.PerSec, res.PerSecNoProofs)

	// Eligibility with zero-knowledge predicate proofs.
	var alice ed25519.PrivateKey
	for _, d := range genesis.DemoKeys {
		if d.Name == "citizen-alice" {
			alice = d.PrivateKey()
		}
	}
	aliceID := idOf(alice)
	challenge := identity.EligibilityChallenge(genesis.DevChainID, aliceID, eligibilityPredicate)
	var zk [][]byte
	start := time.Now()
	for _, held := range helds {
		pend, sb, err := vc.PreparePresentation(vc.PresentationParams{Holder: aliceID, KeyNumber: 1, Credential: held.Credential,
			Challenge: challenge, Domain: genesis.DevChainID, Created: time.Unix(1_800_000_100, 0),
			Prove: []string{"age_band>=18", "district=7"}, Openings: held.Commitments})
		if err != nil {
			return res, err
		}
		p, err := pend.Finish(ed25519.Sign(alice, sb))
		if err != nil {
			return res, err
		}
		zk = append(zk, p)
	}
	res.ProveTime = time.Since(start) / time.Duration(len(helds))
	pred, _ := identity.ParsePredicate(eligibilityPredicate)
	kv := identity.KVReader{KV: view}
	m := 0
	start = time.Now()
	for time.Since(start) < opts.Duration {
		if _, err := identity.VerifyPresentation(kv, zk[m%len(zk)], identity.VerifyOptions{Challenge: challenge, Domain: genesis.DevChainID,
			Now: time.Unix(1_800_000_100, 0), Predicate: pred, ProofsOnly: true}); err != nil {
			return res, err
		}
		m++
	}
	res.EligibilityPerSec = float64(m) / time.Since(start).Seconds()
	fmt.Fprintf(w, "eligibility verify (ZK)    %7d in %6.2fs: %8.0f verifications/s on 1 core (%s: 2 signatures, a 32-bit range proof, an equality proof); proving %.1f ms\n",
		m, time.Since(start).Seconds(), res.EligibilityPerSec, eligibilityPredicate, float64(res.ProveTime.Microseconds())/1000)
	return res, nil
}

const eligibilityPredicate = "age_band>=18,district=7"

// identityChain builds a chain with a schema, an accredited issuer and n
// anchored credentials, and returns the committed view, a presentation
// of each credential and the holder's files.
func identityChain(n int) (*store.View, [][]byte, []*vc.Held, error) {
	ctx := context.Background()
	st := store.OpenMemory()
	a := app.New(st)
	if _, err := a.InitChain(ctx, devInit(genesis.DevAppState())); err != nil {
		return nil, nil, nil, err
	}
	keys := map[string]ed25519.PrivateKey{}
	for _, d := range genesis.DemoKeys {
		keys[d.Name] = d.PrivateKey()
	}
	a1, a2, reg, alice := keys["authority-1"], keys["authority-2"], keys["registrar"], keys["citizen-alice"]
	regID, aliceID := acctOf(reg), acctOf(alice)
	h := int64(1)
	if err := finalize(ctx, a, h, [][]byte{build(0, identity.TypeRegisterSchema, identity.MsgRegisterSchema{ID: "residence", Version: 1,
		Claims:         []identity.ClaimDef{{Name: "age_band", Type: "integer"}, {Name: "district", Type: "integer"}},
		JSONSchemaHash: hex.EncodeToString(make([]byte, 32))}, a1, a2)}); err != nil {
		return nil, nil, nil, err
	}
	h++
	if err := finalize(ctx, a, h, [][]byte{build(1, identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: regID, Schemas: []string{"residence"}}, a1, a2)}); err != nil {
		return nil, nil, nil, err
	}
	var anchors [][]byte
	var helds []*vc.Held
	for i := range n {
		held, sec, err := vc.Issue(vc.IssuerParams{Issuer: regID, KeyNumber: 1, Holder: aliceID, SchemaID: "residence", Version: 1,
			StatusIndex: uint64(i), Claims: []vc.Claim{{Name: "district", Value: 7}, {Name: "age_band", Value: 30}},
			ValidFrom: time.Unix(1_700_000_000, 0)}, reg)
		if err != nil {
			return nil, nil, nil, err
		}
		helds = append(helds, held)
		anchors = append(anchors, build(uint64(i), identity.TypeAnchorCredential, identity.MsgAnchorCredential{
			Digest: hex.EncodeToString(sec.DocHash[:]), SchemaID: "residence", Version: 1, StatusIndex: uint64(i)}, reg))
	}
	h++
	if err := finalize(ctx, a, h, anchors); err != nil {
		return nil, nil, nil, err
	}
	view, err := st.At(h)
	if err != nil {
		return nil, nil, nil, err
	}
	var ps [][]byte
	for _, held := range helds {
		discs, _ := held.Disclose("district")
		p, err := vc.Present(aliceID, 1, held.Credential, discs, "bench-challenge", "bench.example", time.Unix(1_800_000_100, 0), alice)
		if err != nil {
			return nil, nil, nil, err
		}
		ps = append(ps, p)
	}
	return view, ps, helds, nil
}

func acctOf(k ed25519.PrivateKey) string { return idOf(k) }

func idOf(k ed25519.PrivateKey) string { return tx.AccountID(k.Public().(ed25519.PublicKey)) }
