// The checks of docs/ballot-verifier.md §1–§4 over an exported election
// record (ballot-verifier.md §6), written from the documents only.
import {
  DecodeError,
  DLog,
  G,
  ZERO,
  decodeBallot,
  decodeDealing,
  decodePartial,
  decodePoint,
  decodeScalar,
  evalCommitments,
  fixedBase,
  fromHex,
  lagrange,
  mul,
  pointHex,
  sha512,
  tracker as trackerOf,
  verifyBallot,
  verifyDealing,
  verifyPartial,
} from './crypto.mjs';

export const FORMAT = 'publica/election-record/v1';
const ID_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ACCOUNT_RE = /^[0-9a-f]{40}$/;
const IDX_RE = /^[0-9]{3}$/;
const KINDS = ['trustee', 'complaint', 'roll', 'vote', 'tracker', 'partial'];

const isInt = (v, lo, hi) => Number.isSafeInteger(v) && v >= lo && v <= hi;
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function parseIdx(s, n) {
  if (!IDX_RE.test(s)) return 0;
  const i = Number(s);
  return i >= 1 && i <= n ? i : 0;
}

function jsonOf(bytes) {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return JSON.parse(text);
}

// Question shape for the cryptography (ballot-verifier.md §1, QuestionSpec).
export function questionSpec(q) {
  if (!isObj(q) || typeof q.text !== 'string' || !Array.isArray(q.options)) return null;
  const n = q.options.length;
  if (n < 1 || n > 256 || !q.options.every((o) => typeof o === 'string')) return null;
  switch (q.kind) {
    case 'yes_no':
      if (n !== 2 || q.options[0] !== 'yes' || q.options[1] !== 'no') return null;
      return { options: n, min: 1, max: 1, kind: q.kind };
    case 'single_choice':
      if (n < 2) return null;
      return { options: n, min: 1, max: 1, kind: q.kind };
    case 'approval':
      if (!isInt(q.max_choices, 1, n)) return null;
      return { options: n, min: 0, max: q.max_choices, kind: q.kind };
    default:
      return null;
  }
}

export class Report {
  constructor(id) {
    this.election = id;
    this.phase = '';
    this.trustees = 0;
    this.threshold = 0;
    this.dealings_verified = 0;
    this.complaints_checked = 0;
    this.qualified = [];
    this.ballots_counted = 0;
    this.ballots_valid = 0;
    this.trackers = {};
    this.aggregate_matches = false;
    this.partial_decryptions_verified = 0;
    this.result = null;
    this.result_matches = false;
    this.failures = [];
    this.notes = [];
    this.ok = false;
  }
  fail(msg) {
    if (this.failures.length < 100) this.failures.push(msg);
    else if (this.failures.length === 100) this.failures.push('… further failures omitted');
  }
}

// loadRecord checks the export's envelope and returns {id, height, kv}
// (kv: Map key → Uint8Array), or throws.
export function loadRecord(doc) {
  if (!isObj(doc) || doc.format !== FORMAT) throw new Error(`not an election record (format must be "${FORMAT}")`);
  if (typeof doc.election !== 'string' || !ID_RE.test(doc.election)) throw new Error('record: bad election id');
  if (!Array.isArray(doc.records)) throw new Error('record: no records list');
  const kv = new Map();
  let prev = null;
  for (const e of doc.records) {
    if (!isObj(e) || typeof e.key !== 'string' || typeof e.value !== 'string') throw new Error('record: entry without key and value');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(e.value) || e.value.length % 4 !== 0) throw new Error(`record ${e.key}: value is not base64`);
    if (kv.has(e.key)) throw new Error(`record ${e.key}: the key appears twice`);
    if (prev !== null && !(prev < e.key)) throw new Error(`record ${e.key}: keys are not in increasing order`);
    prev = e.key;
    kv.set(e.key, Uint8Array.from(Buffer.from(e.value, 'base64')));
  }
  return { id: doc.election, height: doc.height, kv };
}

// list returns [suffix, value] for every key under ballot/<kind>/<id>/, in key order.
function list(kv, kind, id) {
  const p = `ballot/${kind}/${id}/`;
  const out = [];
  for (const [k, v] of kv) if (k.startsWith(p)) out.push([k.slice(p.length), v]);
  return out;
}

// Ballot checks are pure functions of (election id, key, question shapes,
// ballot bytes); one process verifying several records (the test's
// tampered copies) checks each distinct ballot once.
const ballotCache = new Map();

