// The "Your key" page: create, back up, import and remove the key held in
// this browser. Nothing here is sent to the server.
(function () {
  "use strict";
  var K = window.PublicaKeys;
  function $(id) { return document.getElementById(id); }
  var errBox = $("keys-error"), errList = $("keys-error-list"), msg = $("keys-message");
  var backupURL = null;
  var t = window.PublicaText(msg); // static/i18n.js
  // An error's message, in the page's language when it is one of the key
  // store's own (English) messages.
  function errText(err) { var s = (err && err.message) || String(err); return t("en:" + s, s); }

  function clearErrors() {
    errBox.hidden = true;
    errList.replaceChildren();
    document.querySelectorAll("[aria-invalid]").forEach(function (i) { i.removeAttribute("aria-invalid"); });
  }
  // fail shows the error summary: items are [message, input id].
  function fail(items) {
    errList.replaceChildren.apply(errList, items.map(function (it) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.textContent = it[0];
      a.href = "#" + (it[1] || "main");
      if (it[1]) $(it[1]).setAttribute("aria-invalid", "true");
      li.appendChild(a);
      return li;
    }));
    errBox.hidden = false;
    errBox.focus();
  }
  function say(text) { msg.textContent = text; msg.hidden = !text; }

  function show(rec, backupText) {
    $("key-current").hidden = !rec;
    $("key-create").hidden = !!rec;
    $("key-import").hidden = !!rec;
    if (!rec) return;
    $("key-public").textContent = rec.publicKey;
    $("key-account").textContent = rec.accountId;
    $("key-created").textContent = new Date(rec.created).toLocaleString(document.documentElement.lang || undefined, { timeZone: "UTC", dateStyle: "long", timeStyle: "medium" }) + " UTC";
    $("key-account-link").href = "/accounts/" + rec.accountId;
    var wrap = $("key-backup-wrap"), link = $("key-backup");
    if (backupText) {
      if (backupURL) URL.revokeObjectURL(backupURL);
      backupURL = URL.createObjectURL(new Blob([backupText], { type: "application/json" }));
      link.href = backupURL;
      link.download = "publica-key-" + rec.accountId.slice(0, 8) + ".json";
      wrap.hidden = false;
    } else {
      wrap.hidden = true;
    }
  }

  function busy(form, on) { form.querySelector("button[type=submit]").disabled = on; form.setAttribute("aria-busy", on ? "true" : "false"); }

  K.supported().then(function () {
    $("keys-nojs").hidden = true;
    return K.get();
  }).then(function (rec) {
    show(rec);
  }).catch(function (err) {
    $("keys-nojs").textContent = errText(err);
  });

  $("create-form").addEventListener("submit", function (e) {
    e.preventDefault();
    clearErrors();
    var form = e.target, p1 = $("create-pass").value, p2 = $("create-pass2").value, errs = [];
    if (p1.length < 12) errs.push([t("keys.js.short", "Enter a passphrase of at least 12 characters"), "create-pass"]);
    else if (p1 !== p2) errs.push([t("keys.js.differ", "The two passphrases are different"), "create-pass2"]);
    if (errs.length) return fail(errs);
    busy(form, true);
    say(t("keys.js.creating", "Creating your key and encrypting its backup…"));
    K.create(p1).then(function (r) {
      form.reset();
      show(r.record, r.backup);
      say(t("keys.js.ready", "Your key is ready. Download the encrypted backup now and keep it with your passphrase: without them, losing this browser’s data loses the key."));
    }).catch(function (err) {
      say("");
      fail([[t("keys.js.notcreated", "The key could not be created: {0}", errText(err))]]);
    }).then(function () { busy(form, false); });
  });

  $("import-form").addEventListener("submit", function (e) {
    e.preventDefault();
    clearErrors();
    var form = e.target, file = $("import-file").files[0], pass = $("import-pass").value, errs = [];
    if (!file) errs.push([t("keys.js.choosefile", "Choose your backup file"), "import-file"]);
    if (!pass) errs.push([t("keys.js.enterpass", "Enter the backup’s passphrase"), "import-pass"]);
    if (errs.length) return fail(errs);
    busy(form, true);
    say(t("keys.js.decrypting", "Decrypting your backup…"));
    file.text().then(function (text) { return K.restore(text, pass); }).then(function (rec) {
      form.reset();
      show(rec);
      say(t("keys.js.imported", "Your key was imported into this browser."));
    }).catch(function (err) {
      say("");
      fail([[errText(err), "import-pass"]]);
    }).then(function () { busy(form, false); });
  });

  $("key-remove").addEventListener("click", function () {
    if (!window.confirm(t("keys.js.confirm", "Remove the key from this browser? Without its backup file you cannot get it back."))) return;
    K.remove().then(function () {
      show(null);
      say(t("keys.js.removed", "The key was removed from this browser."));
    });
  });
})();
