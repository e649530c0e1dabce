#!/usr/bin/env node
// publica-jsverify: a second, independent verifier of a Publica election,
// written only from docs/ballot-verifier.md and docs/election-crypto.md.
//
//   node verify.mjs [--json] RECORD.json...
//
// Each RECORD is an election record exported by
// `publica audit election ID --export RECORD.json` (ballot-verifier.md §6).
// Prints a verdict per record (one JSON report per line with --json);
// exit status 0 iff every record verifies, 1 if one fails, 2 on bad usage
// or an unreadable file.
import { readFileSync } from 'node:fs';
import { loadRecord, verifyRecord } from './election.mjs';

const args = process.argv.slice(2);
const asJSON = args.includes('--json');
const files = args.filter((a) => a !== '--json');
if (files.length === 0 || files.some((f) => f.startsWith('--'))) {
  process.stderr.write('usage: node verify.mjs [--json] RECORD.json...\n');
  process.exit(2);
}

let status = 0;
for (const file of files) {
  let rep;
  try {
    const started = process.hrtime.bigint();
    rep = verifyRecord(loadRecord(JSON.parse(readFileSync(file, 'utf8'))));
    rep.elapsed_ms = Number((process.hrtime.bigint() - started) / 1000000n);
  } catch (err) {
    process.stderr.write(`${file}: ${err.message}\n`);
    if (asJSON) process.stdout.write(JSON.stringify({ file, ok: false, failures: [`unreadable record: ${err.message}`] }) + '\n');
    status = Math.max(status, 2);
    continue;
  }
  rep.file = file;
  if (!rep.ok) status = Math.max(status, 1);
  if (asJSON) {
    process.stdout.write(JSON.stringify(rep) + '\n');
    continue;
  }
  const lines = [
    `election ${rep.election} (${rep.phase}): ${rep.ok ? 'PASS' : 'FAIL'}`,
    `  key ceremony: ${rep.dealings_verified} dealings verified, ${rep.complaints_checked} complaints checked, qualified dealers [${rep.qualified.join(' ')}], threshold ${rep.threshold} of ${rep.trustees}`,
    `  ballots: ${rep.ballots_counted} counted, ${rep.ballots_valid} with valid proofs; trackers ${JSON.stringify(rep.trackers)}`,
    `  aggregate recomputed and equal to the record's: ${rep.aggregate_matches}`,
  ];
  if (rep.phase === 'tallied') lines.push(`  partial decryptions verified: ${rep.partial_decryptions_verified}; result ${JSON.stringify(rep.result)} recomputed and equal: ${rep.result_matches}`);
  for (const n of rep.notes) lines.push(`  note: ${n}`);
  for (const f of rep.failures) lines.push(`  FAILURE: ${f}`);
  lines.push(`  verified in ${rep.elapsed_ms} ms`);
  process.stdout.write(lines.join('\n') + '\n');
}
process.exit(status);
