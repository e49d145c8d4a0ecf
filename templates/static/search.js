// opsbook: the search box in the header of every page, Pagefind's own UI on the index that
// `opsbook build` wrote under pagefind/. Larger sites have several index shards; Pagefind merges
// them in the browser (mergeIndex). Everything is served by the site itself: no CDN.
(function () {
  "use strict";
  var box = document.querySelector("[data-search]");
  if (!box || typeof window.PagefindUI !== "function") return;

  // Result URLs are stored relative to the site's base path; every index gets it explicitly.
  var base = box.getAttribute("data-base") || "/";
  var merge = (box.getAttribute("data-merge") || "").split(/\s+/).filter(Boolean);
  var ui = new window.PagefindUI({
    element: box,
    bundlePath: box.getAttribute("data-bundle"),
    baseUrl: base,
    mergeIndex: merge.map(function (path) { return { bundlePath: path, baseUrl: base }; }),
    showImages: false,
    showSubResults: false,
    showEmptyFilters: false,
    resetStyles: false,
    excerptLength: 24,
    pageSize: 8,
    debounceTimeoutMs: 150,
    // Result tags in reading order: kind and severity first, then the incident date.
    // Values in the index are HTML-escaped text (book/src/search.md); Pagefind's UI puts the
    // title and the tags in as text, so they are decoded first (filters and excerpts it puts
    // in as HTML, which decodes them itself).
    processResult: function (result) {
      var meta = {};
      Object.keys(result.meta || {}).forEach(function (key) {
        meta[key] = decodeEntities(result.meta[key]);
      });
      var ordered = { title: meta.title };
      ["kind", "severity", "date"].forEach(function (key) {
        if (meta[key]) ordered[key] = meta[key];
      });
      Object.keys(meta).forEach(function (key) {
        if (!(key in ordered)) ordered[key] = meta[key];
      });
      result.meta = ordered;
      return result;
    },
    translations: {
      placeholder: "Search runbooks and postmortems",
      zero_results: "Nothing found for [SEARCH_TERM]"
    }
  });

  // The text an HTML-escaped value stands for. A textarea's content is text, never markup:
  // nothing in the value is parsed as an element or runs.
  function decodeEntities(value) {
    var area = document.createElement("textarea");
    area.innerHTML = String(value);
    return area.value;
  }

  var input = box.querySelector("input[type=text], input[type=search], input");
  if (input) {
    // "/" focuses it (site.js), and it gets a name screen readers announce.
    input.setAttribute("data-search-input", "");
    input.setAttribute("aria-label", "Search runbooks and postmortems (press /)");
    input.setAttribute("enterkeyhint", "search");
  }

  // The results open as a panel over the page: Escape or a click elsewhere closes it, and
  // focusing the box again reopens it.
  function setOpen(open) { box.classList.toggle("is-closed", !open); }
  if (input) {
    input.addEventListener("focus", function () { setOpen(true); });
    input.addEventListener("input", function () { setOpen(true); });
  }
  box.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      setOpen(false);
      if (input) input.blur();
    }
  });
  document.addEventListener("click", function (event) {
    if (!box.contains(event.target)) setOpen(false);
  });

  // Deep links: /any/page/?q=failover searches at once.
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    if (input) input.value = query;
    ui.triggerSearch(query);
  }
})();
