// The vote page: loads the ballot encryption (cmd/ballotwasm compiled to
// WebAssembly), encrypts the voter's choices for the election key, bound to
// the voter's account id, and hands only the encrypted ballot to the
// signing flow. Choices never leave this page in clear.
//
// Benaloh cast-or-challenge, in the order Helios and ElectionGuard use:
// "Encrypt my ballot" encrypts and commits (the tracker is shown) and only
// then are the voter's two choices offered. The encryption is told nothing
// of the decision, so it cannot be honest only for the ballots that will be
// checked. "Challenge" opens the committed ballot (its randomness revealed)
// as a challenge file to check on another device; a challenged ballot is
// never cast. "Cast" forgets the opening and sends the ballot to be signed.
(function () {
  "use strict";
  var form = document.getElementById("vote-form");
  if (!form) return;
  var K = window.PublicaKeys;
  var $ = function (id) { return document.getElementById(id); };
  var cast = $("cast-form");
  var status = $("vote-status");
  var errBox = $("vote-error");
  var errText = $("vote-error-text");
  var committedBox = $("committed");
  var challengeBox = $("challenge-result");

  // t is a message in the page's language (the form's data-i18n, read by
  // static/i18n.js), {0}, {1}… filled in; the English given when the page
  // gives none.
  var t = window.PublicaText(form);

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
  $("vote-nojs").hidden = true;
  form.hidden = false;
  say(t("ballot.js.loading", "Loading the ballot encryption…"));

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
      say(t("ballot.js.nokey", "There is no key in this browser yet. Create or import one on the Your key page, and register it, before voting."));
      return;
    }
    cast.querySelector("input[name=pubkey]").value = rec.publicKey;
    say(t("ballot.js.ready", "Ready. You are voting as account {0}.", rec.accountId));
    form.setAttribute("data-ready", "1");
  }, function (err) {
    fail(t("ballot.js.loadfail", "The ballot encryption could not be loaded: {0}", err.message));
  });

  function questions() { return form.querySelectorAll("fieldset[data-question]"); }

  // keep remembers, in this tab only, the choices of the ballot being cast
  // (for the check page, which shows them, and for "Change your answers",
  // which comes back here with them).
  var keptKey = "publica-vote:" + form.getAttribute("data-election");
  function keep(tracker) {
    try {
      var qs = [], checked = [];
      questions().forEach(function (fs) {
        var picked = [];
        fs.querySelectorAll("input").forEach(function (i) {
          if (i.checked) { checked.push(i.id); picked.push(form.querySelector("label[for='" + i.id + "']").textContent); }
        });
        qs.push({text: questionText(fs), picked: picked});
      });
      sessionStorage.setItem(keptKey, JSON.stringify({tracker: tracker, questions: qs, checked: checked}));
    } catch (e) { /* no storage: the check page shows no choices */ }
  }
  (function restore() {
    var kept;
    try { kept = JSON.parse(sessionStorage.getItem(keptKey) || "null"); } catch (e) { kept = null; }
    if (!kept || !kept.checked) return;
    kept.checked.forEach(function (id) { var i = document.getElementById(id); if (i) i.checked = true; });
    form.setAttribute("data-restored", "1");
  })();
  function questionText(fs) { return fs.querySelector("legend").firstChild.textContent.trim(); }

  // choices reads the form as one array of booleans per question, or
  // throws a message naming the question.
  function choices() {
    var out = [];
    questions().forEach(function (fs, qi) {
      var min = +fs.getAttribute("data-min"), max = +fs.getAttribute("data-max"), n = 0;
      var row = Array.prototype.map.call(fs.querySelectorAll("input"), function (i) { if (i.checked) n++; return i.checked; });
      if (n < min || n > max) {
        throw new Error(max === 1 && min === 1 ? t("ballot.js.q.one", "Question {0} ({1}): choose one option.", qi + 1, questionText(fs)) : t("ballot.js.q.max", "Question {0} ({1}): choose at most {2}.", qi + 1, questionText(fs), max));
      }
      out.push(row);
    });
    return out;
  }

  // commit encrypts the choices and fixes the ballot and its tracker. Its
  // request carries the election, the voter and the choices, nothing else:
  // the voter's decision does not exist yet. The opening stays in this
  // closure until challenge() reveals it once; cast() forgets it.
  function commit(rec) {
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
    if (out.error) throw new Error(t("ballot.js.encfail", "Encryption failed: {0}", out.error));
    form.setAttribute("data-encrypt-ms", ms.toFixed(1));
    var opening = out.opening;
    var decided = false;
    function decide() {
      if (decided) throw new Error(t("ballot.js.decided", "This ballot was already cast or challenged: encrypt again."));
      decided = true;
      var o = opening;
      opening = null;
      return o;
    }
    return {
      req: req, ballot: out.ballot, tracker: out.tracker, ms: ms,
      cast: function () { decide(); return out.ballot; },
      challenge: function () {
        return { election: req.election_id, voter: req.voter, tracker: out.tracker, ballot: out.ballot, opening: decide() };
      }
    };
  }

  var pending = null; // the committed ballot awaiting the voter's decision

  // lock stops the choices from changing while a ballot is committed.
  function lock(on) {
    questions().forEach(function (fs) { fs.disabled = on; });
    $("vote-encrypt").hidden = on;
  }

  function startAgain(focus) {
    pending = null;
    committedBox.hidden = true;
    challengeBox.hidden = true;
    lock(false);
    committedBox.removeAttribute("data-tracker");
    if (focus) {
      var first = form.querySelector("fieldset[data-question] input");
      if (first) first.focus();
    }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearError();
    if (form.getAttribute("data-ready") !== "1") {
      fail(t("ballot.js.notready", "The page is not ready to vote: see the message above."));
      return;
    }
    keyP.then(function (rec) {
      try {
        pending = commit(rec);
      } catch (err) {
        fail(err.message);
        return;
      }
      lock(true);
      challengeBox.hidden = true;
      $("committed-tracker").textContent = pending.tracker;
      committedBox.setAttribute("data-tracker", pending.tracker);
      committedBox.hidden = false;
      say(t("ballot.js.encrypted", "Encrypted in {0} ms. Note the tracker, then cast or challenge this ballot.", pending.ms.toFixed(0)));
      $("committed-title").focus();
    });
  });

  $("ballot-change").addEventListener("click", function () {
    say(t("ballot.js.discarded", "The encrypted ballot was discarded (neither cast nor opened). Change your choices and encrypt again."));
    startAgain(true);
  });

  $("ballot-cast").addEventListener("click", function () {
    clearError();
    if (!pending) return;
    var ballot;
    try { ballot = pending.cast(); } catch (err) { fail(err.message); return; }
    keep(pending.tracker);
    cast.querySelector("input[name=ballot]").value = ballot;
    say(t("ballot.js.casting", "Casting ballot {0}. Next: check and sign.", pending.tracker));
    pending = null;
    cast.submit();
  });

  $("ballot-challenge").addEventListener("click", function () {
    clearError();
    if (!pending) return;
    var file;
    try { file = pending.challenge(); } catch (err) { fail(err.message); return; }
    pending = null;
    var json = JSON.stringify(file, null, 2);
    $("challenge-tracker").textContent = file.tracker;
    $("challenge-file").value = json;
    var dl = $("challenge-download");
    dl.href = URL.createObjectURL(new Blob([json + "\n"], { type: "application/json" }));
    dl.download = "challenge-" + file.tracker.slice(0, 8) + ".json";
    // This device's own check of its opening (informative only: checking on
    // another device is what catches a dishonest one).
    var req = {
      election_id: file.election, public_key: form.getAttribute("data-public-key"),
      questions: JSON.parse(form.getAttribute("data-questions")), voter: file.voter,
      choices: null, ballot: file.ballot, opening: file.opening
    };
    var res = JSON.parse(window.publicaAuditBallot(JSON.stringify(req)));
    var list = $("challenge-choices");
    list.textContent = "";
    if (res.ok) {
      $("challenge-verdict").textContent = t("ballot.js.opened", "This device opened the ballot: it says the ballot holds the choices below. Now check that on another device.");
      questions().forEach(function (fs, qi) {
        var picked = [];
        fs.querySelectorAll("label").forEach(function (l, oi) { if (res.choices[qi][oi]) picked.push(l.textContent); });
        var li = document.createElement("li");
        li.textContent = questionText(fs) + ": " + (picked.length ? picked.join(", ") : t("ballot.js.nochoice", "no choice"));
        list.appendChild(li);
      });
    } else {
      $("challenge-verdict").textContent = t("ballot.js.checkfailed", "CHECK FAILED on this device: {0}. Do not vote on this device.", res.error);
    }
    challengeBox.setAttribute("data-ok", res.ok ? "1" : "0");
    committedBox.hidden = true;
    challengeBox.hidden = false;
    say(t("ballot.js.challenged", "Ballot {0}… was challenged: opened, and not cast.", file.tracker.slice(0, 16)));
    $("challenge-title").focus();
  });

  $("vote-again").addEventListener("click", function () {
    say(t("ballot.js.again", "Encrypt again to cast: the new ballot gets fresh randomness and a new tracker."));
    startAgain(true);
  });
})();
