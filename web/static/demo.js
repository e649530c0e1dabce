// The development chain's guided first visit (/demo): one click puts a
// role's public demo key in this browser (non-extractable, as the Your
// key page stores keys) and signs in with it: the key signs the form's
// one-time challenge and the form is posted to /signin.
(function () {
  "use strict";
  var K = window.PublicaKeys;
  var status = document.getElementById("demo-status");
  var nojs = document.getElementById("demo-nojs");
  function say(text) { status.textContent = text; status.hidden = !text; }
  var t = window.PublicaText(status); // static/i18n.js
  // An error's message, in the page's language when it is one of the key
  // store's own (English) messages.
  function errText(err) { var s = (err && err.message) || String(err); return t("en:" + s, s); }
  if (!K) return;
  K.supported().then(function () {
    nojs.hidden = true;
    return K.get();
  }).then(function (rec) {
    if (rec) say(t("demo.js.current", "The key in this browser now is account {0}.", rec.accountId));
  }).catch(function (err) { nojs.textContent = errText(err); });

  document.querySelectorAll("form.demo-form").forEach(function (form) {
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (button.disabled) return;
      button.disabled = true;
      var who = form.getAttribute("data-who");
      say(t("demo.js.putting", "Putting the demo key of {0} in this browser…", who));
      var origin = form.getAttribute("data-origin");
      if (origin && origin !== location.origin) {
        say(t("demo.js.origin", "This challenge is for {0}, not this site: not signing.", origin));
        button.disabled = false;
        return;
      }
      K.importDemo(form.getAttribute("data-demo-pkcs8"), form.getAttribute("data-demo-pub")).then(function (rec) {
        return K.sign(rec, K.unhex(form.getAttribute("data-sign-bytes")));
      }).then(function (sig) {
        form.elements.signature.value = sig;
        say(t("demo.js.signedin", "Signed in as {0}…", who));
        form.submit();
      }).catch(function (err) {
        button.disabled = false;
        say(errText(err));
      });
    });
  });
})();
