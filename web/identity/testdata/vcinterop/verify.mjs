// Independent verification of Publica's documents with Digital Bazaar's
// libraries, as a wallet or verifier would do it. Run by
// web/identity/interop_test.go:
//
//   node verify.mjs PORTAL_URL CASE.json
//
// CASE.json: {"credential": {...}, "presentation": {...}, "challenge": "...",
// "domain": "...", "dids": ["did:publica:..."], "documents": {"name": URL}}.
// Prints one JSON object: for the credential and the presentation whether
// @digitalbazaar/vc verifies them (eddsa-jcs-2022); for each status entry
// what @digitalbazaar/vc-bitstring-status-list reads with default
// settings (the status list credential fetched from the portal and its
// proof verified); for every document whether JSON-LD safe mode accepts
// it. Everything is loaded from the portal: the Publica context at
// /ns/identity/v1, DID documents at /1.0/identifiers/{did}, status lists
// at their own URLs. Only W3C and DID contexts come bundled with the
// packages; any other URL is refused.
import {readFile} from 'node:fs/promises';
import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as didContext from 'did-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import jsonld from 'jsonld';

const [portal, casePath] = process.argv.slice(2);
const kase = JSON.parse(await readFile(casePath, 'utf8'));
const PUBLICA_CONTEXT = 'https://publica.example/ns/identity/v1';

const bundled = new Map([
  ...credentialsContext.contexts, ...didContext.contexts, ...multikeyContext.contexts
]);
const fetched = [];

async function get(url, accept) {
  const r = await fetch(url, {headers: {accept}});
  fetched.push(`${r.status} ${url}`);
  if(!r.ok) {
    throw new Error(`GET ${url}: HTTP ${r.status}: ${await r.text()}`);
  }
  return r.json();
}

async function resolveDid(did) {
  return get(`${portal}/1.0/identifiers/${encodeURIComponent(did)}`,
    'application/did+ld+json');
}

async function documentLoader(url) {
  if(bundled.has(url)) {
    return {contextUrl: null, documentUrl: url, document: bundled.get(url)};
  }
  if(url === PUBLICA_CONTEXT) {
    // The context's IRI names it; the portal publishes it.
    const document = await get(`${portal}/ns/identity/v1`, 'application/ld+json');
    return {contextUrl: null, documentUrl: url, document};
  }
  if(url.startsWith('did:publica:')) {
    const [did, fragment] = url.split('#');
    const doc = await resolveDid(did);
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: doc};
    }
    const vm = (doc.verificationMethod || []).find(m => m.id === url);
    if(!vm) {
      throw new Error(`${url} is not a verification method of ${did}`);
    }
    return {contextUrl: null, documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...vm}};
  }
  if(url.startsWith(portal + '/')) {
    return {contextUrl: null, documentUrl: url, document: await get(url, 'application/vc, application/ld+json')};
  }
  throw new Error(`refusing to load ${url}: not the portal's`);
}

const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
const msg = e => e ? (e.message || String(e)) +
  (e.errors ? ': ' + e.errors.map(msg).join('; ') : '') +
  (e.cause ? ' (' + msg(e.cause) + ')' : '') : undefined;
const out = {};

async function safe(doc) {
  try {
    await jsonld.canonize(doc, {algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true});
    return 'ok';
  } catch(e) {
    return msg(e) + (e.details ? ' ' + JSON.stringify(e.details).slice(0, 400) : '');
  }
}

if(kase.credential) {
  // Status is checked below, on its own, so that a revoked credential's
  // signature still counts as verified here.
  const r = await vc.verifyCredential({credential: kase.credential, suite, documentLoader,
    checkStatus: async () => ({verified: true})});
  out.credential = {verified: r.verified, error: msg(r.error)};
  out.status = {};
  for(const entry of kase.credential.credentialStatus) {
    try {
      const s = await checkStatus({credential: {...kase.credential, credentialStatus: entry},
        documentLoader, suite, verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true});
      out.status[entry.statusPurpose] = {verified: s.verified, status: s.results?.[0]?.status,
        error: msg(s.error)};
    } catch(e) {
      out.status[entry.statusPurpose] = {verified: false, error: msg(e)};
    }
  }
  out.safe = {credential: await safe(kase.credential)};
}
if(kase.presentation) {
  const r = await vc.verify({presentation: kase.presentation, challenge: kase.challenge,
    domain: kase.domain, suite, documentLoader,
    checkStatus: async () => ({verified: true})});
  out.presentation = {verified: r.verified, error: msg(r.error) ||
    msg(r.presentationResult?.error) ||
    (r.credentialResults || []).map(c => msg(c.error)).filter(Boolean).join('; ') || undefined};
  out.safe = {...out.safe, presentation: await safe(kase.presentation)};
}
for(const did of kase.dids || []) {
  out.safe = {...out.safe, [did]: await safe(await resolveDid(did))};
}
for(const [name, url] of Object.entries(kase.documents || {})) {
  try {
    out.safe = {...out.safe, [name]: await safe(await get(url, 'application/ld+json'))};
  } catch(e) {
    out.safe = {...out.safe, [name]: msg(e)};
  }
}
out.fetched = fetched;
console.log(JSON.stringify(out));
