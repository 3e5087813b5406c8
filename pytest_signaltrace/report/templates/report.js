// Sorting and filtering for the signal coverage page. Plain DOM, no framework, no network.
// Rows are rendered (and escaped) by the server side; this script only shows, hides and orders
// them, and reads text with textContent / dataset, never with innerHTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("signaltrace-data").textContent);
  var textBox = document.getElementById("filter-text");
  var chip = document.getElementById("signal-chip");
  var chipName = document.getElementById("signal-chip-name");
  var svg = document.querySelector("svg.graph");
  var state = { signal: null };

  function tables() {
    return Array.prototype.slice.call(document.querySelectorAll("table.data"));
  }

  function allowedStatuses(name) {
    var group = document.querySelector('fieldset.statuses[data-table="' + name + '"]');
    if (!group) return null;
    var allowed = {};
    group.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      allowed[box.value] = box.checked;
    });
    return allowed;
  }

  function rowVisible(row, query, allowed) {
    if (query && row.dataset.search.indexOf(query) === -1) return false;
    if (state.signal !== null && row.dataset.signal !== state.signal) return false;
    if (allowed && row.dataset.status && allowed[row.dataset.status] === false) return false;
    return true;
  }

  function applyFilters() {
    var query = textBox.value.trim().toLowerCase();
    tables().forEach(function (table) {
      var name = table.dataset.table;
      var allowed = allowedStatuses(name);
      var rows = table.tBodies[0].rows;
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var visible = rowVisible(rows[i], query, allowed);
        rows[i].hidden = !visible;
        if (visible) shown++;
      }
      var count = document.querySelector('[data-count-for="' + name + '"]');
      if (count) count.textContent = shown === rows.length ? rows.length + " in all" : shown + " of " + rows.length + " shown";
      var empty = document.querySelector('[data-empty-for="' + name + '"]');
      if (empty) empty.hidden = shown !== 0;
    });
    highlightGraph();
  }

  function highlightGraph() {
    if (!svg) return;
    svg.classList.toggle("filtered", state.signal !== null);
    svg.querySelectorAll("[data-signal]").forEach(function (el) {
      el.classList.toggle("match", el.dataset.signal === state.signal);
    });
  }

  function setSignal(signal) {
    state.signal = signal;
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

  function sortBy(th) {
    var table = th.closest("table");
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.dataset.type === "num";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
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
  }

  function showOnlyStatus(status) {
    document.querySelectorAll('fieldset.statuses[data-table="receivers"] input').forEach(function (box) {
      box.checked = box.value === status;
    });
    applyFilters();
    document.getElementById("receivers").scrollIntoView({ behavior: "smooth" });
  }

  function reset() {
    textBox.value = "";
    document.querySelectorAll("fieldset.statuses input").forEach(function (box) { box.checked = true; });
    setSignal(null);
  }

  function flashRow(id) {
    var row = document.getElementById(id);
    if (!row) return;
    if (row.hidden) reset();
    row.scrollIntoView({ behavior: "smooth", block: "center" });
    row.classList.add("flash");
    window.setTimeout(function () { row.classList.remove("flash"); }, 1600);
  }

  document.querySelectorAll("table.data th button.sort").forEach(function (button) {
    button.addEventListener("click", function () { sortBy(button.closest("th")); });
  });
  textBox.addEventListener("input", applyFilters);
  document.querySelectorAll("fieldset.statuses input").forEach(function (box) {
    box.addEventListener("change", applyFilters);
  });
  document.querySelectorAll("[data-show-status]").forEach(function (button) {
    button.addEventListener("click", function () { showOnlyStatus(button.dataset.showStatus); });
  });
  document.getElementById("signal-chip-clear").addEventListener("click", function () { setSignal(null); });
  document.getElementById("filter-reset").addEventListener("click", reset);
  document.querySelectorAll(".signal-link").forEach(function (button) {
    button.addEventListener("click", function () { setSignal(button.dataset.signal); });
  });
  if (svg) {
    svg.querySelectorAll(".signal-node, .pseudo-signal-node").forEach(function (node) {
      function pick() { setSignal(state.signal === node.dataset.signal ? null : node.dataset.signal); }
      node.addEventListener("click", pick);
      node.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); pick(); }
      });
    });
    svg.querySelectorAll(".leaf-node").forEach(function (node) {
      node.addEventListener("click", function () { flashRow(node.dataset.row); });
    });
  }
  function measureToolbar() {
    var toolbar = document.querySelector(".toolbar");
    if (toolbar) document.documentElement.style.setProperty("--toolbar-h", toolbar.offsetHeight + "px");
  }
  window.addEventListener("resize", measureToolbar);
  measureToolbar();
  var firstStatus = document.querySelector('table[data-table="receivers"] th[data-key="status"]');
  if (firstStatus) firstStatus.setAttribute("aria-sort", "ascending");
  applyFilters();
})();
