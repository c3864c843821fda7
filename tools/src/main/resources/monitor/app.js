// byot monitor page: polls /api/state and draws it with plain SVG. No libraries, no build step.
// Elements carry stable ids, classes and data-* attributes (exit, count, scope) that the browser test reads.
(function () {
  "use strict";

  const POLL_MS = 1500;
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d"];
  const W = 440, H = 220, PAD = { left: 44, right: 12, top: 14, bottom: 28 };

  const $ = (id) => document.getElementById(id);
  const color = (exit) => COLORS[(exit - 1) % COLORS.length];

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(parent, x, y, content, attrs) {
    const t = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = content;
    return t;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function fmt(n, digits) {
    if (n === null || n === undefined || Number.isNaN(n)) return "–";
    return Number(n).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  }

  function pct(x) {
    return x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%";
  }

  function clock(ms) {
    return ms < 0 ? "?" : new Date(ms).toLocaleTimeString("en-GB", { hour12: false });
  }

  // The smallest 1, 2 or 5 times a power of ten that, times four ticks, covers max: round axis labels.
  function niceMax(max) {
    if (max <= 0) return 1;
    const rough = max / 4, power = Math.pow(10, Math.floor(Math.log10(rough)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
    return step * 4;
  }

  function yAxis(svg, max, label) {
    const plotH = H - PAD.top - PAD.bottom;
    for (let i = 0; i <= 4; i++) {
      const y = PAD.top + plotH - (plotH * i) / 4;
      el("line", { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: "grid-line" }, svg);
      text(svg, PAD.left - 6, y + 4, label(max * i / 4), { "text-anchor": "end" });
    }
    el("line", { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: H - PAD.bottom, class: "axis" }, svg);
    el("line", { x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom, class: "axis" }, svg);
  }

  // One bar per exit depth: <rect class="exit-bar" data-scope=... data-exit=k data-count=n>.
  function histogram(svg, counts, scope) {
    clear(svg);
    const n = counts.length;
    const total = counts.reduce((a, b) => a + b, 0);
    // Headroom above the tallest bar for its label.
    const max = niceMax(Math.max(1, ...counts) * 1.12);
    yAxis(svg, max, (v) => fmt(v, 0));
    if (n === 0) return;
    const plotW = W - PAD.left - PAD.right, plotH = H - PAD.top - PAD.bottom;
    const slot = plotW / n, barW = Math.min(80, slot * 0.6);
    counts.forEach((count, i) => {
      const exit = i + 1;
      const h = (plotH * count) / max;
      const x = PAD.left + slot * i + (slot - barW) / 2;
      const y = PAD.top + plotH - h;
      const bar = el("rect", { x: x, y: y, width: barW, height: Math.max(h, 0), fill: color(exit), class: "exit-bar",
        "data-scope": scope, "data-exit": exit, "data-count": count }, svg);
      el("title", {}, bar).textContent = "exit " + exit + ": " + count;
      const share = total > 0 ? " (" + pct(count / total) + ")" : "";
      text(svg, x + barW / 2, Math.max(y - 4, PAD.top + 8), fmt(count, 0) + share, { "text-anchor": "middle", class: "bar-label" });
      text(svg, x + barW / 2, H - PAD.bottom + 16, "exit " + exit, { "text-anchor": "middle" });
    });
  }

  function xLabels(svg, history) {
    if (history.length === 0) return;
    const plotW = W - PAD.left - PAD.right;
    const at = history.length === 1 ? [0] : [0, Math.floor((history.length - 1) / 2), history.length - 1];
    for (const i of at) {
      const x = PAD.left + (history.length === 1 ? plotW / 2 : (plotW * i) / (history.length - 1));
      // The outer labels align to their end of the axis so that they stay inside the chart.
      const anchor = history.length === 1 ? "middle" : i === 0 ? "start" : i === history.length - 1 ? "end" : "middle";
      text(svg, x, H - PAD.bottom + 16, clock(history[i].windowStart), { "text-anchor": anchor });
    }
  }

  function xOf(i, n) {
    const plotW = W - PAD.left - PAD.right;
    return PAD.left + (n === 1 ? plotW / 2 : (plotW * i) / (n - 1));
  }

  // Shares of each exit per window, stacked: <path class="exit-area" data-exit=k>.
  function stackedShares(svg, history, exits) {
    clear(svg);
    yAxis(svg, 1, (v) => Math.round(v * 100) + "%");
    const rows = history.filter((w) => w.count > 0);
    if (rows.length === 0 || exits === 0) return;
    const plotH = H - PAD.top - PAD.bottom;
    const y = (v) => PAD.top + plotH - plotH * v;
    const base = rows.map(() => 0);
    for (let e = 0; e < exits; e++) {
      const top = rows.map((w, i) => base[i] + (w.exitHistogram[e] || 0) / w.count);
      let d = "";
      if (rows.length === 1) {
        const x0 = xOf(0, 1) - 20, x1 = xOf(0, 1) + 20;
        d = `M${x0},${y(base[0])}L${x0},${y(top[0])}L${x1},${y(top[0])}L${x1},${y(base[0])}Z`;
      } else {
        top.forEach((v, i) => { d += (i === 0 ? "M" : "L") + xOf(i, rows.length) + "," + y(v); });
        for (let i = rows.length - 1; i >= 0; i--) d += "L" + xOf(i, rows.length) + "," + y(base[i]);
        d += "Z";
      }
      el("path", { d: d, fill: color(e + 1), "fill-opacity": 0.85, class: "exit-area", "data-exit": e + 1 }, svg);
      top.forEach((v, i) => { base[i] = v; });
    }
    xLabels(svg, rows);
  }

  // One polyline per series; null values break the line.
  function lines(svg, history, series, max, label, cls) {
    clear(svg);
    yAxis(svg, max, label);
    if (history.length === 0) return;
    const plotH = H - PAD.top - PAD.bottom;
    series.forEach((s) => {
      let d = "", pen = false;
      history.forEach((w, i) => {
        const v = s.value(w);
        if (v === null || v === undefined) { pen = false; return; }
        d += (pen ? "L" : "M") + xOf(i, history.length) + "," + (PAD.top + plotH - (plotH * v) / max);
        pen = true;
        if (history.length === 1) el("circle", { cx: xOf(i, 1), cy: PAD.top + plotH - (plotH * v) / max, r: 3, fill: s.color }, svg);
      });
      if (d) el("path", { d: d, fill: "none", stroke: s.color, "stroke-width": 2, class: cls, "data-exit": s.exit || "" }, svg);
    });
    xLabels(svg, history);
  }

  function legend(exits) {
    const box = $("exit-legend");
    clear(box);
    for (let e = 1; e <= exits; e++) {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = color(e);
      item.appendChild(swatch);
      item.appendChild(document.createTextNode("exit " + e));
      box.appendChild(item);
    }
  }

  function accuracyTable(latest, totals, exits) {
    const body = $("accuracy-table").tBodies[0];
    clear(body);
    for (let e = 0; e < exits; e++) {
      const row = body.insertRow();
      row.className = "accuracy-row";
      row.dataset.exit = e + 1;
      row.dataset.accuracy = totals.perExitAccuracy[e] === null ? "" : totals.perExitAccuracy[e];
      const cells = ["exit " + (e + 1), latest ? pct(latest.perExitAccuracy[e]) : "–", pct(totals.perExitAccuracy[e]),
        fmt(totals.perExitLabeled[e], 0)];
      cells.forEach((c) => { row.insertCell().textContent = c; });
      row.cells[0].style.color = color(e + 1);
    }
  }

  function deadLetters(rows) {
    const body = $("dead-letters").tBodies[0];
    clear(body);
    rows.forEach((d) => {
      const row = body.insertRow();
      row.className = "dead-letter";
      row.dataset.reason = d.reason;
      row.dataset.offset = d.offset;
      row.insertCell().textContent = clock(d.timestampMillis);
      row.insertCell().textContent = d.topic + (d.partition >= 0 ? "/" + d.partition + "@" + d.offset : "");
      const reason = row.insertCell();
      reason.className = "reason";
      reason.textContent = d.reason;
      const detail = row.insertCell();
      detail.className = "detail-cell";
      detail.textContent = d.detail.length > 140 ? d.detail.slice(0, 140) + "…" : d.detail;
    });
    $("no-dead-letters").hidden = rows.length > 0;
  }

  function driftAlarms(drift) {
    $("drift-count").textContent = String(drift.alarms);
    const body = $("drift-alarms").tBodies[0];
    clear(body);
    drift.recent.forEach((a) => {
      const row = body.insertRow();
      row.className = "drift-alarm";
      row.dataset.event = a.eventId;
      row.insertCell().textContent = clock(a.eventTime);
      row.insertCell().textContent = a.eventId + " (" + fmt(a.labelledEvents, 0) + " labelled)";
      row.insertCell().textContent = a.exits.join(", ");
      row.insertCell().textContent = a.untrustedExits.length ? a.untrustedExits.join(", ") : "–";
      row.insertCell().textContent = String(a.modelVersion);
    });
    $("no-drift-alarms").hidden = drift.recent.length > 0;
  }

  function status(state, detail) {
    const s = $("status");
    s.dataset.state = state;
    s.textContent = { CONNECTED: "live", CONNECTING: "connecting…", WAITING: "waiting for topic",
      UNREACHABLE: "Kafka unreachable", OFFLINE: "monitor server unreachable" }[state] || state;
    $("status-detail").textContent = detail || "";
  }

  function render(s) {
    status(s.feed.state, s.feed.detail);
    const latest = s.latest, totals = s.totals, history = s.history;
    const exits = Math.max(totals.exitHistogram.length, latest ? latest.exitHistogram.length : 0);
    document.body.dataset.windows = totals.windows;
    $("empty").hidden = totals.windows > 0;
    $("model-version").textContent = s.modelVersion === null ? "–" : String(s.modelVersion);
    $("throughput").textContent = latest ? fmt(latest.throughput, 1) + " /s" : "–";
    $("latency").textContent = latest && latest.latencyP50Ms !== null
      ? fmt(latest.latencyP50Ms, 0) + " / " + fmt(latest.latencyP95Ms, 0) + " / " + fmt(latest.latencyP99Ms, 0) + " ms" : "–";
    $("windows-read").textContent = String(totals.windows);
    $("predictions").textContent = fmt(totals.predictions, 0);
    $("dead-letter-count").textContent = String(s.deadLettersRead);
    const skipped = s.skipped.metrics + s.skipped.deadLetters;
    $("skipped").textContent = String(skipped);
    $("skipped").title = s.skipped.last || "";
    $("latest-window").textContent = latest
      ? clock(latest.windowStart) + "–" + clock(latest.windowEnd) + ", version" + (latest.modelVersions.length > 1 ? "s " : " ")
        + (latest.modelVersions.join(", ") || "–") : "";

    histogram($("exit-now"), latest ? latest.exitHistogram : [], "latest");
    histogram($("exit-total"), totals.exitHistogram, "total");
    stackedShares($("exit-history"), history, exits);
    legend(exits);
    const perExit = [];
    for (let e = 0; e < exits; e++) {
      perExit.push({ exit: e + 1, color: color(e + 1), value: (w) => w.perExitAccuracy[e] });
    }
    lines($("accuracy-history"), history, perExit, 1, (v) => Math.round(v * 100) + "%", "accuracy-line");
    const maxRate = niceMax(Math.max(1, ...history.map((w) => w.throughput)) * 1.05);
    lines($("throughput-history"), history, [{ color: "#1d2733", value: (w) => w.throughput }], maxRate,
      (v) => fmt(v, 0), "throughput-line");
    accuracyTable(latest, totals, exits);
    deadLetters(s.deadLetters);
    driftAlarms(s.drift);
    document.body.dataset.rendered = "true";
  }

  async function poll() {
    try {
      const response = await fetch("/api/state", { cache: "no-store" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      render(await response.json());
    } catch (e) {
      status("OFFLINE", String(e.message || e));
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  poll();
})();
