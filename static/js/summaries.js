// Monthly summary editor: never lose text.
// Saves the draft ~2 s after typing stops, and when the page is hidden or left (keepalive), to
// data-autosave-url with the version the page is based on. A 409 means another tab saved newer
// text: the server kept ours as a copy; we stop autosaving and say so. No inline script (CSP):
// the page opts in with data- attributes; texts come from data-msg-* so they are translated.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-form]");
  if (!form) {
    return;
  }
  var url = form.getAttribute("data-autosave-url");
  var versionInput = form.querySelector("[data-autosave-version]");
  var statusEl = form.querySelector("[data-autosave-status]");
  var alertEl = document.querySelector("[data-conflict-alert]");
  var DEBOUNCE_MS = 2000;
  var timer = null;
  var dirty = false;
  var inFlight = false;
  var stopped = false;

  function msg(name) {
    return form.getAttribute("data-msg-" + name) || "";
  }

  function setStatus(text) {
    if (statusEl) {
      statusEl.textContent = text;
    }
  }

  function body() {
    // Everything in the form (the CSRF token, the version, every textarea) but the action button.
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (key !== "action" && typeof value === "string") {
        params.append(key, value);
      }
    });
    return params;
  }

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function addBlock(parent, title, text) {
    var wrap = document.createElement("div");
    wrap.className = "mt-2";
    var head = document.createElement("div");
    head.className = "fw-semibold small";
    head.textContent = title;
    var content = document.createElement("pre");
    content.className = "small text-wrap mb-0";
    content.textContent = text || "—";
    wrap.appendChild(head);
    wrap.appendChild(content);
    parent.appendChild(wrap);
  }

  function showConflict(data) {
    stopped = true;
    if (timer) {
      clearTimeout(timer);
    }
    setStatus("");
    if (!alertEl) {
      window.alert(data.message);
      return;
    }
    alertEl.querySelector("[data-conflict-message]").textContent = data.message;
    var link = alertEl.querySelector("[data-conflict-copy]");
    if (data.copy_url) {
      link.setAttribute("href", data.copy_url);
    }
    var server = alertEl.querySelector("[data-conflict-server]");
    server.textContent = "";
    (data.server.notes || []).forEach(function (row) {
      addBlock(server, row.item, row.note);
    });
    addBlock(server, msg("other-work"), data.server.other_work);
    addBlock(server, msg("problems"), data.server.problems);
    addBlock(server, msg("plan"), data.server.next_month_plan);
    alertEl.hidden = false;
    alertEl.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function save(leaving) {
    if (stopped || !dirty || (inFlight && !leaving)) {
      return;
    }
    dirty = false;
    inFlight = true;
    setStatus(msg("saving"));
    var request = fetch(url, {
      method: "POST",
      body: body(),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest" },
      // keepalive lets the request finish after the page is closed or the phone locks the tab.
      keepalive: !!leaving,
    });
    request
      .then(function (response) {
        return response.json().then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (result) {
        inFlight = false;
        if (result.status === 200 && result.data.ok) {
          versionInput.value = result.data.version;
          setStatus(msg("saved") + " " + result.data.saved_at);
          if (dirty) {
            // Typed while the request was on its way: save that too, on the new version.
            timer = setTimeout(function () {
              save(false);
            }, DEBOUNCE_MS);
          }
        } else if (result.status === 409) {
          showConflict(result.data);
        } else {
          dirty = true;
          setStatus(msg("failed"));
        }
      })
      .catch(function () {
        inFlight = false;
        dirty = true;
        setStatus(msg("failed"));
      });
  }

  form.addEventListener("input", function (event) {
    if (!event.target.hasAttribute("data-autosave-field")) {
      return;
    }
    dirty = true;
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(function () {
      save(false);
    }, DEBOUNCE_MS);
  });

  // The plain submit carries the current version itself; no autosave should race it.
  form.addEventListener("submit", function () {
    stopped = true;
    if (timer) {
      clearTimeout(timer);
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save(true);
    }
  });
  window.addEventListener("pagehide", function () {
    save(true);
  });
})();
