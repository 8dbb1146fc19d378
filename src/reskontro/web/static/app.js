/* Reskontro web UI: the little script the pages need. Everything works without it except live search,
   the org-number check as you type and the keyboard shortcuts.

   - Every htmx request carries the CSRF token from <meta name="csrf-token"> as X-CSRF-Token.
   - An htmx request that fails shows the server's message in the alert area (#flash).
   - Keyboard shortcuts (also on the help overlay, "?"):  /  search,  g d / g c / g s  go to the overview,
     customers, suppliers,  n  new,  e  edit,  [ ]  previous/next page,  ?  help,  Esc  close / leave a field.
     Elements declare their shortcut with data-shortcut="g c"; the script clicks (or follows) them. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  function flash(message) {
    var box = document.getElementById("flash");
    if (!box) { return; }
    box.textContent = message;
    box.hidden = false;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var header = xhr.getResponseHeader("X-Message");
    flash(header ? decodeURIComponent(header) : (xhr.status + " " + xhr.statusText));
  });
  document.addEventListener("htmx:sendError", function () {
    flash(document.documentElement.lang === "nb" ? "Fikk ikke kontakt med serveren." : "Could not reach the server.");
  });

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function activate(element) {
    if (element.tagName.toLowerCase() === "a" && element.href) {
      window.location.assign(element.href);
    } else {
      element.click();
    }
  }

  function shortcut(keys) {
    return document.querySelector('[data-shortcut="' + keys + '"]');
  }

  var pending = "";
  var pendingTimer = null;

  document.addEventListener("keydown", function (event) {
    var help = document.getElementById("help");
    if (event.key === "Escape") {
      if (help && help.open) { help.close(); return; }
      if (typing(event.target)) { event.target.blur(); }
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (help && help.open) { return; }
    var key = event.key;
    if (pending) {
      var combo = pending + " " + key;
      pending = "";
      clearTimeout(pendingTimer);
      var target = shortcut(combo);
      if (target) { event.preventDefault(); activate(target); }
      return;
    }
    if (key === "g") {
      pending = "g";
      pendingTimer = setTimeout(function () { pending = ""; }, 1500);
      return;
    }
    if (key === "/") {
      var search = document.querySelector("[data-search]");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
      return;
    }
    if (key === "?") {
      if (help) { event.preventDefault(); help.showModal(); }
      return;
    }
    var single = shortcut(key);
    if (single) { event.preventDefault(); activate(single); }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest ? event.target.closest("[data-help]") : null;
    var help = document.getElementById("help");
    if (opener && help) { help.showModal(); }
  });

  /* A form with errors: move focus to the summary, so a screen reader reads what to fix. */
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("form-errors");
    if (summary) { summary.focus(); }
  });
})();
