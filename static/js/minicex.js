/* Mini-CEX form: show only the chosen curriculum's goals. Without this file every curriculum's
 * goals are shown, and the server keeps only the ones that belong to the chosen curriculum. */
(function () {
  "use strict";

  function update(form) {
    var checked = form.querySelector("input[name=curriculum]:checked");
    var chosen = checked ? checked.value : "";
    form.querySelectorAll("fieldset[data-curriculum]").forEach(function (group) {
      group.hidden = chosen !== "" && group.getAttribute("data-curriculum") !== chosen;
    });
    form.querySelectorAll("[data-curriculum-free]").forEach(function (box) {
      var allowed = box.getAttribute("data-curriculum-free").split(" ");
      // Never hide text the trainee wrote (or an error about it): the server would refuse it unseen.
      var filled = Array.prototype.some.call(box.querySelectorAll("input"), function (input) {
        return input.value.trim() !== "";
      });
      box.hidden = allowed.indexOf(chosen) === -1 && !filled && !box.classList.contains("has-error");
    });
  }

  function init() {
    document.querySelectorAll("form[data-minicex-form]").forEach(function (form) {
      form.querySelectorAll(".minicex-nojs-help").forEach(function (help) {
        help.hidden = true;
      });
      form.querySelectorAll("input[name=curriculum]").forEach(function (radio) {
        radio.addEventListener("change", function () {
          update(form);
        });
      });
      update(form);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
