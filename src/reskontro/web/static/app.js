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

/* Postings and matching (issue 4, slice 2): the posting form's due date and exchange-rate field, the party
   picker's arrow keys, the ticked sums of the open items, a confirm dialog for reversals and undoing a match,
   and forms that are sent once. Amounts are summed as whole minor units (BigInt), never as floats. */
(function () {
  "use strict";

  var lang = document.documentElement.lang === "nb" ? "nb" : "en";

  /* "-1234.50" (what the server writes into data-open) -> {minor: -123450n, places: 2}; null if not a number. */
  function parseDecimal(text) {
    var m = /^(-?)(\d+)(?:\.(\d+))?$/.exec((text || "").trim());
    if (!m) { return null; }
    var frac = m[3] || "";
    var minor = BigInt(m[2] + frac);
    return { minor: m[1] ? -minor : minor, places: frac.length };
  }

  function rescale(value, places) {
    var minor = value.minor;
    for (var i = value.places; i < places; i++) { minor = minor * BigInt(10); }
    return minor;
  }

  /* 123450n, 2 -> "1 234,50" (nb, no-break space, U+2212 minus) or "1,234.50" (en), like web/formatting.py. */
  function formatMinor(minor, places) {
    var negative = minor < BigInt(0);
    var digits = (negative ? -minor : minor).toString();
    while (digits.length <= places) { digits = "0" + digits; }
    var whole = places ? digits.slice(0, digits.length - places) : digits;
    var fraction = places ? digits.slice(digits.length - places) : "";
    whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, lang === "nb" ? "\u00a0" : ",");
    var sign = negative ? (lang === "nb" ? "\u2212" : "-") : "";
    return sign + whole + (places ? (lang === "nb" ? "," : ".") + fraction : "");
  }

  /* -- the ticked open items: what is owed, what settles it, what is matched and what stays open ------------ */
  function summarise(form) {
    var boxes = form.querySelectorAll('input[name="item"]');
    var currencies = {};
    var ticked = [];
    var places = 0;
    boxes.forEach(function (box) {
      var row = box.closest("tr");
      if (row) { row.classList.toggle("ticked", box.checked); }
      if (!box.checked) { return; }
      var value = parseDecimal(box.getAttribute("data-open"));
      if (!value) { return; }
      currencies[box.getAttribute("data-currency")] = true;
      places = Math.max(places, value.places);
      ticked.push(value);
    });
    var zero = BigInt(0);
    var owed = zero;
    var settling = zero;
    ticked.forEach(function (value) {
      var minor = rescale(value, places);
      if (minor > zero) { owed += minor; } else { settling += minor; }
    });
    var names = Object.keys(currencies);
    var mixed = names.length > 1;
    var matched = owed < -settling ? owed : -settling;
    function put(name, text) {
      var el = form.querySelector('[data-sum="' + name + '"]');
      if (el) { el.textContent = text; }
    }
    put("count", String(ticked.length));
    put("debit", ticked.length && !mixed ? formatMinor(owed, places) : "–");
    put("credit", ticked.length && !mixed ? formatMinor(settling, places) : "–");
    put("matched", ticked.length && !mixed ? formatMinor(matched, places) : "–");
    put("rest", ticked.length && !mixed ? formatMinor(owed + settling, places) : "–");
    put("currency", names.length === 1 ? names[0] : "");
    var warn = form.querySelector('[data-sum="mixed"]');
    if (warn) { warn.hidden = !mixed; }
    var button = form.querySelector("[data-match-button]");
    if (button) { button.disabled = mixed || owed === zero || settling === zero; }
    var all = form.querySelector("[data-tick-all]");
    if (all) {
      all.checked = boxes.length > 0 && ticked.length === boxes.length;
      all.indeterminate = ticked.length > 0 && ticked.length < boxes.length;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target.closest ? target.closest("[data-match-form]") : null;
    if (!form) { return; }
    if (target.hasAttribute("data-tick-all")) {
      form.querySelectorAll('input[name="item"]').forEach(function (box) { box.checked = target.checked; });
    }
    summarise(form);
  });

  /* A click anywhere on an open item's row (but on a link or a field) ticks it. */
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest || target.closest("a, input, label, button, select")) { return; }
    var row = target.closest("[data-match-form] tr[data-item-row]");
    var box = row ? row.querySelector('input[name="item"]') : null;
    if (box) {
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  /* -- the posting form: the due date follows the date by the card's terms until it is typed in; the rate
     field shows for another currency than the company's ---------------------------------------------------- */
  function addDays(iso, days) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!m) { return ""; }
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + days));
    return d.toISOString().slice(0, 10);
  }

  function setUpPostingForm(form) {
    var docDate = form.querySelector("[data-doc-date]");
    var due = form.querySelector("[data-due-date]");
    var terms = parseInt(form.getAttribute("data-terms") || "0", 10);
    if (docDate && due) {
      var followed = due.value === addDays(docDate.value, terms);
      due.addEventListener("input", function () { followed = false; });
      docDate.addEventListener("input", function () {
        if (followed) { due.value = addDays(docDate.value, terms); }
      });
    }
    var currency = form.querySelector("[data-currency-input]");
    var fx = form.querySelector("[data-fx-only]");
    var own = (form.getAttribute("data-company-currency") || "").toUpperCase();
    if (currency && fx) {
      currency.addEventListener("input", function () {
        var value = currency.value.trim().toUpperCase();
        fx.hidden = value === "" || value === own;
      });
    }
    /* Split over more counter lines: what the first line takes (the amount less the further lines), live. */
    var rest = form.querySelector("[data-split-rest]");
    var total = form.querySelector('input[name="amount"]');
    if (rest && total) {
      var typed = function (text) {  /* "1 234,50" or "1234.50", as the server reads it */
        var t = (text || "").replace(/[\s\u00a0]/g, "");
        if (t.indexOf(",") >= 0) { t = t.replace(/\./g, "").replace(",", "."); }
        return parseDecimal(t);
      };
      var update = function () {
        var parts = [typed(total.value)];
        form.querySelectorAll("[data-split-amount]").forEach(function (input) { parts.push(typed(input.value)); });
        if (parts.some(function (p) { return p === null; })) { rest.textContent = "–"; return; }
        var places = Math.max.apply(null, parts.map(function (p) { return p.places; }).concat([2]));
        var minor = rescale(parts[0], places);
        parts.slice(1).forEach(function (p) { minor -= rescale(p, places); });
        rest.textContent = formatMinor(minor, places);
      };
      form.addEventListener("input", update);
      update();
    }
  }

  /* -- the party picker: arrow down from the search box into the results, up and down through them ---------- */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") { return; }
    var target = event.target;
    var items = Array.prototype.slice.call(document.querySelectorAll("[data-picker-item]"));
    if (!items.length) { return; }
    if (target.hasAttribute && target.hasAttribute("data-picker-input")) {
      if (event.key === "ArrowDown") { event.preventDefault(); items[0].focus(); }
      return;
    }
    var at = items.indexOf(target);
    if (at < 0) { return; }
    event.preventDefault();
    if (event.key === "ArrowDown" && at + 1 < items.length) { items[at + 1].focus(); }
    if (event.key === "ArrowUp") {
      if (at > 0) { items[at - 1].focus(); } else {
        var input = document.querySelector("[data-picker-input]");
        if (input) { input.focus(); }
      }
    }
  });

  /* -- a confirm dialog before a submit button with data-confirm="question" does its work -------------------- */
  function confirmThen(button, proceed) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-text");
    var text = document.createElement("p");
    text.id = "confirm-text";
    text.textContent = button.getAttribute("data-confirm");
    var actions = document.createElement("div");
    actions.className = "form-actions";
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "button primary";
    ok.textContent = button.getAttribute("data-confirm-ok") || "OK";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button subtle";
    cancel.textContent = button.getAttribute("data-confirm-cancel") || "Cancel";
    actions.appendChild(ok);
    actions.appendChild(cancel);
    dialog.appendChild(text);
    dialog.appendChild(actions);
    document.body.appendChild(dialog);
    ok.addEventListener("click", function () { dialog.close(); proceed(); });
    cancel.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { dialog.remove(); button.focus(); });
    dialog.showModal();
    ok.focus();
  }

  /* While the dialog is open, the page's shortcuts rest (the dialog's own keys still work). */
  document.addEventListener("keydown", function (event) {
    if (document.querySelector("dialog.confirm[open]")) { event.stopPropagation(); }
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (button && button.hasAttribute("data-confirm") && form.getAttribute("data-confirmed") !== "yes") {
      event.preventDefault();
      confirmThen(button, function () {
        form.setAttribute("data-confirmed", "yes");
        form.requestSubmit(button);
        form.removeAttribute("data-confirmed");
      });
      return;
    }
    /* A form that changes the books is sent once: its buttons rest until the next page (a double click
       would find the server's idempotency key anyway). */
    if (form.hasAttribute("data-once") && !event.defaultPrevented) {
      setTimeout(function () {
        form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = true; });
      }, 0);
    }
  });

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once] button[type=submit]").forEach(function (b) { b.disabled = false; });
    document.querySelectorAll("[data-match-form]").forEach(summarise);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-match-form]").forEach(summarise);
    document.querySelectorAll("[data-posting-form]").forEach(setUpPostingForm);
  });
})();
