// Group, encodings, hashes and proof checks of docs/election-crypto.md,
// written from that document only (no code shared with the Go verifier).
import { createHash } from 'node:crypto';
import { ristretto255 } from '@noble/curves/ed25519.js';

const Point = ristretto255.Point;

// ℓ, the order of the ristretto255 group (election-crypto.md, "Notation and group").
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;
export const G = Point.BASE;
export const ZERO = Point.ZERO;

export class DecodeError extends Error {}

export const mod = (a) => {
  const r = a % L;
  return r < 0n ? r + L : r;
};

// Scalar multiplication; the verifier's inputs are public, so the variable-time
// path is fine. Accepts any integer (reduced mod ℓ first), including 0.
export function mul(P, s) {
  const k = mod(s);
  if (k === 0n) return ZERO;
  // The base point and precomputed points (fixedBase) have window tables:
  // multiply() uses them; any other point takes the wNAF path.
  if (P === G || P.__fixed) return P.multiply(k);
  return P.multiplyUnsafe(k);
}

// fixedBase returns P with a window table for repeated multiplication
// (the election key, the verification keys).
export function fixedBase(P) {
  const Q = P.add(ZERO);
  Q.precompute(8, false);
  Q.__fixed = true;
  return Q;
}

export function leToBig(bytes) {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]);
  return x;
}

export function bigToLE32(x) {
  const out = new Uint8Array(32);
  let v = x;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

// Point: 32-byte canonical encoding, RFC 9496 §4.3.1 (noble implements the
// checks: field element < p, non-negative s, square, non-negative t, y ≠ 0).
export function decodePoint(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw new DecodeError('point: not 32 bytes');
  try {
    return Point.fromBytes(bytes);
  } catch (e) {
    throw new DecodeError('point: non-canonical encoding');
  }
}

export const encodePoint = (P) => P.toBytes();
export const pointHex = (P) => Buffer.from(P.toBytes()).toString('hex');

// Scalar: 32 bytes little-endian, value < ℓ.
export function decodeScalar(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw new DecodeError('scalar: not 32 bytes');
  const x = leToBig(bytes);
  if (x >= L) throw new DecodeError('scalar: not below the group order');
  return x;
}

// Lowercase hex only ("hex" is lowercase hexadecimal, ballot-verifier.md §1).
export function fromHex(s, len) {
  if (typeof s !== 'string' || !/^([0-9a-f]{2})*$/.test(s)) throw new DecodeError('not lowercase hex');
  const b = Uint8Array.from(Buffer.from(s, 'hex'));
  if (len !== undefined && b.length !== len) throw new DecodeError(`hex: ${b.length} bytes, want ${len}`);
  return b;
}

export const sha512 = (...parts) => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

// Tracker: SHA-512/256 of the ballot encoding.
export const tracker = (bytes) => createHash('sha512-256').update(bytes).digest('hex');

// H(x) = SHA-512(x) read as a 512-bit little-endian integer, reduced mod ℓ.
export const hashToScalar = (...parts) => mod(leToBig(sha512(...parts)));

export function u8(n) {
  return Uint8Array.of(n & 0xff);
}
export function u16(n) {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}
export function u32(n) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, false);
  return b;
}
const utf8 = (s) => (typeof s === 'string' ? new TextEncoder().encode(s) : s);
// lp(s) = u32(len(s)) ‖ s
export function lp(s) {
  const b = utf8(s);
  return concat(u32(b.length), b);
}
export function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// A strict reader: every read checks the remaining length.
export class Reader {
  constructor(bytes) {
    this.b = bytes;
    this.o = 0;
  }
  need(n) {
    if (n < 0 || this.o + n > this.b.length) throw new DecodeError('truncated');
  }
  bytes(n) {
    this.need(n);
    const s = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return s;
  }
  u8() {
    return this.bytes(1)[0];
  }
  u16() {
    const s = this.bytes(2);
    return (s[0] << 8) | s[1];
  }
  u32() {
    const s = this.bytes(4);
    return ((s[0] << 24) >>> 0) + (s[1] << 16) + (s[2] << 8) + s[3];
  }
  point() {
    return decodePoint(this.bytes(32));
  }
  scalar() {
    return decodeScalar(this.bytes(32));
  }
  remaining() {
    return this.b.length - this.o;
  }
  end() {
    if (this.o !== this.b.length) throw new DecodeError('trailing bytes');
  }
}

// ---- Ballot (election-crypto.md §Ballot) ----

