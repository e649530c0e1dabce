// Land forms that take GeoJSON (a parcel's outline, a subdivision's
// children): adds "load a GeoJSON file", which reads the chosen file into
// the field in the browser (the server checks and draws it on the next
// page). Without JavaScript, paste the text.
(function () {
  "use strict";
  if (!window.FileReader) return;
  [["f-geometry", 60], ["f-children", 60]].forEach(function (spec) {
    var area = document.getElementById(spec[0]);
    if (!area) return;
    var t = window.PublicaText(area); // its data-i18n, in the page's language (static/i18n.js)
    var limit = spec[1] * 1024;
    var box = document.createElement("div");
    box.className = "field";
    var label = document.createElement("label");
    label.htmlFor = spec[0] + "-file";
    label.textContent = spec[0] === "f-geometry" ? t("land.js.load.geometry", "Or load the outline from a GeoJSON file") :
      t("land.js.load.children", "Or load the children from a GeoJSON file");
    var input = document.createElement("input");
    input.type = "file";
    input.id = spec[0] + "-file";
    input.accept = ".json,.geojson,application/geo+json,application/json";
    var say = document.createElement("p");
    say.className = "hint";
    say.id = spec[0] + "-file-status";
    say.setAttribute("role", "status");
    input.setAttribute("aria-describedby", say.id);
    box.appendChild(label);
    box.appendChild(say);
    box.appendChild(input);
    area.parentNode.parentNode.insertBefore(box, area.parentNode.nextSibling);
    input.addEventListener("change", function () {
      var f = input.files && input.files[0];
      if (!f) return;
      if (f.size > limit) {
        say.textContent = t("land.js.toolarge", "The file is larger than {0} KB; it is too large for this form.", spec[1]);
        return;
      }
      var r = new FileReader();
      r.onload = function () {
        area.value = String(r.result).trim();
        say.textContent = spec[0] === "f-geometry" ? t("land.js.loaded.geometry", "Loaded {0} into the field for the outline. Check it, then continue.", f.name) :
          t("land.js.loaded.children", "Loaded {0} into the field for the children. Check it, then continue.", f.name);
      };
      r.onerror = function () { say.textContent = t("land.js.unreadable", "The file could not be read."); };
      r.readAsText(f);
    });
  });
})();
