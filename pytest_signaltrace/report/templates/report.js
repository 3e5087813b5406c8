// Sorting and filtering for the signal coverage page. Plain DOM, no framework, no network.
// Rows are rendered (and escaped) by the server side; this script only shows, hides and orders
// them, and reads text with textContent / dataset, never with innerHTML.
// Each table is split in groups (one <details> and one <table> per folder): a filter counts
// and hides rows across the groups of a table, hides the groups it empties, and hides the
// graph's boxes whose rows it hides (and the signals left with none), moving the rest up.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("signaltrace-data").textContent);
  var textBox = document.getElementById("filter-text");
  var chip = document.getElementById("signal-chip");
  var chipName = document.getElementById("signal-chip-name");
  var svg = document.querySelector("svg.graph");
  var follow = document.getElementById("follow-cascades");
  var state = { signal: null, chain: null };

  function each(selector, root, fn) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  function tablesOf(name) {
    return Array.prototype.slice.call(document.querySelectorAll('table.data[data-table="' + name + '"]'));
  }

  function allowedStatuses(name) {
    var group = document.querySelector('fieldset.statuses[data-table="' + name + '"]');
    if (!group) return null;
    var allowed = {};
    each("input[type=checkbox]", group, function (box) { allowed[box.value] = box.checked; });
    return allowed;
  }

  function statusFiltered() {
    var off = false;
    each("fieldset.statuses input[type=checkbox]", null, function (box) { if (!box.checked) off = true; });
    return off;
  }

  function rowVisible(row, query, allowed) {
    if (query && row.dataset.search.indexOf(query) === -1) return false;
    if (state.signal !== null && !inChain(row.dataset.signal)) return false;
    if (allowed && row.dataset.status && allowed[row.dataset.status] === false) return false;
    return true;
  }

  // Filter one table's groups; returns the ids (and signals) of the rows left visible.
  function filterTable(name, query, visible) {
    var allowed = allowedStatuses(name);
    var shown = 0, total = 0;
    tablesOf(name).forEach(function (table) {
      var rows = table.tBodies[0].rows;
      var inGroup = 0;
      for (var i = 0; i < rows.length; i++) {
        var ok = rowVisible(rows[i], query, allowed);
        rows[i].hidden = !ok;
        if (ok) {
          inGroup++;
          if (rows[i].id) visible.rows[rows[i].id] = true;
          if (name === "signals") visible.signals[rows[i].dataset.signal] = true;
        }
      }
      shown += inGroup;
      total += rows.length;
      var group = table.closest("details.group");
      if (group) {
        group.hidden = inGroup === 0;
        var count = group.querySelector("[data-group-count]");
        if (count) count.textContent = inGroup === rows.length ? rows.length + " in all" : inGroup + " of " + rows.length + " shown";
        // A search or a chosen signal opens the groups it found something in.
        if (inGroup && (query || state.signal !== null)) group.open = true;
      }
    });
    var count = document.querySelector('[data-count-for="' + name + '"]');
    if (count) count.textContent = shown === total ? total + " in all" : shown + " of " + total + " shown";
    var empty = document.querySelector('[data-empty-for="' + name + '"]');
    if (empty) empty.hidden = shown !== 0;
  }

  // Cascades (report/graph_cascades.py): the chosen signal's chain, and the curves' routes.
  function inChain(s) { return state.chain ? state.chain[s] === true : s === state.signal; }

  function chainOf(signal) {
    if (signal === null || !follow || !follow.checked) return null;
    var chain = {};
    chain[signal] = true;
    each(".signal-node[data-chain]", svg, function (n) {
      if (n.dataset.signal === signal) n.dataset.chain.split(" ").forEach(function (s) { chain[s] = true; });
    });
    return chain;
  }

  function boxOf(id) {
    var n = document.getElementById("g-" + id);
    if (!n || n.closest(".off")) return null;
    var at = /\(([-\d.]+),([-\d.]+)/.exec(n.getAttribute("transform"));
    var band = /,([-\d.]+)/.exec(n.closest("g.band").getAttribute("transform") || "");
    var r = n.querySelector("rect");
    return { x: +at[1], y: +at[2] + (band ? +band[1] : 0), w: +r.getAttribute("width"), h: +r.getAttribute("height") };
  }

  function routeCascades() {
    each("path.cascade", svg, function (p) {
      var a = boxOf(p.dataset.source), b = boxOf(p.dataset.target);
      p.classList.toggle("off", !a || !b);
      if (!a || !b) return;
      var x1 = a.x, y1 = a.y + a.h / 2, x2 = b.x + b.w, y2 = b.y + b.h / 2;
      p.setAttribute("d", "M" + x1 + "," + y1 + " C" + (x1 - 60) + "," + y1 + " " + (x2 + 60) + "," + y2 + " " + x2 + "," + y2);
      p.classList.toggle("match", state.signal !== null && inChain(p.dataset.signal) && inChain(p.dataset.sent));
    });
  }

  function applyFilters() {
    var query = textBox.value.trim().toLowerCase();
    var visible = { rows: {}, signals: {} };
    ["receivers", "senders", "signals"].forEach(function (name) { filterTable(name, query, visible); });
    filterGraph(visible, statusFiltered());
    if (svg) routeCascades();
  }

  // Hide the boxes whose rows are hidden, the bands left empty, and close the gaps.
  function filterGraph(visible, byStatus) {
    if (!svg) return;
    svg.classList.toggle("filtered", state.signal !== null);
    var top = null, bottom = 0;
    each("g.band", svg, function (band) {
      var leaves = 0;
      each(".leaf-node, .edge", band, function (el) {
        var on = visible.rows[el.dataset.row] === true;
        el.classList.toggle("off", !on);
        if (on && el.classList.contains("leaf-node")) leaves++;
      });
      var on = leaves > 0 || (!byStatus && visible.signals[band.dataset.signal] === true);
      band.classList.toggle("off", !on);
      var original = parseFloat(band.dataset.top);
      if (top === null) top = original;
      if (on) {
        band.setAttribute("transform", "translate(0," + (top - original).toFixed(1) + ")");
        top += parseFloat(band.dataset.height) + 14;
        bottom = top;
      }
      band.querySelectorAll("[data-signal]").forEach(function (el) {
        el.classList.toggle("match", state.signal !== null && inChain(el.dataset.signal));
      });
    });
    var full = parseFloat(svg.dataset.height);
    var height = top === null ? full : Math.min(full, Math.max(bottom - 14 + 12, 60));
    svg.setAttribute("height", height.toFixed(0));
    var box = svg.getAttribute("viewBox").split(" ");
    box[3] = height.toFixed(0);
    svg.setAttribute("viewBox", box.join(" "));
  }

  function setSignal(signal) {
    state.signal = signal;
    state.chain = chainOf(signal);
    chip.hidden = signal === null;
    chipName.textContent = signal === null ? "" : (data.signals[signal] || signal);
    chip.title = signal === null ? "" : signal;
    measureToolbar();
    applyFilters();
  }

  function sortKey(cell, numeric) {
    var value = cell ? cell.dataset.sort : "";
    if (numeric) return parseFloat(value) || 0;
    return (value || "").toLowerCase();
  }

  // Sort every group of the table by the column; the heading shows the order in each group.
  function sortBy(th) {
    var name = th.closest("table").dataset.table;
    var key = th.dataset.key;
    var numeric = th.dataset.type === "num";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    tablesOf(name).forEach(function (table) {
      each("th[aria-sort]", table, function (other) { other.removeAttribute("aria-sort"); });
      var heading = table.querySelector('th[data-key="' + key + '"]');
      heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var index = Array.prototype.indexOf.call(heading.parentNode.children, heading);
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows).map(function (row, position) {
        return { row: row, key: sortKey(row.cells[index], numeric), position: position };
      });
      rows.sort(function (a, b) {
        if (a.key < b.key) return ascending ? -1 : 1;
        if (a.key > b.key) return ascending ? 1 : -1;
        return a.position - b.position;
      });
      rows.forEach(function (item) { body.appendChild(item.row); });
    });
  }

  function showOnlyStatus(status) {
    each('fieldset.statuses[data-table="receivers"] input', null, function (box) {
      box.checked = box.value === status;
    });
    applyFilters();
    fold("receivers", true);
    document.getElementById("receivers").scrollIntoView({ behavior: "smooth" });
  }

  function fold(name, open) {
    each('[data-groups-for="' + name + '"] > details.group', null, function (group) { group.open = open; });
  }

  function reset() {
    textBox.value = "";
    each("fieldset.statuses input", null, function (box) { box.checked = true; });
    setSignal(null);
  }

  function flashRow(id) {
    var row = document.getElementById(id);
    if (!row) return;
    if (row.hidden) reset();
    var group = row.closest("details.group");
    if (group) group.open = true;
    row.scrollIntoView({ behavior: "smooth", block: "center" });
    row.classList.add("flash");
    window.setTimeout(function () { row.classList.remove("flash"); }, 1600);
  }

  each("table.data th button.sort", null, function (button) {
    button.addEventListener("click", function () { sortBy(button.closest("th")); });
  });
  textBox.addEventListener("input", applyFilters);
  each("fieldset.statuses input", null, function (box) { box.addEventListener("change", applyFilters); });
  each("[data-show-status]", null, function (button) {
    button.addEventListener("click", function () { showOnlyStatus(button.dataset.showStatus); });
  });
  each("[data-expand]", null, function (button) {
    button.addEventListener("click", function () { fold(button.dataset.expand, true); });
  });
  each("[data-collapse]", null, function (button) {
    button.addEventListener("click", function () { fold(button.dataset.collapse, false); });
  });
  document.getElementById("signal-chip-clear").addEventListener("click", function () { setSignal(null); });
  document.getElementById("filter-reset").addEventListener("click", reset);
  if (follow) follow.addEventListener("change", function () { setSignal(state.signal); });
  each(".signal-link", null, function (button) {
    button.addEventListener("click", function () { setSignal(button.dataset.signal); });
  });
  if (svg) {
    each(".signal-node, .pseudo-signal-node", svg, function (node) {
      function pick() { setSignal(state.signal === node.dataset.signal ? null : node.dataset.signal); }
      node.addEventListener("click", pick);
      node.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); pick(); }
      });
    });
    each(".leaf-node", svg, function (node) {
      node.addEventListener("click", function () { flashRow(node.dataset.row); });
    });
  }
  // A receiver's tests are listed when its cell is first opened, from the page's table of test
  // ids (each id is in the page once, however many receivers it ran): by file, a file with
  // more than fold_tests_past tests folded under its name.
  function element(tag, className, text, title) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    if (title !== undefined) el.title = title;
    return el;
  }

  function testList(entries) {
    var list = element("ul");
    entries.forEach(function (entry) {
      var item = element("li");
      item.appendChild(element("code", "", entry.name, entry.id));
      list.appendChild(item);
    });
    return list;
  }

  function fillTests(details) {
    if (details.dataset.filled) return;
    details.dataset.filled = "1";
    var table = data.tests;
    var byFile = [];
    (table.rows[details.dataset.testsOf] || []).forEach(function (index) {
      var test = table.tests[index], prefix = table.prefixes[test[0]][0], separator = table.prefixes[test[0]][1];
      // A pytest prefix is "file" or "file::Class": the file groups, the class goes with the name.
      var file = separator === "::" ? prefix.split("::")[0] : prefix;
      var inner = separator === "::" ? prefix.slice(file.length + 2) : "";
      var last = byFile[byFile.length - 1];
      if (!last || last.name !== file) byFile.push(last = { name: file, entries: [] });
      last.entries.push({
        name: inner ? inner + "::" + test[1] : test[1],
        id: separator ? prefix + separator + test[1] : test[1]
      });
    });
    byFile.forEach(function (file) {
      if (file.entries.length > data.fold_tests_past) {
        var folded = element("details", "test-file");
        folded.appendChild(element("summary", "", file.name + " (" + file.entries.length + ")", file.name));
        folded.appendChild(testList(file.entries));
        details.appendChild(folded);
      } else {
        details.appendChild(element("div", "test-file", file.name, file.name));
        details.appendChild(testList(file.entries));
      }
    });
  }

  each("details.tests[data-tests-of]", null, function (details) {
    details.addEventListener("toggle", function () { if (details.open) fillTests(details); });
  });

  function measureToolbar() {
    var toolbar = document.querySelector(".toolbar");
    if (toolbar) document.documentElement.style.setProperty("--toolbar-h", toolbar.offsetHeight + "px");
  }
  window.addEventListener("resize", measureToolbar);
  measureToolbar();
  each('table[data-table="receivers"] th[data-key="status"]', null, function (th) {
    th.setAttribute("aria-sort", "ascending");
  });
  applyFilters();
})();
