#!/usr/bin/env node
// Checks a challenged ballot (docs/ballot-verifier.md §5) independently of
// the Go code:
//
//   node check-challenge.mjs [--json] --tracker T CHALLENGE.json ELECTION.json
//   node check-challenge.mjs --batch CASES.json
//
// ELECTION.json is the Election record (the value of ballot/election/<id>)
// or an exported election record (§6) that holds it. With --batch, CASES
// is a JSON array of {"election": <Election record as a JSON string>,
// "file": <challenge file as a JSON string>, "tracker": "<hex>"}, and one
// JSON verdict is printed per case. Exit status 0 iff every check passes.
import { readFileSync } from 'node:fs';
import { checkChallenge } from './challenge.mjs';
import { FORMAT } from './election.mjs';

const enc = new TextEncoder();
const args = process.argv.slice(2);
const usage = () => {
  process.stderr.write('usage: node check-challenge.mjs [--json] --tracker T CHALLENGE.json ELECTION.json | --batch CASES.json\n');
  process.exit(2);
};

function parseFile(text) {
  try {
    return JSON.parse(text);
  } catch (err) {
    return null;
  }
}

if (args[0] === '--batch') {
  if (args.length !== 2) usage();
  const cases = JSON.parse(readFileSync(args[1], 'utf8'));
  let status = 0;
  for (const c of cases) {
    const v = checkChallenge(enc.encode(c.election), parseFile(c.file), c.tracker);
    if (!v.ok) status = 1;
    process.stdout.write(JSON.stringify(v) + '\n');
  }
  process.exit(status);
}

let asJSON = false;
let tracker;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') asJSON = true;
  else if (args[i] === '--tracker') tracker = args[++i];
  else if (args[i].startsWith('--')) usage();
  else files.push(args[i]);
}
if (files.length !== 2 || tracker === undefined) usage();
const file = parseFile(readFileSync(files[0], 'utf8'));
let electionBytes = readFileSync(files[1]);
const doc = parseFile(electionBytes.toString('utf8'));
if (doc && doc.format === FORMAT && file && typeof file.election === 'string') {
  const entry = (doc.records || []).find((r) => r.key === `ballot/election/${file.election}`);
  electionBytes = entry ? Buffer.from(entry.value, 'base64') : Buffer.alloc(0);
}
const v = checkChallenge(new Uint8Array(electionBytes), file, tracker);
if (asJSON) process.stdout.write(JSON.stringify(v) + '\n');
else if (v.ok) process.stdout.write(`challenged ballot: PASS\n${v.choices.map((c, q) => `  question ${q}: options chosen [${c.join(' ')}]`).join('\n')}\n`);
else process.stdout.write(`challenged ballot: FAIL: ${v.problem}\n`);
process.exit(v.ok ? 0 : 1);
