// Pages that sign: fills the public key fields from the key held in this
// browser, signs the bytes of every form[data-sign] with it and posts the
// signature. The key never leaves the browser; only the signature and the
// public key are sent.
(function () {
  "use strict";
  var K = window.PublicaKeys;
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  if (!K) return;
  var status = document.getElementById("key-status");
  // What this script says, in the page's language (#sign-messages'
  // data-i18n, static/i18n.js); English when the page gives none.
  var t = window.PublicaText(document.getElementById("sign-messages"));
  function note(text) { if (status) { status.textContent = text; status.hidden = false; } }

  var keyP = K.get().catch(function () { return null; });
  keyP.then(function (rec) {
    if (!rec) {
      note(t("land.flow.js.nokey", "There is no key in this browser yet. Create or import one on the Your key page first."));
      return;
    }
    document.querySelectorAll("input[data-fill=pubkey]").forEach(function (i) {
      if (!i.value) i.value = rec.publicKey;
    });
    note(t("land.flow.js.using", "Using the key in this browser: account {0}.", rec.accountId));
  });

  document.querySelectorAll("form[data-sign]").forEach(function (form) {
    var say = form.querySelector("[data-sign-status]");
    var button = form.querySelector("button[type=submit]");
    if (say) say.textContent = t("land.flow.js.ready", "Ready to sign with the key in this browser.");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (button.disabled) return;
      button.disabled = true;
      if (say) say.textContent = t("land.flow.js.signing", "Signing…");
      keyP.then(function (rec) {
        if (!rec) throw new Error(t("land.flow.js.nokeysign", "There is no key in this browser. Create or import one on the Your key page."));
        var want = form.getAttribute("data-pubkey");
        if (want && want !== rec.publicKey) {
          throw new Error(t("land.flow.js.wrongkey", "This transaction must be signed by key {0}…, but the key in this browser is {1}….", want.slice(0, 12), rec.publicKey.slice(0, 12)));
        }
        var origin = form.getAttribute("data-origin");
        if (origin && origin !== location.origin) throw new Error(t("land.flow.js.origin", "This challenge is for {0}, not this site: not signing.", origin));
        return K.sign(rec, K.unhex(form.getAttribute("data-sign-bytes"))).then(function (sig) {
          form.elements.signature.value = sig;
          if (form.elements.pubkey && !form.elements.pubkey.value) form.elements.pubkey.value = rec.publicKey;
          if (say) say.textContent = t("land.flow.js.signed", "Signed. Sending and waiting for the next block…");
          form.setAttribute("aria-busy", "true");
          form.submit();
        });
      }).catch(function (err) {
        button.disabled = false;
        if (say) say.textContent = err.message || String(err);
      });
    });
  });
})();
