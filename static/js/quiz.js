// Quiz pages: a visible countdown and background autosave. Everything works without this file:
// every navigation button saves the answer on the server, and the server keeps the deadline.
"use strict";
(function () {
  var form = document.getElementById("question-form");
  var status = document.getElementById("autosave-status");

  function say(text) { if (status) { status.textContent = text; } }

  function markNavigator(answered) {
    if (!form || !answered) { return; }
    var buttons = form.querySelectorAll(".quiz-navigator button[name=nav]");
    buttons.forEach(function (button) {
      var n = parseInt(button.value.replace("goto-", ""), 10);
      var done = answered.indexOf(n) !== -1;
      button.classList.toggle("btn-success", done);
      button.classList.toggle("btn-outline-secondary", !done);
      var hint = button.querySelector(".visually-hidden");
      if (hint) { hint.textContent = done ? ", answered" : ", not answered"; }
    });
  }

  var timer = null;
  function autosave() {
    var data = new FormData(form);
    data.delete("nav");
    fetch(form.dataset.autosaveUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (r) {
      if (r.body.saved) { say("Answer saved."); markNavigator(r.body.answered); }
      else if (r.body.closed && r.body.result) { window.location.assign(r.body.result); }
      else { say(r.body.error || "Not saved yet."); }
    }).catch(function () { say("Offline: your answer will be saved when you move on."); });
  }

  if (form && form.dataset.autosaveUrl) {
    form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(autosave, 300); });
    form.addEventListener("input", function (event) {
      if (event.target.type === "text") { clearTimeout(timer); timer = setTimeout(autosave, 800); }
    });
  }

  var box = document.getElementById("quiz-timer");
  var value = document.getElementById("quiz-timer-value");
  if (box && value) {
    var left = parseInt(box.dataset.secondsLeft, 10);
    var end = Date.now() + left * 1000;
    var tick = function () {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      value.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
      box.classList.toggle("alert-warning", s <= 60 && s > 0);
      box.classList.toggle("alert-danger", s === 0);
      if (s === 60) { box.setAttribute("aria-live", "assertive"); }
      if (s === 0) {
        clearInterval(interval);
        // a question page that opened with no time left (say, re-shown because an answer did not parse)
        // goes to the submit page instead of posting again, so it cannot loop
        if (form && left <= 0) { window.location.assign(form.dataset.submitUrl); return; }
        // the question form, or the page's own form (submit page); never the navbar's logout form
        var target = form || document.querySelector("#main form[method=post]");
        if (target) {
          var nav = document.createElement("input");
          nav.type = "hidden"; nav.name = "nav"; nav.value = "finish";
          target.appendChild(nav);
          target.submit();
        }
      }
    };
    var interval = setInterval(tick, 1000);
    tick();
  }
})();
