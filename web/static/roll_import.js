// The election official's roll import (GET /elections/ID/roll/import):
// reads a CSV list in this browser, lists every line it cannot use (not an
// account, the same voter as an earlier line, empty) and registers the
// others in batches. Each batch goes through the register-voters journey
// exactly as its form would send it (the portal checks it as the chain
// will and prepares the transaction); the key in this browser signs the
// prepared transaction's bytes (PublicaKeys.sign, transactions only) and
// the batch is sent, one after the other, with a progress bar.
(function () {
  "use strict";
  var form = document.getElementById("roll-form");
  var K = window.PublicaKeys;
  if (!form || !K || !window.DOMParser || !window.FormData) return;
  var $ = function (id) { return document.getElementById(id); };
  $("roll-nojs").hidden = true;
  form.hidden = false;
  var batchSize = +form.getAttribute("data-batch"), election = form.getAttribute("data-election");
  var addPath = form.getAttribute("data-add");
  var csrf = form.elements._csrf.value;
  var progress = $("roll-progress"), status = $("roll-status");
  // t is a message in the page's language (the form's data-i18n, read by
  // static/i18n.js), {0}, {1}… filled in; the English given when the page
  // gives none.
  var t = window.PublicaText(form);

  function fail(text) {
    $("roll-error-text").textContent = text;
    $("roll-error").hidden = false;
    $("roll-error").focus();
  }
  function refusedRows(rows) {
    var body = $("roll-refused").querySelector("tbody");
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      [String(r.line), r.text, r.reason].forEach(function (t) {
        var td = document.createElement("td");
        td.textContent = t;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    if (rows.length) $("roll-refused-section").hidden = false;
  }

  // CREDENTIAL says what rollimport.CredentialReason says, in the portal's words.
  var CREDENTIAL = t("ballot.rjs.credential", "a credential, not an account: a roll lists accounts; to admit the holders of a credential (who may make their key after the election is published) create the election with a credential rule (schema and predicate)");

  // parse is rollimport.ReadCSV: one voter a row, an optional header.
  function parse(text) {
    var lines = text.replace(/^\ufeff/, "").split(/\r?\n/);
    var col = 0, entries = [], refused = [], seen = {};
    var ACCOUNT = /^[0-9a-f]{40}$/;
    function account(s) {
      s = s.trim();
      if (s.indexOf("did:publica:") === 0) s = s.slice(12);
      s = s.toLowerCase();
      return ACCOUNT.test(s) ? s : null;
    }
    var first = true;
    for (var i = 0; i < lines.length; i++) {
      var line = i + 1, raw = lines[i];
      if (raw.trim() === "") continue; // blank lines, as CSV readers skip them
      var cells = raw.split(",").map(function (c) { return c.replace(/^"(.*)"$/, "$1"); });
      if (first) {
        first = false;
        var c0 = cells[0].trim();
        if (!account(c0) && c0.indexOf("did:publica:") !== 0 && !/^[0-9a-fA-F]+$/.test(c0)) {
          var names = cells.map(function (c) { return c.trim().toLowerCase(); });
          col = ["account", "voter", "did", "account_id"].reduce(function (found, n) {
            return found >= 0 ? found : names.indexOf(n);
          }, -1);
          if (col < 0) col = 0;
          continue;
        }
      }
      if (col >= cells.length) {
        refused.push({ line: line, text: raw, reason: t("ballot.rjs.nocolumn", "the line has no column {0}", col + 1) });
        continue;
      }
      var text = cells[col].trim(), id = account(text);
      if (text === "") refused.push({ line: line, text: text, reason: t("ballot.rjs.novoter", "no voter on this line") });
      else if (/^urn:uuid:/i.test(text) || /^[0-9a-fA-F]{64}$/.test(text)) refused.push({ line: line, text: text.slice(0, 80), reason: CREDENTIAL });
      else if (!id) refused.push({ line: line, text: text.slice(0, 80), reason: t("ballot.rjs.notaccount", "not an account id (40 hexadecimal digits) or did:publica:<account id>") });
      else if (seen[id]) refused.push({ line: line, text: text, reason: t("ballot.rjs.same", "the same voter as line {0}", seen[id]) });
      else { seen[id] = line; entries.push({ line: line, account: id }); }
    }
    return { entries: entries, refused: refused };
  }

  function post(path, data) {
    return fetch(path, { method: "POST", body: data, credentials: "same-origin" }).then(function (r) {
      return r.text().then(function (html) { return { status: r.status, doc: new DOMParser().parseFromString(html, "text/html") }; });
    });
  }
  function reasonOf(doc) {
    var s = doc.querySelector(".error-summary") || doc.querySelector("main");
    return s ? s.textContent.replace(/\s+/g, " ").trim() : t("ballot.rjs.noanswer", "the portal did not answer");
  }

  // sendBatch prepares, signs and sends one batch; it resolves once the
  // transaction is in a block.
  function sendBatch(key, voters) {
    var data = new FormData();
    data.set("_csrf", csrf);
    data.set("pubkey", key.publicKey);
    data.set("election", election);
    data.set("voters", voters.join("\n"));
    return post(addPath, data).then(function (res) {
      var sf = res.doc.querySelector("form[data-sign]");
      if (res.status !== 200 || !sf) throw new Error(reasonOf(res.doc));
      if (sf.getAttribute("data-pubkey") !== key.publicKey) throw new Error(t("ballot.rjs.otherkey", "the prepared transaction is for another key: not signing"));
      return K.sign(key, K.unhex(sf.getAttribute("data-sign-bytes"))).then(function (sig) {
        var send = new FormData();
        sf.querySelectorAll("input[name]").forEach(function (i) { send.set(i.name, i.value); });
        send.set("signature", sig);
        return post(sf.getAttribute("action"), send);
      });
    }).then(function (res) {
      if (res.status !== 200 || !res.doc.getElementById("confirmation")) throw new Error(reasonOf(res.doc));
    });
  }

  var busy = false;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (busy) return;
    var file = $("roll-file").files[0];
    $("roll-error").hidden = true;
    if (!file) { fail(t("ballot.rjs.choose", "Choose the CSV file of the roll.")); return; }
    busy = true;
    form.querySelector("button").disabled = true;
    var done = 0, total = 0, started = performance.now();
    function show() {
      progress.max = Math.max(total, 1);
      progress.value = done;
      var secs = (performance.now() - started) / 1000;
      status.textContent = secs > 1 ? t("ballot.rjs.rate", "{0} of {1} voters registered ({2} a second).", done, total, Math.round(done / secs)) : t("ballot.rjs.progress", "{0} of {1} voters registered.", done, total);
    }
    Promise.all([K.get(), file.text()]).then(function (r) {
      var key = r[0];
      if (!key) throw new Error(t("ballot.rjs.nokey", "There is no key in this browser: import the official’s key on the Your key page first."));
      var p = parse(r[1]);
      refusedRows(p.refused);
      var accounts = p.entries.map(function (x) { return x.account; }).sort();
      total = accounts.length;
      $("roll-progress-section").hidden = false;
      show();
      var chain = Promise.resolve();
      for (var i = 0; i < accounts.length; i += batchSize) {
        (function (batch) {
          chain = chain.then(function () { return sendBatch(key, batch); }).then(function () { done += batch.length; show(); });
        })(accounts.slice(i, i + batchSize));
      }
      return chain.then(function () {
        status.textContent = p.refused.length ? t("ballot.rjs.donerefused", "Done: {0} voters are on the roll; {1} lines were not imported (listed below).", done, p.refused.length) : t("ballot.rjs.done", "Done: {0} voters are on the roll.", done);
        form.setAttribute("data-done", String(done));
      });
    }).catch(function (err) {
      fail(t("ballot.rjs.after", "After {0} of {1} voters: {2} Fix the cause and import the list again: voters already on the roll stay on it.", done, total, err.message || err));
    }).then(function () {
      busy = false;
      form.querySelector("button").disabled = false;
    });
  });
})();
