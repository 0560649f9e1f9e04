// hide.js covers the page at once with a plain, neutral panel, for when a
// pupil or visitor comes close to the screen: the "Hide screen" button in
// the header, or Escape pressed twice within a second. A click or tap on the
// panel, or its "Show" button, brings the page back. Nothing is sent to the
// server. No dependencies.
(function () {
  "use strict";
  var button = document.getElementById("hide-screen-button");
  var panel = document.getElementById("hide-screen");
  if (!button || !panel) return;
  var lastEscape = 0, title = "", before = null, covered = [];

  function hide() {
    if (!panel.hidden) return;
    before = document.activeElement;
    title = document.title;
    document.title = "Vigil"; // a tab's title may name a pupil
    // Everything else is taken out of reach of the keyboard and screen
    // readers while the panel is up.
    covered = [];
    Array.prototype.forEach.call(document.body.children, function (el) {
      if (el !== panel && el.tagName !== "SCRIPT" && !el.inert) {
        el.inert = true;
        el.setAttribute("aria-hidden", "true");
        covered.push(el);
      }
    });
    panel.hidden = false;
    document.documentElement.classList.add("screen-hidden");
    // The panel takes the focus, not its button: a focus ring would draw
    // the eye. Tab reaches "Show".
    panel.focus();
  }

  function reveal() {
    if (panel.hidden) return;
    panel.hidden = true;
    document.documentElement.classList.remove("screen-hidden");
    covered.forEach(function (el) {
      el.inert = false;
      el.removeAttribute("aria-hidden");
    });
    covered = [];
    document.title = title;
    if (before && before.focus) before.focus();
  }

  button.hidden = false;
  button.addEventListener("click", hide);
  panel.addEventListener("click", reveal);
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || e.repeat) return;
    if (!panel.hidden) return;
    var now = Date.now();
    if (now - lastEscape < 1000) {
      lastEscape = 0;
      e.preventDefault();
      hide();
    } else {
      lastEscape = now;
    }
  });
})();
