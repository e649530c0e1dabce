// Credentials held in this browser (IndexedDB database "publica-credentials",
// beside the key store), the "My credentials" and "Present" pages, and the
// signing of Data Integrity proofs.
//
// Why signing here is safe. The key in this browser also signs
// transactions and sign-in challenges, so it must never sign bytes a page
// merely hands it. signDataIntegrity signs only what it computes itself:
// SHA-256 of the canonical proof options followed by SHA-256 of the
// canonical document, both texts shown on the page it runs on, after
// checking that the options are an eddsa-jcs-2022 DataIntegrityProof for
// the purpose the form names and that the document is a W3C credential or
// presentation. The result is always exactly 64 bytes, while transaction
// sign bytes start with the domain "publica/tx/v1" and are longer, and
// sign-in bytes start with their own domain: no signature made here can
// pass as one of those (and the key store's guards, PublicaKeys.isSignable
// and isTrusteeDerivation, are asked too: a trustee's derivation message
// must never be signed). The server's copy of the sign bytes is only
// compared, never signed.
(function () {
  "use strict";
  var K = window.PublicaKeys;
  var DB = "publica-credentials", STORE = "held";
  var ED = { name: "Ed25519" };
  function $(id) { return document.getElementById(id); }
  // t is a message in the page's language (the data-i18n of the page's
  // held-credentials list, present form or proof-signing form, read by
  // static/i18n.js), {0}, {1}… filled in; the English given when the page
  // gives none.
  var t = window.PublicaText(document.querySelector("#cred-held[data-i18n], #present-form[data-i18n], form[data-di-sign][data-i18n]"));
  // statusWord is a credential's status ("valid", "revoked"…) in words.
  function statusWord(s) {
    switch (s) {
      case "valid": return t("identity.js.status.valid", "valid");
      case "revoked": return t("identity.js.status.revoked", "revoked");
      case "suspended": return t("identity.js.status.suspended", "suspended");
      case "expired": return t("identity.js.status.expired", "expired");
    }
    return t("identity.js.status.unknown", "unknown (the chain could not be read)");
  }
  var summary = document.querySelector(".error-summary:not([hidden])");
  if (summary) summary.focus();

  function open() {
    return new Promise(function (resolve, reject) {
      var r = indexedDB.open(DB, 1);
      r.onupgradeneeded = function () { r.result.createObjectStore(STORE, { keyPath: "id" }); };
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
  function all() { return run("readonly", function (s) { return s.getAll(); }); }

  function unb64url(s) {
    var b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - s.length % 4) % 4));
    return Uint8Array.from(b, function (c) { return c.charCodeAt(0); });
  }
  function account(did) {
    var m = /^did:publica:([0-9a-f]{40})$/.exec(did || "");
    return m ? m[1] : null;
  }

  // parseHeld reads a holder's file: {"credential": …, "disclosures": […]}.
  function parseHeld(text) {
    var f;
    try { f = JSON.parse(text); } catch (e) { throw new Error(t("identity.js.notjson", "The file is not JSON: it is not a credential file.")); }
    var c = f && f.credential;
    if (!c || typeof c !== "object" || !Array.isArray(f.disclosures) || !Array.isArray(c.credentialStatus) ||
        !c.credentialSubject || !c.credentialSchema || typeof c.id !== "string") {
      throw new Error(t("identity.js.notcred", "This is not a credential file: it needs a credential and its disclosures."));
    }
    var issuer = account(c.issuer), holder = account(c.credentialSubject.id);
    // A JsonSchema at <portal>/identity/schemas/<id>/<version>, or (older
    // credentials) urn:publica:schema:<id>:<version>.
    var schema = /\/identity\/schemas\/([a-z0-9_-]+)\/([0-9]+)$/.exec(c.credentialSchema.id || "") ||
      /^urn:publica:schema:(.+):([0-9]+)$/.exec(c.credentialSchema.id || "");
    if (!issuer || !holder || !schema) throw new Error(t("identity.js.notpublica", "This is not a Publica credential."));
    var claims = f.disclosures.map(function (d) {
      var arr;
      try { arr = JSON.parse(new TextDecoder().decode(unb64url(d))); } catch (e) { arr = null; }
      if (!Array.isArray(arr) || arr.length !== 3) throw new Error(t("identity.js.damaged", "The file has a damaged claim."));
      return { name: String(arr[1]), value: arr[2] };
    });
    return {
      id: c.id, held: JSON.stringify(f), issuer: issuer, holder: holder,
      schema: schema[1] + ", version " + schema[2], index: Number(c.credentialStatus[0].statusListIndex),
      validUntil: c.validUntil || "", claims: claims, imported: new Date().toISOString()
    };
  }

  // Status bits come from the issuer's whole lists (W3C Bitstring Status
  // List), so the portal learns the issuer but not which credential.
  var lists = {};
  function statusBit(issuer, purpose, index) {
    var key = issuer + "/" + purpose;
    if (!lists[key]) {
      lists[key] = fetch("/identity/status-lists/" + key + "/chain").then(function (r) {
        if (!r.ok) throw new Error("status list " + r.status);
        return r.json();
      }).then(function (doc) {
        var enc = doc.credentialSubject.encodedList;
        if (enc[0] !== "u") throw new Error("status list encoding");
        var gz = new Blob([unb64url(enc.slice(1))]).stream().pipeThrough(new DecompressionStream("gzip"));
        return new Response(gz).arrayBuffer();
      }).then(function (buf) { return new Uint8Array(buf); });
    }
    return lists[key].then(function (bits) { return (bits[index >> 3] & (0x80 >> (index & 7))) !== 0; });
  }
  function status(rec) {
    if (rec.validUntil && new Date(rec.validUntil) <= new Date()) return Promise.resolve("expired");
    return Promise.all([statusBit(rec.issuer, "revocation", rec.index), statusBit(rec.issuer, "suspension", rec.index)])
      .then(function (b) { return b[0] ? "revoked" : b[1] ? "suspended" : "valid"; })
      .catch(function () { return "unknown"; });
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // The "My credentials" page.
  function myCredentials() {
    var errBox = $("cred-error"), errList = $("cred-error-list"), msg = $("cred-message");
    function say(text) { msg.textContent = text; msg.hidden = !text; }
    function fail(text, field) {
      var li = el("li"), a = el("a", { href: "#" + (field || "main") }, text);
      li.appendChild(a);
      errList.replaceChildren(li);
      errBox.hidden = false;
      errBox.focus();
    }
    function show() {
      return all().then(function (recs) {
        $("cred-none").hidden = recs.length > 0;
        $("cred-table").hidden = recs.length === 0;
        var rows = $("cred-rows");
        rows.replaceChildren();
        recs.forEach(function (rec) {
          var tr = el("tr", { "data-credential": rec.id });
          tr.appendChild(el("td", {}, rec.schema));
          var td = el("td");
          td.appendChild(el("a", { href: "/identity/issuers/" + rec.issuer }, rec.issuer.slice(0, 10) + "…"));
          tr.appendChild(td);
          tr.appendChild(el("td", {}, rec.claims.map(function (c) { return c.name; }).join(", ")));
          tr.appendChild(el("td", {}, rec.validUntil ? rec.validUntil.slice(0, 10) : t("identity.js.noexpiry", "no expiry")));
          var st = el("td", { "class": "cred-status" }, t("identity.js.status.checking", "checking…"));
          tr.appendChild(st);
          var act = el("td");
          act.appendChild(el("a", { href: "/identity/present?credential=" + encodeURIComponent(rec.id) }, t("identity.js.present", "Present")));
          act.appendChild(document.createTextNode(" "));
          var rm = el("button", { type: "button", "class": "link-button" }, t("identity.js.remove", "Remove"));
          rm.addEventListener("click", function () {
            if (!window.confirm(t("identity.js.confirmremove", "Remove this credential from this browser? Keep its file if you may need it again."))) return;
            run("readwrite", function (s) { return s.delete(rec.id); }).then(show).then(function () { say(t("identity.js.removed", "The credential was removed from this browser.")); });
          });
          act.appendChild(rm);
          tr.appendChild(act);
          rows.appendChild(tr);
          status(rec).then(function (s) {
            st.replaceChildren(el("span", { "class": s === "valid" ? "tag tag-ok" : s === "suspended" ? "tag tag-warn" : "tag tag-bad" }, statusWord(s)));
          });
        });
      });
    }
    $("cred-nojs").hidden = true;
    show().catch(function (err) { fail(t("identity.js.unreadable", "The credentials in this browser could not be read: {0}", err.message || err)); });
    $("cred-import-form").addEventListener("submit", function (e) {
      e.preventDefault();
      errBox.hidden = true;
      say("");
      var file = $("cred-file").files[0], pasted = $("cred-paste").value.trim();
      if (!file && !pasted) return fail(t("identity.js.choosefile", "Choose a credential file or paste it"), "cred-file");
      var field = file ? "cred-file" : "cred-paste";
      (file ? file.text() : Promise.resolve(pasted)).then(function (text) {
        var rec = parseHeld(text);
        return run("readwrite", function (s) { return s.put(rec); }).then(function () { return rec; });
      }).then(function (rec) {
        e.target.reset();
        return show().then(function () {
          return K ? K.get().catch(function () { return null; }) : null;
        }).then(function (key) {
          var note = key && key.accountId !== rec.holder ?
            t("identity.js.issuedother", " It was issued to account {0}, not to the key in this browser: you cannot present it from here.", rec.holder) : "";
          say(t("identity.js.imported", "Imported your {0} credential.{1}", rec.schema, note));
        });
      }).catch(function (err) { fail(err.message || String(err), field); });
    });
  }

  // The "Present" page: choose a credential and the claims to disclose.
  function presentPage(form) {
    var select = $("f-credential"), choices = $("disclose-choices");
    var chosen = (form.getAttribute("data-chosen") || "").split(",").filter(Boolean);
    var recs = {};
    function render() {
      var rec = recs[select.value];
      if (!choices) return; // the eligibility page discloses nothing
      choices.replaceChildren();
      if (!rec) return;
      rec.claims.forEach(function (c, i) {
        var div = el("div", { "class": "choice" });
        var box = el("input", { type: "checkbox", name: "disclose", value: c.name, id: "disclose-" + i });
        box.checked = chosen.indexOf(c.name) >= 0;
        div.appendChild(box);
        div.appendChild(el("label", { "for": "disclose-" + i }, c.name + ": " + (typeof c.value === "string" ? c.value : JSON.stringify(c.value))));
        choices.appendChild(div);
      });
    }
    all().then(function (list) {
      if (list.length) select.replaceChildren();
      list.forEach(function (rec) {
        recs[rec.id] = rec;
        var o = el("option", { value: rec.id }, t("identity.js.from", "{0} from {1}…", rec.schema, rec.issuer.slice(0, 10)));
        if (rec.id === form.getAttribute("data-credential")) o.selected = true;
        select.appendChild(o);
      });
      render();
    });
    select.addEventListener("change", function () { chosen = []; render(); });
    var keyP = K ? K.get().catch(function () { return null; }) : Promise.resolve(null);
    keyP.then(function (rec) {
      var note = $("key-status");
      if (!note) return;
      note.textContent = rec ? t("identity.js.keyfor", "Presenting with the key in this browser: account {0}.", rec.accountId) : t("identity.js.nokey", "There is no key in this browser yet. Import your key on the Your key page first.");
      note.hidden = false;
    });
    // The presentation is built here (present.wasm) from the holder's
    // file; only the presentation is posted, never the file. What only
    // the portal can refuse (no key, no credential, an empty answer) is
    // left to it; the builder's refusal is posted as build_error (its
    // messages name no claim value) so the portal shows it on its field.
    var els = form.elements, busy = false;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (busy) return;
      busy = true;
      var rec = recs[select.value];
      els.presentation.value = els.build_error.value = els.build_field.value = "";
      var eligibility = !!els.predicate;
      var prove = (eligibility ? els.predicate.value : els.prove.value).trim();
      var challenge = eligibility ? "" : els.challenge.value.trim();
      keyP.then(function (key) {
        els.pubkey.value = key ? key.publicKey : "";
        if (!key || !rec || (eligibility ? !prove : !challenge)) return;
        form.setAttribute("aria-busy", "true");
        var did = fetch("/1.0/identifiers/" + encodeURIComponent("did:publica:" + key.accountId),
          { headers: { Accept: "application/did+ld+json" } }).then(function (r) { return r.ok ? r.json() : null; });
        return Promise.all([presentBuilder(form.getAttribute("data-wasm")), did]).then(function (r) {
          var disclose = Array.prototype.filter.call(form.querySelectorAll("input[name=disclose]"), function (b) { return b.checked; })
            .map(function (b) { return b.value; });
          var out = JSON.parse(window.publicaPresent(JSON.stringify({
            held: JSON.parse(rec.held), holder: key.accountId, pubkey: key.publicKey, did_document: r[1],
            disclose: eligibility ? [] : disclose, prove: prove, challenge: challenge,
            domain: eligibility ? "" : els.domain.value.trim(),
            created: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
            eligibility_chain: eligibility ? form.getAttribute("data-chain") : ""
          })));
          if (out.error) {
            els.build_error.value = out.error;
            els.build_field.value = out.field || "";
          } else {
            els.presentation.value = out.presentation;
          }
        });
      }).catch(function (err) {
        els.presentation.value = "";
        els.build_error.value = t("identity.js.buildfail", "the presentation could not be built in this browser: {0}", err.message || err);
      }).then(function () { form.submit(); });
    });
  }

  // presentBuilder loads cmd/presentwasm once: it registers
  // publicaPresent(requestJSON) → responseJSON.
  var builder = null;
  function presentBuilder(url) {
    if (builder) return builder;
    if (typeof WebAssembly !== "object" || typeof Go !== "function") {
      return Promise.reject(new Error(t("identity.js.nowasm", "this browser cannot run WebAssembly")));
    }
    var go = new Go();
    builder = WebAssembly.instantiateStreaming(fetch(url), go.importObject).then(function (r) {
      go.run(r.instance); // registers the function, then waits
      if (typeof window.publicaPresent !== "function") throw new Error(t("identity.js.nobuilder", "the presentation builder did not start"));
    });
    return builder;
  }

  function sha256(text) { return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)); }
  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  // signDataIntegrity signs the proof input of the Data Integrity proof
  // shown on this page, recomputed here (see the comment at the top).
  function signDataIntegrity(form, rec) {
    var purpose = form.getAttribute("data-di-purpose");
    var config = $("di-proof-config").textContent, doc = $("di-document").textContent;
    var pc, d;
    try { pc = JSON.parse(config); d = JSON.parse(doc); } catch (e) { return Promise.reject(new Error(t("identity.js.di.notjson", "The document shown is not JSON: not signing."))); }
    var types = [].concat(d && d.type);
    var ok = pc && pc.type === "DataIntegrityProof" && pc.cryptosuite === "eddsa-jcs-2022" && !("proofValue" in pc) &&
      (purpose === "assertionMethod" || purpose === "authentication") && pc.proofPurpose === purpose &&
      /^did:publica:[0-9a-f]{40}#key-[1-9][0-9]*$/.test(pc.verificationMethod || "") &&
      Array.isArray(d["@context"]) && d["@context"][0] === "https://www.w3.org/ns/credentials/v2" && !("proof" in d) &&
      (purpose === "assertionMethod" ? types.indexOf("VerifiableCredential") >= 0 :
        types.indexOf("VerifiablePresentation") >= 0 && typeof pc.challenge === "string" && pc.challenge !== "");
    if (!ok) return Promise.reject(new Error(t("identity.js.di.notproof", "This is not a Data Integrity proof this page may sign: not signing.")));
    return Promise.all([sha256(config), sha256(doc)]).then(function (h) {
      var input = new Uint8Array(64);
      input.set(new Uint8Array(h[0]), 0);
      input.set(new Uint8Array(h[1]), 32);
      if (hex(input) !== form.getAttribute("data-di-sign-bytes")) {
        throw new Error(t("identity.js.di.hashes", "The hashes of the document shown differ from the server’s: not signing."));
      }
      // Never bytes of another domain (a 64-byte hash output cannot be
      // one in practice; the key store's own guards say so explicitly).
      if ((K.isSignable && K.isSignable(input)) || (K.isTrusteeDerivation && K.isTrusteeDerivation(input))) {
        throw new Error(t("identity.js.di.domain", "These bytes belong to another signing domain: not signing."));
      }
      return crypto.subtle.sign(ED, rec.privateKey, input);
    }).then(hex);
  }

  document.querySelectorAll("form[data-di-sign]").forEach(function (form) {
    var say = form.querySelector("[data-sign-status]"), button = form.querySelector("button[type=submit]");
    if (!K) return;
    if (say) say.textContent = t("identity.js.ready", "Ready to sign with the key in this browser.");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (button.disabled) return;
      button.disabled = true;
      if (say) say.textContent = t("identity.js.signing", "Signing…");
      K.get().then(function (rec) {
        if (!rec) throw new Error(t("identity.js.nokeysign", "There is no key in this browser. Import your key on the Your key page."));
        var want = form.getAttribute("data-pubkey");
        if (want !== rec.publicKey) {
          throw new Error(t("identity.js.otherkey", "This must be signed by key {0}…, but the key in this browser is {1}….", want.slice(0, 12), rec.publicKey.slice(0, 12)));
        }
        return signDataIntegrity(form, rec);
      }).then(function (sig) {
        form.elements.signature.value = sig;
        if (say) say.textContent = t("identity.js.signed", "Signed. Sending…");
        form.setAttribute("aria-busy", "true");
        form.submit();
      }).catch(function (err) {
        button.disabled = false;
        if (say) say.textContent = err.message || String(err);
      });
    });
  });

  var dl = $("presentation-download");
  if (dl) {
    dl.href = URL.createObjectURL(new Blob([$("presentation-json").textContent + "\n"], { type: "application/json" }));
    dl.download = dl.getAttribute("data-download");
  }
  if ($("cred-import-form")) myCredentials();
  if ($("present-form")) presentPage($("present-form"));
})();
