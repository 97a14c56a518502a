// Quiz pages: a visible countdown with warnings, background autosave, focus after each move.
// Everything works without this file: every navigation button saves the answer on the server, and the
// server keeps the deadline.
"use strict";
(function () {
  var form = document.getElementById("question-form");
  var status = document.getElementById("autosave-status");
  var STATES = { answered: ", answered", unsaved: ", not saved", open: ", not answered" };

  function say(text) { if (status) { status.textContent = text; } }
  function sayLink(text, href, label) {
    if (!status) { return; }
    status.textContent = text + " ";
    var a = document.createElement("a");
    a.href = href; a.textContent = label;
    status.appendChild(a);
  }

  // Focus the question after each move, so keyboard and screen-reader users start there, not in the navbar.
  // A message from the last move (say, "Question 3 is not saved") comes first, so it is read.
  var start = document.querySelector("#main > .alert") || document.getElementById("progress-label") ||
    document.getElementById("submit-title");
  if (start) {
    if (!start.hasAttribute("tabindex")) { start.setAttribute("tabindex", "-1"); }
    start.focus({ preventScroll: true });
  }

  // A sequence number per save, increasing across pages: the server ignores a save older than one it applied.
  function nextSeq() { return String(Date.now()); }

  function markNavigator(body) {
    if (!form || !body.answered) { return; }
    var buttons = form.querySelectorAll(".quiz-navigator button[name=nav]");
    buttons.forEach(function (button) {
      var n = parseInt(button.value.replace("goto-", ""), 10);
      var state = (body.unsaved || []).indexOf(n) !== -1 ? "unsaved" : (body.answered.indexOf(n) !== -1 ? "answered" : "open");
      var flagged = (body.flagged || []).indexOf(n) !== -1;
      ["answered", "unsaved", "open"].forEach(function (s) { button.classList.toggle("quiz-nav-" + s, s === state); });
      button.classList.toggle("quiz-nav-flagged", flagged);
      button.dataset.state = state;
      var mark = button.querySelector(".quiz-flag-mark");
      if (flagged && !mark) {
        mark = document.createElement("span");
        mark.className = "quiz-flag-mark"; mark.setAttribute("aria-hidden", "true"); mark.textContent = "⚑";
        button.insertBefore(mark, button.querySelector(".visually-hidden"));
      } else if (!flagged && mark) { mark.remove(); }
      var hint = button.querySelector(".visually-hidden");
      if (hint) { hint.textContent = STATES[state] + (flagged ? ", flagged" : ""); }
    });
  }

  var timer = null;
  function autosave() {
    var data = new FormData(form);
    data.delete("nav");
    data.set("seq", nextSeq());
    fetch(form.dataset.autosaveUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (r) {
      if (r.body.saved) { say("Answer saved."); markNavigator(r.body); }
      else if (r.body.stale) { return; }
      else if (r.body.closed && r.body.result) { window.location.assign(r.body.result); }
      else if (r.status === 401 && r.body.login) { sayLink(r.body.error, r.body.login, "Log in again"); }
      else { say(r.body.error || "Not saved yet."); markNavigator(r.body); }
    }).catch(function () { say("Offline: your answer will be saved when you move on."); });
  }

  if (form && form.dataset.autosaveUrl) {
    form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(autosave, 300); });
    form.addEventListener("input", function (event) {
      if (event.target.type === "text") { clearTimeout(timer); timer = setTimeout(autosave, 800); }
    });
    form.addEventListener("submit", function () {
      clearTimeout(timer);  // the form's own post saves; a pending autosave would only race it
      var seq = form.querySelector("input[name=seq]");
      if (seq) { seq.value = nextSeq(); }
    });
  }

  var box = document.getElementById("quiz-timer");
  var value = document.getElementById("quiz-timer-value");
  var warning = document.getElementById("quiz-timer-warning");
  if (box && value) {
    var left = parseInt(box.dataset.secondsLeft, 10);
    var end = Date.now() + left * 1000;
    var warned = left <= 60 ? 60 : (left <= 300 ? 300 : null);
    var tick = function () {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      value.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
      box.classList.toggle("quiz-timer-warning", s <= 300 && s > 60);
      box.classList.toggle("quiz-timer-danger", s <= 60);
      // announced once each (the warning line is an assertive live region)
      if (warning && s <= 60 && warned !== 60) {
        warned = 60; warning.textContent = "Less than 1 minute left: your answers are submitted automatically at 0:00.";
      } else if (warning && s <= 300 && s > 60 && warned === null) {
        warned = 300; warning.textContent = "Less than 5 minutes left.";
      }
      if (s === 0) {
        clearInterval(interval);
        // a question page that opened with no time left (say, re-shown because an answer did not parse)
        // goes to the submit page instead of posting again, so it cannot loop
        if (form && left <= 0) { window.location.assign(form.dataset.submitUrl); return; }
        // the question form, or the page's own form (submit page); never the navbar's logout form. Sent a
        // moment after 0:00 (the seconds shown are rounded down), so the server sees the deadline passed.
        var target = form || document.querySelector("#main form[method=post]");
        if (target) {
          var nav = document.createElement("input");
          nav.type = "hidden"; nav.name = "nav"; nav.value = "finish";
          target.appendChild(nav);
          var seq = target.querySelector("input[name=seq]");
          if (seq) { seq.value = nextSeq(); }
          setTimeout(function () { target.submit(); }, 1200);
        }
      }
    };
    var interval = setInterval(tick, 1000);
    tick();
  }
})();