function checkBallot(bytes, params) {
  const k = Buffer.from(
    sha512(
      new TextEncoder().encode(JSON.stringify([params.electionId, pointHex(params.pk), params.questions])),
      new Uint8Array([0]),
      bytes,
    ),
  ).toString('hex');
  let res = ballotCache.get(k);
  if (!res) {
    try {
      const ballot = decodeBallot(bytes);
      res = { ballot, why: verifyBallot(ballot, params) };
    } catch (err) {
      res = { ballot: null, why: err.message };
    }
    if (ballotCache.size > 100000) ballotCache.clear();
    ballotCache.set(k, res);
  }
  return res;
}

export function verifyRecord(rec) {
  const { id, kv } = rec;
  const r = new Report(id);
  try {
    run(r, id, kv);
  } catch (e) {
    r.fail(`verifier stopped: ${e && e.message ? e.message : e}`);
  }
  r.ok = r.failures.length === 0;
  return r;
}

function run(r, id, kv) {
  // Every key must be one of the documented records of this election.
  const single = new Set([`ballot/election/${id}`, `ballot/aggregate/${id}`, `ballot/result/${id}`]);
  for (const k of kv.keys()) {
    if (single.has(k)) continue;
    if (KINDS.some((kind) => k.startsWith(`ballot/${kind}/${id}/`))) continue;
    r.fail(`record ${k}: not a record of election ${id}`);
  }

  // ---- Election ----
  const ekey = `ballot/election/${id}`;
  if (!kv.has(ekey)) {
    r.fail(`election: no record ${ekey}`);
    return;
  }
  let e;
  try {
    e = jsonOf(kv.get(ekey));
  } catch (err) {
    r.fail(`election: not JSON: ${err.message}`);
    return;
  }
  if (!isObj(e) || e.id !== id) {
    r.fail(`election: record's id is not ${id}`);
    return;
  }
  r.phase = typeof e.phase === 'string' ? e.phase : '';
  if (!['key_ceremony', 'ready', 'tallied'].includes(e.phase)) {
    r.fail(`election: unknown phase ${JSON.stringify(e.phase)}`);
    return;
  }
  if (!Array.isArray(e.trustees) || e.trustees.length < 1 || e.trustees.length > 255 || !e.trustees.every((a) => typeof a === 'string' && ACCOUNT_RE.test(a))) {
    r.fail('election: trustees must be 1–255 account ids');
    return;
  }
  const n = e.trustees.length;
  if (!isInt(e.threshold, 1, n)) {
    r.fail(`election: threshold ${JSON.stringify(e.threshold)} is not in 1..${n}`);
    return;
  }
  const t = e.threshold;
  r.trustees = n;
  r.threshold = t;
  if (!Array.isArray(e.questions) || e.questions.length < 1 || e.questions.length > 64) {
    r.fail('election: questions must be 1–64');
    return;
  }
  const specs = e.questions.map(questionSpec);
  const badQ = specs.findIndex((s) => s === null);
  if (badQ >= 0) {
    r.fail(`election: question ${badQ} has no valid shape`);
    return;
  }
  if (!isObj(e.eligibility) || !['roll', 'credential'].includes(e.eligibility.kind)) {
    r.fail('election: eligibility kind must be roll or credential');
    return;
  }

  // ---- §2 Key ceremony ----
  const dealings = new Map(); // index → commitments, for verified dealings
  const trusteeRecs = new Map();
  for (const [suffix, v] of list(kv, 'trustee', id)) {
    const idx = parseIdx(suffix, n);
    if (!idx) {
      r.fail(`trustee ${suffix}: not a trustee index of this election`);
      continue;
    }
    let tr;
    try {
      tr = jsonOf(v);
    } catch (err) {
      r.fail(`trustee ${idx}: not JSON`);
      continue;
    }
    if (!isObj(tr) || tr.index !== idx) {
      r.fail(`trustee ${idx}: record's index is not ${idx}`);
      continue;
    }
    trusteeRecs.set(idx, tr);
    if (tr.account !== e.trustees[idx - 1]) r.fail(`trustee ${idx}: account is not the election's trustee ${idx}`);
    try {
      decodePoint(fromHex(tr.comm_key, 32));
    } catch (err) {
      r.fail(`trustee ${idx}: comm_key: ${err.message}`);
    }
    if (tr.dealing === undefined) continue;
    try {
      const d = decodeDealing(fromHex(tr.dealing));
      if (d.dealer !== idx) throw new DecodeError(`dealing names dealer ${d.dealer}`);
      const why = verifyDealing(id, t, d);
      if (why) throw new DecodeError(why);
      dealings.set(idx, d.C);
      r.dealings_verified++;
    } catch (err) {
      r.fail(`trustee ${idx}: dealing: ${err.message}`);
    }
  }

  const upheldAgainst = new Set();
  const openAgainst = new Set();
  const keyPublished = e.phase !== 'key_ceremony';
  for (const [suffix, v] of list(kv, 'complaint', id)) {
    const parts = suffix.split('/');
    const dealer = parts.length === 2 ? parseIdx(parts[0], n) : 0;
    const complainer = parts.length === 2 ? parseIdx(parts[1], n) : 0;
    if (!dealer || !complainer) {
      r.fail(`complaint ${suffix}: not a dealer/complainer pair of this election`);
      continue;
    }
    const name = `complaint ${dealer}/${complainer}`;
    let c;
    try {
      c = jsonOf(v);
    } catch (err) {
      r.fail(`${name}: not JSON`);
      continue;
    }
    if (!isObj(c) || c.dealer !== dealer || c.complainer !== complainer) {
      r.fail(`${name}: record does not name this dealer and complainer`);
      continue;
    }
    r.complaints_checked++;
    // Does the revealed share answer the complaint?
    let answers = false;
    if (c.revealed !== undefined && dealings.has(dealer)) {
      try {
        const s = decodeScalar(fromHex(c.revealed, 32));
        answers = mul(G, s).equals(evalCommitments(dealings.get(dealer), complainer));
      } catch (err) {
        answers = false;
      }
    }
    switch (c.status) {
      case 'rejected':
        if (!answers) r.fail(`${name}: rejected, but the revealed share does not match the dealer's commitments`);
        break;
      case 'upheld':
        upheldAgainst.add(dealer);
        if (answers) r.fail(`${name}: upheld, but the revealed share matches the dealer's commitments`);
        break;
      case 'open':
        openAgainst.add(dealer);
        if (keyPublished) r.fail(`${name}: still open after the key was published`);
        break;
      default:
        r.fail(`${name}: unknown status ${JSON.stringify(c.status)}`);
    }
  }

  const qualified = [];
  for (let i = 1; i <= n; i++) {
    const tr = trusteeRecs.get(i);
    const disq = tr !== undefined && tr.disqualified === true;
    if (tr !== undefined && tr.disqualified !== undefined && typeof tr.disqualified !== 'boolean') r.fail(`trustee ${i}: disqualified is not a boolean`);
    if (disq !== upheldAgainst.has(i)) {
      r.fail(disq ? `trustee ${i}: disqualified with no upheld complaint` : `trustee ${i}: a complaint against it is upheld but it is not disqualified`);
    }
    if (dealings.has(i) && !upheldAgainst.has(i) && !openAgainst.has(i) && !disq) qualified.push(i);
  }
  r.qualified = qualified;

  if (!keyPublished) {
    for (const k of ['public_key', 'qualified', 'verification_keys']) if (e[k] !== undefined) r.fail(`election: ${k} set during the key ceremony`);
    for (const kind of ['vote', 'tracker', 'partial']) if (list(kv, kind, id).length) r.fail(`election: ${kind} records before the key is published`);
    if (kv.has(`ballot/aggregate/${id}`) || kv.has(`ballot/result/${id}`)) r.fail('election: aggregate or result before the key is published');
    return;
  }
  if (!Array.isArray(e.qualified) || e.qualified.length !== qualified.length || e.qualified.some((x, k) => x !== qualified[k])) {
    r.fail(`election: qualified ${JSON.stringify(e.qualified)}, recomputed ${JSON.stringify(qualified)}`);
  }
  if (qualified.length < t) {
    r.fail(`key ceremony: ${qualified.length} qualified dealers, fewer than the threshold ${t}`);
    return;
  }
  let pk = ZERO;
  for (const i of qualified) pk = pk.add(dealings.get(i)[0]);
  if (pk.is0()) r.fail('key ceremony: the joint key is the identity');
  if (e.public_key !== pointHex(pk)) r.fail('election: public_key is not the sum of the qualified dealers\' constant terms');
  const X = [];
  for (let j = 1; j <= n; j++) {
    let Xj = ZERO;
    for (const i of qualified) Xj = Xj.add(evalCommitments(dealings.get(i), j));
    X.push(Xj);
  }
  if (!Array.isArray(e.verification_keys) || e.verification_keys.length !== n) {
    r.fail(`election: verification_keys must list ${n} keys`);
  } else {
    for (let j = 1; j <= n; j++) {
      if (e.verification_keys[j - 1] !== pointHex(X[j - 1])) r.fail(`election: verification key ${j} does not match the dealings`);
    }
  }

  // ---- §3 Ballots and aggregate ----
  const params = { electionId: id, pk: fixedBase(pk), questions: specs };
  const Xf = X.map(fixedBase);
  const trackerRecs = new Map();
  for (const [suffix, v] of list(kv, 'tracker', id)) {
    if (!/^[0-9a-f]{64}$/.test(suffix)) {
      r.fail(`tracker ${suffix}: not 64 lowercase hex digits`);
      continue;
    }
    let tr;
    try {
      tr = jsonOf(v);
    } catch (err) {
      r.fail(`tracker ${suffix}: not JSON`);
      continue;
    }
    if (!isObj(tr) || !['counted', 'superseded', 'withdrawn'].includes(tr.status) || typeof tr.voter !== 'string') {
      r.fail(`tracker ${suffix}: no valid voter and status`);
      continue;
    }
    r.trackers[tr.status] = (r.trackers[tr.status] || 0) + 1;
    trackerRecs.set(suffix, tr);
  }

  const agg = specs.map((s) => Array.from({ length: s.options }, () => ({ alpha: ZERO, beta: ZERO })));
  const roll = e.eligibility.kind === 'roll';
  if (!roll) r.notes.push('eligibility by credential is not re-checked: its proofs live in the identity module (ballot-verifier.md §3.3)');
  for (const [account, v] of list(kv, 'vote', id)) {
    r.ballots_counted++;
    if (!ACCOUNT_RE.test(account)) {
      r.fail(`vote ${account}: not an account id`);
      continue;
    }
    const tk = trackerOf(v);
    const tr = trackerRecs.get(tk);
    if (!tr) r.fail(`vote ${account}: no tracker record ${tk}`);
    else if (tr.status !== 'counted' || tr.voter !== account) r.fail(`vote ${account}: tracker ${tk} is not counted for this voter`);
    if (roll) {
      const rv = kv.get(`ballot/roll/${id}/${account}`);
      if (!rv) r.fail(`vote ${account}: the voter is not on the roll`);
      else if (rv.length !== 1 || rv[0] !== 1) r.fail(`vote ${account}: the voter's roll entry is not the byte 0x01`);
    }
    const { ballot: b, why } = checkBallot(v, params);
    if (!b) {
      r.fail(`vote ${account}: ${why}`);
      continue;
    }
    if (b.voter !== account) {
      r.fail(`vote ${account}: the ballot is cast by ${JSON.stringify(b.voter)}`);
      continue;
    }
    if (why) {
      r.fail(`vote ${account}: ${why}`);
      continue;
    }
    r.ballots_valid++;
    for (let q = 0; q < specs.length; q++) {
      for (let o = 0; o < specs[q].options; o++) {
        const c = agg[q][o];
        c.alpha = c.alpha.add(b.questions[q].options[o].alpha);
        c.beta = c.beta.add(b.questions[q].options[o].beta);
      }
    }
  }
  const counted = r.ballots_counted;
  if ((r.trackers.counted || 0) !== counted) r.fail(`trackers: ${r.trackers.counted || 0} counted, but ${counted} counted ballots`);

  const akey = `ballot/aggregate/${id}`;
  if (!kv.has(akey)) {
    r.fail('aggregate: no record (it is stored when the key is published)');
  } else {
    let a;
    try {
      a = jsonOf(kv.get(akey));
    } catch (err) {
      a = null;
    }
    let ok = isObj(a) && a.ballots === counted && Array.isArray(a.questions) && a.questions.length === specs.length;
    if (isObj(a) && a.ballots !== counted) r.fail(`aggregate: ${JSON.stringify(a.ballots)} ballots, but ${counted} counted`);
    for (let q = 0; ok && q < specs.length; q++) {
      const row = a.questions[q];
      if (!Array.isArray(row) || row.length !== specs[q].options) {
        ok = false;
        break;
      }
      for (let o = 0; o < specs[q].options; o++) {
        const want = pointHex(agg[q][o].alpha) + pointHex(agg[q][o].beta);
        if (row[o] !== want) {
          ok = false;
          r.fail(`aggregate: question ${q} option ${o} is not the sum of the counted ballots`);
        }
      }
    }
    if (!ok && r.failures.every((f) => !f.startsWith('aggregate:'))) r.fail('aggregate: record does not match the counted ballots');
    r.aggregate_matches = ok;
  }

  // ---- §4 Tally ----
  const partials = new Map(); // idx → [[D…]…] for fully verified partial records
  for (const [suffix, v] of list(kv, 'partial', id)) {
    const idx = parseIdx(suffix, n);
    if (!idx) {
      r.fail(`partial ${suffix}: not a trustee index of this election`);
      continue;
    }
    const total = specs.reduce((s, q) => s + q.options, 0);
    if (v.length !== total * 100) {
      r.fail(`partial ${idx}: ${v.length} bytes, want ${total * 100}`);
      continue;
    }
    const Ds = [];
    let good = true;
    let k = 0;
    for (let q = 0; q < specs.length && good; q++) {
      const row = [];
      for (let o = 0; o < specs[q].options; o++, k++) {
        try {
          const p = decodePartial(v.subarray(k * 100, k * 100 + 100));
          if (p.j !== idx) throw new DecodeError(`names trustee ${p.j}`);
          const why = verifyPartial(id, q, o, Xf[idx - 1], agg[q][o].alpha, agg[q][o].beta, p);
          if (why) throw new DecodeError(why);
          row.push(p.D);
          r.partial_decryptions_verified++;
        } catch (err) {
          r.fail(`partial ${idx}: question ${q} option ${o}: ${err.message}`);
          good = false;
          break;
        }
      }
      Ds.push(row);
    }
    if (good) partials.set(idx, Ds);
  }

  const rkey = `ballot/result/${id}`;
  if (e.phase !== 'tallied') {
    if (kv.has(rkey)) r.fail(`result: present in phase ${e.phase}`);
    return;
  }
  if (!kv.has(rkey)) {
    r.fail('result: no record in phase tallied');
    return;
  }
  let res;
  try {
    res = jsonOf(kv.get(rkey));
  } catch (err) {
    r.fail('result: not JSON');
    return;
  }
  if (!isObj(res) || !Array.isArray(res.trustees) || !Array.isArray(res.counts)) {
    r.fail('result: no trustees and counts');
    return;
  }
  if (res.ballots !== counted) r.fail(`result: ${JSON.stringify(res.ballots)} ballots, but ${counted} counted`);
  const S = res.trustees;
  let sOK = S.length >= t;
  if (!sOK) r.fail(`result: ${S.length} trustees, fewer than the threshold ${t}`);
  for (let k = 0; k < S.length; k++) {
    if (!isInt(S[k], 1, n) || (k > 0 && !(S[k] > S[k - 1]))) {
      r.fail('result: trustees must be strictly increasing indices of this election');
      sOK = false;
      break;
    }
    if (!partials.has(S[k])) {
      r.fail(`result: trustee ${S[k]} has no valid partial decryptions`);
      sOK = false;
    }
  }
  if (!sOK) return;
  const lambda = lagrange(S);
  const dlog = new DLog(counted);
  const counts = [];
  for (let q = 0; q < specs.length; q++) {
    const row = [];
    for (let o = 0; o < specs[q].options; o++) {
      let P = agg[q][o].beta;
      for (let k = 0; k < S.length; k++) P = P.subtract(mul(partials.get(S[k])[q][o], lambda[k]));
      const m = dlog.solve(P);
      if (m < 0) {
        r.fail(`result: question ${q} option ${o} decrypts to no count in [0, ${counted}]`);
        return;
      }
      row.push(m);
    }
    counts.push(row);
  }
  r.result = counts;
  const same =
    res.counts.length === counts.length &&
    counts.every((row, q) => Array.isArray(res.counts[q]) && res.counts[q].length === row.length && row.every((m, o) => res.counts[q][o] === m));
  if (!same) r.fail(`result: counts ${JSON.stringify(res.counts)}, recomputed ${JSON.stringify(counts)}`);
  r.result_matches = same && res.ballots === counted;
  for (let q = 0; q < specs.length; q++) {
    const sum = counts[q].reduce((a, b) => a + b, 0);
    if (specs[q].kind === 'approval') {
      if (sum > specs[q].max * counted) r.fail(`result: question ${q}: ${sum} approvals exceed ${specs[q].max} × ${counted}`);
    } else if (sum !== counted) r.fail(`result: question ${q}: counts sum to ${sum}, not ${counted}`);
  }
}
