// Checking a challenged ballot (docs/ballot-verifier.md §5, opening
// encoding in docs/election-crypto.md "Benaloh audit"), from the documents only.
import {
  DecodeError,
  G,
  Reader,
  decodeBallot,
  decodePoint,
  fromHex,
  mul,
  tracker as trackerOf,
  verifyBallot,
} from './crypto.mjs';
import { questionSpec } from './election.mjs';

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// decodeOpening: u8 version = 1 ‖ u16 questions ‖ per question: u16 options ‖
// per option: u8 choice (0 or 1) ‖ r (scalar).
export function decodeOpening(bytes) {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== 1) throw new DecodeError(`opening: unknown version ${version}`);
  const nq = r.u16();
  const questions = [];
  for (let q = 0; q < nq; q++) {
    const no = r.u16();
    if (no * 33 > r.remaining()) throw new DecodeError('opening: option count larger than the input');
    const options = [];
    for (let o = 0; o < no; o++) {
      const choice = r.u8();
      if (choice > 1) throw new DecodeError(`opening: question ${q} option ${o}: choice ${choice} is not 0 or 1`);
      options.push({ choice, r: r.scalar() });
    }
    questions.push(options);
  }
  r.end();
  return questions;
}

// checkChallenge returns {ok, problem, choices}: choices[q] lists the
// indices of the options whose choice is 1.
export function checkChallenge(electionJSON, file, shownTracker) {
  const fail = (problem) => ({ ok: false, problem, choices: null });
  let e;
  try {
    e = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(electionJSON));
  } catch (err) {
    return fail('the election record is not JSON');
  }
  if (!isObj(file) || typeof file.election !== 'string' || typeof file.voter !== 'string' || typeof file.ballot !== 'string' || typeof file.opening !== 'string') {
    return fail('not a challenge file (election, voter, ballot and opening)');
  }
  if (!isObj(e) || e.id !== file.election) return fail('the election record is not the file\'s election');
  if (typeof e.public_key !== 'string') return fail('the election has no published key');
  let pk;
  try {
    pk = decodePoint(fromHex(e.public_key, 32));
  } catch (err) {
    return fail(`the election key: ${err.message}`);
  }
  if (pk.is0()) return fail('the election key is the identity');
  if (!Array.isArray(e.questions) || e.questions.length < 1 || e.questions.length > 64) return fail('the election has no valid questions');
  const specs = e.questions.map(questionSpec);
  if (specs.some((s) => s === null)) return fail('the election has a question with no valid shape');
  const T = typeof shownTracker === 'string' ? shownTracker.trim().toLowerCase() : '';
  if (!/^[0-9a-f]{64}$/.test(T)) return fail('the tracker you were shown must be 64 hex digits');
  let ballotBytes, openingBytes;
  try {
    // The challenge file's hex may be in either case (ballot-verifier.md §5).
    ballotBytes = fromHex(file.ballot.toLowerCase());
    openingBytes = fromHex(file.opening.toLowerCase());
  } catch (err) {
    return fail(`ballot or opening: ${err.message}`);
  }
  if (trackerOf(ballotBytes) !== T) return fail('the ballot is not the one whose tracker you were shown');
  let ballot;
  try {
    ballot = decodeBallot(ballotBytes);
  } catch (err) {
    return fail(`ballot: ${err.message}`);
  }
  const why = verifyBallot(ballot, { electionId: e.id, pk, questions: specs });
  if (why) return fail(`ballot: ${why}`);
  if (ballot.voter !== file.voter) return fail('the ballot is bound to another voter');
  let opening;
  try {
    opening = decodeOpening(openingBytes);
  } catch (err) {
    return fail(err.message);
  }
  if (opening.length !== specs.length) return fail('the opening does not have one entry per question');
  const choices = [];
  for (let q = 0; q < specs.length; q++) {
    if (opening[q].length !== specs[q].options) return fail(`question ${q}: the opening does not have one entry per option`);
    const chosen = [];
    for (let o = 0; o < specs[q].options; o++) {
      const { choice, r } = opening[q][o];
      const { alpha, beta } = ballot.questions[q].options[o];
      const a = mul(G, r);
      const b = mul(G, BigInt(choice)).add(mul(pk, r));
      if (!a.equals(alpha) || !b.equals(beta)) return fail(`question ${q} option ${o}: the ciphertext is not Encrypt(PK, choice, r)`);
      if (choice === 1) chosen.push(o);
    }
    if (chosen.length < specs[q].min || chosen.length > specs[q].max) return fail(`question ${q}: ${chosen.length} options chosen, outside ${specs[q].min}..${specs[q].max}`);
    choices.push(chosen);
  }
  return { ok: true, problem: '', choices };
}
