package ballot

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"sync"

	"github.com/publica/publica/crypto/elgamal"
)

// Verified once per process. A ballot's proofs are a pure function of its
// bytes and of the election parameters (id, questions, joint key), so this
// process remembers every ballot whose proofs it verified, by the SHA-256
// of the ballot bytes and a fingerprint of the parameters. The first
// sight of a cast — the node's Preverify, outside CometBFT's ABCI lock, on
// the goroutine that received it — verifies it; CheckTx, the mempool's
// rechecks, FinalizeBlock's pre-check and the handler then find it here.
// A hit is used only when the election the handler reads has the same
// fingerprint, and the voter binding is still checked, so every result
// code and the app hash are the same with or without the cache (the
// equivalence test in proofcache_test.go runs a chain both ways).

// paramsPrint is the fingerprint of what a ballot is verified against.
type paramsPrint [32]byte

func fingerprint(e *Election) paramsPrint {
	h := sha256.New()
	var n [4]byte
	lp := func(s string) {
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	lp(e.ID)
	lp(e.PublicKey)
	for _, q := range e.Questions {
		s := q.Spec()
		for _, v := range []uint32{s.Options, s.Min, s.Max} {
			binary.BigEndian.PutUint32(n[:], v)
			h.Write(n[:])
		}
	}
	var p paramsPrint
	h.Sum(p[:0])
	return p
}

// proofCacheMax bounds the verified ballots kept (about 7 KB each decoded
// for a 5-selection ballot): beyond it the oldest are forgotten first.
// Several full mempools' worth, so a flood's ballots are still remembered
// when their block comes.
const proofCacheMax = 20_000

type verifiedBallot struct {
	print  paramsPrint
	ballot *elgamal.Ballot
}

type electionParams struct {
	print  paramsPrint
	params *elgamal.ElectionParams
}

// proofCache holds the verified ballots and the parameters of the
// elections seen open, for Preverify (which reads no state).
type proofCache struct {
	mu       sync.Mutex
	ballots  map[[32]byte]verifiedBallot
	order    [][32]byte // insertion order, a ring of proofCacheMax
	next     int
	params   map[string]electionParams
	hits     uint64
	verifies uint64
}

func (c *proofCache) get(key [32]byte, p paramsPrint) *elgamal.Ballot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.ballots[key]; ok && v.print == p {
		c.hits++
		return v.ballot
	}
	return nil
}

func (c *proofCache) put(key [32]byte, p paramsPrint, b *elgamal.Ballot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.verifies++
	if c.ballots == nil {
		c.ballots = make(map[[32]byte]verifiedBallot)
		c.order = make([][32]byte, proofCacheMax)
	}
	if _, ok := c.ballots[key]; ok {
		c.ballots[key] = verifiedBallot{p, b}
		return
	}
	if old := c.order[c.next]; len(c.ballots) >= proofCacheMax {
		delete(c.ballots, old)
	}
	c.order[c.next] = key
	c.next = (c.next + 1) % proofCacheMax
	c.ballots[key] = verifiedBallot{p, b}
}

// electionParams returns e's parameters and fingerprint, remembering them
// for Preverify.
func (c *proofCache) electionParams(e *Election) (*elgamal.ElectionParams, paramsPrint, error) {
	p := fingerprint(e)
	c.mu.Lock()
	ep, ok := c.params[e.ID]
	c.mu.Unlock()
	if ok && ep.print == p {
		return ep.params, p, nil
	}
	params, err := e.Params()
	if err != nil {
		return nil, p, err
	}
	c.mu.Lock()
	if c.params == nil || len(c.params) >= 1024 {
		c.params = make(map[string]electionParams)
	}
	c.params[e.ID] = electionParams{p, params}
	c.mu.Unlock()
	return params, p, nil
}

// ProofCacheStats reports how many ballots this process verified and how
// many verifications the cache saved.
func (m *Module) ProofCacheStats() (verified, hits uint64) {
	m.proofs.mu.Lock()
	defer m.proofs.mu.Unlock()
	return m.proofs.verifies, m.proofs.hits
}

// preverifyCast verifies a cast's proofs against the parameters last seen
// for its election, before CheckTx, reading no state, in a batch with the
// ballots of concurrent calls (proofbatch.go); a success is remembered.
// It decides nothing: the handler checks the election as it stands and
// uses the remembered ballot only for the same parameters.
func (m *Module) preverifyCast(c *MsgCast) {
	m.proofs.mu.Lock()
	ep, ok := m.proofs.params[c.Election]
	m.proofs.mu.Unlock()
	if !ok {
		return
	}
	enc, err := hex.DecodeString(c.Ballot)
	if err != nil {
		return
	}
	key := sha256.Sum256(enc)
	if m.proofs.get(key, ep.print) != nil {
		return
	}
	b, err := elgamal.DecodeBallot(enc)
	if err != nil || b.ElectionID != ep.params.ElectionID || !m.batcher.Do(elgamal.BatchEntry{Params: ep.params, Ballot: b}) {
		return
	}
	m.proofs.put(key, ep.print, b)
}
