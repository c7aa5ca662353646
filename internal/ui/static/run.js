// run.js: a run's page, live. It follows the run's events (the API's
// text/event-stream, through the UI's /runs/{id}/events) and writes each
// node's status and time into the tree, log and stream events beside it,
// and the run's end. Status is always text; the stylesheet colours it.
(function () {
  "use strict";
  const run = document.getElementById("run");
  if (!run) return;
  const log = document.getElementById("log");
  const statusEl = document.getElementById("run-status");
  const started = new Map();

  function node(id) {
    return document.querySelector('.tree-node[data-node="' + CSS.escape(id) + '"]');
  }
  function setNode(id, status, ms) {
    const n = node(id);
    if (!n) return;
    const s = n.querySelector(":scope > .node-status");
    s.textContent = status;
    s.dataset.status = status;
    if (ms !== undefined) n.querySelector(":scope > .node-time").textContent = ms.toFixed(1) + " ms";
  }
  function line(text) {
    const li = document.createElement("li");
    li.textContent = text; // never HTML
    log.appendChild(li);
  }
  function data(m) {
    try { return JSON.parse(m.data); } catch (e) { return {}; }
  }

  const ended = ["success", "failure", "canceled", "interrupted"];
  const endedAtLoad = ended.includes(run.dataset.status);
  // The stream replays the run's events from the start, then follows it.
  const es = new EventSource(run.dataset.events);
  es.addEventListener("node_started", (m) => {
    const e = data(m);
    started.set(e.node, Date.parse(e.time));
    setNode(e.node, "running");
  });
  es.addEventListener("node_finished", (m) => {
    const e = data(m);
    setNode(e.node, e.halted ? "halted" : String(e.status || "").toLowerCase(), e.duration_ms);
  });
  es.addEventListener("log", (m) => {
    const e = data(m);
    line((e.level || "info") + " " + (e.node ? e.node + ": " : "") + (e.message || ""));
  });
  es.addEventListener("stream", (m) => {
    const e = data(m);
    line("stream " + (e.node ? e.node + " " : "") + (e.message || "") + " " + JSON.stringify(e.data === undefined ? null : e.data));
  });
  es.addEventListener("run_finished", (m) => {
    const e = data(m);
    if (e.status) {
      statusEl.textContent = String(e.status).toLowerCase();
    }
    if (e.error) document.getElementById("run-error").textContent = e.error;
  });
  es.addEventListener("end", (m) => {
    es.close();
    const e = data(m);
    const r = e.run || e;
    if (r.status) {
      statusEl.textContent = r.status;
      statusEl.className = "status status-" + r.status;
    }
    if (r.error) document.getElementById("run-error").textContent = r.error;
    run.dataset.status = r.status || "ended";
    // The blackboard is on the page of an ended run.
    if (!endedAtLoad) setTimeout(() => location.reload(), 500);
  });
})();
