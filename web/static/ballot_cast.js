// The cast check page: shows the voter's own choices for the ballot being
// cast, which the vote page kept in this tab's session storage under the
// election with the ballot's tracker (the server only sees the encrypted
// ballot). Nothing is shown for another tracker.
(function () {
  "use strict";
  var box = document.getElementById("your-choices");
  if (!box || !window.sessionStorage) return;
  var kept;
  try { kept = JSON.parse(sessionStorage.getItem("publica-vote:" + box.getAttribute("data-election")) || "null"); } catch (e) { kept = null; }
  if (!kept || kept.tracker !== box.getAttribute("data-tracker") || !kept.questions) return;
  var t = window.PublicaText(box); // its data-i18n, in the page's language (static/i18n.js)
  var noChoice = t("ballot.cast.nochoice", "No choice");
  var list = document.getElementById("your-choices-list");
  kept.questions.forEach(function (q) {
    var row = document.createElement("div");
    var dt = document.createElement("dt");
    dt.textContent = q.text;
    var dd = document.createElement("dd");
    dd.textContent = q.picked.length ? q.picked.join(", ") : noChoice;
    row.appendChild(dt); row.appendChild(dd); list.appendChild(row);
  });
  box.hidden = false;
})();
