// Package jsverifier holds the second, independent election verifier: a
// Node.js program (verify.mjs, election.mjs, crypto.mjs) written only from
// docs/ballot-verifier.md and docs/election-crypto.md, sharing no code with
// the Go verifier (audit/election) or the validators (crypto/elgamal,
// x/ballot). Its ristretto255 group comes from the npm package
// @noble/curves, pinned in package-lock.json and installed by
// scripts/install-node.sh.
//
// check-challenge.mjs checks a challenged ballot (ballot-verifier.md §5)
// the same way, from the documents alone.
//
// The Go test in this directory runs an election in-process, exports its
// record (`publica audit election --export`, ballot-verifier.md §6), and
// requires both verifiers to reach the same verdict on it and on a tampered
// copy for every record kind, and the same verdict from both checks of a
// challenged ballot on an honest opening and on every dishonest one.
package jsverifier
