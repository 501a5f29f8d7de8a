// faultline HTML report: draws the space-time diagram and the operation timeline from the
// embedded data, for the visible time window only. No network access, no libraries.
"use strict";
(function () {
  var errors = document.getElementById("errors");
  function fail(msg) {
    errors.hidden = false;
    errors.textContent += msg + "\n";
    document.body.setAttribute("data-rendered", "error");
  }
  window.addEventListener("error", function (e) { fail("error: " + e.message); });

  var D = JSON.parse(document.getElementById("data").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var LABEL = 110;            // width of the lane names
  var MAX_ARROWS = 3000;      // above this many visible messages, aggregate them
  var MAX_OPS = 4000;         // above this many visible operations, merge bars per row
  var MAX_NOTES = 1500;       // above this many visible notes, show none (say so)
  var END = Math.max(D.end || 0, 1);
  // An external history's clock may start far from zero: the view opens on its operations.
  var BEGIN = Math.min(D.begin || 0, END - 1);
  var view = { t0: BEGIN, t1: END };
  var folded = {};
  if (D.diagram && D.diagram.lanes.length - D.diagram.nodes > 8) {
    // Many clients: their lanes start folded (click a name to unfold it).
    for (var f = D.diagram.nodes; f < D.diagram.lanes.length; f++) folded[f] = true;
  }

  function el(name, attrs, parent, text) {
    var e = document.createElementNS(SVG, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function title(e, text) { el("title", {}, e, text); return e; }
  function fmt(ns) {
    if (ns >= 1e9) return (ns / 1e9).toFixed(3) + "s";
    if (ns >= 1e6) return (ns / 1e6).toFixed(2) + "ms";
    if (ns >= 1e3) return (ns / 1e3).toFixed(1) + "us";
    return ns + "ns";
  }
  function width() {
    return Math.max(600, Math.min(document.documentElement.clientWidth - 40, 1800));
  }
  function xOf(t, w) { return LABEL + (t - view.t0) / (view.t1 - view.t0) * (w - LABEL - 10); }
  function visible(a, b) { return b >= view.t0 && a <= view.t1; }

  // ---- controls -------------------------------------------------------------------------
  function setView(t0, t1) {
    var span = Math.max(t1 - t0, 1000);
    t0 = Math.max(BEGIN, t0);
    t1 = Math.min(END, t0 + span);
    if (t1 - t0 < span) t0 = Math.max(BEGIN, t1 - span);
    view.t0 = t0; view.t1 = t1;
    render();
  }
  var witnessOps = (D.timeline && D.timeline.witness && D.timeline.witness.ops) || [];
  function witnessWindow() {
    var lo = Infinity, hi = -Infinity;
    D.timeline.ops.forEach(function (o) {
      if (witnessOps.indexOf(o[4]) >= 0) {
        lo = Math.min(lo, o[1]);
        hi = Math.max(hi, o[2] === null ? END : o[2]);
      }
    });
    if (lo > hi) return;
    var pad = Math.max((hi - lo) * 0.15, 1e6);
    setView(lo - pad, hi + pad);
  }
  function controls() {
    var c = document.getElementById("controls") || document.createElement("div");
    if (!c.parentNode) {
      c.className = "controls";
      var tl = document.getElementById("timeline-panel");
      tl.insertBefore(c, tl.children[2]);
    }
    function button(text, f, id) {
      var b = document.createElement("button");
      b.textContent = text; b.onclick = f;
      if (id) b.id = id;
      c.appendChild(b);
    }
    button("Whole run", function () { setView(BEGIN, END); }, "zoom-all");
    button("Zoom in", function () { var m = (view.t0 + view.t1) / 2, h = (view.t1 - view.t0) / 4; setView(m - h, m + h); });
    button("Zoom out", function () { var m = (view.t0 + view.t1) / 2, h = (view.t1 - view.t0); setView(m - h, m + h); });
    button("◀", function () { var s = (view.t1 - view.t0) / 2; setView(view.t0 - s, view.t1 - s); });
    button("▶", function () { var s = (view.t1 - view.t0) / 2; setView(view.t0 + s, view.t1 + s); });
    if (witnessOps.length) button("Show the witness", witnessWindow, "zoom-witness");
    var from = document.createElement("input"), to = document.createElement("input");
    from.id = "from"; to.id = "to"; from.size = to.size = 9;
    c.appendChild(document.createTextNode(" from ")); c.appendChild(from);
    c.appendChild(document.createTextNode(" s to ")); c.appendChild(to);
    c.appendChild(document.createTextNode(" s "));
    button("Go", function () { setView(parseFloat(from.value) * 1e9, parseFloat(to.value) * 1e9); });
    var status = document.createElement("span");
    status.id = "view-status"; c.appendChild(status);
  }

  // Drag across an axis to zoom to that window.
  function brush(svg, w, h) {
    var start = null, rect = null;
    svg.addEventListener("mousedown", function (e) {
      var r = svg.getBoundingClientRect();
      if (e.clientY - r.top > 24 || e.clientX - r.left < LABEL) return;
      start = e.clientX - r.left;
      rect = el("rect", { x: start, y: 0, width: 0, height: h, "class": "brush" }, svg);
      e.preventDefault();
    });
    svg.addEventListener("mousemove", function (e) {
      if (start === null) return;
      var x = e.clientX - svg.getBoundingClientRect().left;
      rect.setAttribute("x", Math.min(x, start));
      rect.setAttribute("width", Math.abs(x - start));
    });
    svg.addEventListener("mouseup", function (e) {
      if (start === null) return;
      var x = e.clientX - svg.getBoundingClientRect().left;
      var a = Math.min(x, start), b = Math.max(x, start);
      start = null;
      if (b - a < 4) { rect.remove(); return; }
      var span = view.t1 - view.t0, inner = w - LABEL - 10;
      setView(view.t0 + (a - LABEL) / inner * span, view.t0 + (b - LABEL) / inner * span);
    });
  }

  function axis(svg, w, h) {
    el("rect", { x: LABEL, y: 0, width: w - LABEL - 10, height: 22, "class": "axis" }, svg);
    var span = view.t1 - view.t0, step = Math.pow(10, Math.floor(Math.log10(span / 8)));
    if (span / step > 16) step *= 5; else if (span / step > 8) step *= 2;
    for (var t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      var x = xOf(t, w);
      el("line", { x1: x, x2: x, y1: 16, y2: h, "class": "tick" }, svg);
      el("text", { x: x + 2, y: 13, "class": "ticklabel" }, svg, fmt(t));
    }
    brush(svg, w, h);
  }

  // ---- space-time diagram -------------------------------------------------------------
  var FATE = ["delivered", "lost", "cut", "destination down", "in flight at the end"];
  var MARK = ["", "×", "⨯", "✝", ""];
  function diagram(stats) {
    var G = D.diagram, box = document.getElementById("diagram");
    if (!G || !box) return;
    box.textContent = "";
    var w = width(), lanes = G.lanes, ys = [], y = 30;
    for (var i = 0; i < lanes.length; i++) {
      var hgt = folded[i] ? 10 : 30;
      ys.push(y + hgt / 2); y += hgt;
    }
    var h = y + 10;
    var svg = el("svg", { width: w, height: h, id: "diagram-svg", "class": "diagram" }, box);
    var defs = el("defs", {}, svg);
    ["ok", "drop", "dup", "client"].forEach(function (k) {
      var m = el("marker", { id: "arrow-" + k, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" }, defs);
      el("path", { d: "M0,0 L10,5 L0,10 z", "class": "head-" + k }, m);
    });
    G.parts.forEach(function (p) {
      if (!visible(p[0], p[1])) return;
      var a = xOf(Math.max(p[0], view.t0), w), b = xOf(Math.min(p[1], view.t1), w);
      title(el("rect", { x: a, y: 22, width: Math.max(b - a, 1), height: h - 22, "class": "partition" }, svg),
        "partition " + fmt(p[0]) + " – " + fmt(p[1]) + ": " + p[2]);
    });
    axis(svg, w, h);
    lanes.forEach(function (name, i) {
      var line = el("line", { x1: LABEL, x2: w - 10, y1: ys[i], y2: ys[i], "class": i < G.nodes ? "lane" : "lane client" }, svg);
      var t = el("text", { x: 4, y: ys[i] + 4, "class": "lanelabel" + (folded[i] ? " folded" : "") }, svg, (folded[i] ? "▸ " : "▾ ") + name);
      t.addEventListener("click", function () { folded[i] = !folded[i]; render(); });
      title(t, "click to " + (folded[i] ? "unfold" : "fold") + " this lane");
      void line;
    });
    G.down.forEach(function (d) {
      if (!visible(d[1], d[2])) return;
      var a = xOf(Math.max(d[1], view.t0), w), b = xOf(Math.min(d[2], view.t1), w);
      title(el("rect", { x: a, y: ys[d[0]] - 5, width: Math.max(b - a, 2), height: 10, "class": d[3] ? "paused" : "crashed" }, svg),
        lanes[d[0]] + (d[3] ? " paused " : " crashed ") + fmt(d[1]) + " – " + fmt(d[2]));
    });
    // Messages between nodes, and client traffic, in one list: [from, to, sent, end, fate,
    // kind, id, duplicate-of, client trip (1: request, 2: reply)].
    var vis = [];
    G.msgs.forEach(function (m) { if (visible(m[2], m[3]) && !folded[m[0]] && !folded[m[1]]) vis.push(m); });
    G.trips.forEach(function (c) {
      var from = c[4] ? c[1] : c[0], to = c[4] ? c[0] : c[1];
      if (visible(c[2], c[3]) && !folded[from] && !folded[to]) vis.push([from, to, c[2], c[3], 0, -1, 0, -1, c[4] ? 2 : 1]);
    });
    stats.visible = vis.length;
    if (vis.length <= MAX_ARROWS) {
      vis.forEach(function (m) {
        var x1 = xOf(m[2], w), x2 = xOf(m[3], w), y1 = ys[m[0]], y2 = ys[m[1]], cls = "msg", head = "ok";
        if (m[8]) {
          title(el("line", { x1: x1, y1: y1, x2: x2, y2: y2, "class": "msg client", "marker-end": "url(#arrow-client)" }, svg),
            (m[8] === 2 ? "reply " : "request ") + lanes[m[0]] + " → " + lanes[m[1]] + " " + fmt(m[2]) + " → " + fmt(m[3]));
          stats.trips++;
          return;
        }
        if (m[4] === 1) { x2 = x1 + 10; y2 = y1 + (y2 - y1) * 0.3; }
        if (m[4] >= 1 && m[4] <= 3) { cls += " drop"; head = "drop"; }
        else if (m[7] >= 0) { cls += " dup"; head = "dup"; }
        if (m[4] === 4) cls += " inflight";
        var line = el("line", { x1: x1, y1: y1, x2: x2, y2: y2, "class": cls, "marker-end": m[4] === 0 ? "url(#arrow-" + head + ")" : "" }, svg);
        title(line, G.kinds[m[5]] + " #" + m[6] + (m[7] >= 0 ? " (duplicate of #" + m[7] + ")" : "") + ": " +
          lanes[m[0]] + " → " + lanes[m[1]] + ", sent " + fmt(m[2]) + ", " + FATE[m[4]] + (m[4] === 4 ? "" : " " + fmt(m[3])));
        if (MARK[m[4]]) el("text", { x: x2, y: y2 + 4, "class": "dropmark" }, svg, MARK[m[4]]);
        stats.arrows++;
      });
    } else {
      // Level of detail: one stroke per (sender, destination, 6-pixel slice of send time).
      var buckets = {};
      vis.forEach(function (m) {
        var k = m[0] + ":" + m[1] + ":" + Math.floor(xOf(m[2], w) / 6);
        var b = buckets[k] || (buckets[k] = [m[0], m[1], 0, 0, 0, 0, m[8] || 0]);
        b[2]++; b[3] += m[2]; b[4] += m[3]; if (m[4] >= 1 && m[4] <= 3) b[5]++;
      });
      Object.keys(buckets).forEach(function (k) {
        var b = buckets[k], sent = b[3] / b[2], end = b[4] / b[2];
        var line = el("line", { x1: xOf(sent, w), y1: ys[b[0]], x2: xOf(end, w), y2: ys[b[1]],
          "class": "msg agg" + (b[6] ? " client" : "") + (b[5] * 2 > b[2] ? " drop" : ""), "stroke-width": 1 + Math.log2(b[2]) }, svg);
        title(line, b[2] + (b[6] ? " client messages " : " messages ") + lanes[b[0]] + " → " + lanes[b[1]] + " sent about " + fmt(sent) + (b[5] ? " (" + b[5] + " dropped)" : ""));
        stats.aggregated++;
      });
    }
    // Protocol notes.
    var notes = G.notes.filter(function (n) { return visible(n[1], n[1]) && !folded[n[0]]; });
    stats.notes = notes.length;
    if (notes.length <= MAX_NOTES) {
      notes.forEach(function (n) {
        title(el("circle", { cx: xOf(n[1], w), cy: ys[n[0]] - 9, r: 3, "class": "note" }, svg), lanes[n[0]] + " at " + fmt(n[1]) + ": " + n[2]);
      });
    }
    G.faults.forEach(function (f) {
      if (!visible(f[0], f[0])) return;
      var x = xOf(f[0], w);
      title(el("path", { d: "M" + (x - 5) + ",22 L" + (x + 5) + ",22 L" + x + ",30 z", "class": "fault" }, svg), fmt(f[0]) + " " + f[1]);
    });
  }

  // ---- operation timeline -------------------------------------------------------------
  function timeline(stats) {
    var T = D.timeline, box = document.getElementById("timeline");
    box.textContent = "";
    var w = width(), rows = T.rows, rh = rows.length > 60 ? 8 : 16, top = 30;
    var h = top + rows.length * rh + 10;
    var svg = el("svg", { width: w, height: h, id: "timeline-svg", "class": "timeline" }, box);
    var defs = el("defs", {}, svg);
    var m = el("marker", { id: "arrow-witness", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", "class": "head-witness" }, m);
    axis(svg, w, h);
    if (rh >= 12) rows.forEach(function (r, i) { el("text", { x: 4, y: top + i * rh + rh - 4, "class": "rowlabel" }, svg, r); });
    else el("text", { x: 4, y: top + 10, "class": "rowlabel" }, svg, rows.length + " processes");
    var STATUS = ["ok", "fail", "info"];
    var vis = T.ops.filter(function (o) { return visible(o[1], o[2] === null ? END : o[2]); });
    stats.ops = vis.length;
    function bar(o, cls) {
      var end = o[2] === null ? END : o[2], x1 = xOf(Math.max(o[1], view.t0 - 1), w), x2 = xOf(Math.min(end, view.t1 + 1), w);
      var r = el("rect", { x: x1, y: top + o[0] * rh + 2, width: Math.max(x2 - x1, 1.5), height: rh - 4, "class": cls }, svg);
      title(r, rows[o[0]] + " " + o[5] + " (" + STATUS[o[3]] + "), invoked " + fmt(o[1]) + (o[2] === null ? ", never completed" : ", completed " + fmt(o[2])) + " [history entry " + o[4] + "]");
      return r;
    }
    if (vis.length <= MAX_OPS) {
      vis.forEach(function (o) { bar(o, "op " + STATUS[o[3]]); });
    } else {
      // Level of detail: merge each row's bars that touch at this scale, worst status wins.
      var byRow = {};
      vis.forEach(function (o) { (byRow[o[0]] = byRow[o[0]] || []).push(o); });
      Object.keys(byRow).forEach(function (r) {
        var cur = null;
        byRow[r].forEach(function (o) {
          var end = o[2] === null ? END : o[2];
          if (cur && xOf(o[1], w) - xOf(cur[2], w) < 1) { cur[2] = Math.max(cur[2], end); cur[3] = Math.max(cur[3], o[3]); cur[6]++; return; }
          if (cur) bar([cur[0], cur[1], cur[2], cur[3], cur[4], cur[6] + " operations"], "op merged " + STATUS[cur[3]]);
          cur = [o[0], o[1], end, o[3], o[4], "", 1];
        });
        if (cur) bar([cur[0], cur[1], cur[2], cur[3], cur[4], cur[6] + " operations"], "op merged " + STATUS[cur[3]]);
      });
    }
    // The witness, always drawn one by one on top.
    var pos = {};
    T.ops.forEach(function (o) {
      if (witnessOps.indexOf(o[4]) < 0) return;
      var r = bar(o, "op witness " + STATUS[o[3]]);
      r.setAttribute("data-index", o[4]);
      var end = o[2] === null ? END : o[2];
      pos[o[4]] = [xOf((o[1] + end) / 2, w), top + o[0] * rh + rh / 2];
      stats.witnessOps++;
    });
    var labels = [];  // drawn edge labels: one of each word per neighbourhood, not a pile
    T.witness.edges.forEach(function (e) {
      var a = pos[e[0]], b = pos[e[1]];
      if (!a || !b) return;
      var mx = (a[0] + b[0]) / 2, my = Math.min(a[1], b[1]) - 25 - Math.abs(a[0] - b[0]) * 0.05;
      var p = el("path", { d: "M" + a[0] + "," + a[1] + " Q" + mx + "," + my + " " + b[0] + "," + b[1], "class": "witness-edge", "marker-end": "url(#arrow-witness)" }, svg);
      title(p, e[2] + ": history entry " + e[0] + " → " + e[1]);
      var ly = (my + Math.min(a[1], b[1])) / 2;
      var crowded = labels.some(function (l) {
        return l[2] === e[2] && Math.abs(l[0] - mx) < 70 && Math.abs(l[1] - ly) < 16;
      });
      if (!crowded) {
        el("text", { x: mx, y: ly, "class": "edgelabel" }, svg, e[2]);
        labels.push([mx, ly, e[2]]);
      }
      stats.witnessEdges++;
    });
  }

  function render() {
    try {
      var stats = { trips: 0, arrows: 0, aggregated: 0, visible: 0, notes: 0, ops: 0, witnessOps: 0, witnessEdges: 0 };
      diagram(stats);
      timeline(stats);
      document.getElementById("from").value = (view.t0 / 1e9).toFixed(3);
      document.getElementById("to").value = (view.t1 / 1e9).toFixed(3);
      var s = document.getElementById("view-status");
      s.textContent = " showing " + fmt(view.t0) + " – " + fmt(view.t1) + ": " +
        (D.diagram ? (stats.aggregated ? stats.visible + " messages in " + stats.aggregated + " strokes (zoom in to see each)" : stats.arrows + " messages") + ", " +
          (stats.notes > MAX_NOTES ? stats.notes + " notes (zoom in to see them)" : stats.notes + " notes") + ", " : "") +
        stats.ops + " operations";
      for (var k in stats) s.setAttribute("data-" + k.toLowerCase(), stats[k]);
      // Milliseconds since navigation began: loading, parsing and this render.
      s.setAttribute("data-ready-ms", Math.round(performance.now()));
      if (document.body.getAttribute("data-rendered") !== "error") document.body.setAttribute("data-rendered", "ok");
    } catch (e) {
      fail("render failed: " + e.message);
    }
  }

  controls();
  render();
  var resizing = null;
  window.addEventListener("resize", function () { clearTimeout(resizing); resizing = setTimeout(render, 150); });
})();
