// opsbook: the search box in the header of every page, on Pagefind's JS API (pagefind.js).
//
// site.js loads this file the first time the box is focused (or a ?q= link opens a page), so no
// page carries search code until someone searches. Larger sites have several index shards;
// Pagefind merges them in the browser (mergeIndex). Everything is served by the site itself.
//
// Safety: every value from the index (titles, metadata, filter values, excerpts) is written to
// the page as text (textContent, createTextNode), never as HTML. The index stores metadata
// HTML-escaped, so values are decoded first (decodeEntities); the excerpt's only markup,
// <mark>, is rebuilt from its text.
(function () {
  "use strict";
  var box = document.querySelector("[data-search]");
  var input = box && box.querySelector("[data-search-input]");
  if (!box || !input || box.getAttribute("data-search-ready")) return;
  box.setAttribute("data-search-ready", "");

  var base = box.getAttribute("data-base") || "/";
  var bundle = box.getAttribute("data-bundle") || base + "pagefind/";
  var merge = (box.getAttribute("data-merge") || "").split(/\s+/).filter(Boolean);
  // The severity scale, most severe first: results get the same badge colours as the pages.
  var severities = (box.getAttribute("data-severities") || "").split("|");
  var panel = box.querySelector("[data-search-panel]");
  var list = box.querySelector("[data-search-results]");
  var status = box.querySelector("[data-search-status]");
  var chips = box.querySelector("[data-search-chips]");
  var toggle = box.querySelector("[data-search-filters-toggle]");
  var filterBox = box.querySelector("[data-search-filters]");

  // Filter groups in the order they are offered, with the labels readers see. `status` means
  // something different per kind, so it is offered only once a kind is chosen.
  var GROUPS = [
    { key: "kind", label: "Kind" },
    { key: "severity", label: "Severity" },
    { key: "service", label: "Service" },
    { key: "owner", label: "Owner" },
    { key: "tag", label: "Tag", frequent: 8 },
    { key: "status", label: "Status", needsKind: true }
  ];
  var MAX_RESULTS = 10;
  var MAX_WORDS_FOR_FALLBACK = 6;
  var VERIFY_LIMIT = 40;

  var pagefind = null;
  var loading = null;
  var selected = {}; // filter key -> array of chosen values
  var expandedGroups = {}; // filter key -> true when "more" was pressed
  var shown = []; // the results on screen: { url, title }
  var active = -1; // index of the option under aria-activedescendant
  var generation = 0; // each search gets a number; a stale answer is dropped
  var knownWords = {}; // word -> promise of whether the index has it
  var exactIds = {}; // word -> { result id: true } for the documents with the word's stem

  // ---- Values from the index, as text ------------------------------------------------------

  /** `&amp; &lt; &gt; &quot; &#39; &#NN; &#xHH;` decoded; anything else left as written. */
  function decodeEntities(value) {
    var named = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" };
    return String(value == null ? "" : value).replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-z]+);/g, function (all, name) {
      if (name.charAt(0) !== "#") return Object.prototype.hasOwnProperty.call(named, name) ? named[name] : all;
      var code = name.charAt(1) === "x" || name.charAt(1) === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      var valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
      return valid ? String.fromCodePoint(code) : "\ufffd";
    });
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text != null) el.textContent = text;
    return el;
  }

  /** Pagefind's excerpt as nodes: text, with the matched words in <mark>. */
  function excerptNodes(excerpt) {
    var fragment = document.createDocumentFragment();
    var parts = String(excerpt || "").split(/(<mark>|<\/mark>)/);
    var marked = false;
    parts.forEach(function (part) {
      if (part === "<mark>") { marked = true; return; }
      if (part === "</mark>") { marked = false; return; }
      if (!part) return;
      var text = decodeEntities(part);
      fragment.appendChild(marked ? element("mark", null, text) : document.createTextNode(text));
    });
    return fragment;
  }

  /** The words marked in an excerpt, lowercased, letters and digits only. */
  function markedWords(excerpt) {
    var words = [];
    String(excerpt || "").replace(/<mark>([\s\S]*?)<\/mark>/g, function (all, word) {
      words.push(normalize(decodeEntities(word)));
      return all;
    });
    return words;
  }

  function normalize(word) {
    return word.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
  }

  /** A result URL of this site, or null. */
  function sameOrigin(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.origin === window.location.origin ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  // ---- Pagefind ----------------------------------------------------------------------------

  function load() {
    if (!loading) {
      loading = import(bundle + "pagefind.js").then(function (module) {
        pagefind = module;
        return pagefind.options({ baseUrl: base, excerptLength: 24 });
      }).then(function () {
        // Every shard after the first, each with the same base path for its result URLs.
        return merge.reduce(function (done, path) {
          return done.then(function () { return pagefind.mergeIndex(path, { baseUrl: base }); });
        }, Promise.resolve());
      }).then(function () {
        return pagefind.init();
      }).then(function () {
        // Loads every filter's values, so each search reports counts for all of them.
        return pagefind.filters();
      }).then(function () {
        return pagefind;
      });
    }
    return loading;
  }

  /** Pagefind's filter argument for the chosen values: any value within a group, every group. */
  function filterArgument() {
    var filters = {};
    Object.keys(selected).forEach(function (key) {
      if (selected[key].length) filters[key] = { any: selected[key].slice() };
    });
    return filters;
  }

  function hasFilters() {
    return Object.keys(selected).some(function (key) { return selected[key].length > 0; });
  }

  /** The query's words; a "quoted phrase" stays one word. */
  function words(query) {
    var found = query.match(/"[^"]+"|[^\s"]+/g) || [];
    return found.filter(function (w) { return normalize(w).length > 0; });
  }

  /**
   * Whether the index has `word` (as written, by its stem, or as the start of a longer word).
   * Pagefind answers a word an index does not know with the documents matching its longest
   * known prefix ("xyzzy" finds every "-x"), so a search's results alone cannot tell. Remembers
   * the documents that have the word's stem exactly, for `verify`.
   */
  function isKnown(word) {
    if (word.charAt(0) === "\"") return Promise.resolve(true);
    var key = normalize(word);
    if (!knownWords[key]) {
      knownWords[key] = pagefind.search("\"" + word + "\"").then(function (exact) {
        exactIds[key] = {};
        exact.results.forEach(function (r) { exactIds[key][r.id] = true; });
        if (exact.results.length) return true;
        return pagefind.search(word).then(function (prefix) {
          return Promise.all(prefix.results.slice(0, 5).map(function (r) { return r.data(); }));
        }).then(function (data) {
          return data.some(function (d) { return marksStartWith(d, key); });
        });
      });
    }
    return knownWords[key];
  }

  function marksStartWith(data, key) {
    return markedWords(data.excerpt).some(function (m) { return m.indexOf(key) === 0; });
  }

  /**
   * The entries that really contain their words. With a sharded index, a shard that lacks a
   * word answers with its longest known prefix ("failover" finds "failed" there), so each
   * result must have each word's stem exactly (the exact search in `isKnown`) or a highlighted
   * word starting with it (a word still being typed). Checking the second loads the result's
   * data, for at most VERIFY_LIMIT results; the others go unshown.
   */
  function verify(entries, words) {
    var loads = 0;
    return Promise.all(entries.map(function (entry) {
      var unsure = words.filter(function (w) {
        var key = normalize(w);
        return w.charAt(0) !== "\"" && entry.missing.indexOf(w) === -1 && !(exactIds[key] || {})[entry.result.id];
      });
      if (!unsure.length) return entry;
      if (++loads > VERIFY_LIMIT) return null;
      return entry.result.data().then(function (data) {
        entry.data = data;
        return unsure.every(function (w) { return marksStartWith(data, normalize(w)); }) ? entry : null;
      });
    })).then(function (checked) {
      return checked.filter(Boolean);
    });
  }

  /** All ways to keep `size` of `items`, in order, at most `limit` of them. */
  function combinations(items, size, limit) {
    var out = [];
    (function pick(start, chosen) {
      if (out.length >= limit) return;
      if (chosen.length === size) { out.push(chosen.slice()); return; }
      for (var i = start; i < items.length; i++) {
        chosen.push(items[i]);
        pick(i + 1, chosen);
        chosen.pop();
      }
    })(0, []);
    return out;
  }

  /**
   * When no document has every word: the results of the largest subsets of the words that find
   * something, merged, best score first. Each result remembers the words it lacks.
   */
  function fallback(usable, filters) {
    var size = usable.length - 1;
    function attempt() {
      if (size < 1) return Promise.resolve(null);
      var subsets = combinations(usable, size, 20);
      return Promise.all(subsets.map(function (subset) {
        return pagefind.search(subset.join(" "), { filters: filters });
      })).then(function (searches) {
        var byId = {};
        searches.forEach(function (search, i) {
          search.results.forEach(function (result) {
            var seen = byId[result.id];
            if (!seen || seen.result.score < result.score) {
              var missing = usable.filter(function (w) { return subsets[i].indexOf(w) === -1; });
              byId[result.id] = { result: result, missing: missing };
            }
          });
        });
        var merged = Object.keys(byId).map(function (id) { return byId[id]; });
        merged.sort(function (a, b) { return b.result.score - a.result.score; });
        return verify(merged, usable).then(function (genuine) {
          if (!genuine.length) { size -= 1; return attempt(); }
          return { size: size, results: genuine, filters: searches[0].filters };
        });
      });
    }
    return attempt();
  }

  /**
   * What to show for `query` (its words `all`) given Pagefind's `search` of it: the results
   * that really have every known word; failing that, those with most of them (`partial`);
   * the unknown words named (`unknown`).
   */
  function answerFor(query, all, filters, search) {
    return Promise.all(all.map(isKnown)).then(function (known) {
      var usable = all.filter(function (w, i) { return known[i]; });
      var unknown = all.filter(function (w, i) { return !known[i]; });
      var answer = { query: query, unknown: unknown, total: all.length, filters: {}, results: [] };
      if (all.length && !usable.length) return answer;
      var found = unknown.length
        ? pagefind.search(usable.join(" "), { filters: filters })
        : Promise.resolve(search);
      return found.then(function (found) {
        answer.filters = found.filters;
        return verify(found.results.map(function (r) { return { result: r, missing: [] }; }), usable);
      }).then(function (genuine) {
        answer.results = genuine.map(function (e) { return { result: e.result, missing: unknown, data: e.data }; });
        if (answer.results.length || usable.length < 2 || usable.length > MAX_WORDS_FOR_FALLBACK) return answer;
        return fallback(usable, filters).then(function (partial) {
          if (!partial) return answer;
          answer.partial = partial.size;
          answer.filters = partial.filters;
          answer.results = partial.results.map(function (r) {
            return { result: r.result, missing: r.missing.concat(unknown), data: r.data };
          });
          return answer;
        });
      });
    });
  }

  /** Runs the query in the box with the chosen filters and shows the answer. */
  function run() {
    var query = input.value.trim();
    var mine = ++generation;
    var filters = filterArgument();
    var all = words(query);
    if (!all.length && !hasFilters()) {
      clearResults();
      setOpen(false);
      return Promise.resolve();
    }
    return load().then(function () {
      if (all.length) pagefind.preload(query, { filters: filters });
      return pagefind.debouncedSearch(all.length ? query : null, { filters: filters }, 150);
    }).then(function (search) {
      // null: a later keystroke superseded this search.
      if (search === null || mine !== generation) return null;
      return answerFor(query, all, filters, search);
    }).then(function (answer) {
      if (!answer || mine !== generation) return null;
      var top = answer.results.slice(0, MAX_RESULTS);
      return Promise.all(top.map(function (r) { return r.data || r.result.data(); })).then(function (data) {
        if (mine === generation) show(answer, top, data);
      });
    }).catch(function (error) {
      if (mine !== generation) return;
      clearResults();
      say("Search is not available: " + (error && error.message ? error.message : error));
      setOpen(true);
    });
  }

  // ---- Showing the answer ------------------------------------------------------------------

  function say(text) { status.textContent = text; }

  function quoted(items) {
    return items.map(function (w) { return "“" + w.replace(/"/g, "") + "”"; }).join(", ");
  }

  function summary(answer, count) {
    var lead = "";
    if (answer.unknown.length && answer.unknown.length < answer.total) {
      lead = "Nothing has " + quoted(answer.unknown) + ". ";
    }
    if (!count) {
      if (answer.total && answer.unknown.length === answer.total) return "Nothing found for " + quoted([answer.query]) + ".";
      return lead + "Nothing found" + (hasFilters() ? " with these filters." : ".");
    }
    var found = count + (count === 1 ? " result" : " results");
    if (answer.partial) {
      return lead + "No result has every word; showing results with " + answer.partial + " of " + answer.total + " words (" + found + ").";
    }
    return lead + found + (count > MAX_RESULTS ? ", the best " + MAX_RESULTS + " shown." : ".");
  }

  function show(answer, top, data) {
    clearResults();
    var count = answer.results.length;
    say(summary(answer, count));
    top.forEach(function (r, i) { list.appendChild(option(i, data[i], r.missing)); });
    list.hidden = top.length === 0;
    renderFilters(answer.filters || {});
    setOpen(true);
  }

  function option(index, data, missing) {
    var meta = data.meta || {};
    var url = sameOrigin(data.url);
    var title = decodeEntities(meta.title || data.url);
    var item = element("li", "search-result");
    item.id = "search-result-" + index;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    if (url) item.setAttribute("data-url", url);
    item.appendChild(element("span", "search-result-title", title));
    var facts = element("span", "search-result-facts");
    if (meta.severity) {
      var severity = decodeEntities(meta.severity);
      var rank = severities.indexOf(severity) + 1;
      facts.appendChild(element("span", rank > 0 ? "badge sev sev-" + Math.min(rank, 5) : "badge", severity));
    }
    [meta.kind, meta.date].forEach(function (value) {
      if (value) facts.appendChild(element("span", null, decodeEntities(value)));
    });
    item.appendChild(facts);
    var excerpt = element("span", "search-result-excerpt");
    excerpt.appendChild(excerptNodes(data.excerpt));
    item.appendChild(excerpt);
    if (missing.length) {
      var lacks = element("span", "search-result-missing", "Missing: ");
      missing.forEach(function (w, i) {
        if (i) lacks.appendChild(document.createTextNode(", "));
        lacks.appendChild(element("s", null, w));
      });
      item.appendChild(lacks);
    }
    item.addEventListener("mousedown", function (event) { event.preventDefault(); });
    item.addEventListener("click", function (event) { go(index, event.ctrlKey || event.metaKey); });
    item.addEventListener("auxclick", function (event) { if (event.button === 1) go(index, true); });
    shown.push({ url: url, title: title });
    return item;
  }

  function clearResults() {
    list.textContent = "";
    list.hidden = true;
    shown = [];
    setActive(-1);
  }

  function setActive(index) {
    var options = list.querySelectorAll("[role=option]");
    if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
    active = index >= 0 && index < options.length ? index : -1;
    if (active >= 0) {
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function go(index, newTab) {
    var target = shown[index];
    if (!target || !target.url) return;
    if (newTab) window.open(target.url, "_blank", "noopener");
    else window.location.assign(target.url);
  }

  function setOpen(open) {
    panel.hidden = !open;
    input.setAttribute("aria-expanded", open && !list.hidden ? "true" : "false");
  }

  // ---- Filters: chips for the chosen values, groups to choose from -------------------------

  function toggleValue(key, value) {
    var values = selected[key] || (selected[key] = []);
    var at = values.indexOf(value);
    if (at === -1) values.push(value);
    else values.splice(at, 1);
    // A status belongs to a kind: changing the kind drops it.
    if (key === "kind") selected.status = [];
    renderChips();
    run();
  }

  function groupLabel(key) {
    for (var i = 0; i < GROUPS.length; i++) if (GROUPS[i].key === key) return GROUPS[i].label;
    return key;
  }

  function renderChips() {
    chips.textContent = "";
    var count = 0;
    GROUPS.forEach(function (group) {
      (selected[group.key] || []).forEach(function (value) {
        count++;
        var text = group.label + ": " + decodeEntities(value);
        var chip = element("button", "search-chip");
        chip.type = "button";
        chip.setAttribute("aria-label", "Remove filter " + text);
        chip.setAttribute("data-filter-key", group.key);
        chip.appendChild(element("span", null, text));
        chip.appendChild(element("span", "search-chip-x", "×")).setAttribute("aria-hidden", "true");
        chip.addEventListener("click", function () { removeChip(chip, group.key, value); });
        chip.addEventListener("keydown", function (event) {
          if (event.key === "Delete" || event.key === "Backspace") {
            event.preventDefault();
            removeChip(chip, group.key, value);
          }
        });
        chips.appendChild(chip);
      });
    });
    chips.hidden = count === 0;
    toggle.textContent = count ? "Filters (" + count + ")" : "Filters";
  }

  /** Removes a chosen value; the focus moves to the next chip, or back to the box. */
  function removeChip(chip, key, value) {
    var all = Array.prototype.slice.call(chips.querySelectorAll("button"));
    var at = all.indexOf(chip);
    toggleValue(key, value);
    var rest = chips.querySelectorAll("button");
    if (rest.length) rest[Math.min(at, rest.length - 1)].focus();
    else input.focus();
  }

  function renderFilters(counts) {
    // The values are drawn anew; a focused one keeps the focus.
    var focused = document.activeElement;
    var focusKey = focused && filterBox.contains(focused) ? focused.getAttribute("data-filter-key") : null;
    var focusValue = focusKey && focused.getAttribute("data-filter-value");
    filterBox.textContent = "";
    var kindChosen = (selected.kind || []).length > 0;
    GROUPS.forEach(function (group) {
      if (group.needsKind && !kindChosen) return;
      var values = counts[group.key] || {};
      var chosen = selected[group.key] || [];
      var names = Object.keys(values).filter(function (v) { return values[v] > 0 || chosen.indexOf(v) !== -1; });
      if (!names.length) return;
      // Most frequent first; ties in the order the index gives.
      names.sort(function (a, b) { return (values[b] || 0) - (values[a] || 0); });
      var limit = group.frequent && !expandedGroups[group.key] ? group.frequent : names.length;
      var section = element("div", "search-filter-group");
      section.setAttribute("role", "group");
      var heading = element("span", "search-filter-name", group.label);
      heading.id = "search-filter-" + group.key;
      section.setAttribute("aria-labelledby", heading.id);
      section.appendChild(heading);
      names.forEach(function (name, i) {
        if (i >= limit && chosen.indexOf(name) === -1) return;
        var button = element("button", "search-filter-value");
        button.type = "button";
        button.setAttribute("data-filter-key", group.key);
        button.setAttribute("data-filter-value", name);
        button.setAttribute("aria-pressed", chosen.indexOf(name) !== -1 ? "true" : "false");
        button.appendChild(element("span", null, decodeEntities(name)));
        button.appendChild(element("span", "search-filter-count", String(values[name] || 0)));
        button.addEventListener("click", function () { toggleValue(group.key, name); });
        section.appendChild(button);
      });
      if (names.length > limit) {
        var more = element("button", "search-filter-more", "More (" + (names.length - limit) + ")");
        more.type = "button";
        more.addEventListener("click", function () {
          expandedGroups[group.key] = true;
          renderFilters(counts);
          // The focus goes to the first value the button revealed.
          var revealed = filterBox.querySelectorAll("[data-filter-key=\"" + group.key + "\"]")[limit];
          if (revealed) revealed.focus();
        });
        section.appendChild(more);
      }
      filterBox.appendChild(section);
    });
    if (focusKey) {
      var again = Array.prototype.filter.call(filterBox.querySelectorAll("[data-filter-key]"), function (b) {
        return b.getAttribute("data-filter-key") === focusKey && b.getAttribute("data-filter-value") === focusValue;
      })[0];
      (again || toggle).focus();
    }
  }

  // ---- Keyboard and pointer ----------------------------------------------------------------

  input.addEventListener("input", function () { run(); });
  input.addEventListener("focus", function () { if (input.value.trim() || hasFilters()) setOpen(true); });
  input.addEventListener("keydown", function (event) {
    var count = shown.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!count) return;
      event.preventDefault();
      if (panel.hidden) setOpen(true);
      var step = event.key === "ArrowDown" ? 1 : -1;
      setActive(active === -1 ? (step === 1 ? 0 : count - 1) : (active + step + count) % count);
    } else if (event.key === "Enter") {
      if (!count) return;
      event.preventDefault();
      go(active === -1 ? 0 : active, event.ctrlKey || event.metaKey);
    } else if (event.key === "Escape") {
      if (!panel.hidden) {
        event.preventDefault();
        setOpen(false);
        setActive(-1);
      } else if (input.value) {
        input.value = "";
        run();
      }
    } else if (event.key === "Home" || event.key === "End") {
      if (active === -1) return;
      event.preventDefault();
      setActive(event.key === "Home" ? 0 : count - 1);
    }
  });
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    filterBox.hidden = !open;
  });
  box.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.target !== input) {
      setOpen(false);
      input.focus();
    }
  });
  document.addEventListener("click", function (event) {
    // The path at dispatch: a filter button redrawn by this click is no longer in the box.
    if (event.composedPath().indexOf(box) === -1) setOpen(false);
  });

  // Deep links: /any/page/?q=failover searches at once.
  var linked = new URLSearchParams(window.location.search).get("q");
  if (linked && !input.value) input.value = linked;
  renderChips();
  if (input.value.trim()) run();
  else load();
})();
