// Keeps the element marked data-refresh="<seconds>" up to date by fetching
// the same page and swapping in that element's new content. An external
// file, so the Content-Security-Policy needs no inline script. Users can
// pause it (WCAG 2.2.2); it also waits while the tab is hidden or focus is
// inside the region, so keyboard and screen-reader users keep their place.
(function () {
  "use strict";
  var region = document.querySelector("[data-refresh]");
  if (!region || !window.fetch || !window.DOMParser) return;
  var every = (parseInt(region.getAttribute("data-refresh"), 10) || 5) * 1000;
  var button = document.getElementById("refresh-toggle");
  var note = document.getElementById("refresh-note");
  var paused = false;
  // Messages in the page's language (the button's data-i18n, read by
  // static/i18n.js); English when the page gives none.
  var t = window.PublicaText(button);

  function say(text) { // only real changes, so the live note is not re-announced
    if (note && note.textContent !== text) note.textContent = text;
  }
  function steady() { say(paused ? t("refresh.paused", "Updates paused.") : t("refresh.every", "Updates every {0} seconds.", every / 1000)); }
  if (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      paused = !paused;
      button.setAttribute("aria-pressed", paused ? "true" : "false");
      steady();
    });
  }
  steady();

  function tick() {
    if (paused || document.hidden || region.contains(document.activeElement)) return;
    fetch(location.pathname + location.search, { headers: { Accept: "text/html" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html").querySelector("[data-refresh]");
        steady();
        if (!next || paused || region.contains(document.activeElement)) return;
        region.replaceChildren.apply(region, Array.prototype.map.call(next.childNodes, function (n) {
          return document.importNode(n, true);
        }));
      })
      .catch(function () {
        say(t("refresh.unreachable", "Could not reach the portal; retrying."));
      });
  }
  setInterval(tick, every);
})();
