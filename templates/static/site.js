// opsbook: small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // An alert's page with one runbook sends the reader on: its <meta http-equiv="refresh"> does
  // it without JavaScript; with it, location.replace keeps the alert page out of the history,
  // so Back returns to the alert in Alertmanager or Grafana.
  var redirect = document.querySelector("a[data-redirect]");
  if (redirect) {
    location.replace(redirect.href);
    return;
  }
  // "/" focuses the page's own filter box when it has one (lists say "press /" in it), else the
  // search box, as on most documentation sites.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var box = document.querySelector("[data-filter]") || document.querySelector("[data-search-input]");
    if (box) { event.preventDefault(); box.focus(); }
  });
  // The search code (static/search.js, then Pagefind's) loads when the search box is first
  // used, not with every page; a link with ?q= searches at once.
  var search = document.querySelector("[data-search]");
  var searchInput = search && search.querySelector("[data-search-input]");
  if (searchInput) {
    var loadSearch = function () {
      if (search.getAttribute("data-search-loading") !== null) return;
      search.setAttribute("data-search-loading", "");
      var script = document.createElement("script");
      script.src = search.getAttribute("data-script");
      document.head.appendChild(script);
    };
    searchInput.addEventListener("focus", loadSearch);
    searchInput.addEventListener("pointerdown", loadSearch);
    if (new URLSearchParams(location.search).get("q")) loadSearch();
  }
  // Filter table rows by the text typed.
  document.querySelectorAll("[data-filter]").forEach(function (input) {
    var table = document.querySelector(input.getAttribute("data-filter"));
    if (!table) return;
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var text = row.textContent.toLowerCase();
        row.hidden = !words.every(function (w) { return text.indexOf(w) !== -1; });
      });
    });
  });
  // Follow-ups tracker: filter rows by status, owner, service and overdue, in the browser.
  // The form is hidden in the HTML, so without JavaScript every row simply shows. The choice
  // is kept in the address (?status=...&owner=...) so a filtered view can be shared.
  document.querySelectorAll("form[data-follow-up-filters]").forEach(function (form) {
    var table = document.querySelector(form.getAttribute("data-table"));
    if (!table) return;
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    var count = form.querySelector("[data-count]");
    var fields = ["status", "owner", "service", "overdue"];
    function value(name) {
      var el = form.elements[name];
      if (!el) return "";
      return el.type === "checkbox" ? (el.checked ? "1" : "") : el.value;
    }
    function apply() {
      var status = value("status"), owner = value("owner"), service = value("service"), overdue = value("overdue");
      var shown = 0;
      rows.forEach(function (row) {
        var ok = (!status || status.split("|").indexOf(row.getAttribute("data-status")) !== -1) &&
          (!owner || row.getAttribute("data-owner") === owner) &&
          (!service || (row.getAttribute("data-services") || "").split("|").indexOf(service) !== -1) &&
          (!overdue || row.getAttribute("data-overdue") === "1");
        row.hidden = !ok;
        if (ok) shown++;
      });
      if (count) count.textContent = "Showing " + shown + " of " + rows.length + " follow-ups.";
      var params = new URLSearchParams();
      fields.forEach(function (name) { var v = value(name); if (v) params.set(name, v); });
      var query = params.toString();
      if (window.history && history.replaceState) {
        history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
      }
    }
    var params = new URLSearchParams(location.search);
    fields.forEach(function (name) {
      var el = form.elements[name];
      var v = params.get(name);
      if (!el || v === null) return;
      if (el.type === "checkbox") { el.checked = v === "1"; return; }
      // Only values the list offers.
      for (var i = 0; i < el.options.length; i++) {
        if (el.options[i].value === v) { el.value = v; break; }
      }
    });
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
    form.hidden = false;
    apply();
  });
  // A copy button on every code block: runbooks are read at 3 a.m. to copy commands. It sits in
  // a bar above the code, never over it.
  if (navigator.clipboard) {
    document.querySelectorAll("pre > code").forEach(function (code) {
      // The code's scroll box (see document/markdown.rs), or the <pre> of a template override.
      var pre = code.parentNode.parentNode.classList.contains("code-scroll") ? code.parentNode.parentNode : code.parentNode;
      var block = document.createElement("div");
      block.className = "code-block";
      var bar = document.createElement("div");
      bar.className = "code-bar";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy the code below");
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(code.textContent).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy"; }, 1500);
        });
      });
      bar.appendChild(button);
      pre.parentNode.insertBefore(block, pre);
      block.appendChild(bar);
      block.appendChild(pre);
    });
  }
  // Tables wider than their box say so (the box scrolls sideways, the page does not).
  function markScrollable() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      wrap.classList.toggle("is-scrollable", wrap.scrollWidth > wrap.clientWidth + 1);
    });
  }
  markScrollable();
  window.addEventListener("resize", markScrollable);
})();
