// Search in the reader's browser, from the index the generator writes beside the search
// page (data/manifest.js, then only the shards of the query's terms and the chunks of the
// results shown). Optional: without JavaScript the search page offers the tag index and
// the chronology instead. Index files are scripts that call advocateSearch.manifest,
// .shard and .chunk, so they load from file:// too, where fetch() is refused.
//
// The splitting of text into terms mirrors `terms` in the generator's src/search.rs:
// Unicode words, NFKC, lower case, English plural and possessive folded, and runs of
// Hangul, Han and kana as overlapping pairs of characters.
(function (global) {
  "use strict";

  // Score of a match by its weight in the index: body, frequent in body, summary or
  // tags or places, title.
  var WEIGHTS = [1, 2, 4, 10];
  // A term matching only as the start of a longer word counts this much.
  var PREFIX_FACTOR = 0.5;
  var PAGE_SIZE = 20;

  var data = { manifest: null, shards: {}, chunks: {} };
  var loading = {};

  var api = {
    // Called by the index files.
    manifest: function (m) { data.manifest = m; },
    shard: function (key, terms) { data.shards[key] = terms; },
    chunk: function (n, rows) { data.chunks[n] = rows; },
    // Set by the page (or a test): load("manifest") resolves once that index file ran.
    load: null,
    terms: terms,
    search: search,
    rows: rows
  };
  global.advocateSearch = api;
  if (typeof module === "object" && module.exports) module.exports = api;

  function isCjk(c) {
    var n = c.codePointAt(0);
    return (n >= 0x1100 && n <= 0x11ff) || (n >= 0x3040 && n <= 0x30ff) ||
      (n >= 0x3130 && n <= 0x318f) || (n >= 0x3400 && n <= 0x4dbf) ||
      (n >= 0x4e00 && n <= 0x9fff) || (n >= 0xa960 && n <= 0xa97f) ||
      (n >= 0xac00 && n <= 0xd7ff) || (n >= 0xf900 && n <= 0xfaff) ||
      (n >= 0x20000 && n <= 0x2ffff);
  }

  // Words with their offsets, by Unicode word segmentation where the browser has it.
  function words(text) {
    if (typeof Intl === "object" && Intl.Segmenter) {
      return Array.from(new Intl.Segmenter("und", { granularity: "word" }).segment(text))
        .filter(function (s) { return s.isWordLike; })
        .map(function (s) { return { index: s.index, word: s.segment }; });
    }
    var out = [], re = /[\p{L}\p{N}\p{M}]+(?:['’.,][\p{L}\p{N}\p{M}]+)*/gu, m;
    while ((m = re.exec(text))) out.push({ index: m.index, word: m[0] });
    return out;
  }

  function fold(word) {
    word = word.replace(/’/g, "'");
    if (word.slice(-2) === "'s") word = word.slice(0, -2);
    word = word.replace(/^'+|'+$/g, "");
    if (!/^[a-z]+$/.test(word)) return word;
    if (word.length >= 5 && /ies$/.test(word)) return word.slice(0, -3) + "y";
    if (word.length >= 4 && /s$/.test(word) && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
    return word;
  }

  // The query's terms: { term, optional, prefix }. In a run of three or more CJK
  // characters the last pair is optional, since it is where a Korean particle goes
  // ("강제송환을" needs 강제, 제송, 송환 and prefers 환을). Terms of three or more
  // characters, and single CJK characters, also match longer words they begin.
  function terms(text) {
    text = text.normalize("NFKC").toLowerCase();
    var out = [], seen = {}, run = [], runEnd = -1;
    function add(term, optional) {
      if (!term || seen[term]) return;
      seen[term] = true;
      var chars = Array.from(term);
      var prefix = chars.length >= 3 || (chars.length === 1 && isCjk(chars[0]));
      out.push({ term: term, optional: optional, prefix: prefix });
    }
    function flush() {
      if (run.length === 1) add(run[0], false);
      for (var i = 0; i + 1 < run.length; i++) {
        add(run[i] + run[i + 1], run.length >= 3 && i + 2 === run.length);
      }
      run = [];
    }
    words(text).forEach(function (w) {
      var offset = w.index, part = "", cjk = null;
      var chars = Array.from(w.word);
      chars.push(null);
      chars.forEach(function (c) {
        var kind = c === null ? null : isCjk(c);
        if (kind !== cjk && part) {
          if (cjk) {
            if (offset !== runEnd) flush();
            run = run.concat(Array.from(part));
            runEnd = offset + part.length;
          } else {
            flush();
            add(fold(part), false);
          }
          offset += part.length;
          part = "";
        }
        cjk = kind;
        if (c !== null) part += c;
      });
    });
    flush();
    return out;
  }

  function once(name) {
    if (!loading[name]) loading[name] = api.load(name);
    return loading[name];
  }

  // Shards that may hold `q`: the one with the longest key it begins with and, for
  // prefix terms, those whose keys begin with it.
  function keysFor(q) {
    var best = null, longer = [];
    Object.keys(data.manifest.shards).forEach(function (key) {
      if (q.term.indexOf(key) === 0) {
        if (!best || key.length > best.length) best = key;
      } else if (q.prefix && key.indexOf(q.term) === 0) {
        longer.push(key);
      }
    });
    return best ? [best].concat(longer) : longer;
  }

  // Document id → score for one query term.
  function matches(q) {
    var found = {};
    keysFor(q).forEach(function (key) {
      var shard = data.shards[key] || {};
      Object.keys(shard).forEach(function (t) {
        var factor = t === q.term ? 1 : (q.prefix && t.indexOf(q.term) === 0 ? PREFIX_FACTOR : 0);
        if (!factor) return;
        var id = 0;
        shard[t].forEach(function (v) {
          id += Math.floor(v / 4);
          var score = WEIGHTS[v % 4] * factor;
          if (!(found[id] >= score)) found[id] = score;
        });
      });
    });
    return found;
  }

  // Resolves to the ids of matching documents, best first: every term that is not
  // optional must match; scores add up; ties go to the newer document (lower id).
  function search(query) {
    var qs = terms(query);
    if (!qs.length) return Promise.resolve([]);
    return once("manifest").then(function () {
      var needed = [];
      qs.forEach(function (q) {
        keysFor(q).forEach(function (key) {
          var file = data.manifest.shards[key];
          if (needed.indexOf(file) < 0) needed.push(file);
        });
      });
      return Promise.all(needed.map(once));
    }).then(function () {
      var scores = null;
      qs.filter(function (q) { return !q.optional; }).forEach(function (q) {
        var found = matches(q), next = {};
        Object.keys(found).forEach(function (id) {
          if (scores === null || id in scores) next[id] = (scores ? scores[id] : 0) + found[id];
        });
        scores = next;
      });
      qs.filter(function (q) { return q.optional; }).forEach(function (q) {
        var found = matches(q);
        Object.keys(scores).forEach(function (id) { if (id in found) scores[id] += found[id]; });
      });
      return Object.keys(scores).map(Number).sort(function (a, b) {
        return scores[b] - scores[a] || a - b;
      });
    });
  }

  // Resolves to the rows of `ids`: [title, link, date, machine date, kind, excerpt].
  function rows(ids) {
    var m = data.manifest;
    var files = [];
    ids.forEach(function (id) {
      var file = m.chunks[Math.floor(id / m.chunk)];
      if (files.indexOf(file) < 0) files.push(file);
    });
    return Promise.all(files.map(once)).then(function () {
      return ids.map(function (id) { return data.chunks[Math.floor(id / m.chunk)][id % m.chunk]; });
    });
  }

  // The page: runs only on the search page, and only when there is a query.
  if (typeof document === "undefined") return;
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!status || !list) return;
  var fallback = document.getElementById("search-fallback");
  var more = document.getElementById("search-more");
  var input = document.getElementById("search-q");
  var base = status.getAttribute("data-index") || "data/";
  var query = (new URLSearchParams(location.search).get("q") || "").trim();
  if (fallback) fallback.hidden = true;
  if (input) input.value = query;

  function say(key, n) {
    var text = status.getAttribute("data-" + key) || "";
    status.textContent = text.replace("{n}", String(n)).replace("{query}", query);
  }

  if (!query) {
    say("empty");
    if (input) input.focus();
    return;
  }

  api.load = function (name) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = base + name + ".js";
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  };

  // Opened from a folder (file://) there is no server to find index.html in a folder.
  function href(link) {
    return location.protocol === "file:" && /\/$/.test(link) ? link + "index.html" : link;
  }

  function show(row) {
    var kinds = data.manifest.kinds;
    var li = document.createElement("li");
    var title = document.createElement("a");
    title.href = href(row[1]);
    title.textContent = row[0];
    var heading = document.createElement("h3");
    heading.className = "item-title";
    heading.appendChild(title);
    li.appendChild(heading);
    var meta = document.createElement("p");
    meta.className = "search-meta";
    meta.textContent = kinds[row[4]] + (row[2] ? " · " : "");
    if (row[2]) {
      var time = document.createElement("time");
      if (row[3]) time.dateTime = row[3];
      time.textContent = row[2];
      meta.appendChild(time);
    }
    li.appendChild(meta);
    if (row[5]) {
      var excerpt = document.createElement("p");
      excerpt.textContent = row[5];
      li.appendChild(excerpt);
    }
    list.appendChild(li);
  }

  say("loading");
  search(query).then(function (ids) {
    if (!ids.length) {
      say("none");
      return;
    }
    say(ids.length === 1 ? "count-one" : "count", ids.length);
    var shown = 0;
    function page() {
      var next = ids.slice(shown, shown + PAGE_SIZE);
      shown += next.length;
      return rows(next).then(function (rs) {
        rs.forEach(show);
        if (more) more.hidden = shown >= ids.length;
      });
    }
    if (more) {
      more.addEventListener("click", function () {
        var first = list.children.length;
        page().then(function () {
          var link = list.children[first] && list.children[first].querySelector("a");
          if (link) link.focus();
        });
      });
    }
    return page();
  }).catch(function () {
    say("failed");
    if (fallback) fallback.hidden = false;
  });
})(typeof window === "undefined" ? globalThis : window);
