// Copy buttons (ui.Fact.Copy): a button marked data-copy copies its value
// to the clipboard and says so in the page's status line, in the page's
// language (the status line's data-i18n). Hidden without
// JavaScript or a clipboard, where the value can still be selected.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  var status = document.getElementById("copy-status");
  var t = window.PublicaText(status); // its data-i18n, in the page's language (static/i18n.js)
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(b.getAttribute("data-copy")).then(function () {
        b.firstChild.textContent = t("copy.js.copied", "Copied");
        if (status) status.textContent = t("copy.js.done", "Copied to the clipboard.");
      }, function () {
        if (status) status.textContent = t("copy.js.failed", "Could not copy: select the text and copy it yourself.");
      });
    });
  });
})();
