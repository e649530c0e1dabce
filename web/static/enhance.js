// After htmx replaces the main content in place, move focus as a full page
// load would: to the error summary if there is one, else to the main
// content, so screen readers announce the new content.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function () {
    var target = document.querySelector(".error-summary") || document.getElementById("main");
    if (target) target.focus();
  });
})();
