// Vigil: a password strength meter. For every input marked data-strength it
// shows, as the person types, how long the password would take to guess.
// The estimate comes from the server (the same rules it enforces); nothing
// is stored. The form works without this script.
(function () {
  "use strict";
  var words = ["Very weak", "Weak", "Fair", "Good", "Strong"];
  function meter(input) {
    var box = document.createElement("div");
    box.className = "strength";
    box.setAttribute("aria-live", "polite");
    var bar = document.createElement("div");
    bar.className = "strength-bar";
    var fill = document.createElement("span");
    bar.appendChild(fill);
    var text = document.createElement("p");
    text.className = "strength-text";
    box.appendChild(bar);
    box.appendChild(text);
    input.insertAdjacentElement("afterend", box);
    var timer = null, seq = 0;
    function show(score, hint) {
      box.dataset.score = String(score);
      fill.style.width = ((score + 1) * 20) + "%";
      text.textContent = "Strength: " + words[score] + (hint ? ". " + hint : "");
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      if (!input.value) { box.dataset.score = ""; fill.style.width = "0"; text.textContent = ""; return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch("/password-strength", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ password: input.value })
        }).then(function (r) { return r.ok ? r.json() : null; })
          .then(function (j) { if (j && mine === seq) { show(j.score, j.hint); } })
          .catch(function () {});
      }, 300);
    });
  }
  document.querySelectorAll("input[data-strength]").forEach(meter);
})();
