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
  // Which open page saves, and which of its saves this is: the server accepts this page's save sent
  // before the answer to its previous one (leaving the page mid-save) as a follow-up, not a conflict.
  var tabInput = form.querySelector("[data-autosave-tab]");
  var seqInput = form.querySelector("[data-autosave-seq]");
  var seq = 0;
  // A reload, or Back and Forward, is the same tab: its name and its count of saves live in the
  // tab's sessionStorage, so the server takes the reloaded page's saves as the follow-ups they are.
  // What was typed just before leaving is kept there too: the page may be drawn before that last
  // save lands (a reload within the debounce), showing the text as it was; it is put back.
  var stashKey = "autosave:" + url;
  var stash = null;
  try {
    stash = JSON.parse(window.sessionStorage.getItem(stashKey) || "null");
    window.sessionStorage.removeItem(stashKey);
  } catch (e) {
    stash = null;
  }
  if (tabInput) {
    tabInput.value = (stash && stash.tab) || (window.crypto && window.crypto.randomUUID
      ? window.crypto.randomUUID()
      : String(Date.now()) + Math.random().toString(16).slice(2));
  }
  if (stash && stash.seq) {
    seq = stash.seq;
  }

  function nextSeq() {
    seq += 1;
    if (seqInput) {
      seqInput.value = seq;
    }
  }
  var statusEl = form.querySelector("[data-autosave-status]");
  var alertEl = document.querySelector("[data-conflict-alert]");
  var DEBOUNCE_MS = 2000;
  var timer = null;
  var dirty = false;
  var inFlight = false;
  var stopped = false;
  // A 保存/提交 pressed while an autosave is on its way waits for it: sent at once, it would carry
  // the version the autosave is about to replace and be refused as a conflict with one tab open.
  var pendingSubmit = null;

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

  function submitPending() {
    if (pendingSubmit === null) {
      return;
    }
    var submitter = pendingSubmit;
    pendingSubmit = null;
    if (submitter && form.requestSubmit) {
      form.requestSubmit(submitter);
    } else {
      form.submit();
    }
  }

  function save(leaving) {
    if (stopped || !dirty || (inFlight && !leaving)) {
      return;
    }
    dirty = false;
    inFlight = true;
    nextSeq();
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
        // The session ended on the server: the request was sent on to the sign-in page (a user test
        // read "check the network" there, with the network fine).
        var login = form.getAttribute("data-login-url");
        if (response.redirected && login && new URL(response.url).pathname === login) {
          return { status: 401, data: {} };
        }
        return response.json().then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (result) {
        inFlight = false;
        if (result.status === 200 && result.data.ok) {
          versionInput.value = result.data.version;
          setStatus(msg("saved") + " " + result.data.saved_at);
          if (pendingSubmit !== null) {
            submitPending();
            return;
          }
          if (dirty) {
            // Typed while the request was on its way: save that too, on the new version.
            timer = setTimeout(function () {
              save(false);
            }, DEBOUNCE_MS);
          }
        } else if (result.status === 409) {
          pendingSubmit = null;
          showConflict(result.data);
        } else if (result.status === 401) {
          dirty = true;
          setStatus(msg("signed-out"));
          submitPending();
        } else {
          dirty = true;
          setStatus(msg("failed"));
          submitPending();
        }
      })
      .catch(function () {
        inFlight = false;
        dirty = true;
        setStatus(msg("failed"));
        submitPending();
      });
  }

  function textFields() {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.hasAttribute("data-autosave-field");
    });
  }

  function keepForTheNextPage() {
    // One past the save about to be sent, so the next page's first save comes after it.
    var kept = { tab: tabInput ? tabInput.value : "", seq: seq + 1 };
    if (dirty || inFlight) {
      // The page this one's last save is based on: the text is put back only onto that page.
      kept.base = versionInput.value;
      kept.fields = {};
      textFields().forEach(function (field) {
        kept.fields[field.name] = field.value;
      });
    }
    try {
      window.sessionStorage.setItem(stashKey, JSON.stringify(kept));
    } catch (e) {
      // Private mode without storage: the keepalive save still goes.
    }
  }

  if (stash && stash.fields && String(stash.base) === versionInput.value) {
    var restored = false;
    textFields().forEach(function (field) {
      if (Object.prototype.hasOwnProperty.call(stash.fields, field.name) && field.value !== stash.fields[field.name]) {
        field.value = stash.fields[field.name];
        restored = true;
      }
    });
    if (restored) {
      dirty = true;
      timer = setTimeout(function () {
        save(false);
      }, DEBOUNCE_MS);
    }
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
  form.addEventListener("submit", function (event) {
    if (inFlight) {
      event.preventDefault();
      pendingSubmit = event.submitter || false;
      return;
    }
    nextSeq();
    stopped = true;
    if (timer) {
      clearTimeout(timer);
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      keepForTheNextPage();
      save(true);
    }
  });
  window.addEventListener("pagehide", function () {
    keepForTheNextPage();
    save(true);
  });
})();

// Attachments: checked here before anything is sent (empty, over the policy's limit), then sent
// with fetch so the page is not reloaded — reloading while an autosave was on its way showed the
// text as it was before it landed (an emptied box) and left the page on an old version, so the
// next save was refused as a conflict. The server checks everything again.
(function () {
  "use strict";
  var form = document.querySelector("form[data-attachment-form]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var input = form.querySelector("input[type=file]");
  var statusEl = form.querySelector("[data-attachment-status]");
  var button = form.querySelector("button[type=submit]");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);

  function msg(name) {
    return form.getAttribute("data-msg-" + name) || "";
  }

  function say(text, ok) {
    statusEl.textContent = text;
    statusEl.classList.toggle("text-danger", !ok);
    statusEl.classList.toggle("text-success", !!ok);
    // The field itself says it was refused; its aria-describedby points at this line.
    if (ok) {
      input.removeAttribute("aria-invalid");
    } else {
      input.setAttribute("aria-invalid", "true");
    }
  }
  // A refusal the server gave after a plain (script-less) upload is shown here too.
  if (statusEl.querySelector("[data-attachment-refused]")) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }

  // Refuse before sending, so a phone does not upload 50 MB only to be told no.
  function refusal(file) {
    if (!file) {
      return msg("choose");
    }
    if (file.size === 0) {
      return msg("empty");
    }
    if (maxBytes && file.size > maxBytes) {
      return msg("too-large");
    }
    return "";
  }

  input.addEventListener("change", function () {
    var problem = refusal(input.files[0]);
    if (problem) {
      say(problem, false);
    } else {
      say("", true);
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = input.files[0];
    var problem = refusal(file);
    if (problem) {
      say(problem, false);
      input.focus();
      return;
    }
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    button.disabled = true;
    say(msg("uploading"), true);
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", "X-Requested-With": "XMLHttpRequest" },
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        if (data.html) {
          var list = document.querySelector("[data-testid=attachments]");
          var wrapper = document.createElement("div");
          wrapper.innerHTML = data.html;
          var fresh = wrapper.querySelector("[data-testid=attachments]");
          if (list && fresh) {
            list.replaceWith(fresh);
          }
        }
        say(data.message, data.ok);
        if (data.ok) {
          input.value = "";
        } else {
          input.focus();
        }
      })
      .catch(function () {
        say(msg("failed"), false);
      })
      .then(function () {
        button.disabled = false;
      });
  });
})();