// Number of range-proof branches for a question shape: max − min + 1, or 0
// when min = 0 and max ≥ options (every total allowed).
export function rangeBranches(q) {
  if (q.min === 0 && q.max >= q.options) return 0;
  return q.max - q.min + 1;
}

function readBranch(r) {
  const A = r.point();
  const B = r.point();
  const C = r.scalar();
  const Z = r.scalar();
  return { A, B, C, Z };
}

// decodeBallot parses the version-1 encoding strictly. Counts are checked
// against the remaining input here and against the election's shapes in
// verifyBallot.
export function decodeBallot(bytes) {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== 1) throw new DecodeError(`ballot: unknown version ${version}`);
  const eidLen = r.u8();
  if (eidLen === 0) throw new DecodeError('ballot: empty election id');
  const electionIdBytes = r.bytes(eidLen);
  const electionId = Buffer.from(electionIdBytes).toString('latin1');
  const voterLen = r.u8();
  if (voterLen === 0) throw new DecodeError('ballot: empty voter');
  const voterBytes = r.bytes(voterLen);
  const voter = Buffer.from(voterBytes).toString('latin1');
  const nq = r.u16();
  if (nq === 0) throw new DecodeError('ballot: no questions');
  const questions = [];
  for (let q = 0; q < nq; q++) {
    const no = r.u16();
    if (no === 0) throw new DecodeError(`ballot: question ${q} has no options`);
    if (no * 320 > r.remaining()) throw new DecodeError('ballot: option count larger than the input');
    const options = [];
    for (let o = 0; o < no; o++) {
      const alpha = r.point();
      const beta = r.point();
      const b0 = readBranch(r);
      const b1 = readBranch(r);
      options.push({ alpha, beta, branches: [b0, b1] });
    }
    const nr = r.u16();
    if (nr * 128 > r.remaining()) throw new DecodeError('ballot: range branch count larger than the input');
    const range = [];
    for (let i = 0; i < nr; i++) range.push(readBranch(r));
    questions.push({ options, range });
  }
  r.end();
  return { electionId, electionIdBytes, voter, voterBytes, questions };
}

// verifyCDS checks a disjunctive Chaum–Pedersen proof that (α, β) encrypts
// one of values under pk, with the transcript prefix given.
export function verifyCDS(transcript, pk, alpha, beta, values, branches) {
  if (branches.length !== values.length) return 'wrong number of branches';
  const parts = [transcript];
  for (const br of branches) parts.push(br.A.toBytes(), br.B.toBytes());
  const c = hashToScalar(concat(...parts));
  let sum = 0n;
  for (const br of branches) sum += br.C;
  if (mod(sum) !== c) return 'challenges do not sum to the hash';
  for (let i = 0; i < branches.length; i++) {
    const { A, B, C, Z } = branches[i];
    const a = mul(G, Z).subtract(mul(alpha, C));
    if (!a.equals(A)) return `branch ${i}: A equation fails`;
    const b = mul(pk, Z).subtract(mul(beta, C)).add(mul(G, C * BigInt(values[i])));
    if (!b.equals(B)) return `branch ${i}: B equation fails`;
  }
  return null;
}

// verifyBallot checks a decoded ballot against the election parameters
// {electionId, pk, questions:[{options,min,max}]}; it returns null or a reason.
export function verifyBallot(ballot, params) {
  if (ballot.electionId !== params.electionId) return 'ballot is for another election';
  if (ballot.questions.length !== params.questions.length) return 'wrong number of questions';
  const pkBytes = params.pk.toBytes();
  for (let q = 0; q < params.questions.length; q++) {
    const spec = params.questions[q];
    const bq = ballot.questions[q];
    if (bq.options.length !== spec.options) return `question ${q}: wrong number of options`;
    let sa = ZERO;
    let sb = ZERO;
    for (let o = 0; o < spec.options; o++) {
      const { alpha, beta, branches } = bq.options[o];
      if (alpha.is0()) return `question ${q} option ${o}: α is the identity`;
      const t = concat(
        lp('publica/election/v1/selection'),
        lp(ballot.electionIdBytes),
        lp(ballot.voterBytes),
        u32(q),
        u32(o),
        pkBytes,
        alpha.toBytes(),
        beta.toBytes(),
      );
      const why = verifyCDS(t, params.pk, alpha, beta, [0, 1], branches);
      if (why) return `question ${q} option ${o}: selection proof: ${why}`;
      sa = sa.add(alpha);
      sb = sb.add(beta);
    }
    const nr = rangeBranches(spec);
    if (bq.range.length !== nr) return `question ${q}: ${bq.range.length} range branches, want ${nr}`;
    if (nr > 0) {
      const values = [];
      for (let v = spec.min; v <= spec.max; v++) values.push(v);
      const t = concat(
        lp('publica/election/v1/range'),
        lp(ballot.electionIdBytes),
        lp(ballot.voterBytes),
        u32(q),
        u32(spec.min),
        u32(spec.max),
        pkBytes,
        sa.toBytes(),
        sb.toBytes(),
      );
      const why = verifyCDS(t, params.pk, sa, sb, values, bq.range);
      if (why) return `question ${q}: range proof: ${why}`;
    }
  }
  return null;
}

