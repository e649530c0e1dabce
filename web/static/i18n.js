// Messages in the page's language for its scripts: the page puts them,
// as a JSON object, in an element's data-i18n (web/ui scriptMessages).
// PublicaText(el) returns t(key, english, args...): the message for key,
// or the English text when the page gave none, with {0}, {1}… replaced
// by the args.
(function () {
  "use strict";
  window.PublicaText = function (el) {
    var m = {};
    try { m = JSON.parse((el && el.getAttribute("data-i18n")) || "{}"); } catch (e) { m = {}; }
    return function (key, en) {
      var args = Array.prototype.slice.call(arguments, 2);
      return (m[key] || en).replace(/\{(\d)\}/g, function (all, i) { return +i < args.length ? String(args[+i]) : all; });
    };
  };
})();
