/* Mitt-i-ST – small progressive enhancements. Every page works without this file.
 *
 * 1. <select data-autosubmit> submits its form on change; buttons marked
 *    [data-autosubmit-button] in that form are hidden (they stay for no-JS users).
 * 2. <form data-confirm="Text"> (or a submit button with data-confirm) asks
 *    confirm("Text") before submitting. Works for htmx-powered forms too, because the
 *    check runs in the capture phase before any other submit listener.
 * 3. A .table-wrap whose table is wider than the screen gets tabindex="0", so that keyboard users can
 *    reach it and scroll it with the arrow keys (axe: scrollable-region-focusable). One that fits gets
 *    no extra tab stop.
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

  function focusableScrollBoxes(root) {
    root.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) {
        if (!box.hasAttribute("tabindex")) {
          box.tabIndex = 0;
          box.dataset.scrollFocus = "added";
        }
      } else if (box.dataset.scrollFocus === "added") {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    });
  }

  function init() {
    enhanceAutosubmit(document);
    focusableScrollBoxes(document);
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () { focusableScrollBoxes(document); }, 150);
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
    focusableScrollBoxes(event.target || document);
  });
})();
