// The vote page: loads the ballot encryption (cmd/ballotwasm compiled to
// WebAssembly), encrypts the voter's choices for the election key, bound to
// the voter's account id, and hands only the encrypted ballot to the
// signing flow. "Encrypt and audit" is the Benaloh challenge: the ballot is
// encrypted exactly as for casting, then opened and checked, shown, and
// discarded. Choices never leave this page in clear.
(function () {
  "use strict";
  var form = document.getElementById("vote-form");
  if (!form) return;
  var K = window.PublicaKeys;
  var cast = document.getElementById("cast-form");
  var status = document.getElementById("vote-status");
  var errBox = document.getElementById("vote-error");
  var errText = document.getElementById("vote-error-text");
  var auditBox = document.getElementById("audit-result");

  function say(text) { status.textContent = text; status.hidden = false; }
  function fail(text) {
    errText.textContent = text;
    errBox.hidden = false;
    errBox.focus();
  }
  function clearError() { errBox.hidden = true; errText.textContent = ""; }

  if (!K || typeof WebAssembly !== "object" || typeof Go !== "function") {
    return; // the no-JavaScript notice stays
  }
  document.getElementById("vote-nojs").hidden = true;
  form.hidden = false;
  say("Loading the ballot encryption…");

  var keyP = K.get().catch(function () { return null; });
  var t0 = performance.now();
  var go = new Go();
  var wasmP = WebAssembly.instantiateStreaming(fetch(form.getAttribute("data-wasm")), go.importObject).then(function (r) {
    go.run(r.instance); // registers the functions, then waits forever
    if (typeof window.publicaEncryptBallot !== "function") throw new Error("the ballot encryption did not start");
    form.setAttribute("data-load-ms", (performance.now() - t0).toFixed(1));
    return true;
  });

  Promise.all([keyP, wasmP]).then(function (r) {
    var rec = r[0];
    if (!rec) {
      say("There is no key in this browser yet. Create or import one on the Your key page, and register it, before voting.");
      return;
    }
    cast.querySelector("input[name=pubkey]").value = rec.publicKey;
    say("Ready. You are voting as account " + rec.accountId + ".");
    form.setAttribute("data-ready", "1");
  }, function (err) {
    fail("The ballot encryption could not be loaded: " + err.message);
  });

  // choices reads the form as one array of booleans per question, or
  // throws a message naming the question.
  function choices() {
    var out = [];
    form.querySelectorAll("fieldset[data-question]").forEach(function (fs, qi) {
      var min = +fs.getAttribute("data-min"), max = +fs.getAttribute("data-max"), n = 0;
      var row = Array.prototype.map.call(fs.querySelectorAll("input"), function (i) { if (i.checked) n++; return i.checked; });
      if (n < min || n > max) {
        var q = fs.querySelector("legend").firstChild.textContent.trim();
        throw new Error("Question " + (qi + 1) + " (" + q + "): " + (max === 1 && min === 1 ? "choose one option." : "choose at most " + max + "."));
      }
      out.push(row);
    });
    return out;
  }

  function encrypt(rec) {
    var req = {
      election_id: form.getAttribute("data-election"),
      public_key: form.getAttribute("data-public-key"),
      questions: JSON.parse(form.getAttribute("data-questions")),
      voter: rec.accountId,
      choices: choices()
    };
    var start = performance.now();
    var out = JSON.parse(window.publicaEncryptBallot(JSON.stringify(req)));
    var ms = performance.now() - start;
    if (out.error) throw new Error("Encryption failed: " + out.error);
    form.setAttribute("data-encrypt-ms", ms.toFixed(1));
    out.ms = ms;
    out.req = req;
    return out;
  }

  function withKey(f) {
    clearError();
    if (form.getAttribute("data-ready") !== "1") {
      fail("The page is not ready to vote: see the message above.");
      return;
    }
    keyP.then(function (rec) {
      try { f(rec); } catch (err) { fail(err.message); }
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    withKey(function (rec) {
      var out = encrypt(rec);
      auditBox.hidden = true;
      cast.querySelector("input[name=ballot]").value = out.ballot;
      say("Encrypted in " + out.ms.toFixed(0) + " ms. Tracker " + out.tracker + ". Next: check and sign.");
      cast.submit();
    });
  });

  document.getElementById("vote-audit").addEventListener("click", function () {
    withKey(function (rec) {
      var out = encrypt(rec);
      var req = out.req;
      req.choices = null;
      req.ballot = out.ballot;
      req.opening = out.opening;
      var res = JSON.parse(window.publicaAuditBallot(JSON.stringify(req)));
      document.getElementById("audit-tracker").textContent = out.tracker;
      document.getElementById("audit-ballot").textContent = out.ballot;
      document.getElementById("audit-opening").textContent = out.opening;
      var list = document.getElementById("audit-choices");
      list.textContent = "";
      var verdict = document.getElementById("audit-verdict");
      if (res.ok) {
        verdict.textContent = "Opening check passed: the proofs verify and this encrypted ballot holds exactly the choices below, so the encryption was honest.";
        form.querySelectorAll("fieldset[data-question]").forEach(function (fs, qi) {
          var picked = [];
          fs.querySelectorAll("label").forEach(function (l, oi) { if (res.choices[qi][oi]) picked.push(l.textContent); });
          var li = document.createElement("li");
          li.textContent = fs.querySelector("legend").firstChild.textContent.trim() + ": " + (picked.length ? picked.join(", ") : "no choice");
          list.appendChild(li);
        });
      } else {
        verdict.textContent = "AUDIT FAILED: " + res.error + ". Do not vote on this device.";
      }
      auditBox.setAttribute("data-ok", res.ok ? "1" : "0");
      auditBox.hidden = false;
      say("Audited ballot " + out.tracker.slice(0, 16) + "… was opened and discarded; it was not cast.");
      document.getElementById("audit-title").focus();
    });
  });
})();
