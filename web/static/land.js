// The parcel registration form: adds "load a GeoJSON file", which reads
// the chosen file into the outline field in the browser (the server checks
// and draws it on the next page). Without JavaScript, paste the text.
(function () {
  "use strict";
  var area = document.getElementById("f-geometry");
  if (!area || !window.FileReader) return;
  var box = document.createElement("div");
  box.className = "field";
  var label = document.createElement("label");
  label.htmlFor = "f-geometry-file";
  label.textContent = "Or load the outline from a GeoJSON file";
  var input = document.createElement("input");
  input.type = "file";
  input.id = "f-geometry-file";
  input.accept = ".json,.geojson,application/geo+json,application/json";
  var say = document.createElement("p");
  say.className = "hint";
  say.id = "f-geometry-file-status";
  say.setAttribute("role", "status");
  input.setAttribute("aria-describedby", say.id);
  box.appendChild(label);
  box.appendChild(say);
  box.appendChild(input);
  area.parentNode.parentNode.insertBefore(box, area.parentNode.nextSibling);
  input.addEventListener("change", function () {
    var f = input.files && input.files[0];
    if (!f) return;
    if (f.size > 60 * 1024) {
      say.textContent = "The file is larger than 60 KB; a parcel outline is much smaller.";
      return;
    }
    var r = new FileReader();
    r.onload = function () {
      area.value = String(r.result).trim();
      say.textContent = "Loaded " + f.name + " into the outline field. Check it, then continue.";
    };
    r.onerror = function () { say.textContent = "The file could not be read."; };
    r.readAsText(f);
  });
})();
