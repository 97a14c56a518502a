// Checklists (admin team membership): a search box that hides non-matching people and a live
// "N of M selected" count. Everything works without this file: every checkbox is shown and saved.
"use strict";
(function () {
  document.querySelectorAll("[data-checklist]").forEach(function (list) {
    var search = list.querySelector("[data-checklist-search]");
    var count = list.querySelector("[data-checklist-count]");
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-checklist-item]"));
    var boxes = items.map(function (item) { return item.querySelector("input[type=checkbox]"); });

    function recount() {
      var checked = boxes.filter(function (box) { return box.checked; }).length;
      if (count) { count.textContent = checked + " of " + boxes.length + " selected"; }
    }

    function filter() {
      var needle = search.value.trim().toLowerCase();
      items.forEach(function (item) {
        item.hidden = needle !== "" && item.getAttribute("data-text").indexOf(needle) === -1;
      });
    }

    if (search) {
      search.hidden = false;
      search.addEventListener("input", filter);
    }
    boxes.forEach(function (box) { box.addEventListener("change", recount); });
    recount();
  });
})();
