/* Mitt-i-ST – a browser copy of a form that is saved by a button (the mini-CEX pages).
 *
 * Markup: <form data-keep-draft-key="mittist:minicex:assess:<id>" data-keep-draft-version="<version>">
 * with an element [data-keep-draft-notice] (hidden, role=status) holding the text shown on restore.
 *
 * While someone types, every named field's value is kept in localStorage with the version of the form
 * the page was rendered from. If the page is opened again (a closed tab, a lost connection, an expired
 * session) and the form on the server still has that version, what was typed is put back and the
 * notice says so; the person then saves as usual. A copy made from an older version is dropped: the
 * form was saved since, so the server's text is the newer one. Without JavaScript nothing changes.
 */
(function () {
  "use strict";

  function storage() {
    try {
      window.localStorage.setItem("mittist:probe", "1");
      window.localStorage.removeItem("mittist:probe");
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && field.name !== "csrfmiddlewaretoken" && field.name !== "version" &&
        ["submit", "button", "hidden", "file", "password"].indexOf(field.type) === -1;
    });
  }

  function snapshot(form) {
    var values = {};
    fields(form).forEach(function (field) {
      if (field.type === "radio" || field.type === "checkbox") {
        values[field.name + "=" + field.value] = field.checked;
      } else {
        values[field.name] = field.value;
      }
    });
    return values;
  }

  function restore(form, values) {
    var changed = false;
    fields(form).forEach(function (field) {
      if (field.type === "radio" || field.type === "checkbox") {
        var key = field.name + "=" + field.value;
        if (key in values && field.checked !== values[key]) {
          field.checked = values[key];
          changed = true;
        }
      } else if (field.name in values && field.value !== values[field.name]) {
        field.value = values[field.name];
        changed = true;
      }
    });
    return changed;
  }

  function init(form, store) {
    var key = form.getAttribute("data-keep-draft-key");
    var version = form.getAttribute("data-keep-draft-version") || "";
    var rendered = snapshot(form);
    var kept = null;
    try {
      kept = JSON.parse(store.getItem(key) || "null");
    } catch (e) {
      kept = null;
    }
    if (kept && kept.version === version && kept.values && restore(form, kept.values)) {
      var notice = form.querySelector("[data-keep-draft-notice]");
      if (notice) notice.hidden = false;
    } else if (kept) {
      store.removeItem(key);
    }
    function keep() {
      var now = snapshot(form);
      var differs = Object.keys(now).some(function (k) { return now[k] !== rendered[k]; });
      if (differs) store.setItem(key, JSON.stringify({ version: version, values: now }));
      else store.removeItem(key);
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
  }

  function start() {
    var store = storage();
    if (!store) return;
    document.querySelectorAll("form[data-keep-draft-key]").forEach(function (form) {
      init(form, store);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
