// bodymap.js: the body map on the "log a concern" form. Tap or click the
// front or back outline to place a numbered mark, then describe it; or add
// a mark with the button and choose the side and the part of the body from
// lists (for the keyboard and screen readers). Each mark is sent as hidden
// inputs body_map.N.side, .x, .y (0 to 1 across and down the outline) and
// a description. Without JavaScript the section stays hidden and the form
// works without it. Descriptions are only ever set as text, never as HTML.
(function () {
  "use strict";
  var W = 200, H = 440, MAX = 40, NS = "http://www.w3.org/2000/svg";

  // Parts of the body for choosing a place without pointing. x is where
  // the part is on the viewer's left of the outline: the pupil's right on
  // the front, the pupil's left on the back.
  var MIDDLE = [
    { k: "head", front: "Head or face", back: "Back of the head", x: 100, y: 32 },
    { k: "neck", front: "Neck", back: "Back of the neck", x: 100, y: 62 },
    { k: "chest", front: "Chest", back: "Upper back", x: 100, y: 104 },
    { k: "tummy", front: "Stomach", back: "Lower back", x: 100, y: 165 },
    { k: "hips", front: "Hips and groin", back: "Bottom", x: 100, y: 208 }
  ];
  var LIMBS = [
    { k: "shoulder", name: "shoulder", x: 68, y: 80 },
    { k: "upper_arm", name: "upper arm", x: 56, y: 120 },
    { k: "elbow", name: "elbow", x: 49, y: 156 },
    { k: "forearm", name: "forearm", x: 44, y: 188 },
    { k: "hand", name: "hand", x: 36, y: 234 },
    { k: "thigh", name: "thigh", x: 82, y: 262 },
    { k: "knee", name: "knee", x: 83, y: 318 },
    { k: "lower_leg", name: "lower leg", x: 82, y: 362 },
    { k: "foot", name: "foot", x: 82, y: 420 }
  ];

  function regions(side) {
    var out = MIDDLE.map(function (r) {
      return { k: r.k, label: r[side], x: r.x / W, y: r.y / H };
    });
    ["right", "left"].forEach(function (lr) {
      LIMBS.forEach(function (r) {
        // The pupil's right is on the viewer's left from the front only.
        var viewerLeft = (lr === "right") === (side === "front");
        out.push({
          k: lr + "_" + r.k,
          label: (lr === "right" ? "Right " : "Left ") + r.name,
          x: (viewerLeft ? r.x : W - r.x) / W,
          y: r.y / H
        });
      });
    });
    return out;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function round(v) { return Math.round(v * 10000) / 10000; }

  function BodyMap(section, onChange) {
    this.section = section;
    this.list = section.querySelector("#marks");
    this.status = section.querySelector("#mark-status");
    this.svgs = Array.prototype.slice.call(section.querySelectorAll("svg.bodymap-svg"));
    this.marks = []; // {side, x, y, description, region, error, li, dot}
    this.onChange = onChange || function () {};
    var self = this;

    // Marks the server sent back with the form (after a problem).
    var kept = [];
    Array.prototype.forEach.call(this.list.querySelectorAll("li[data-server-mark]"), function (li) {
      var n = li.getAttribute("data-server-mark");
      var val = function (f) {
        var i = li.querySelector('[name="body_map.' + n + "." + f + '"]');
        return i ? i.value : "";
      };
      var err = li.querySelector(".error");
      kept.push({ side: val("side"), x: val("x"), y: val("y"), description: val("description"), error: err ? err.textContent : "" });
    });
    this.list.textContent = "";

    this.svgs.forEach(function (svg) {
      svg.addEventListener("click", function (e) { self.tap(svg, e); });
    });
    section.querySelector("#add-mark").addEventListener("click", function () {
      var m = self.add({ side: "front", x: "", y: "", description: "", region: "" });
      if (m) m.li.querySelector(".mark-region").focus();
    });
    this.set(kept);
    section.hidden = false;
  }

  BodyMap.prototype.tap = function (svg, e) {
    if (e.target.closest && e.target.closest(".mark-dot")) {
      var dot = e.target.closest(".mark-dot");
      var m = this.marks[parseInt(dot.getAttribute("data-index"), 10)];
      if (m) m.li.querySelector(".mark-desc").focus();
      return;
    }
    var pt = svg.createSVGPoint();
    pt.x = e.clientX;
    pt.y = e.clientY;
    var ctm = svg.getScreenCTM();
    if (!ctm) return;
    var p = pt.matrixTransform(ctm.inverse());
    var x = p.x / W, y = p.y / H;
    if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return;
    var m = this.add({ side: svg.getAttribute("data-side"), x: round(x), y: round(y), description: "", region: "tap" });
    if (m) m.li.querySelector(".mark-desc").focus();
  };

  // add appends a mark and returns it, or null when there are enough.
  BodyMap.prototype.add = function (d) {
    if (this.marks.length >= MAX) {
      this.say("At most " + MAX + " marks can be drawn.");
      return null;
    }
    var m = {
      side: d.side === "back" ? "back" : "front",
      x: d.x === "" || d.x == null ? "" : String(d.x),
      y: d.y === "" || d.y == null ? "" : String(d.y),
      description: d.description || "",
      region: d.region || (d.x !== "" && d.x != null ? "tap" : ""),
      error: d.error || ""
    };
    this.marks.push(m);
    this.build(m);
    this.renumber();
    this.say("Mark " + this.marks.length + " added on the " + m.side + ". Describe it below the outline.");
    this.onChange();
    return m;
  };

  BodyMap.prototype.build = function (m) {
    var self = this;
    var li = el("li", "mark");
    var head = el("p", "mark-head");
    var title = el("strong", "mark-title");
    head.appendChild(title);
    li.appendChild(head);
    if (m.error) {
      var err = el("p", "error mark-error", m.error);
      li.appendChild(err);
    }
    var where = el("div", "mark-where");
    var sideLabel = el("label", "", "Side");
    var side = el("select", "mark-side");
    [["front", "Front"], ["back", "Back"]].forEach(function (o) {
      var opt = el("option", "", o[1]);
      opt.value = o[0];
      side.appendChild(opt);
    });
    side.value = m.side;
    var regionLabel = el("label", "", "Where on the body");
    var region = el("select", "mark-region");
    where.appendChild(sideLabel);
    where.appendChild(side);
    where.appendChild(regionLabel);
    where.appendChild(region);
    li.appendChild(where);

    var descLabel = el("label", "mark-desc-label");
    var desc = el("input", "mark-desc");
    desc.type = "text";
    desc.maxLength = 500;
    desc.autocomplete = "off";
    desc.value = m.description;
    li.appendChild(descLabel);
    li.appendChild(desc);

    ["side", "x", "y"].forEach(function (f) {
      var h = el("input", "mark-" + f + "-value");
      h.type = "hidden";
      li.appendChild(h);
    });
    var remove = el("button", "remove-mark");
    remove.type = "button";
    li.appendChild(remove);

    m.li = li;
    this.fillRegions(m);
    this.list.appendChild(li);

    side.addEventListener("change", function () {
      m.side = side.value;
      if (m.region && m.region !== "tap") self.place(m, m.region);
      self.fillRegions(m);
      self.draw(m);
      self.onChange();
    });
    region.addEventListener("change", function () {
      if (region.value && region.value !== "tap") self.place(m, region.value);
      m.region = region.value;
      self.draw(m);
      self.onChange();
    });
    desc.addEventListener("input", function () {
      m.description = desc.value;
    });
    remove.addEventListener("click", function () { self.remove(m); });
  };

  BodyMap.prototype.fillRegions = function (m) {
    var region = m.li.querySelector(".mark-region");
    region.textContent = "";
    var first = el("option", "", m.region === "tap" ? "Where you tapped" : "Choose…");
    first.value = m.region === "tap" ? "tap" : "";
    region.appendChild(first);
    regions(m.side).forEach(function (r) {
      var opt = el("option", "", r.label);
      opt.value = r.k;
      region.appendChild(opt);
    });
    region.value = m.region || first.value;
  };

  BodyMap.prototype.place = function (m, k) {
    var found = regions(m.side).filter(function (r) { return r.k === k; })[0];
    if (found) {
      m.x = String(round(found.x));
      m.y = String(round(found.y));
    }
  };

  BodyMap.prototype.remove = function (m) {
    var i = this.marks.indexOf(m);
    if (i < 0) return;
    this.marks.splice(i, 1);
    if (m.dot) m.dot.parentNode.removeChild(m.dot);
    m.li.parentNode.removeChild(m.li);
    this.renumber();
    this.say("Mark " + (i + 1) + " removed.");
    var next = this.marks[Math.min(i, this.marks.length - 1)];
    if (next) next.li.querySelector(".remove-mark").focus();
    else this.section.querySelector("#add-mark").focus();
    this.onChange();
  };

  // renumber gives every mark its number, field names and dot again.
  BodyMap.prototype.renumber = function () {
    var self = this;
    this.marks.forEach(function (m, i) {
      var n = i + 1, li = m.li, base = "body_map." + i + ".";
      li.querySelector(".mark-title").textContent = "Mark " + n;
      var desc = li.querySelector(".mark-desc");
      desc.id = "body_map-" + i + "-description";
      desc.name = base + "description";
      var dl = li.querySelector(".mark-desc-label");
      dl.htmlFor = desc.id;
      dl.textContent = "Describe mark " + n + ": what you saw, its size and colour";
      var side = li.querySelector(".mark-side"), region = li.querySelector(".mark-region");
      side.id = "body_map-" + i + "-side";
      region.id = "body_map-" + i + "-region";
      li.querySelector(".mark-where label:nth-of-type(1)").htmlFor = side.id;
      li.querySelector(".mark-where label:nth-of-type(2)").htmlFor = region.id;
      li.querySelector(".mark-side-value").name = base + "side";
      li.querySelector(".mark-x-value").name = base + "x";
      li.querySelector(".mark-y-value").name = base + "y";
      li.querySelector(".remove-mark").textContent = "Remove mark " + n;
      self.draw(m);
    });
  };

  // draw puts the mark's dot on its outline and its values in the inputs.
  BodyMap.prototype.draw = function (m) {
    var li = m.li, i = this.marks.indexOf(m);
    li.querySelector(".mark-side-value").value = m.side;
    li.querySelector(".mark-x-value").value = m.x;
    li.querySelector(".mark-y-value").value = m.y;
    if (m.dot) {
      m.dot.parentNode.removeChild(m.dot);
      m.dot = null;
    }
    var x = parseFloat(m.x), y = parseFloat(m.y);
    if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return;
    var svg = this.svgs.filter(function (s) { return s.getAttribute("data-side") === m.side; })[0];
    if (!svg) return;
    var g = document.createElementNS(NS, "g");
    g.setAttribute("class", "mark-dot");
    g.setAttribute("data-index", String(i));
    var c = document.createElementNS(NS, "circle");
    c.setAttribute("cx", String(x * W));
    c.setAttribute("cy", String(y * H));
    c.setAttribute("r", "10");
    var t = document.createElementNS(NS, "text");
    t.setAttribute("x", String(x * W));
    t.setAttribute("y", String(y * H + 4));
    t.setAttribute("text-anchor", "middle");
    t.textContent = String(i + 1);
    g.appendChild(c);
    g.appendChild(t);
    svg.querySelector(".bodymap-marks").appendChild(g);
    m.dot = g;
  };

  BodyMap.prototype.say = function (text) {
    if (this.status) this.status.textContent = text;
  };

  // get returns the marks as plain data, for the draft.
  BodyMap.prototype.get = function () {
    return this.marks.map(function (m) {
      return { side: m.side, x: m.x, y: m.y, description: m.description, region: m.region };
    });
  };

  // set replaces every mark.
  BodyMap.prototype.set = function (list) {
    var self = this;
    this.marks.slice().forEach(function (m) {
      if (m.dot) m.dot.parentNode.removeChild(m.dot);
      m.li.parentNode.removeChild(m.li);
    });
    this.marks = [];
    (list || []).slice(0, MAX).forEach(function (d) {
      var m = {
        side: d.side === "back" ? "back" : "front",
        x: d.x == null ? "" : String(d.x), y: d.y == null ? "" : String(d.y),
        description: String(d.description || ""),
        region: d.region || (d.x !== "" && d.x != null ? "tap" : ""),
        error: d.error || ""
      };
      self.marks.push(m);
      self.build(m);
    });
    this.renumber();
  };

  window.VigilBodyMap = function (section, onChange) { return new BodyMap(section, onChange); };
})();
