// Instant filtering of the chronology. Optional: without this script the filter links
// lead to static pages per kind, place and confidence level, which hold the same result.
// The form is rendered hidden by the template; this script reveals it and hides the
// entries (and then years and decades) that do not match.
(function () {
  "use strict";
  var form = document.getElementById("chronology-filter");
  if (!form) return;
  var entries = Array.prototype.slice.call(document.querySelectorAll(".chronology [data-kind]"));
  var status = document.getElementById("chronology-count");
  var template = status ? status.getAttribute("data-template") || "" : "";

  function matches(entry, kind, place, confidence) {
    if (kind && entry.getAttribute("data-kind") !== kind) return false;
    if (confidence && entry.getAttribute("data-confidence") !== confidence) return false;
    if (place && (" " + entry.getAttribute("data-places") + " ").indexOf(" " + place + " ") < 0) return false;
    return true;
  }

  function apply() {
    var kind = form.elements.kind.value;
    var place = form.elements.place.value;
    var confidence = form.elements.confidence.value;
    var filtering = !!(kind || place || confidence);
    var shown = 0;
    entries.forEach(function (entry) {
      var ok = matches(entry, kind, place, confidence);
      entry.hidden = !ok;
      if (ok) shown += 1;
    });
    // A year or decade with nothing left to show disappears while filtering; gaps too.
    document.querySelectorAll(".chronology .year, .chronology .undated, .chronology .decade, .chronology .gap").forEach(function (group) {
      group.hidden = filtering && (group.classList.contains("gap") || !group.querySelector("[data-kind]:not([hidden])"));
    });
    if (status) status.textContent = template.replace("{n}", String(shown));
  }

  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
})();
