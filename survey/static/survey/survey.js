/* Mitt-i-ST – the survey's thank-you page forgets the browser copy of the answers (keep-draft.js).
 *
 * Markup: an element with data-forget-draft="<the form's data-keep-draft-key>". Once the answers are sent,
 * a copy left in localStorage would only keep them on this computer for the next person to find.
 */
(function () {
  "use strict";

  function start() {
    document.querySelectorAll("[data-forget-draft]").forEach(function (element) {
      try {
        window.localStorage.removeItem(element.getAttribute("data-forget-draft"));
      } catch (e) {
        /* no storage: nothing was kept */
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
