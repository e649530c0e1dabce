// Copy buttons (ui.Fact.Copy): a button marked data-copy copies its value
// to the clipboard and says so in the page's status line. Hidden without
// JavaScript or a clipboard, where the value can still be selected.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  var status = document.getElementById("copy-status");
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(b.getAttribute("data-copy")).then(function () {
        b.firstChild.textContent = "Copied";
        if (status) status.textContent = "Copied to the clipboard.";
      }, function () {
        if (status) status.textContent = "Could not copy: select the text and copy it yourself.";
      });
    });
  });
})();
