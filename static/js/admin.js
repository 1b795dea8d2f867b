// Live sending progress on the admin overview: each [data-progress-url] card asks its
// edition's progress every two seconds and updates its numbers until the edition is done.
(function () {
  "use strict";
  var EVERY_MS = 2000;

  function show(card, p) {
    var fields = {
      status: p.status,
      sent: p.sent,
      total: p.total,
      failed: p.failed,
      rate: p.rate,
      eta: p.eta_seconds ? formatSeconds(p.eta_seconds) : "-",
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

  function formatSeconds(seconds) {
    if (seconds < 90) { return seconds + " s"; }
    if (seconds < 5400) { return Math.round(seconds / 60) + " min"; }
    return (seconds / 3600).toFixed(1) + " h";
  }

  function watch(card) {
    var url = card.getAttribute("data-progress-url");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (p) {
          if (!p) { return; }
          show(card, p);
          if (!p.is_finished) { window.setTimeout(tick, EVERY_MS); }
        })
        .catch(function () { window.setTimeout(tick, EVERY_MS * 3); });
    }
    tick();
  }

  document.querySelectorAll("[data-progress-url]").forEach(watch);
}());
