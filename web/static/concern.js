// concern.js makes the "log a concern" form quicker: a type-ahead to add
// pupils, removing pupils in place, copying one pupil's categories to the
// others, dropping files onto the attachments, the body map (bodymap.js)
// and an encrypted draft kept on this device (draft.js). The form works
// without any of it. Whatever anyone typed is only ever set as text.
(function () {
  "use strict";
  var form = document.getElementById("concern-form");
  if (!form) return;
  var person = form.getAttribute("data-person");
  var cards = document.getElementById("pupil-cards");
  var template = document.getElementById("pupil-card-template");
  var q = document.getElementById("pupil_q");
  var results = document.getElementById("pupil-results");
  var status = document.getElementById("pupil-status");
  var findButton = document.getElementById("pupil-find");
  var noPupils = document.getElementById("no-pupils");
  var Draft = window.VigilDraft;
  var MAX_PUPILS = 30;
  var bodymap = null, saving = false, discarded = false, sent = false;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  // ---- Pupils -----------------------------------------------------------

  function cardList() { return Array.prototype.slice.call(cards.querySelectorAll(".pupil-card")); }

  function cardInfo(card) {
    var cats = [];
    each(card.querySelectorAll('input[type="checkbox"]:checked'), function (c) { cats.push(c.value); });
    return {
      id: card.querySelector(".pupil-id").value,
      name: card.querySelector(".pupil-name .pupil-label").textContent,
      meta: card.querySelector(".pupil-name .pupil-meta").textContent,
      part: card.querySelector("select").value,
      categories: cats
    };
  }

  function chosen(id) {
    return cardList().filter(function (c) { return c.querySelector(".pupil-id").value === id; })[0];
  }

  // renumber gives each card its place in the field names: pupils.N.part.
  function renumber() {
    var list = cardList();
    list.forEach(function (card, i) {
      card.setAttribute("data-index", String(i));
      each(card.querySelectorAll("[name], [id], [for], [aria-describedby]"), function (e) {
        ["name", "id", "for", "aria-describedby"].forEach(function (a) {
          var v = e.getAttribute(a);
          if (v) e.setAttribute(a, v.replace(/pupils([.-])(?:\d+|__N__)(?=[.-])/g, "pupils$1" + i));
        });
      });
    });
    noPupils.hidden = list.length > 0;
    each(cards.querySelectorAll(".copy-cats"), function (b) { b.hidden = list.length < 2; });
  }

  function enhanceCard(card) {
    var remove = card.querySelector(".remove-pupil");
    remove.addEventListener("click", function (e) {
      e.preventDefault();
      var name = card.querySelector(".pupil-name .pupil-label").textContent;
      card.parentNode.removeChild(card);
      renumber();
      status.textContent = (name || "The pupil") + " removed.";
      q.focus();
      changed();
    });
    var fs = card.querySelector("fieldset.cats");
    var copy = el("button", "copy-cats", "Give the other pupils these categories");
    copy.type = "button";
    copy.addEventListener("click", function () {
      var mine = {};
      each(fs.querySelectorAll('input[type="checkbox"]'), function (c) { mine[c.value] = c.checked; });
      var others = cardList().filter(function (c) { return c !== card; });
      others.forEach(function (other) {
        each(other.querySelectorAll('fieldset.cats input[type="checkbox"]'), function (c) { c.checked = !!mine[c.value]; });
      });
      status.textContent = "Categories copied to " + others.length + (others.length === 1 ? " other pupil" : " other pupils") +
        ". You can still change each pupil's on their own.";
      changed();
    });
    fs.appendChild(copy);
  }

  // addPupil adds a pupil's block, with their part and categories when
  // restoring a draft, and returns it.
  function addPupil(p, state) {
    var existing = chosen(p.id);
    if (existing) {
      status.textContent = p.name + " is already added.";
      existing.querySelector("select").focus();
      return null;
    }
    if (cardList().length >= MAX_PUPILS) {
      status.textContent = "A concern can name at most " + MAX_PUPILS + " pupils.";
      return null;
    }
    var card = template.content.querySelector(".pupil-card").cloneNode(true);
    card.querySelector(".pupil-id").value = p.id;
    each(card.querySelectorAll(".pupil-label"), function (e) { e.textContent = p.name; });
    card.querySelector(".pupil-meta").textContent = p.meta || "";
    card.querySelector(".remove-pupil").value = p.id;
    if (state) {
      var part = card.querySelector("select");
      if (state.part) part.value = state.part;
      each(card.querySelectorAll('input[type="checkbox"]'), function (c) {
        c.checked = (state.categories || []).indexOf(c.value) >= 0;
      });
    }
    cards.appendChild(card);
    enhanceCard(card);
    renumber();
    changed();
    return card;
  }

  // ---- Type-ahead --------------------------------------------------------

  var timer = 0, seq = 0, controller = null;

  function clearResults() {
    results.textContent = "";
  }

  // cancelSearch drops a search that is waiting or on its way, so its
  // answer cannot bring back a list the person has already chosen from.
  function cancelSearch() {
    clearTimeout(timer);
    seq++;
    if (controller) controller.abort();
  }

  function search() {
    clearTimeout(timer);
    var text = q.value.trim();
    if (controller) controller.abort();
    if (text.length < 2) {
      clearResults();
      status.textContent = text ? "Type at least two letters of the pupil's name." : "";
      return;
    }
    var mine = ++seq;
    controller = window.AbortController ? new AbortController() : null;
    fetch("/concerns/pupil-search", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "q=" + encodeURIComponent(text),
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    }).then(function (r) {
      return r.json();
    }).then(function (d) {
      if (mine !== seq) return;
      show(d.pupils || [], d.message || "");
    }).catch(function (err) {
      if (err && err.name === "AbortError") return;
      if (mine !== seq) return;
      clearResults();
      status.textContent = "The search is not working just now. Press Find to search another way.";
      findButton.dataset.fallback = "yes";
    });
  }

  function show(list, message) {
    clearResults();
    if (!list.length) {
      status.textContent = message || "No pupil on roll matches.";
      return;
    }
    var ul = el("ul", "pupil-options");
    list.forEach(function (p) {
      var li = el("li");
      var b = el("button", "pupil-option");
      b.type = "button";
      b.appendChild(el("strong", "", p.name));
      if (p.meta) {
        b.appendChild(document.createTextNode(" "));
        b.appendChild(el("span", "muted", p.meta));
      }
      if (chosen(p.id)) {
        b.disabled = true;
        b.appendChild(el("span", "muted", " (added)"));
      }
      b.addEventListener("click", function () {
        var card = addPupil(p);
        cancelSearch();
        q.value = "";
        clearResults();
        if (card) {
          status.textContent = p.name + " added. Choose their part and categories.";
          card.querySelector("select").focus();
        }
      });
      li.appendChild(b);
      ul.appendChild(li);
    });
    results.appendChild(ul);
    status.textContent = list.length + (list.length === 1 ? " pupil" : " pupils") + " found. Press the down arrow or Tab to choose.";
  }

  function options() { return Array.prototype.slice.call(results.querySelectorAll("button.pupil-option:not([disabled])")); }

  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  q.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      e.preventDefault();
      search();
    } else if (e.key === "ArrowDown") {
      var o = options();
      if (o.length) {
        e.preventDefault();
        o[0].focus();
      }
    }
  });
  results.addEventListener("keydown", function (e) {
    var o = options(), i = o.indexOf(document.activeElement);
    if (i < 0) return;
    if (e.key === "ArrowDown" && i < o.length - 1) {
      e.preventDefault();
      o[i + 1].focus();
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      (i > 0 ? o[i - 1] : q).focus();
    } else if (e.key === "Escape") {
      q.focus();
    }
  });
  findButton.addEventListener("click", function (e) {
    // The server's search (the form shown again) stays for when this one
    // fails.
    if (findButton.dataset.fallback === "yes") return;
    e.preventDefault();
    search();
  });

  // Enter in a one-line box must not send the whole form.
  form.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key === "Enter" && t.tagName === "INPUT" && t !== q && ["checkbox", "radio", "file", "submit", "button"].indexOf(t.type) < 0) {
      e.preventDefault();
    }
  });

  // ---- Attachments -------------------------------------------------------

  var files = document.getElementById("files");
  var zone = document.getElementById("dropzone");
  var fileList = document.getElementById("file-list");
  var maxSize = parseInt(files.getAttribute("data-max"), 10) || 0;
  var canSet = false;
  try {
    canSet = typeof DataTransfer === "function" && !!new DataTransfer().items;
  } catch (e) { canSet = false; }

  function size(n) {
    if (n >= 1000000) return (n / 1000000).toFixed(1) + " MB";
    if (n >= 1000) return Math.round(n / 1000) + " KB";
    return n + " bytes";
  }

  function setFiles(list) {
    var dt = new DataTransfer();
    list.forEach(function (f) { dt.items.add(f); });
    files.files = dt.files;
    listFiles();
  }

  function listFiles() {
    fileList.textContent = "";
    var list = Array.prototype.slice.call(files.files || []);
    list.forEach(function (f, i) {
      var li = el("li");
      li.appendChild(el("span", "file-name", f.name));
      li.appendChild(el("span", "muted small", " " + size(f.size)));
      if (maxSize && f.size > maxSize) li.appendChild(el("span", "error", " Too large: the limit is " + size(maxSize) + "."));
      if (canSet) {
        var b = el("button", "link remove-file", "Remove");
        b.type = "button";
        b.setAttribute("aria-label", "Remove " + f.name);
        b.addEventListener("click", function () {
          setFiles(list.filter(function (_, j) { return j !== i; }));
          files.focus();
        });
        li.appendChild(b);
      }
      fileList.appendChild(li);
    });
    if (list.length > 10) fileList.appendChild(el("li", "error", "Attach at most 10 files at once."));
  }

  files.addEventListener("change", listFiles);
  if (canSet) {
    zone.querySelector(".drop-hint").hidden = false;
    zone.addEventListener("dragover", function (e) {
      if (!e.dataTransfer || Array.prototype.indexOf.call(e.dataTransfer.types || [], "Files") < 0) return;
      e.preventDefault();
      zone.classList.add("dragging");
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (e) {
      zone.classList.remove("dragging");
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      e.preventDefault();
      try {
        setFiles(Array.prototype.slice.call(files.files || []).concat(Array.prototype.slice.call(e.dataTransfer.files)));
      } catch (err) {
        status.textContent = "";
      }
    });
  }

  // ---- Draft -------------------------------------------------------------

  function field(name) { return form.elements.namedItem(name); }

  function collect() {
    var alert = [];
    each(form.querySelectorAll('input[name="alert"]:checked'), function (c) { alert.push(c.value); });
    return {
      pupils: cardList().map(cardInfo),
      occurred_at: field("occurred_at").value,
      location: field("location").value,
      body: field("body").value,
      agencies: field("agencies").value,
      alert: alert,
      marks: bodymap ? bodymap.get() : []
    };
  }

  function empty(d) {
    return !d.pupils.length && !d.location.trim() && !d.body.trim() && !d.agencies.trim() && !d.alert.length && !d.marks.length;
  }

  var saveTimer = 0, chain = Promise.resolve();
  function changed() {
    if (!saving || discarded || !Draft || !Draft.usable) return;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, 600);
  }
  function saveNow() {
    clearTimeout(saveTimer);
    if (!saving || discarded || !Draft || !Draft.usable) return;
    var d = collect();
    // One save at a time, so an older one never lands after a newer one.
    chain = chain.then(function () {
      if (discarded) return null;
      if (empty(d)) return Draft.clear(person);
      return Draft.save(person, d);
    });
  }

  function restore(d) {
    (d.pupils || []).forEach(function (p) {
      if (p && p.id) addPupil({ id: String(p.id), name: String(p.name || ""), meta: String(p.meta || "") }, p);
    });
    if (d.occurred_at) field("occurred_at").value = d.occurred_at;
    field("location").value = d.location || "";
    field("body").value = d.body || "";
    field("agencies").value = d.agencies || "";
    each(form.querySelectorAll('input[name="alert"]'), function (c) { c.checked = (d.alert || []).indexOf(c.value) >= 0; });
    if ((d.alert || []).length) {
      var details = form.querySelector("details.alert-others");
      if (details) details.open = true;
    }
    if (bodymap) bodymap.set(d.marks || []);
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function offerDiscard(at) {
    var notice = document.getElementById("draft-notice");
    var when = new Date(at);
    document.getElementById("draft-text").textContent = "Draft restored: what you typed on this device, last saved at " +
      pad(when.getHours()) + ":" + pad(when.getMinutes()) + ". Attachments are not kept in drafts.";
    notice.hidden = false;
    document.getElementById("draft-discard").addEventListener("click", function () {
      discarded = true;
      clearTimeout(saveTimer);
      chain.then(function () {
        Draft.clear(person);
        location.replace("/concerns/new");
      });
    });
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.addEventListener("pagehide", function () { if (!sent) saveNow(); });

  form.addEventListener("submit", function (e) {
    var by = e.submitter;
    if (by && by.name === "do" && by.value !== "save") return; // find or add: nothing is saved yet
    if (by && by.name === "remove") return;
    if (sent) {
      e.preventDefault(); // a second tap while the first is on its way
      return;
    }
    sent = true;
    saveNow();
    if (Draft) Draft.sending(person);
  });
  window.addEventListener("pageshow", function () { sent = false; });

  // ---- Start -------------------------------------------------------------

  var summary = document.getElementById("form-error");
  if (summary) summary.focus();
  cardList().forEach(enhanceCard);
  renumber();
  var section = document.getElementById("bodymap");
  if (section && window.VigilBodyMap) bodymap = window.VigilBodyMap(section, changed);

  if (Draft && Draft.usable && form.getAttribute("data-restore") === "true") {
    Draft.load(person).then(function (d) {
      if (d && d.data && !empty(d.data)) {
        restore(d.data);
        offerDiscard(d.at);
      }
      saving = true;
    });
  } else {
    saving = true;
    // The form shown again holds what was sent: keep it as the draft.
    if (form.getAttribute("data-restore") !== "true") changed();
  }
})();
