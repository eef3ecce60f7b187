/* Mitt-i-ST – the practice day's programme. Every page works without this file.
 *
 * 1. <button data-print hidden> is shown and prints the page (the browser's own print works anyway).
 * 2. In an item form, the fieldset [data-patient-fields] (age band, acute/planned, ...) is shown only
 *    while the chosen moment is a sitting-in patient; the server ignores those fields for the others.
 */
(function () {
  "use strict";

  function enhancePrint(root) {
    root.querySelectorAll("button[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  function enhancePatientFields(root) {
    root.querySelectorAll("form").forEach(function (form) {
      var kind = form.querySelector("select[name=kind]");
      var patient = form.querySelector("[data-patient-fields]");
      if (!kind || !patient) return;
      function sync() {
        // Shown while nothing is chosen yet, so that no one misses the fields.
        patient.hidden = kind.value !== "" && kind.value !== "sitting_in";
      }
      kind.addEventListener("change", sync);
      sync();
    });
  }

  function init() {
    enhancePrint(document);
    enhancePatientFields(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
