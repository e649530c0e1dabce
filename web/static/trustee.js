// The trustee panel of an election's key ceremony and tally page. It
// derives the trustee's secrets in this browser (PublicaKeys.deriveTrustee
// signs only the trustee derivation messages), runs the trustee operation
// in the WebAssembly (cmd/ballotwasm) over the chain's records the page
// carries, and posts only the resulting chain message to the portal, which
// checks it and shows it before it is signed by the ordinary flow. The
// derivation signatures are secrets: they go to the WebAssembly and
// nowhere else.
(function () {
  "use strict";
  var form = document.getElementById("trustee-form");
  if (!form) return;
  var K = window.PublicaKeys;
  var statusEl = document.getElementById("trustee-status");
  var errBox = document.getElementById("trustee-error");
  var errText = document.getElementById("trustee-error-text");
  var actions = document.getElementById("trustee-actions");
  var checks = document.getElementById("share-checks");

  // t is a message in the page's language (the form's data-i18n, read by
  // static/i18n.js), {0}, {1}… filled in; the English given when the page
  // gives none.
  var t = window.PublicaText(form);

  function say(text) { statusEl.textContent = text; statusEl.hidden = false; }
  function fail(text) { errText.textContent = text; errBox.hidden = false; errBox.focus(); }

  if (!K || typeof WebAssembly !== "object" || typeof Go !== "function") return; // the notice stays
  document.getElementById("trustee-nojs").hidden = true;
  var state = JSON.parse(form.getAttribute("data-state"));
  var e = state.election;
  say(t("ballot.tjs.loading", "Loading the trustee's tool…"));

  var keyP = K.get().catch(function () { return null; });
  var go = new Go();
  var wasmP = WebAssembly.instantiateStreaming(fetch(form.getAttribute("data-wasm")), go.importObject).then(function (r) {
    go.run(r.instance);
    if (typeof window.publicaTrustee !== "function") throw new Error("the trustee's tool did not start");
  });

  // run derives the secret and runs op; it resolves to the response.
  function run(rec, op, extra) {
    return K.deriveTrustee(rec, e.id).then(function (secret) {
      var req = {
        public_key: secret.public_key, comm_sig: secret.comm_sig, dealer_sig: secret.dealer_sig,
        election: e, trustees: state.trustees, complaints: state.complaints || [], aggregate: state.aggregate || null
      };
      for (var k in extra) req[k] = extra[k];
      var t0 = performance.now();
      var out = JSON.parse(window.publicaTrustee(op, JSON.stringify(req)));
      form.setAttribute("data-" + op + "-ms", (performance.now() - t0).toFixed(1));
      if (out.error) throw new Error(out.error);
      return out;
    });
  }

  // post sends fields to a journey: the portal checks them and shows the
  // transaction for signing.
  function post(path, fields) {
    form.setAttribute("action", path);
    form.elements.message.value = fields.message ? JSON.stringify(fields.message) : "";
    form.elements.dealer.value = fields.dealer || "";
    form.submit();
  }

  function button(label, id, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.id = id;
    b.className = "primary";
    b.textContent = label;
    b.addEventListener("click", function () {
      if (b.disabled) return;
      b.disabled = true;
      errBox.hidden = true;
      say(t("ballot.tjs.working", "Working in this browser…"));
      Promise.resolve().then(onClick).catch(function (err) {
        b.disabled = false;
        fail(err.message || String(err));
      });
    });
    actions.appendChild(b);
    return b;
  }

  // step offers the message op computes, posted to the journey at path.
  function step(rec, label, id, op, path, extra) {
    button(label, id, function () {
      return run(rec, op, extra).then(function (out) {
        say(t("ballot.tjs.computed", "Computed in this browser. Next: check and sign."));
        post(form.getAttribute("data-path-" + path), { message: out.message });
      });
    });
  }

  function has(list, x) { return (list || []).indexOf(x) >= 0; }

  function offer(rec, idx) {
    var mine = state.trustees[idx - 1];
    var n = e.trustees.length;
    if (e.phase === "key_ceremony") {
      if (!mine) {
        say(t("ballot.tjs.round1", "You are trustee {0}. Round 1: register your communication key.", idx));
        return step(rec, t("ballot.tjs.register", "Register my trustee key"), "trustee-key-action", "trustee-key", "trustee-key");
      }
      var missing = [];
      for (var j = 1; j <= n; j++) if (!state.trustees[j - 1]) missing.push(j);
      if (missing.length) return say(t("ballot.tjs.waitkeys", "You are trustee {0} and your key is registered. Waiting for trustee {1} to register.", idx, missing.join(", ")));
      if (!mine.dealing) {
        say(t("ballot.tjs.round2", "You are trustee {0}. Round 2: deal your shares to the {1} trustees.", idx, n));
        return step(rec, t("ballot.tjs.deal", "Deal my shares"), "deal-action", "deal", "deal");
      }
      var answer = (state.complaints || []).filter(function (c) { return c.dealer === idx && c.status === "open"; });
      if (answer.length) {
        say(t("ballot.tjs.complained", "Trustee {0} complained about the share you dealt it. Answer by revealing that share.", answer[0].complainer));
        return step(rec, t("ballot.tjs.reveal", "Reveal my share for trustee {0}", answer[0].complainer), "reveal-action", "reveal", "reveal", { complainer: answer[0].complainer });
      }
      return run(rec, "check-shares").then(function (out) {
        checks.textContent = "";
        var bad = [];
        (out.shares || []).forEach(function (s) {
          var li = document.createElement("li");
          li.textContent = s.ok ? t("ballot.tjs.share.ok", "Share from trustee {0}: matches its commitments", s.dealer) : t("ballot.tjs.share.bad", "Share from trustee {0}: DOES NOT match its commitments ({1})", s.dealer, s.problem);
          checks.appendChild(li);
          var done = (state.complaints || []).some(function (c) { return c.dealer === s.dealer && c.complainer === idx; });
          if (!s.ok && !done) bad.push(s.dealer);
        });
        checks.hidden = !checks.childNodes.length;
        checks.setAttribute("data-checked", "1");
        if (bad.length) {
          say("A share you received is wrong. Complain, so that its dealer must answer in public.");
          bad.forEach(function (d) {
            button(t("ballot.tjs.complain", "Complain about trustee {0}", d), "complain-" + d, function () { post(form.getAttribute("data-path-complain"), { dealer: String(d) }); });
          });
          return;
        }
        say(t("ballot.tjs.dealt", "You have dealt, and the shares you received so far check out. Waiting for the official to publish the election key."));
      });
    }
    if (e.phase === "tallied") return say(t("ballot.tjs.published", "The result is published."));
    if (state.now < e.closes_at) return say(t("ballot.tjs.waitclose", "You are trustee {0}. The key is published; decrypt your part after voting closes.", idx));
    if (has(state.partials, idx)) return say(t("ballot.tjs.posted", "You have posted your partial decryption."));
    say(t("ballot.tjs.closed", "Voting has closed. Decrypt your part of the result: only the sum of the ballots is decrypted."));
    step(rec, t("ballot.tjs.decrypt", "Decrypt my part of the result"), "tally-action", "tally", "tally");
  }

  Promise.all([keyP, wasmP]).then(function (r) {
    var rec = r[0];
    if (!rec) return say(t("ballot.tjs.nokey", "There is no key in this browser. A trustee imports its key on the Your key page first."));
    form.elements.pubkey.value = rec.publicKey;
    var idx = e.trustees.indexOf(rec.accountId) + 1;
    if (!idx) return say(t("ballot.tjs.nottrustee", "The key in this browser (account {0}) is not a trustee of this election.", rec.accountId));
    return offer(rec, idx);
  }).then(function () {
    form.setAttribute("data-ready", "1");
  }, function (err) {
    form.setAttribute("data-ready", "1");
    fail(t("ballot.tjs.fail", "The trustee's tool could not run: {0}", err.message || String(err)));
  });
})();
