// Live sending progress on the admin overview: each [data-progress-url] card asks its
// edition's progress every two seconds and updates its numbers until the edition is done.
// The same polling redraws the deliveries chart when a card's counts moved: the server
// renders the chart (#deliveries-chart fetches its own fragment), so it reads as on a reload.
(function () {
  "use strict";
  var EVERY_MS = 2000;
  var chart = document.getElementById("deliveries-chart");
  var chartIsDue = false;
  var chartIsLoading = false;

  function thousands(n) { return Number(n).toLocaleString("en-GB"); }

  function show(card, p) {
    var fields = {
      status: p.status,
      sent: thousands(p.sent),
      skipped: thousands(p.skipped),
      failed: thousands(p.failed),
      waiting: thousands(p.waiting),
      total: thousands(p.total),
      rate_text: p.rate_text,
      time_left: p.time_left,
      pause_reason: p.pause_reason || ""
    };
    Object.keys(fields).forEach(function (name) {
      var node = card.querySelector('[data-field="' + name + '"]');
      if (node && node.textContent !== String(fields[name])) {
        node.textContent = fields[name];
      }
    });
    var bar = card.querySelector("progress");
    if (bar) {
      bar.max = Math.max(p.total, 1);
      bar.value = p.sent + p.failed + p.skipped;
    }
    card.classList.toggle("is-finished", p.is_finished);
    if (p.is_finished) {  // nothing left to pause or resume
      card.querySelectorAll("form").forEach(function (form) { form.hidden = true; });
    }
  }

  function redrawChart() {
    if (!chart || chartIsLoading) { chartIsDue = Boolean(chart); return; }
    chartIsDue = false;
    chartIsLoading = true;
    fetch(chart.getAttribute("data-chart-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { chart.innerHTML = html; } })
      .catch(function () { chartIsDue = true; })
      .then(function () {
        chartIsLoading = false;
        if (chartIsDue) { window.setTimeout(redrawChart, EVERY_MS); }
      });
  }

  function watch(card) {
    var url = card.getAttribute("data-progress-url");
    var done = Number(card.getAttribute("data-settled"));  // sent and failed at the last look
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (p) {
          if (!p) { return; }
          show(card, p);
          var settled = p.sent + p.failed;
          if (settled !== done) { redrawChart(); }
          done = settled;
          if (!p.is_finished) { window.setTimeout(tick, EVERY_MS); }
        })
        .catch(function () { window.setTimeout(tick, EVERY_MS * 3); });
    }
    tick();
  }

  document.querySelectorAll("[data-progress-url]").forEach(watch);
}());
