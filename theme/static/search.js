// Client-side search. The index is assets/search-index.js, a script the
// build generates: pages opened from file:// may load scripts but not
// read files with XHR or fetch. It is loaded when the reader first uses the search box,
// so pages that are only read never pay for it. Without JavaScript the
// search form stays hidden and nothing else changes.
(function () {
  "use strict";

  var MAX_RESULTS = 12;
  // Captured now: document.currentScript is only set while this runs.
  var indexURL = document.currentScript.src.replace(/search\.js(\?.*)?$/, "search-index.js");
  var sections = null; // prepared index, once loaded
  var loading = null;  // callbacks waiting for the index

  function loadIndex(done) {
    if (sections) { done(); return; }
    if (loading) { loading.push(done); return; }
    loading = [done];
    var s = document.createElement("script");
    s.src = indexURL;
    s.onload = function () {
      prepare(window.COURSE_SEARCH_INDEX || { chapters: [], sections: [] });
      var waiting = loading;
      loading = null;
      waiting.forEach(function (f) { f(); });
    };
    s.onerror = function () {
      loading = null;
      s.remove();
      status("The search index could not be loaded.");
    };
    document.head.appendChild(s);
  }

  function prepare(index) {
    sections = index.sections.map(function (s, i) {
      return {
        order: i, href: s.u, title: s.t, text: s.x,
        chapter: index.chapters[s.c] || "",
        lt: s.t.toLowerCase(), lx: s.x.toLowerCase()
      };
    });
  }

  // Words too common to tell sections apart; a query of nothing else
  // still searches for them.
  var STOP = Object.create(null);
  "a an and are as at be by for from in is it of on or that the this to was with".split(" ").forEach(function (w) { STOP[w] = true; });

  // terms are the query's words, lower-cased; punctuation alone is not a
  // word. replica_slot, pg_stat_replication and 0/3000148 stay whole.
  function terms(query) {
    var all = query.toLowerCase().split(/\s+/).filter(function (t) { return /[\p{L}\p{N}]/u.test(t); });
    var kept = all.filter(function (t) { return !STOP[t]; });
    return (kept.length ? kept : all).slice(0, 8);
  }

  // count is how often term occurs in s, up to cap.
  function count(s, term, cap) {
    var n = 0;
    for (var i = s.indexOf(term); i >= 0 && n < cap; i = s.indexOf(term, i + term.length)) n++;
    return n;
  }

  // score ranks a section: every term must occur in its title or text;
  // title matches weigh most.
  function score(sec, ts) {
    var total = 0;
    for (var i = 0; i < ts.length; i++) {
      var inTitle = sec.lt.indexOf(ts[i]) >= 0;
      var inText = count(sec.lx, ts[i], 5);
      if (!inTitle && !inText) return 0;
      total += (inTitle ? 10 : 0) + inText;
    }
    return total;
  }

  function search(query) {
    var ts = terms(query);
    if (!ts.length) return [];
    var hits = [];
    sections.forEach(function (sec) {
      var sc = score(sec, ts);
      if (sc > 0) hits.push({ sec: sec, score: sc });
    });
    hits.sort(function (a, b) { return b.score - a.score || a.sec.order - b.sec.order; });
    return hits.slice(0, MAX_RESULTS).map(function (h) { return h.sec; });
  }

  // snippet is the text around the first term found, cut at spaces.
  function snippet(sec, ts) {
    var at = -1;
    ts.forEach(function (t) {
      var i = sec.lx.indexOf(t);
      if (i >= 0 && (at < 0 || i < at)) at = i;
    });
    if (at < 0) return sec.text.slice(0, 160);
    var start = Math.max(0, at - 60), end = Math.min(sec.text.length, at + 120);
    if (start > 0) start = sec.text.indexOf(" ", start) + 1 || start;
    var cut = sec.text.lastIndexOf(" ", end);
    if (end < sec.text.length && cut > at) end = cut;
    return (start > 0 ? "… " : "") + sec.text.slice(start, end) + (end < sec.text.length ? " …" : "");
  }

  // marked appends text to el with every occurrence of a term in <mark>,
  // built as DOM nodes: the index's text never becomes markup.
  function marked(el, text, ts) {
    var lower = text.toLowerCase(), pos = 0;
    while (pos < text.length) {
      var next = -1, len = 0;
      ts.forEach(function (t) {
        var i = lower.indexOf(t, pos);
        if (i >= 0 && (next < 0 || i < next || (i === next && t.length > len))) { next = i; len = t.length; }
      });
      if (next < 0) break;
      el.appendChild(document.createTextNode(text.slice(pos, next)));
      var m = document.createElement("mark");
      m.textContent = text.slice(next, next + len);
      el.appendChild(m);
      pos = next + len;
    }
    el.appendChild(document.createTextNode(text.slice(pos)));
    return el;
  }

  function span(cls) {
    var s = document.createElement("span");
    s.className = cls;
    return s;
  }

  function result(sec, ts) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = sec.href;
    a.appendChild(marked(span("sr-title"), sec.title, ts));
    var ch = span("sr-chapter");
    ch.textContent = sec.chapter;
    a.appendChild(ch);
    a.appendChild(marked(span("sr-snippet"), snippet(sec, ts), ts));
    li.appendChild(a);
    return li;
  }

  var ui = {};

  function status(text) {
    ui.panel.hidden = false;
    ui.status.textContent = text;
  }

  function show() {
    var query = ui.input.value.trim();
    ui.list.textContent = "";
    if (!query) { ui.panel.hidden = true; return; }
    var found = search(query), ts = terms(query);
    found.forEach(function (sec) { ui.list.appendChild(result(sec, ts)); });
    status(found.length === 0 ? "No section matches “" + query + "”." :
      found.length + (found.length === MAX_RESULTS ? "+" : "") + " matching section" + (found.length === 1 ? "" : "s"));
  }

  function links() {
    return Array.prototype.slice.call(ui.list.querySelectorAll("a"));
  }

  // Arrow keys move between the input and the results; Escape closes.
  function onKey(e) {
    var all = links(), i = all.indexOf(document.activeElement);
    if (e.key === "ArrowDown" && all.length) {
      all[Math.min(i + 1, all.length - 1)].focus();
    } else if (e.key === "ArrowUp" && i >= 0) {
      (i === 0 ? ui.input : all[i - 1]).focus();
    } else if (e.key === "Escape") {
      ui.panel.hidden = true;
      ui.input.focus();
    } else {
      return;
    }
    e.preventDefault();
  }

  function init() {
    ui.form = document.querySelector("form.search");
    if (!ui.form) return;
    ui.input = ui.form.querySelector("input");
    ui.panel = document.getElementById("search-panel");
    ui.status = document.getElementById("search-status");
    ui.list = document.getElementById("search-results");
    ui.form.hidden = false;
    ui.input.addEventListener("focus", function () { loadIndex(function () {}); });
    ui.input.addEventListener("input", function () { loadIndex(show); });
    ui.form.addEventListener("keydown", onKey);
    // Enter opens the best result; the form itself never submits.
    ui.form.addEventListener("submit", function (e) {
      e.preventDefault();
      loadIndex(function () {
        show();
        var first = links()[0];
        if (first) window.location.href = first.href;
      });
    });
    ui.list.addEventListener("click", function () { ui.panel.hidden = true; });
    document.addEventListener("click", function (e) {
      if (!ui.form.contains(e.target)) ui.panel.hidden = true;
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
