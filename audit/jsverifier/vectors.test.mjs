// The published test vectors (crypto/elgamal/testdata/vectors.json, named in
// docs/election-crypto.md) checked with this verifier's own code.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as c from './crypto.mjs';

const V = JSON.parse(readFileSync(new URL('../../crypto/elgamal/testdata/vectors.json', import.meta.url), 'utf8'));
const hex = (b) => Buffer.from(b).toString('hex');

test('key pair: public = secret·G', () => {
  const x = c.decodeScalar(c.fromHex(V.key.secret, 32));
  assert.equal(c.pointHex(c.mul(c.G, x)), V.key.public);
});

test('encryptions: (r·G, m·G + r·PK)', () => {
  const pk = c.decodePoint(c.fromHex(V.key.public, 32));
  for (const e of V.encryptions) {
    const r = c.decodeScalar(c.fromHex(e.r, 32));
    const got = c.pointHex(c.mul(c.G, r)) + c.pointHex(c.mul(c.G, BigInt(e.m)).add(c.mul(pk, r)));
    assert.equal(got, e.ciphertext);
  }
});

test('ballot: decodes, verifies, tracker, hash inputs', () => {
  const b = V.ballot;
  const enc = c.fromHex(b.encoding);
  assert.equal(c.tracker(enc), b.tracker);
  const ballot = c.decodeBallot(enc);
  assert.equal(ballot.voter, b.voter);
  const params = { electionId: b.election_id, pk: c.decodePoint(c.fromHex(b.public_key, 32)), questions: b.questions };
  assert.equal(c.verifyBallot(ballot, params), null);
  const o00 = ballot.questions[0].options[0];
  const sel = c.concat(
    c.lp('publica/election/v1/selection'), c.lp(b.election_id), c.lp(b.voter), c.u32(0), c.u32(0),
    params.pk.toBytes(), o00.alpha.toBytes(), o00.beta.toBytes(),
    ...o00.branches.flatMap((br) => [br.A.toBytes(), br.B.toBytes()]),
  );
  assert.equal(hex(sel), b.selection_0_0_hash_input);
  assert.equal(hex(c.bigToLE32(c.hashToScalar(sel))), b.selection_0_0_challenge);
  // Wrong voter, wrong election, wrong key, one flipped byte: all refused.
  assert.notEqual(c.verifyBallot({ ...ballot, voterBytes: c.lp('x').subarray(4) }, params), null);
  assert.notEqual(c.verifyBallot(ballot, { ...params, electionId: 'other' }), null);
  assert.notEqual(c.verifyBallot(ballot, { ...params, pk: c.G }), null);
  let refused = 0;
  for (let i = 30; i < enc.length; i += 97) {
    const t = enc.slice();
    t[i] ^= 1;
    try {
      if (c.verifyBallot(c.decodeBallot(t), params) !== null) refused++;
    } catch (e) {
      refused++;
    }
  }
  assert.equal(refused, Math.ceil((enc.length - 30) / 97));
  // Strict decoding: trailing byte, truncation.
  assert.throws(() => c.decodeBallot(c.concat(enc, Uint8Array.of(0))), c.DecodeError);
  assert.throws(() => c.decodeBallot(enc.subarray(0, enc.length - 1)), c.DecodeError);
});

test('dkg: dealings verify, shares match commitments, keys combine', () => {
  const d = V.dkg;
  const Cs = [];
  d.dealers.forEach((dl, k) => {
    const dec = c.decodeDealing(c.fromHex(dl.public));
    assert.equal(dec.dealer, k + 1);
    assert.equal(c.verifyDealing(d.election_id, d.threshold, dec), null);
    assert.notEqual(c.verifyDealing('other', d.threshold, dec), null);
    dl.shares_to_1_2_3.forEach((s, j) => {
      assert.ok(c.mul(c.G, c.decodeScalar(c.fromHex(s, 32))).equals(c.evalCommitments(dec.C, j + 1)));
    });
    Cs.push(dec.C);
  });
  let pk = c.ZERO;
  for (const C of Cs) pk = pk.add(C[0]);
  assert.equal(c.pointHex(pk), d.joint_public_key);
  for (let j = 1; j <= d.trustees; j++) {
    let X = c.ZERO;
    for (const C of Cs) X = X.add(c.evalCommitments(C, j));
    assert.equal(c.pointHex(X), d.verification_keys[j - 1]);
  }
});

test('tally: partials verify, Lagrange at 0, combined m·G and counts', () => {
  const T = V.tally;
  const X = V.dkg.verification_keys.map((h) => c.decodePoint(c.fromHex(h, 32)));
  const lam = c.lagrange([1, 3]);
  assert.equal(hex(c.bigToLE32(lam[0])), T.lagrange_1_3['1']);
  assert.equal(hex(c.bigToLE32(lam[1])), T.lagrange_1_3['3']);
  const dlog = new c.DLog(T.ballots.length);
  for (const e of T.entries) {
    const ct = c.fromHex(e.ciphertext, 64);
    const alpha = c.decodePoint(ct.subarray(0, 32));
    const beta = c.decodePoint(ct.subarray(32));
    let P = beta;
    e.partials.forEach((p, k) => {
      const dec = c.decodePartial(c.fromHex(p.partial, 100));
      assert.equal(dec.j, p.trustee);
      assert.equal(c.verifyPartial(V.dkg.election_id, e.question, e.option, X[p.trustee - 1], alpha, beta, dec), null);
      assert.notEqual(c.verifyPartial(V.dkg.election_id, e.question, e.option + 1, X[p.trustee - 1], alpha, beta, dec), null);
      P = P.subtract(c.mul(dec.D, lam[k]));
    });
    assert.equal(c.pointHex(P), e.combined);
    assert.equal(dlog.solve(P), e.count);
  }
});

test('points: non-canonical encodings refused', () => {
  const ff = new Uint8Array(32).fill(0xff);
  assert.throws(() => c.decodePoint(ff), c.DecodeError);
  const neg = new Uint8Array(32);
  neg[0] = 1; // s = 1 is odd ("negative")
  assert.throws(() => c.decodePoint(neg), c.DecodeError);
  assert.ok(c.decodePoint(new Uint8Array(32)).is0());
  assert.throws(() => c.decodeScalar(c.bigToLE32(c.L)), c.DecodeError);
});
