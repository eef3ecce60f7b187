/* Mitt-i-ST – small progressive enhancements. Every page works without this file.
 *
 * 1. <select data-autosubmit> submits its form on change; buttons marked
 *    [data-autosubmit-button] in that form are hidden (they stay for no-JS users).
 * 2. <form data-confirm="Text"> (or a submit button with data-confirm) asks
 *    confirm("Text") before submitting. Works for htmx-powered forms too, because the
 *    check runs in the capture phase before any other submit listener.
 * 3. A .table-wrap whose table is wider than it becomes a focusable region (see below).
 */
(function () {
  "use strict";

  // For CSS and tests: scripts run on this page.
  document.documentElement.classList.add("js");

  function enhanceAutosubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      if (select.dataset.autosubmitReady) return;
      select.dataset.autosubmitReady = "1";
      var form = select.form;
      if (!form) return;
      form.querySelectorAll("[data-autosubmit-button]").forEach(function (button) {
        button.hidden = true;
      });
      select.addEventListener("change", function () {
        if (typeof form.requestSubmit === "function") {
          form.requestSubmit();
        } else {
          form.submit();
        }
      });
    });
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      var submitter = event.submitter;
      var message =
        (submitter && submitter.getAttribute("data-confirm")) ||
        form.getAttribute("data-confirm");
      if (message && !window.confirm(message)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  // 3. A table too wide for its box scrolls sideways inside .table-wrap. Keyboard users can only scroll
  //    what they can focus, so such a box becomes a focusable, named region (and stops being one when
  //    the window grows and nothing is hidden any more).
  function reachableScrollBoxes(root) {
    root.querySelectorAll(".table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (caption && caption.textContent.trim()) || document.title);
        box.dataset.scrollBox = "1";
      } else if (!scrolls && box.dataset.scrollBox) {
        ["tabindex", "role", "aria-label", "data-scroll-box"].forEach(function (name) { box.removeAttribute(name); });
      }
    });
  }

  function init() {
    enhanceAutosubmit(document);
    reachableScrollBoxes(document);
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { reachableScrollBoxes(document); }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }

  // Content swapped in by htmx may contain new auto-submit selects.
  document.addEventListener("htmx:load", function (event) {
    enhanceAutosubmit(event.target || document);
    reachableScrollBoxes(event.target || document);
  });
})();