// ---- Trustees (election-crypto.md §Trustees) ----

// decodeDealing parses u32(i) ‖ u16(t) ‖ C_0 … C_{t−1} ‖ c ‖ z.
export function decodeDealing(bytes) {
  const r = new Reader(bytes);
  const dealer = r.u32();
  const t = r.u16();
  if (t * 32 + 64 !== r.remaining()) throw new DecodeError('dealing: length does not match its threshold');
  const C = [];
  for (let k = 0; k < t; k++) C.push(r.point());
  const c = r.scalar();
  const z = r.scalar();
  r.end();
  return { dealer, t, C, c, z };
}

// verifyDealing: count = t, no identity commitment, Schnorr proof of knowledge of a_i0.
export function verifyDealing(electionId, t, d) {
  if (d.t !== t || d.C.length !== t) return `threshold ${d.t}, want ${t}`;
  for (let k = 0; k < d.C.length; k++) if (d.C[k].is0()) return `commitment ${k} is the identity`;
  const R = mul(G, d.z).subtract(mul(d.C[0], d.c));
  const h = hashToScalar(
    concat(
      lp('publica/election/v1/dkg-pok'),
      lp(electionId),
      u32(d.dealer),
      u32(t),
      ...d.C.map((P) => P.toBytes()),
      R.toBytes(),
    ),
  );
  if (h !== d.c) return 'proof of knowledge fails';
  return null;
}

// Σ_k j^k · C_k
export function evalCommitments(C, j) {
  let acc = ZERO;
  let p = 1n;
  for (const Ck of C) {
    acc = acc.add(mul(Ck, p));
    p = mod(p * BigInt(j));
  }
  return acc;
}

// ---- Tally (election-crypto.md §Tally and decryption) ----

// decodePartial parses one 100-byte u32(j) ‖ D ‖ c ‖ z.
export function decodePartial(bytes) {
  const r = new Reader(bytes);
  const j = r.u32();
  const D = r.point();
  const c = r.scalar();
  const z = r.scalar();
  r.end();
  return { j, D, c, z };
}

export function verifyPartial(electionId, q, o, X, alpha, beta, p) {
  const A = mul(G, p.z).subtract(mul(X, p.c));
  const B = mul(alpha, p.z).subtract(mul(p.D, p.c));
  const h = hashToScalar(
    concat(
      lp('publica/election/v1/partial-decryption'),
      lp(electionId),
      u32(p.j),
      u32(q),
      u32(o),
      X.toBytes(),
      alpha.toBytes(),
      beta.toBytes(),
      p.D.toBytes(),
      A.toBytes(),
      B.toBytes(),
    ),
  );
  return h === p.c ? null : 'DLEQ proof fails';
}

export function invert(a) {
  // Fermat: a^(ℓ−2) mod ℓ
  let result = 1n;
  let base = mod(a);
  let e = L - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % L;
    base = (base * base) % L;
    e >>= 1n;
  }
  return result;
}

// Lagrange coefficients at 0 for the index set S (strictly increasing).
export function lagrange(S) {
  return S.map((j) => {
    let num = 1n;
    let den = 1n;
    for (const k of S) {
      if (k === j) continue;
      num = mod(num * BigInt(k));
      den = mod(den * BigInt(k - j));
    }
    return mod(num * invert(den));
  });
}

// Bounded discrete log: the m in [0, max] with m·G = P, or -1.
export class DLog {
  constructor(max) {
    this.max = max;
    this.M = Math.floor(Math.sqrt(max)) + 1;
    this.table = new Map();
    let P = ZERO;
    for (let j = 0; j < this.M; j++) {
      this.table.set(pointHex(P), j);
      P = P.add(G);
    }
    this.step = mul(G, BigInt(this.M));
  }
  solve(P) {
    let Q = P;
    for (let i = 0; i * this.M <= this.max; i++) {
      const j = this.table.get(pointHex(Q));
      if (j !== undefined) {
        const m = i * this.M + j;
        return m <= this.max ? m : -1;
      }
      Q = Q.subtract(this.step);
    }
    return -1;
  }
}
