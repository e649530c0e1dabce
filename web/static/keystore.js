// The key held in this browser: an Ed25519 CryptoKey kept in IndexedDB.
// The stored private key is non-extractable: scripts can sign with it but
// not read it. Backups are AES-256-GCM under a PBKDF2-SHA-256 key derived
// from a passphrase; only while a backup is written or read is the key
// material briefly in memory. See docs/portal.md.
(function () {
  "use strict";
  var DB = "publica", STORE = "keys", ID = "default";
  var FORMAT = "publica-key-backup/v1", ITERATIONS = 600000;
  var ED = { name: "Ed25519" };
  var subtle = window.crypto && window.crypto.subtle;

  function open() {
    return new Promise(function (resolve, reject) {
      var r = indexedDB.open(DB, 1);
      r.onupgradeneeded = function () { r.result.createObjectStore(STORE); };
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }
  function run(mode, f) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), req = f(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(req.result); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  }
  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }
  function unhex(s) {
    if (!/^([0-9a-f]{2})*$/i.test(s)) throw new Error("not hex");
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
    return out;
  }
  function b64(buf) { return btoa(String.fromCharCode.apply(null, new Uint8Array(buf))); }
  function unb64(s) { return Uint8Array.from(atob(s), function (c) { return c.charCodeAt(0); }); }
  function accountId(pub) {
    return subtle.digest("SHA-256", pub).then(function (h) { return hex(new Uint8Array(h).slice(0, 20)); });
  }

  // supported resolves when this browser can make Ed25519 keys.
  function supported() {
    if (!subtle || !window.indexedDB) return Promise.reject(new Error("This browser has no WebCrypto or IndexedDB."));
    return subtle.generateKey(ED, false, ["sign", "verify"]).then(function () { return true; }, function () {
      throw new Error("This browser cannot make Ed25519 keys. Use a current Chrome, Edge, Firefox or Safari.");
    });
  }

  function wrapKey(pass, salt, iterations) {
    return subtle.importKey("raw", new TextEncoder().encode(pass), "PBKDF2", false, ["deriveKey"]).then(function (base) {
      return subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: iterations }, base,
        { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    });
  }
  function aad(pubHex) { return new TextEncoder().encode(FORMAT + "\n" + pubHex); }

  // store keeps a non-extractable copy of pkcs8 and returns the record.
  function store(pkcs8, pubHex) {
    return subtle.importKey("pkcs8", pkcs8, ED, false, ["sign"]).then(function (key) {
      return accountId(unhex(pubHex)).then(function (id) {
        var rec = { privateKey: key, publicKey: pubHex, accountId: id, created: new Date().toISOString() };
        return run("readwrite", function (s) { return s.put(rec, ID); }).then(function () { return rec; });
      });
    });
  }

  // create makes a key, stores it non-extractable and returns
  // {record, backup} where backup is the encrypted file's text.
  function create(pass) {
    return subtle.generateKey(ED, true, ["sign", "verify"]).then(function (pair) {
      return Promise.all([subtle.exportKey("pkcs8", pair.privateKey), subtle.exportKey("raw", pair.publicKey)]);
    }).then(function (k) {
      var pkcs8 = new Uint8Array(k[0]), pubHex = hex(k[1]);
      return backup(pkcs8, pubHex, pass).then(function (file) {
        return store(pkcs8, pubHex).then(function (rec) { pkcs8.fill(0); return { record: rec, backup: file }; });
      });
    });
  }

  function backup(pkcs8, pubHex, pass) {
    var salt = crypto.getRandomValues(new Uint8Array(16)), iv = crypto.getRandomValues(new Uint8Array(12));
    return wrapKey(pass, salt, ITERATIONS).then(function (wk) {
      return subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: aad(pubHex) }, wk, pkcs8);
    }).then(function (ct) {
      return accountId(unhex(pubHex)).then(function (id) {
        return JSON.stringify({
          format: FORMAT, public_key: pubHex, account_id: id,
          kdf: { name: "PBKDF2", hash: "SHA-256", iterations: ITERATIONS, salt: b64(salt) },
          cipher: { name: "AES-GCM", iv: b64(iv) }, ciphertext: b64(ct)
        }, null, 2);
      });
    });
  }

  // restore decrypts a backup file's text and stores the key.
  function restore(text, pass) {
    var f;
    try { f = JSON.parse(text); } catch (e) { return Promise.reject(new Error("The file is not a Publica key backup.")); }
    if (!f || f.format !== FORMAT || !f.kdf || !f.cipher || typeof f.public_key !== "string") {
      return Promise.reject(new Error("The file is not a Publica key backup."));
    }
    var pkcs8;
    return wrapKey(pass, unb64(f.kdf.salt), f.kdf.iterations).then(function (wk) {
      return subtle.decrypt({ name: "AES-GCM", iv: unb64(f.cipher.iv), additionalData: aad(f.public_key) }, wk, unb64(f.ciphertext));
    }).catch(function () {
      throw new Error("The passphrase is wrong, or the backup file is damaged.");
    }).then(function (pt) {
      pkcs8 = new Uint8Array(pt);
      // The public key of a PKCS#8 Ed25519 key is its JWK "x".
      return subtle.importKey("pkcs8", pkcs8, ED, true, ["sign"]).then(function (k) { return subtle.exportKey("jwk", k); });
    }).then(function (jwk) {
      var pub = hex(unb64(jwk.x.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - jwk.x.length % 4) % 4)));
      if (pub !== f.public_key) throw new Error("The backup file is damaged: its key does not match its public key.");
      return store(pkcs8, pub);
    }).then(function (rec) { pkcs8.fill(0); return rec; });
  }

  // The generic signing path signs only a transaction (tx/: "publica/tx/v1"
  // NUL …), a sign-in challenge (web/session.go) or a document request
  // (web/documents RequestBytes: upload or fetch one document). Anything else, above
  // all a trustee's derivation message, whose signature is the trustee's
  // election secret, is refused: a page cannot get one by asking.
  var TX_DOMAIN = "publica/tx/v1\u0000", SIGNIN_DOMAIN = "publica/signin/v1\u0000", DOCUMENT_DOMAIN = "publica/document/v1\u0000";
  var TRUSTEE_KDF = "publica/ballot/v1/trustee-kdf\u0000";
  function hasDomain(bytes, domain) {
    var d = new TextEncoder().encode(domain);
    if (!bytes || bytes.length < d.length) return false;
    for (var i = 0; i < d.length; i++) if (bytes[i] !== d[i]) return false;
    return true;
  }
  // isSignable is the guard: true only for the three domains above. A new
  // signing function (e.g. for credential proofs) must also refuse
  // isTrusteeDerivation bytes.
  function isSignable(bytes) { return hasDomain(bytes, TX_DOMAIN) || hasDomain(bytes, SIGNIN_DOMAIN) || hasDomain(bytes, DOCUMENT_DOMAIN); }
  function isTrusteeDerivation(bytes) { return hasDomain(bytes, TRUSTEE_KDF); }
  function rawSign(rec, bytes) { return subtle.sign(ED, rec.privateKey, bytes).then(hex); }
  function sign(rec, bytes) {
    if (!isSignable(bytes)) {
      return Promise.reject(new Error("Not signing: these bytes are not a transaction, a sign-in challenge or a document request."));
    }
    return rawSign(rec, bytes);
  }

  // deriveTrustee signs the two derivation messages of an election
  // (x/ballot/trustee: domain NUL purpose NUL election id) and returns the
  // signatures for the trustee WebAssembly. Ed25519 is deterministic, so
  // these are the signatures the CLI makes with the same key. They are the
  // trustee's secrets: hand them only to the WebAssembly, never send them.
  function deriveTrustee(rec, electionId) {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(electionId)) return Promise.reject(new Error("Not an election id."));
    var enc = new TextEncoder();
    return Promise.all(["comm", "dealer"].map(function (purpose) {
      return rawSign(rec, enc.encode(TRUSTEE_KDF + purpose + "\u0000" + electionId));
    })).then(function (sigs) { return { public_key: rec.publicKey, comm_sig: sigs[0], dealer_sig: sigs[1] }; });
  }

  window.PublicaKeys = {
    get: function () { return run("readonly", function (s) { return s.get(ID); }); },
    remove: function () { return run("readwrite", function (s) { return s.delete(ID); }); },
    supported: supported, create: create, restore: restore, sign: sign,
    // importDemo stores a public demo key (the development chain's guided
    // visit, static/demo.js): PKCS#8 and public key as hex.
    importDemo: function (pkcs8Hex, pubHex) { return store(unhex(pkcs8Hex), pubHex); },
    isSignable: isSignable, isTrusteeDerivation: isTrusteeDerivation, deriveTrustee: deriveTrustee,
    hex: hex, unhex: unhex, accountId: accountId
  };
})();
