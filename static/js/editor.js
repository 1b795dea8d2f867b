/* The editor's workspace: save each change at once, reload the previews, follow a send.
   Every form also works without this file (a plain post and a redirect). */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var live = document.getElementById("live");
  var toastTimer = null;

  function say(message, isError) {
    if (!live) return;
    live.textContent = message;
    live.classList.toggle("is-error", Boolean(isError));
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { live.textContent = ""; }, 5000);
  }

  function reloadPreviews() {
    var card = document.querySelector(".preview-card");
    document.querySelectorAll("iframe[data-preview]").forEach(function (frame) {
      var url = new URL(frame.src, location.href);
      url.searchParams.set("v", Date.now().toString());
      frame.src = url.toString();
    });
    if (card) {
      card.classList.add("is-stale");
      setTimeout(function () { card.classList.remove("is-stale"); }, 400);
    }
  }

  function replaceStories(html, focusId) {
    var list = document.querySelector("[data-stories]");
    if (!list || typeof html !== "string") return;
    var open = Array.prototype.map.call(list.querySelectorAll("details[open]"), function (d) {
      var field = d.querySelector("[id]");
      return field ? field.id : null;
    });
    list.innerHTML = html;
    open.forEach(function (id) {
      var field = id && document.getElementById(id);
      var details = field && field.closest("details");
      if (details) details.open = true;
    });
    var target = focusId && document.getElementById(focusId);
    if (target) target.focus();
    bindDragging();
  }

  function post(form, submitter) {
    var data = new FormData(form, submitter || undefined);
    var action = submitter && submitter.hasAttribute("formaction")
      ? submitter.getAttribute("formaction") : form.getAttribute("action");
    var focusId = submitter && submitter.id ? submitter.id : (document.activeElement || {}).id;
    return fetch(action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "digest-editor", "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 429) {
        return { ok: false, message: "Too many of those in a short time; please wait a minute and try again." };
      }
      return response.json().catch(function () {
        return { ok: false, message: "The server did not answer as expected (" + response.status + ")." };
      });
    }).then(function (body) {
      say(body.message, !body.ok);
      if (body.stories !== undefined) replaceStories(body.stories, focusId);
      if (body.ok && !form.hasAttribute("data-keep-preview")) reloadPreviews();
      return body;
    }).catch(function () {
      say("Could not reach the server; nothing was saved.", true);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-live]")) return;
    event.preventDefault();
    post(form, event.submitter);
  });

  /* preview as another reader, and the desktop / phone / text views */
  var sampleForm = document.querySelector("form[data-sample]");
  if (sampleForm) {
    var select = sampleForm.querySelector("select");
    select.addEventListener("change", function () {
      document.querySelectorAll("iframe[data-preview]").forEach(function (frame) {
        var url = new URL(frame.src, location.href);
        url.searchParams.set("sample", select.value);
        frame.src = url.toString();
      });
      var hidden = document.getElementById("test-sample");
      if (hidden) hidden.value = select.value;
      var note = document.getElementById("skip-note");
      var skipped = select.options[select.selectedIndex].dataset.skipped || "";
      if (note) {
        note.textContent = skipped;
        note.hidden = !skipped;
      }
      var here = new URL(location.href);
      here.searchParams.set("sample", select.value);
      history.replaceState(null, "", here.toString());
      var chosen = select.options[select.selectedIndex];
      say("Preview shows the edition as " + (chosen.dataset.label || chosen.text) + " gets it.");
    });
  }
  var tabs = document.querySelector("[data-tabs]");
  if (tabs) {
    tabs.hidden = false;
    var show = function (name) {
      tabs.querySelectorAll("button").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.dataset.tab === name));
      });
      document.querySelectorAll("[data-pane]").forEach(function (pane) {
        pane.hidden = pane.dataset.pane !== name;
      });
    };
    tabs.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-tab]");
      if (button) show(button.dataset.tab);
    });
    show("desktop");
  }

  /* drag and drop within a section (Up / Down buttons are the keyboard way) */
  var dragged = null;
  function bindDragging() {
    document.querySelectorAll(".stories > li.story").forEach(function (li) {
      if (li.dataset.bound) return;
      li.dataset.bound = "1";
      var grip = li.querySelector(".grip");
      if (grip) {
        grip.addEventListener("mousedown", function () { li.draggable = true; });
        grip.addEventListener("touchstart", function () { li.draggable = true; }, { passive: true });
      }
      li.addEventListener("dragstart", function (event) {
        dragged = li;
        li.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", li.dataset.item);
      });
      li.addEventListener("dragend", function () {
        li.classList.remove("is-dragging");
        li.draggable = false;
        document.querySelectorAll(".is-drop-target").forEach(function (el) { el.classList.remove("is-drop-target"); });
        dragged = null;
      });
      li.addEventListener("dragover", function (event) {
        if (!dragged || dragged === li || dragged.parentNode !== li.parentNode) return;
        event.preventDefault();
        li.classList.add("is-drop-target");
      });
      li.addEventListener("dragleave", function () { li.classList.remove("is-drop-target"); });
      li.addEventListener("drop", function (event) {
        if (!dragged || dragged.parentNode !== li.parentNode) return;
        event.preventDefault();
        li.classList.remove("is-drop-target");
        li.parentNode.insertBefore(dragged, li);
        saveOrder(li.parentNode);
      });
    });
  }

  function saveOrder(list) {
    var form = document.createElement("form");
    form.setAttribute("action", list.dataset.orderUrl);
    var token = document.querySelector("input[name=csrf_token]");
    var fields = [["csrf_token", token ? token.value : ""], ["section", list.dataset.section]];
    list.querySelectorAll(":scope > li.story").forEach(function (li) { fields.push(["ids", li.dataset.item]); });
    fields.forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    post(form, null);
  }
  bindDragging();

  /* the buttons on the page were for the status it had: once it changes, offer fresh ones */
  function staleControls(status, word) {
    var actions = document.querySelector(".send-card .actions");
    if (!actions) return;
    actions.textContent = "";
    if (status === "sent" || status === "cancelled") {
      var test = document.querySelector(".test-form");
      if (test) test.remove();
      return;
    }
    var link = document.createElement("a");
    link.href = location.href;
    link.textContent = "Show the controls for a " + word + " edition";
    actions.appendChild(link);
  }

  /* a sending edition: counts and status follow the ledger without reloading */
  var progress = document.querySelector("[data-progress]");
  if (progress) {
    var finished = ["sent", "cancelled"];
    var poll = function () {
      fetch(progress.dataset.progress, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          ["sent", "pending", "retrying", "failed", "skipped", "unsubscribes"].forEach(function (key) {
            var cell = progress.querySelector('[data-count="' + key + '"]');
            if (cell) cell.textContent = state[key];
          });
          var bar = document.getElementById("send-progress");
          if (bar) {
            bar.max = Math.max(state.total, 1);
            bar.value = state.sent + state.failed + state.skipped;
          }
          var badge = document.getElementById("status-badge");
          if (badge && badge.dataset.status !== state.badge) {
            badge.textContent = state.label;
            badge.className = "badge badge-status status-" + state.badge;
            badge.dataset.status = state.badge;
            say("This edition is now " + state.label.toLowerCase() +
              (state.pause_reason ? ": " + state.pause_reason : "") + ".");
            staleControls(state.status, state.label.toLowerCase());
          }
          if (state.is_finished) {
            var when = document.getElementById("when");
            if (when && state.status === "sent") when.textContent = "Sent to " + state.sent + " of " + state.total + " readers.";
          } else {
            setTimeout(poll, 2000);
          }
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    if (finished.indexOf(progress.dataset.status) === -1) setTimeout(poll, 1000);
  }
})();
