/* Mitt-i-ST – autosave for portfolio sections. The page works without it (the Save button posts).
 *
 * Markup (portfolio/_section_fields.html): an element with data-autosave-url inside a <form>, with
 *   data-autosave-key     prefix of the localStorage keys ("mittist:draft:<case>:<section>")
 *   data-autosave-fields  the prompt field names, space separated
 * and in the same form: <input name="version">, elements [data-autosave-status] (the first one is the
 * aria-live region) and [data-autosave-messages] whose data-* attributes hold the (translated) texts.
 *
 * What it does:
 * - saves ~1.5 s after the last keystroke, on change/blur, when the tab is hidden, and on Save
 *   (the button then saves in place instead of reloading the page);
 * - posts the whole form as FormData (incl. version) with the CSRF token from the cookie (it changes
 *   when the user logs in again in another tab) or else from the form;
 * - keeps every field's text in localStorage while it is not saved; on load, text left there is put
 *   back (and saved) when the server's text is still the one it was written from; if the server's
 *   text changed meanwhile, both are shown as a conflict;
 * - the endpoint answers 200 {version, saved_at}; 409 {version, answers, saved_at}: fields only one
 *   side changed are merged, fields both changed are shown side by side to choose; 400 {errors} or
 *   {error}; 401 (logged out: keep the text, retry when the tab gets focus or on Save; with {login_url}
 *   a link to log in in a new tab); 403/404/410. The text shown is the server's {message} (or {error}
 *   when that is a sentence, not a code);
 *   network errors and 5xx are retried with backoff.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 1500;
  var RETRY_MIN_MS = 2000;
  var RETRY_MAX_MS = 60000;

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|;\\s*)" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function clockOf(savedAt) {
    if (!savedAt) return "";
    var match = String(savedAt).match(/(\d{2}:\d{2})/);
    return match ? match[1] : String(savedAt);
  }

  // The server's words for a refusal: `message`, or `error` when it is a sentence. A bare code
  // ("gone", "login_required") is never shown; the page's own text stands in for it.
  function messageOf(data) {
    if (data && typeof data.message === "string" && data.message) return data.message;
    if (data && typeof data.error === "string" && data.error && !/^[a-z_]+$/.test(data.error)) return data.error;
    return "";
  }

  function storage() {
    try {
      var probe = "mittist:probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null; // private mode or disabled: autosave still works, only the browser copy is missing
    }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function Autosave(container) {
    this.container = container;
    this.form = container.closest("form");
    this.url = container.getAttribute("data-autosave-url");
    this.keyPrefix = container.getAttribute("data-autosave-key") + ":";
    this.names = container.getAttribute("data-autosave-fields").split(/\s+/).filter(Boolean);
    this.versionInput = this.form.querySelector("input[name=version]");
    this.version = parseInt(this.versionInput.value, 10);
    this.statusNodes = this.form.querySelectorAll("[data-autosave-status]");
    var messages = this.form.querySelector("[data-autosave-messages]");
    this.text = function (name) { return (messages && messages.getAttribute("data-" + name)) || ""; };
    this.store = storage();
    this.base = {};       // per field: the text the server has as far as this page knows
    this.timer = null;
    this.retryTimer = null;
    this.retryDelay = RETRY_MIN_MS;
    this.inFlight = false;
    this.loggedOut = false;
    this.savedMessage = "";
    this.blocked = false; // 403/410: this page can no longer save
    this.conflictOpen = false;
    var self = this;
    this.names.forEach(function (name) { self.base[name] = self.serverValue(name); });
  }

  Autosave.prototype.control = function (name) {
    return this.form.elements.namedItem(name);
  };

  // What the server rendered into the field (not what the browser may have restored into it).
  Autosave.prototype.serverValue = function (name) {
    var control = this.control(name);
    if (!control) return "";
    if (control instanceof RadioNodeList || (control.length !== undefined && !control.tagName)) {
      for (var i = 0; i < control.length; i++) if (control[i].defaultChecked) return control[i].value;
      return "";
    }
    if (control.type === "radio") return control.defaultChecked ? control.value : "";
    return control.defaultValue;
  };

  Autosave.prototype.value = function (name) {
    var control = this.control(name);
    if (!control) return "";
    if (control.type === "radio" && control.tagName) return control.checked ? control.value : "";
    return (control.value || "").replace(/\r\n?/g, "\n");
  };

  Autosave.prototype.setValue = function (name, value) {
    var control = this.control(name);
    if (!control) return;
    if (control.type === "radio" && control.tagName) control.checked = control.value === value;
    else control.value = value;
    if (control.tagName === "TEXTAREA") this.autosize(control);
  };

  Autosave.prototype.label = function (name) {
    var wrapper = this.container.querySelector('[data-prompt="' + name + '"]');
    var label = wrapper && wrapper.querySelector("label, legend");
    return label ? label.textContent.replace(/\s+/g, " ").trim() : name;
  };

  Autosave.prototype.focusTarget = function (name) {
    var control = this.control(name);
    if (!control) return null;
    return control.tagName ? control : control[0];
  };

  Autosave.prototype.changed = function () {
    var self = this;
    return this.names.some(function (name) { return self.value(name) !== self.base[name]; });
  };

  // loginUrl: signed out; a link to log in again in a new tab, so that this page (and its text) stays.
  Autosave.prototype.status = function (message, kind, loginUrl) {
    var loginText = this.text("login");
    this.statusNodes.forEach(function (node) {
      node.textContent = message;
      // Only where it can be reached: not in the aria-hidden copy beside the button.
      if (loginUrl && loginText && node.getAttribute("aria-hidden") !== "true") {
        node.appendChild(document.createTextNode(" "));
        node.appendChild(el("a", { href: loginUrl, target: "_blank", rel: "noopener", "data-login-link": "" }, loginText));
      }
      node.classList.toggle("field-error", kind === "error");
      node.classList.toggle("muted", kind !== "error");
    });
  };

  // --- the browser's copy -----------------------------------------------------------------------

  Autosave.prototype.remember = function (name) {
    if (!this.store) return;
    var text = this.value(name);
    var key = this.keyPrefix + name;
    try {
      if (text === this.base[name]) this.store.removeItem(key);
      else this.store.setItem(key, JSON.stringify({ text: text, base: this.base[name], version: this.version, at: Date.now() }));
    } catch (e) { /* storage full: the server save still runs */ }
  };

  Autosave.prototype.read = function (name) {
    if (!this.store) return null;
    try {
      var stored = JSON.parse(this.store.getItem(this.keyPrefix + name) || "null");
      return stored && typeof stored.text === "string" ? stored : null;
    } catch (e) {
      return null;
    }
  };

  Autosave.prototype.restore = function () {
    var self = this;
    var restored = [];
    var stale = {};
    this.names.forEach(function (name) {
      var stored = self.read(name);
      if (!stored) return;
      var server = self.base[name];
      if (stored.text === server) {
        self.store.removeItem(self.keyPrefix + name);
      } else if (stored.base === undefined || stored.base === server) {
        // Written from the text the server still has: putting it back loses nothing.
        self.setValue(name, stored.text);
        restored.push(name);
      } else {
        // The server's text changed after this was typed (another window or device): let the user choose.
        self.setValue(name, stored.text);
        stale[name] = server;
      }
    });
    if (Object.keys(stale).length) {
      this.showConflict(stale, this.version, this.text("conflict-stale"));
    }
    if (restored.length) {
      this.notice(this.text("restored"), restored);
      if (!this.conflictOpen) this.saveNow();
    }
  };

  Autosave.prototype.notice = function (message, names) {
    var self = this;
    this.container.querySelectorAll("[data-autosave-notice]").forEach(function (node) { node.remove(); });
    var box = el("p", { className: "message message-info", role: "status", "data-autosave-notice": "" });
    box.appendChild(el("span", {}, message));
    if (names && names.length) {
      box.appendChild(document.createTextNode(": "));
      names.forEach(function (name, i) {
        var link = el("a", { href: "#" }, self.label(name));
        link.addEventListener("click", function (event) {
          event.preventDefault();
          var target = self.focusTarget(name);
          if (target) target.focus();
        });
        if (i) box.appendChild(document.createTextNode(", "));
        box.appendChild(link);
      });
    }
    this.container.insertBefore(box, this.container.firstChild);
  };

  // --- saving -----------------------------------------------------------------------------------

  Autosave.prototype.schedule = function () {
    var self = this;
    clearTimeout(this.timer);
    if (this.conflictOpen || this.blocked) return;
    if (!this.loggedOut) this.status(this.text("pending"));
    this.timer = setTimeout(function () { self.saveNow(); }, DEBOUNCE_MS);
  };

  Autosave.prototype.saveNow = function (options) {
    var self = this;
    options = options || {};
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    if (this.conflictOpen || this.blocked) return;
    // Signed out: only Save or coming back to the tab tries again. Leaving the field (to click the
    // "log in" link) must not replace that link with "saving…" and the same refusal.
    if (this.loggedOut && !options.force) return;
    if (!options.force && !this.changed()) {
      if (this.savedMessage && !this.inFlight && !this.loggedOut) this.status(this.savedMessage); // typed, then undone
      return;
    }
    if (this.inFlight) return; // when it answers, whatever changed meanwhile is saved next
    var sent = {};
    var size = 0;
    this.names.forEach(function (name) {
      sent[name] = self.value(name);
      size += sent[name].length * 3;
    });
    this.versionInput.value = String(this.version);
    // Logging in (again, in another tab) gives a new CSRF token: the cookie has it, the page's input not.
    var tokenInput = this.form.querySelector("input[name=csrfmiddlewaretoken]");
    var token = cookie("csrftoken") || (tokenInput ? tokenInput.value : "");
    if (tokenInput && token) tokenInput.value = token;
    var body = new FormData(this.form);
    this.inFlight = true;
    this.status(this.text("saving"));
    fetch(this.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      keepalive: !!options.keepalive && size < 60000, // browsers refuse keepalive bodies over 64 kB
      headers: { "X-CSRFToken": token, "X-Requested-With": "fetch", "Accept": "application/json" },
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          self.inFlight = false;
          self.answer(response.status, data, sent);
        });
      })
      .catch(function () {
        self.inFlight = false;
        self.retry();
      });
  };

  Autosave.prototype.retry = function () {
    var self = this;
    this.status(this.text("retry"), "error");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(function () { self.saveNow({ force: true }); }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  };

  Autosave.prototype.answer = function (status, data, sent) {
    var self = this;
    this.clearErrors();
    if (status === 200) {
      this.loggedOut = false;
      this.retryDelay = RETRY_MIN_MS;
      this.setVersion(data.version);
      this.names.forEach(function (name) {
        self.base[name] = sent[name];
        self.remember(name); // drops the browser's copy, or re-bases text typed during the save
      });
      this.savedMessage = this.text("saved").replace("{time}", clockOf(data.saved_at) || clockOf(new Date().toTimeString()));
      this.status(this.savedMessage);
      if (this.changed()) this.schedule(); // typed on while this save was under way
      return;
    }
    if (status === 409) {
      this.resolve(data.answers || {}, data.version);
    } else if (status === 401) {
      this.loggedOut = true;
      this.status(messageOf(data) || this.text("logged-out"), "error", data.login_url);
    } else if (status === 400) {
      this.showErrors(data);
      this.status(this.text("invalid"), "error");
    } else if (status === 403 && !data.error) {
      // Not the endpoint's answer but Django's CSRF check (cookies cleared): a reload fixes it.
      this.status(this.text("reload"), "error");
    } else if (status === 403 || status === 404 || status === 410) {
      this.blocked = true;
      this.status(messageOf(data) || this.text("forbidden"), "error");
    } else {
      this.retry();
    }
  };

  Autosave.prototype.setVersion = function (version) {
    if (typeof version === "number") {
      this.version = version;
      this.versionInput.value = String(version);
    }
  };

  Autosave.prototype.clearErrors = function () {
    this.container.querySelectorAll("[data-autosave-error]").forEach(function (node) { node.remove(); });
  };

  Autosave.prototype.showErrors = function (data) {
    var self = this;
    var errors = data.errors || {};
    var general = [];
    if (data.error && typeof data.error === "string" && !data.errors) general.push(data.error);
    Object.keys(errors).forEach(function (name) {
      var wrapper = self.container.querySelector('[data-prompt="' + name + '"] .field');
      var messages = [].concat(errors[name]);
      if (!wrapper) {
        general = general.concat(messages);
        return;
      }
      wrapper.appendChild(el("p", { className: "field-error", role: "alert", "data-autosave-error": "" }, messages.join(" ")));
    });
    if (general.length) {
      var box = el("div", { className: "form-errors", role: "alert", "data-autosave-error": "" });
      box.appendChild(el("p", { className: "mb-0" }, general.join(" ")));
      this.container.insertBefore(box, this.container.firstChild);
    }
  };

  // --- conflicts --------------------------------------------------------------------------------

  // 409: merge what only one side changed; show what both changed.
  Autosave.prototype.resolve = function (answers, version) {
    var self = this;
    var conflicts = {};
    var merged = [];
    this.names.forEach(function (name) {
      var mine = self.value(name);
      var theirs = answers[name] === undefined || answers[name] === null ? "" : String(answers[name]);
      var base = self.base[name];
      self.base[name] = theirs;
      if (mine === theirs) return;
      if (mine === base) {
        self.setValue(name, theirs); // untouched here, changed there: take it
        merged.push(name);
      } else if (theirs !== base) {
        conflicts[name] = theirs; // changed on both sides: the user chooses
      } // else changed only here: keep it, it is saved below
    });
    this.names.forEach(function (name) { if (!(name in conflicts)) self.remember(name); });
    if (merged.length) this.notice(this.text("merged"), merged);
    if (Object.keys(conflicts).length) {
      this.showConflict(conflicts, version, "");
    } else {
      this.setVersion(version);
      this.saveNow({ force: true });
    }
  };

  Autosave.prototype.showConflict = function (theirsByName, version, extra) {
    var self = this;
    this.conflictOpen = true;
    clearTimeout(this.timer);
    var old = this.form.querySelector("[data-conflict-panel]");
    if (old) old.remove();
    var panel = el("section", {
      className: "warning-box conflict-panel", "data-conflict-panel": "", tabindex: "-1", "aria-labelledby": "conflict-heading",
    });
    panel.appendChild(el("h2", { id: "conflict-heading" }, this.text("conflict-title")));
    if (extra) panel.appendChild(el("p", {}, extra));
    panel.appendChild(el("p", {}, this.text("conflict-intro")));
    var open = Object.keys(theirsByName);
    open.forEach(function (name, index) {
      var theirs = theirsByName[name];
      var mine = self.value(name);
      var part = el("div", { className: "conflict-field", "data-conflict-field": name });
      part.appendChild(el("h3", {}, self.label(name)));
      var grid = el("div", { className: "card-grid" });
      [["mine", mine], ["theirs", theirs]].forEach(function (pair) {
        var cell = el("div", { className: "field mb-0", "data-conflict-side": pair[0] });
        var id = "conflict-" + index + "-" + pair[0];
        cell.appendChild(el("label", { for: id }, self.text(pair[0])));
        var box = el("textarea", { id: id, readonly: "", rows: String(Math.min(14, Math.max(4, pair[1].split("\n").length + Math.ceil(pair[1].length / 70)))) });
        box.value = pair[1] || "";
        if (!pair[1]) box.setAttribute("placeholder", self.text("empty"));
        cell.appendChild(box);
        grid.appendChild(cell);
      });
      part.appendChild(grid);
      var buttons = el("div", { className: "actions" });
      var keep = el("button", { type: "button", className: "btn btn-primary", "data-keep": "mine" }, self.text("keep-mine"));
      var take = el("button", { type: "button", className: "btn btn-secondary", "data-keep": "theirs" }, self.text("take-theirs"));
      function choose(which) {
        if (which === "theirs") self.setValue(name, theirs);
        self.remember(name);
        part.replaceChildren(el("p", { className: "mb-0" }, self.label(name) + ": " + self.text(which === "theirs" ? "chosen-theirs" : "chosen-mine")));
        open = open.filter(function (n) { return n !== name; });
        if (!open.length) {
          panel.remove();
          self.conflictOpen = false;
          self.setVersion(version);
          self.saveNow({ force: true });
        } else {
          var next = panel.querySelector("[data-conflict-field] button");
          if (next) next.focus();
        }
      }
      var edit = el("a", { href: "#", className: "btn btn-link" }, self.text("edit"));
      edit.addEventListener("click", function (event) {
        event.preventDefault();
        var target = self.focusTarget(name);
        if (target) target.focus();
      });
      keep.addEventListener("click", function () { choose("mine"); });
      take.addEventListener("click", function () { choose("theirs"); });
      buttons.appendChild(keep);
      buttons.appendChild(take);
      buttons.appendChild(edit);
      part.appendChild(buttons);
      panel.appendChild(part);
    });
    this.container.insertBefore(panel, this.container.firstChild);
    this.status(this.text("conflict-title"), "error");
    panel.focus();
    panel.scrollIntoView({ block: "start" });
  };

  // --- wiring -----------------------------------------------------------------------------------

  Autosave.prototype.start = function () {
    var self = this;
    var inField = function (event) {
      var name = event.target && event.target.name;
      return name && self.names.indexOf(name) !== -1 ? name : null;
    };
    this.form.addEventListener("input", function (event) {
      var name = inField(event);
      if (!name) return;
      self.remember(name);
      self.autosize(event.target);
      var copy = self.form.querySelector('[data-conflict-field="' + name + '"] [data-conflict-side="mine"] textarea');
      if (copy) copy.value = self.value(name);
      if (self.loggedOut) return;
      self.schedule();
    });
    this.form.addEventListener("change", function (event) {
      var name = inField(event);
      if (!name) return;
      self.remember(name);
      self.saveNow();
    });
    this.form.addEventListener("focusout", function (event) {
      if (inField(event)) self.saveNow();
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (self.conflictOpen) {
        var panel = self.form.querySelector("[data-conflict-panel]");
        if (panel) panel.focus();
        return;
      }
      self.blocked = false;
      self.saveNow({ force: true });
    });
    // Back from logging in in another tab, or leaving this one: save what is there.
    window.addEventListener("focus", function () {
      if (self.loggedOut && self.changed()) self.saveNow({ force: true });
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") self.saveNow({ keepalive: true });
    });
    window.addEventListener("pagehide", function () { self.saveNow({ keepalive: true }); });
    window.addEventListener("beforeunload", function (event) {
      if (self.inFlight || self.conflictOpen || (self.changed() && !self.store)) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    this.restore();
    this.container.querySelectorAll("textarea").forEach(function (box) { self.autosize(box); });
  };

  // Long answers are the norm: a text area grows with its text (up to most of the window) instead of
  // scrolling inside six lines. Only the height is set, through the CSSOM (allowed by the CSP).
  Autosave.prototype.autosize = function (box) {
    if (!box || box.tagName !== "TEXTAREA" || box.readOnly) return;
    var limit = Math.max(240, Math.round(window.innerHeight * 0.75));
    box.style.height = "";
    var needed = box.scrollHeight + (box.offsetHeight - box.clientHeight);
    if (needed > box.offsetHeight) box.style.height = Math.min(needed, limit) + "px";
  };

  function init() {
    document.querySelectorAll("[data-autosave-url]").forEach(function (container) {
      if (container.getAttribute("data-autosave-ready") || !container.closest("form")) return;
      container.setAttribute("data-autosave-ready", "1");
      new Autosave(container).start();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
