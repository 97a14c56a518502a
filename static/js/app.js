// Every page: a table wider than its box scrolls inside it; make that box reachable by keyboard and named.
"use strict";
(function () {
  function label(box) {
    var heading = box.closest("section") && box.closest("section").querySelector("h2, h3");
    return (heading ? heading.textContent.trim() + ": " : "") + "table, scrolls sideways";
  }
  function mark() {
    document.querySelectorAll("main .table-responsive, main .table-scroll, main table").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        if (!box.hasAttribute("role") && box.tagName !== "TABLE") { box.setAttribute("role", "region"); }
        if (!box.hasAttribute("aria-label") && box.tagName !== "TABLE") { box.setAttribute("aria-label", label(box)); }
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
