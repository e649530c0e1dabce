// Keeps the replay page (GET /audit/replay) up to date while a replay
// runs: every data-replay-poll seconds it fetches the page again and swaps
// in the new content of #replay-live (progress bar, figures, report). The
// status sentence (#replay-status, a polite live region that stays in
// place) is updated only when it changes, in steps of 10 % and at the end,
// so screen readers are not interrupted every second. Polling stops when
// the replay has finished. Users can pause the updates (WCAG 2.2.2); they
// also wait while the tab is hidden. An external file, for the CSP.
(function () {
  "use strict";
  var region = document.getElementById("replay-live");
  var status = document.getElementById("replay-status");
  if (!region || !region.hasAttribute("data-replay-poll") || !window.fetch || !window.DOMParser) return;
  var every = (parseInt(region.getAttribute("data-replay-poll"), 10) || 1) * 1000;
  var button = document.getElementById("replay-pause");
  var paused = false;
  var timer = null;
  var t = window.PublicaText(status); // static/i18n.js

  function say(text) {
    if (status && status.textContent !== text) status.textContent = text;
  }
  if (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      paused = !paused;
      button.setAttribute("aria-pressed", paused ? "true" : "false");
      button.textContent = paused ? t("replay.js.resume", "Resume updates") : t("replay.js.pause", "Pause updates");
    });
  }

  function stop() {
    clearInterval(timer);
    region.removeAttribute("data-replay-poll");
    if (button) button.hidden = true;
  }

  function tick() {
    if (paused || document.hidden) return;
    fetch(location.pathname, { headers: { Accept: "text/html" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.getElementById("replay-live");
        if (!next || paused) return;
        var finished = !next.hasAttribute("data-replay-poll");
        // Keep a keyboard user's place while running; the final state
        // replaces the region regardless.
        if (finished || !region.contains(document.activeElement)) {
          region.replaceChildren.apply(region, Array.prototype.map.call(next.childNodes, function (n) {
            return document.importNode(n, true);
          }));
        }
        var text = doc.getElementById("replay-status");
        if (text) say(text.textContent);
        if (finished) stop();
      })
      .catch(function () {
        say(t("replay.js.unreachable", "Could not reach the portal; retrying."));
      });
  }
  timer = setInterval(tick, every);
})();
