// Land forms that take GeoJSON (a parcel's outline, a subdivision's
// children): adds "load a GeoJSON file", which reads the chosen file into
// the field in the browser (the server checks and draws it on the next
// page). Without JavaScript, paste the text.
(function () {
  "use strict";
  if (!window.FileReader) return;
  [["f-geometry", "the outline", 60], ["f-children", "the children", 60]].forEach(function (spec) {
    var area = document.getElementById(spec[0]);
    if (!area) return;
    var what = spec[1], limit = spec[2] * 1024;
    var box = document.createElement("div");
    box.className = "field";
    var label = document.createElement("label");
    label.htmlFor = spec[0] + "-file";
    label.textContent = "Or load " + what + " from a GeoJSON file";
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
        say.textContent = "The file is larger than " + spec[2] + " KB; it is too large for this form.";
        return;
      }
      var r = new FileReader();
      r.onload = function () {
        area.value = String(r.result).trim();
        say.textContent = "Loaded " + f.name + " into the field for " + what + ". Check it, then continue.";
      };
      r.onerror = function () { say.textContent = "The file could not be read."; };
      r.readAsText(f);
    });
  });
})();
