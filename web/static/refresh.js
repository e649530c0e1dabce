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
  // Messages in the page's language, when the page gives them (the
  // button's data-i18n: "<area>.paused", ".every" with {0} seconds,
  // ".unreachable"); English otherwise.
  var texts = {};
  try { texts = JSON.parse((button && button.getAttribute("data-i18n")) || "{}"); } catch (e) { texts = {}; }
  function text(suffix, english) {
    for (var k in texts) if (k.slice(-suffix.length) === suffix) return texts[k];
    return english;
  }

  function say(text) { // only real changes, so the live note is not re-announced
    if (note && note.textContent !== text) note.textContent = text;
  }
  function steady() { say(paused ? text(".paused", "Updates paused.") : text(".every", "Updates every {0} seconds.").replace("{0}", String(every / 1000))); }
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
        say(text(".unreachable", "Could not reach the portal; retrying."));
      });
  }
  setInterval(tick, every);
})();
