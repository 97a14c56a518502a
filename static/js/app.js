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

  // The time zone default: the browser's, sent once while the account has none (the server never lets
  // it override a zone the user chose on the settings page).
  var body = document.body;
  if (body.dataset.timeZoneUrl && window.Intl && window.fetch) {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) {
      var data = new FormData();
      data.set("time_zone", zone);
      fetch(body.dataset.timeZoneUrl, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-CSRFToken": body.dataset.csrf, "Accept": "application/json" }
      }).catch(function () { return; });  // the next page shows times in that zone
    }
  }
})();
