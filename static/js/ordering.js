// Ordering questions, enhanced: the items become a numbered list moved with Up/Down buttons (keyboard
// and touch) or dragged by the handle (SortableJS, vendored). The position selects stay in the form,
// hidden, and are what is posted, so the server sees exactly what it sees without JavaScript.
"use strict";
(function () {
  document.querySelectorAll("fieldset.ordering").forEach(function (fieldset) {
    var rows = Array.prototype.slice.call(fieldset.querySelectorAll(".ordering-item"));
    if (!rows.length) { return; }
    var count = rows.length;
    var items = rows.map(function (row) {
      var select = row.querySelector("select");
      var label = row.querySelector("label");
      var text = label.cloneNode(true);
      text.querySelectorAll(".visually-hidden, .badge").forEach(function (n) { n.remove(); });
      return { field: row.dataset.field, select: select, text: text.textContent.trim() };
    });
    // start from the saved positions when they are a whole order, else from the order shown
    var positions = items.map(function (it) { return parseInt(it.select.value, 10); });
    var whole = positions.every(function (p) { return p >= 1 && p <= count; }) &&
      new Set(positions).size === count;
    if (whole) { items.sort(function (a, b) { return parseInt(a.select.value, 10) - parseInt(b.select.value, 10); }); }

    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    var list = document.createElement("ol");
    list.className = "ordering-list";
    list.setAttribute("aria-label", "Items in your order, first at the top");

    function button(label, symbol, cls) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-outline-secondary btn-sm " + cls;
      b.setAttribute("aria-label", label);
      b.textContent = symbol;
      return b;
    }

    items.forEach(function (it) {
      var li = document.createElement("li");
      li.dataset.field = it.field;
      var handle = document.createElement("span");
      handle.className = "drag-handle";
      handle.setAttribute("aria-hidden", "true");
      handle.textContent = "⠿";
      var text = document.createElement("span");
      text.className = "ordering-text";
      text.textContent = it.text;
      li.appendChild(handle);
      li.appendChild(text);
      li.appendChild(button("Move up: " + it.text, "↑", "ordering-up"));
      li.appendChild(button("Move down: " + it.text, "↓", "ordering-down"));
      list.appendChild(li);
    });

    function refresh() {
      var lis = list.querySelectorAll("li");
      lis.forEach(function (li, i) {
        li.querySelector(".ordering-up").disabled = i === 0;
        li.querySelector(".ordering-down").disabled = i === lis.length - 1;
      });
    }

    function sync(moved) {
      list.querySelectorAll("li").forEach(function (li, i) {
        var it = items.filter(function (x) { return x.field === li.dataset.field; })[0];
        it.select.value = String(i + 1);
        it.select.classList.remove("is-invalid");
      });
      refresh();
      if (moved) {
        var at = Array.prototype.indexOf.call(list.children, moved) + 1;
        status.textContent = moved.querySelector(".ordering-text").textContent + ": position " + at + " of " + count + ".";
      }
      var form = fieldset.closest("form");
      if (form) { form.dispatchEvent(new Event("change", { bubbles: true })); }
    }

    list.addEventListener("click", function (event) {
      var b = event.target.closest("button");
      if (!b || b.disabled) { return; }
      var li = b.closest("li");
      var up = b.classList.contains("ordering-up");
      if (up && li.previousElementSibling) { list.insertBefore(li, li.previousElementSibling); }
      if (!up && li.nextElementSibling) { list.insertBefore(li.nextElementSibling, li); }
      sync(li);
      // keep the focus on the item that moved; at either end, on the button that still works
      var again = li.querySelector(up ? ".ordering-up" : ".ordering-down");
      (again.disabled ? li.querySelector(up ? ".ordering-down" : ".ordering-up") : again).focus();
    });

    var hint = fieldset.querySelector(".form-text");
    if (hint) { hint.textContent = "Move each item up or down (or drag it by its handle) until the order is right, first at the top."; }
    var anchor = rows[0];
    anchor.parentNode.insertBefore(list, anchor);
    anchor.parentNode.insertBefore(status, anchor);
    fieldset.classList.add("ordering-enhanced");
    refresh();
    if (window.Sortable) {
      window.Sortable.create(list, { handle: ".drag-handle", animation: 150, onEnd: function (e) { sync(e.item); } });
    }
  });
})();
