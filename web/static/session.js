// session.js warns before an idle session ends. The server enforces the
// timeout; this page only tells the person and offers to keep the session.
// <body> carries data-idle-seconds (the school's idle timeout) and
// data-warn-seconds (how early to warn). No dependencies.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds"), 10);
  if (!(idle > 0)) return;
  var warn = parseInt(body.getAttribute("data-warn-seconds"), 10) || 120;
  // The server records use at most every 15 seconds, so its idle clock may
  // have started up to 15 seconds before this page loaded.
  var GRAIN = 15;
  var KEY = "vigil.activity"; // shared by this person's tabs
  var deadline = 0, timer = 0, banner = null, clock = null, note = null, before = null;

  function remember(at) {
    try { localStorage.setItem(KEY, String(at)); } catch (e) { /* storage off */ }
  }
  function lastActivity() {
    try { return parseInt(localStorage.getItem(KEY), 10) || 0; } catch (e) { return 0; }
  }

  // restart begins the idle clock again from at, a time the server saw use.
  function restart(at) {
    deadline = at + (idle - GRAIN) * 1000;
    hide();
    schedule();
  }

  // schedule works from the deadline rather than counting ticks, because
  // browsers slow timers in background tabs.
  function schedule() {
    clearTimeout(timer);
    var left = deadline - Date.now();
    if (left <= 0) return end();
    if (left <= warn * 1000) {
      show(left);
      timer = setTimeout(schedule, Math.min(1000, left));
    } else {
      timer = setTimeout(schedule, left - warn * 1000);
    }
  }

  function show(left) {
    if (!banner) build();
    var s = Math.ceil(left / 1000);
    clock.textContent = Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
    if (banner.hidden && !banner.dismissed) {
      banner.hidden = false;
      before = document.activeElement;
      banner.querySelector("button").focus();
    }
  }

  function hide() {
    if (!banner || banner.hidden) return;
    banner.hidden = true;
    note.textContent = "";
    if (before && before.focus) before.focus();
  }

  function build() {
    banner = document.createElement("div");
    banner.className = "idle-warning";
    banner.hidden = true;
    banner.setAttribute("role", "alertdialog");
    banner.setAttribute("aria-labelledby", "idle-warning-title");
    banner.setAttribute("aria-describedby", "idle-warning-text");
    var title = el("p", "idle-warning-title", "You will be signed out soon");
    var text = el("p", "idle-warning-text", "To protect pupils' records, Vigil signs you out after " +
      Math.round(idle / 60) + " minutes without use. Time left: ");
    clock = el("span", "", "");
    clock.className = "idle-clock";
    text.appendChild(clock);
    note = el("p", "", "");
    note.setAttribute("role", "status");
    var stay = el("button", "", "Stay signed in");
    stay.type = "button";
    stay.className = "primary";
    stay.addEventListener("click", keep);
    var later = el("button", "", "Dismiss");
    later.type = "button";
    later.addEventListener("click", function () { banner.dismissed = true; hide(); });
    var buttons = el("div", "", "");
    buttons.className = "buttons";
    buttons.appendChild(stay);
    buttons.appendChild(later);
    [title, text, buttons, note].forEach(function (n) { banner.appendChild(n); });
    banner.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { banner.dismissed = true; hide(); }
    });
    body.insertBefore(banner, body.firstChild);
  }

  function el(tag, id, text) {
    var n = document.createElement(tag);
    if (id) n.id = id;
    n.textContent = text;
    return n;
  }

  // keep asks the server to restart the idle clock. A session already over
  // answers with a redirect to sign in, which is followed here by hand.
  function keep() {
    fetch("/account/keepalive", { method: "POST", credentials: "same-origin", redirect: "manual" })
      .then(function (res) {
        if (res.status !== 204) return location.assign("/login");
        var now = Date.now();
        remember(now);
        banner.dismissed = false;
        restart(now);
      })
      .catch(function () { note.textContent = "Vigil could not be reached. Check your connection and try again."; });
  }

  // end signs out when the time is up, unless another tab was used since:
  // the session may still have a few seconds left on the server, and a page
  // should never outlast the warning it gave.
  function end() {
    var seen = lastActivity();
    if (seen + (idle - GRAIN) * 1000 > Date.now()) return restart(seen);
    var done = function () { location.assign("/login"); };
    fetch("/logout", { method: "POST", credentials: "same-origin", redirect: "manual" }).then(done, done);
  }

  window.addEventListener("storage", function (e) {
    if (e.key === KEY && e.newValue) {
      if (banner) banner.dismissed = false;
      restart(parseInt(e.newValue, 10) || Date.now());
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) schedule();
  });

  var now = Date.now();
  remember(now);
  restart(now);
})();
