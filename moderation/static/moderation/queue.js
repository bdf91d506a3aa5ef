/* The moderation queue: decide rows in place through the moderation API, by mouse or keys.
 *
 * Each row's .pm-row carries data-id and data-decision-url; its .pm-decide cell holds the
 * clause <select>, a note field and the buttons. A decision POSTs JSON with the session's
 * CSRF token; on success the row leaves the queue and the next row is selected.
 */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function rows() {
    return Array.prototype.slice.call(
      document.querySelectorAll("#result_list tbody tr:not(.pm-done)")
    ).filter(function (tr) { return tr.querySelector(".pm-row"); });
  }

  var current = null;

  function select(tr) {
    if (current) current.classList.remove("pm-selected");
    current = tr || null;
    if (current) {
      current.classList.add("pm-selected");
      current.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var list = rows();
    if (!list.length) return select(null);
    var i = list.indexOf(current);
    i = i < 0 ? 0 : Math.min(Math.max(i + step, 0), list.length - 1);
    select(list[i]);
  }

  function say(tr, text, isError) {
    var out = tr.querySelector(".pm-result");
    if (!out) return;
    out.textContent = text;
    out.classList.toggle("pm-error", !!isError);
  }

  function bumpCount(queue, delta) {
    var tab = document.querySelector('.pm-tab[data-queue="' + queue + '"] .pm-count');
    if (tab) tab.textContent = String(Math.max(0, parseInt(tab.textContent, 10) + delta));
  }

  function decide(tr, action) {
    var row = tr.querySelector(".pm-row");
    var cell = tr.querySelector(".pm-decide");
    if (!row || !cell || tr.classList.contains("pm-busy")) return;
    var clause = cell.querySelector(".pm-clause-select").value;
    var note = cell.querySelector(".pm-note").value;
    if ((action === "reject" || action === "remove") && !clause) {
      say(tr, "Choose the clause first (key c).", true);
      cell.querySelector(".pm-clause-select").focus();
      return;
    }
    tr.classList.add("pm-busy");
    say(tr, "…", false);
    fetch(row.dataset.decisionUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: JSON.stringify({ action: action, clause: clause, note: note })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      tr.classList.remove("pm-busy");
      if (!result.ok) {
        var error = (result.body && result.body.error) || {};
        say(tr, error.message || "That did not work.", true);
        return;
      }
      var body = result.body;
      var queue = cell.dataset.queue;
      var leaves = body.status !== row.dataset.status ||
        (queue === "reported" && action === "approve");
      if (action === "feature" || action === "unfeature") {
        row.dataset.featured = String(body.featured);
        var button = cell.querySelector('[data-action="' + action + '"]');
        if (button) {
          button.dataset.action = body.featured ? "unfeature" : "feature";
          button.textContent = body.featured ? "Unfeature" : "Feature";
        }
        say(tr, body.featured ? "Featured." : "No longer featured.", false);
        return;
      }
      if (!leaves) {
        say(tr, body.changed ? "Done." : "Already so.", false);
        return;
      }
      say(tr, body.status, false);
      var next = rows()[rows().indexOf(tr) + 1] || rows()[rows().indexOf(tr) - 1];
      tr.classList.add("pm-done");
      tr.setAttribute("data-decided", body.status);
      bumpCount(queue, -1);
      window.setTimeout(function () { tr.remove(); }, 150);
      select(next);
    }).catch(function () {
      tr.classList.remove("pm-busy");
      say(tr, "Network error; nothing was changed on this row.", true);
    });
  }

  function against(tr) {
    var row = tr.querySelector(".pm-row");
    return row && row.dataset.status === "published" ? "remove" : "reject";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".pm-do");
    if (button) {
      var tr = button.closest("tr");
      select(tr);
      decide(tr, button.dataset.action);
      return;
    }
    var tr2 = event.target.closest("#result_list tbody tr");
    if (tr2 && tr2.querySelector(".pm-row")) select(tr2);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (!current && "jkarfhcx".indexOf(event.key) >= 0) move(0);
    if (!current) return;
    switch (event.key) {
      case "j": case "ArrowDown": move(1); break;
      case "k": case "ArrowUp": move(-1); break;
      case "a": decide(current, "approve"); break;
      case "r": decide(current, against(current)); break;
      case "f": {
        var featured = current.querySelector(".pm-row").dataset.featured === "true";
        decide(current, featured ? "unfeature" : "feature");
        break;
      }
      case "c": current.querySelector(".pm-clause-select").focus(); break;
      case "h": {
        var link = current.querySelector(".pm-meta a[href*='/change/']");
        if (link) window.location.href = link.href;
        break;
      }
      case "x": {
        var box = current.querySelector("input.action-select");
        if (box) box.click();
        break;
      }
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () { move(0); });
})();
