// Site-wide behaviour. No inline scripts are allowed (CSP), so pages opt in with data- attributes.
(function () {
  "use strict";
  // <form data-confirm="…">: ask before submitting a destructive action. On a form with several
  // buttons, <button data-confirm="…"> asks only when that button sends it (a ballot paper's 提交,
  // not its 保存).
  // <div data-unsent-warning="…"><textarea>: a page of several one-box forms; submitting one while
  // another box holds text asks first (that text is not sent, and the page reloads). Any text, not
  // only what was typed since: a refused step's text comes back as the box's own content.
  document.addEventListener("submit", function (event) {
    // A page's own script held the sending back (a summary's 提交 waits for its autosave and sends
    // again then): asked when it is sent, once.
    if (event.defaultPrevented) {
      return;
    }
    var form = event.target;
    var messages = [];
    var groups = document.querySelectorAll("[data-unsent-warning]");
    for (var i = 0; i < groups.length; i++) {
      var box = groups[i].querySelector("textarea");
      if (box && !form.contains(box) && box.value.trim() !== "") {
        messages.push(groups[i].getAttribute("data-unsent-warning"));
        break;
      }
    }
    // A form missing what it requires (novalidate: the server says what) is not asked about: the
    // warning of an irreversible step before "请选择…" would only mislead.
    // <form data-required-any="css selector">: the form requires at least one of the fields the
    // selector finds to be filled (a 述职 typed or uploaded), which no required attribute can say.
    var complete = (typeof form.checkValidity !== "function" || form.checkValidity()) && anyFilled(form);
    if (complete && form.getAttribute("data-confirm")) {
      messages.push(form.getAttribute("data-confirm"));
    }
    if (complete && event.submitter && event.submitter.getAttribute("data-confirm")) {
      messages.push(event.submitter.getAttribute("data-confirm"));
    }
    // <form data-warn-changes>: a page of several forms (the grading cards, a document's 审核通过 and
    // 退回修改); sending one while another holds changes not sent asks first, with the text of
    // <html data-msg-unsent-changes> (the page reloads and those changes would be gone unseen).
    // <form data-leaves-page> (the header's language switch): any form of the page holding changes
    // not sent asks likewise (a user test switched to English half-way through a form and lost it),
    // and so does a form that came back refused, holding what was sent and not saved.
    var leaves = form.hasAttribute("data-leaves-page");
    var others = leaves
      ? document.querySelectorAll("main form[method=post]")
      : document.querySelectorAll("form[data-warn-changes]");
    for (var j = 0; j < others.length; j++) {
      var refused = leaves && others[j].querySelector(".is-invalid, [aria-invalid=true], [data-form-errors]");
      if (others[j] !== form && (refused || changedSinceLoad(others[j]))) {
        messages.push(document.documentElement.getAttribute("data-msg-unsent-changes"));
        break;
      }
    }
    // <form data-confirm-when="css selector" data-confirm-when-message="…">: ask only when the form
    // holds what the selector finds (a finding marked 严重, which vetoes the person's 优秀).
    // With data-confirm-when-also="css selector", only when the form holds what both find (the roles
    // page: 工作人员 unticked while another role stays; with none left the server refuses).
    var when = form.getAttribute("data-confirm-when");
    var also = form.getAttribute("data-confirm-when-also");
    if (complete && when && form.querySelector(when) && (!also || form.querySelector(also))) {
      messages.push(form.getAttribute("data-confirm-when-message"));
    }
    // <input type="checkbox" data-confirm-checked="…"> ticked (a finding withdrawn): ask with its text, once.
    // Like the questions above, not while the form lacks what it requires (the withdrawal's reason).
    var ticked = complete ? form.querySelectorAll("[data-confirm-checked]:checked") : [];
    for (var k = 0; k < ticked.length; k++) {
      var text = ticked[k].getAttribute("data-confirm-checked");
      if (messages.indexOf(text) < 0) {
        messages.push(text);
      }
    }
    if (messages.length && !window.confirm(messages.join("\n\n"))) {
      event.preventDefault();
    }
  });
  // A form refused for holding nothing (<form data-required-any>, the monthly summary): the
  // refusal at its first field ([data-until-filled]) goes once any field holds text, instead of
  // standing under a field already filled in (a user test).
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (!form || !form.hasAttribute("data-required-any") || !anyFilled(form)) {
      return;
    }
    form.querySelectorAll("[data-until-filled]").forEach(function (message) {
      var field = document.getElementById(message.id.replace(/_error$/, ""));
      if (field) {
        field.classList.remove("is-invalid");
        field.removeAttribute("aria-invalid");
        var described = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
          return id && id !== message.id;
        });
        if (described.length) {
          field.setAttribute("aria-describedby", described.join(" "));
        } else {
          field.removeAttribute("aria-describedby");
        }
      }
      message.remove();
    });
  });
  function anyFilled(form) {
    var selector = form.getAttribute("data-required-any");
    if (!selector) {
      return true;
    }
    return Array.prototype.some.call(form.querySelectorAll(selector), function (field) {
      return field.value.trim() !== "";
    });
  }
  // Whether a field of the form differs from what the page came with (a select with no option
  // marked selected starts on its first).
  function changedSinceLoad(form) {
    return Array.prototype.some.call(form.elements, function (field) {
      if (field.disabled || field.type === "hidden" || field.type === "submit" || field.type === "button") {
        return false;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      if (field.tagName === "SELECT") {
        var options = Array.prototype.slice.call(field.options);
        var initial = options.some(function (option) { return option.defaultSelected; });
        return options.some(function (option, index) {
          return option.selected !== (initial ? option.defaultSelected : index === 0);
        });
      }
      return "defaultValue" in field && field.value !== field.defaultValue;
    });
  }
  // <form data-warn-unsaved>: a long form typed into and not sent (a quarter's targets) makes the
  // browser ask before the page is left or reloaded; sending it does not. With data-unsent, the
  // form came back refused holding what was typed and not saved (a wrong date): unsaved from the start.
  var unsaved = document.querySelector("form[data-warn-unsaved][data-unsent]");
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-warn-unsaved]");
    if (form) { unsaved = form; }
  });
  document.addEventListener("submit", function (event) {
    // Sent, or the page left through <form data-leaves-page> after its own question: not asked again.
    var leaving = event.target.hasAttribute && event.target.hasAttribute("data-leaves-page");
    if (!event.defaultPrevented && (event.target === unsaved || leaving)) { unsaved = null; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // <button data-print>: print the page (its print styles decide what is printed).
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });
  // <textarea maxlength>: a counter under the field shows how much of the server's limit is used
  // (rows added to a formset later get theirs when first focused). A line break counts one, as on
  // the server (accounts.textlimits): the field's value holds each as "\n", though the form sends CRLF.
  // Characters are counted as the server counts them (code points): the browser's maxlength counts
  // UTF-16 units, two for an emoji: a 480-character text with three emoji showed 483 / 500 and the
  // browser stopped it three characters short of the limit.
  // So the rendered maxlength (without this script the browser stops a text early, never late) is
  // kept in data-max-chars, and maxlength is moved with the text: the limit plus the units beyond
  // one a character the box holds, and, just before text is typed or pasted, exactly the units of
  // the part of it that fits. The browser then cuts where the server would refuse, never earlier.
  function chars(text) {
    return Array.from(text).length;
  }
  function charLimit(field) {
    if (!field.hasAttribute("data-max-chars")) {
      field.setAttribute("data-max-chars", field.getAttribute("maxlength"));
    }
    return parseInt(field.getAttribute("data-max-chars"), 10);
  }
  function fitMaxlength(field) {
    var value = field.value;
    field.setAttribute("maxlength", String(charLimit(field) + value.length - chars(value)));
  }
  // Before ``text`` replaces the field's selection: the browser will keep the characters of it that
  // fit. Whether some will be cut.
  function makeRoomFor(field, text) {
    var value = field.value;
    var rest = value.slice(0, field.selectionStart) + value.slice(field.selectionEnd);
    var kept = Array.from(text).slice(0, Math.max(charLimit(field) - chars(rest), 0)).join("");
    field.setAttribute("maxlength", String(rest.length + kept.length));
    return kept.length < text.length;
  }
  function lengthCounter(field) {
    var next = field.nextElementSibling;
    if (next && next.hasAttribute("data-length-counter")) {
      return next;
    }
    var note = document.createElement("div");
    note.className = "form-text text-end";
    note.setAttribute("data-length-counter", "");
    field.insertAdjacentElement("afterend", note);
    return note;
  }
  function updateCounter(field) {
    var limit = charLimit(field);
    var count = chars(field.value);
    var note = lengthCounter(field);
    note.textContent = count + " / " + limit;
    // A paste the browser cut at the limit says so (the counter alone would not tell what was lost).
    var cut = field.getAttribute("data-pasted-cut");
    if (cut) {
      note.textContent += " " + cut;
    }
    note.classList.toggle("text-danger", !!cut || count >= limit);
  }
  document.querySelectorAll("textarea[maxlength]").forEach(function (field) {
    fitMaxlength(field);
    updateCounter(field);
  });
  ["input", "focusin"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (event.target.matches && event.target.matches("textarea[maxlength]")) {
        if (type === "input" && !event.target.hasAttribute("data-pasting")) {
          event.target.removeAttribute("data-pasted-cut");
        }
        event.target.removeAttribute("data-pasting");
        fitMaxlength(event.target);
        updateCounter(event.target);
      }
    });
  });
  // Typed text (an emoji into the last character's room). Not an input method's text while it is
  // composed, which the field already holds: its characters are one unit each.
  document.addEventListener("beforeinput", function (event) {
    var field = event.target;
    if (field.matches && field.matches("textarea[maxlength]") && typeof event.data === "string" &&
        !event.isComposing && event.inputType === "insertText") {
      makeRoomFor(field, event.data);
    }
  });
  // The text of <html data-msg-pasted-cut> (base.html, translated) names the loss.
  document.addEventListener("paste", function (event) {
    var field = event.target;
    if (!(field.matches && field.matches("textarea[maxlength]")) || !event.clipboardData) {
      return;
    }
    // Counted as the field will hold it: a line break is one character (the clipboard may hold CRLF).
    var pasted = event.clipboardData.getData("text").replace(/\r\n?/g, "\n");
    if (makeRoomFor(field, pasted)) {
      field.setAttribute("data-pasted-cut", document.documentElement.getAttribute("data-msg-pasted-cut") || "");
      field.setAttribute("data-pasting", "");
      updateCounter(field);
    }
  });
  // A form that asks for a change (method="post") is sent once: a second press of its button (a
  // double click, an impatient click while the answer is on its way) would send the same step again,
  // and the answer to the second (a refusal: the step is done) would replace the first's. While it
  // is being sent the form sends nothing more and its buttons are disabled, however long the answer
  // takes; they are given back when the page is shown again from the back/forward cache, or, on a
  // <form data-download> whose answer is a file and so leaves the page where it is, after SENDING_MS.
  // <form data-submit-once="…">: a download that works once (one-time passwords) cannot be asked
  // for again from the same page: its buttons stay disabled and say so (a second click would leave
  // the page for the refusal, and the passwords shown on it would be gone).
  var SENDING_MS = 5000;
  // Before every other listener (capture): a form being sent neither asks its questions again nor
  // goes to its page's own script.
  document.addEventListener("submit", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-sending")) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  function submitButtons(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.type === "submit";
    });
  }
  function release(form, sending) {
    // Only the sending that asked for it: the form may have been sent again since.
    if (sending !== undefined && form.getAttribute("data-sending") !== sending) { return; }
    form.removeAttribute("data-sending");
    submitButtons(form).forEach(function (button) {
      if (button.hasAttribute("data-disabled-while-sending")) {
        button.removeAttribute("data-disabled-while-sending");
        button.disabled = false;
      }
    });
  }
  // After the questions above (registered earlier): a form whose sending was called off stays free.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.getAttribute || (form.getAttribute("method") || "").toLowerCase() !== "post") {
      return;
    }
    var sending = String(Date.now());
    form.setAttribute("data-sending", sending);
    var once = form.getAttribute("data-submit-once");
    // After this event: a button disabled now would not send its own name and value.
    window.setTimeout(function () {
      submitButtons(form).forEach(function (button) {
        if (button.disabled) { return; }
        button.disabled = true;
        button.setAttribute("data-disabled-while-sending", "");
        if (once) { button.textContent = once; }
      });
    }, 0);
    if (!once && form.hasAttribute("data-download")) {
      window.setTimeout(function () { release(form, sending); }, SENDING_MS);
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-sending]:not([data-submit-once])").forEach(function (form) {
        release(form);
      });
    }
  });
  // <select data-autosubmit>: apply a filter as soon as it changes.
  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute("data-autosubmit") && event.target.form) {
      event.target.form.submit();
    }
  });
  // <select data-person-picker> (accounts.forms.PersonSelect): a search box above the list that
  // keeps only the people whose name, number or department contains what is typed and, where
  // the form has department checkboxes (an inspection), only the people of ticked departments.
  // Options are taken out rather than hidden: phones ignore hidden <option>s.
  // The values of the form's ticked department checkboxes (an inspection's departments covered).
  function tickedDepartments(form) {
    if (!form) { return []; }
    return Array.prototype.slice.call(form.querySelectorAll("input[name=departments]:checked"))
      .map(function (box) { return box.value; });
  }

  // Put back in ``select`` those of its ``all`` options that ``keep(option)`` keeps, with the empty
  // choice and the chosen one always (options are taken out rather than hidden: phones ignore
  // hidden <option>s).
  function keepOptions(select, all, keep) {
    var chosen = select.value;
    while (select.options.length) { select.remove(0); }
    all.forEach(function (option) {
      if (option.value === "" || option.value === chosen || keep(option)) { select.add(option); }
    });
    select.value = chosen;
  }

  function setUpPicker(select) {
    if (select.hasAttribute("data-picker-ready")) { return; }
    select.setAttribute("data-picker-ready", "");
    var all = Array.prototype.slice.call(select.options);
    var search = document.createElement("input");
    search.type = "search";
    search.className = "form-control form-control-sm mb-1";
    search.placeholder = select.getAttribute("data-search-placeholder") || "";
    search.setAttribute("aria-label", search.placeholder);
    search.setAttribute("data-person-search", "");
    select.parentNode.insertBefore(search, select);

    function apply() {
      var words = search.value.trim().toLowerCase();
      var ticked = tickedDepartments(select.form);
      keepOptions(select, all, function (option) {
        // The agency's leaders, in no department, belong to every inspection (as the server says).
        var department = option.getAttribute("data-department") || "";
        var inDepartment = !ticked.length || department === "" || ticked.indexOf(department) !== -1;
        return inDepartment && (!words || option.text.toLowerCase().indexOf(words) !== -1);
      });
    }

    // A large organisation (data-search-url, beyond PICKER_INLINE_LIMIT people): the <select> holds
    // only the chosen person; typing asks the server (accounts:people_search) for one page of
    // matches, a later answer replacing an earlier one, and "more" offers the next page.
    var url = select.getAttribute("data-search-url");
    var asked = 0;
    function searchServer(page) {
      var words = search.value.trim();
      var chosen = select.value;
      var ticket = ++asked;
      var params = new URLSearchParams();
      params.set("q", words);
      params.set("page", String(page));
      tickedDepartments(select.form).forEach(function (id) { params.append("department", id); });
      fetch(url + (url.indexOf("?") === -1 ? "?" : "&") + params.toString(), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : { results: [], more: false };
      }).then(function (answer) {
        if (ticket !== asked) { return; }
        Array.prototype.slice.call(select.options).forEach(function (option) {
          var stale = page === 1 && option.value !== "" && option.value !== chosen;
          if (stale || option.hasAttribute("data-more")) {
            select.remove(option.index);
          }
        });
        answer.results.forEach(function (person) {
          if (String(person.id) === chosen) { return; }
          var option = new Option(person.text, String(person.id));
          option.setAttribute("data-department", String(person.department));
          select.add(option);
        });
        if (answer.more) {
          var more = new Option(select.getAttribute("data-more-label") || "…", "");
          more.setAttribute("data-more", String(page + 1));
          select.add(more);
        }
        select.value = chosen;
      });
    }
    if (url) {
      var timer = null;
      search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { searchServer(1); }, 250);
      });
      select.addEventListener("change", function () {
        var picked = select.options[select.selectedIndex];
        if (picked && picked.hasAttribute("data-more")) {
          select.value = "";
          searchServer(Number(picked.getAttribute("data-more")));
        }
      });
      if (select.form) {
        select.form.addEventListener("change", function (event) {
          if (event.target.name === "departments") { searchServer(1); }
        });
      }
      return;
    }

    search.addEventListener("input", apply);
    if (select.form) {
      select.form.addEventListener("change", function (event) {
        if (event.target.name === "departments") { apply(); }
      });
    }
    apply();
  }

  // <select data-ticked-departments> (an inspection's 或科室): only the departments ticked in the
  // form's department checkboxes (all while none is), as the person picker beside it narrows.
  function setUpDepartmentChoice(select) {
    if (select.hasAttribute("data-choice-ready") || !select.form) { return; }
    select.setAttribute("data-choice-ready", "");
    var all = Array.prototype.slice.call(select.options);
    function apply() {
      var ticked = tickedDepartments(select.form);
      keepOptions(select, all, function (option) { return !ticked.length || ticked.indexOf(option.value) !== -1; });
    }
    select.form.addEventListener("change", function (event) {
      if (event.target.name === "departments") { apply(); }
    });
    apply();
  }

  // The pickers and department choices in ``root``, ``root`` itself included (a formset row added later).
  function setUpPickers(root) {
    var setUps = [["select[data-person-picker]", setUpPicker], ["select[data-ticked-departments]", setUpDepartmentChoice]];
    setUps.forEach(function (pair) {
      if (root.matches && root.matches(pair[0])) { pair[1](root); }
      root.querySelectorAll(pair[0]).forEach(pair[1]);
    });
  }
  setUpPickers(document);

  // After a refused submit the page comes back with the errors: move the keyboard to the first
  // field marked invalid (Django sets aria-invalid and ties the message with aria-describedby),
  // or to the form's error summary, so a screen reader reads what to fix (WCAG 3.3.1).
  function focusFirstError() {
    if (document.activeElement && document.activeElement !== document.body) { return; }
    var field = document.querySelector(
      "main form [aria-invalid=true]:not([type=hidden]):not([disabled]), main form .is-invalid:not([type=hidden]):not([disabled])"
    );
    if (field && field.matches("fieldset")) {
      field = field.querySelector("input, select, textarea");
    }
    var target = field || document.querySelector("main form [data-form-errors]");
    if (target) {
      // Scrolled at once, not smoothly: a smooth scroll aims at where the field was when it
      // started, and a page's own script may still fold fields away above it (the grading cards).
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "center", behavior: "instant" });
    }
  }
  // After every script of the page has run (they are at the end of the body).
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirstError);
  } else {
    focusFirstError();
  }

  // A table wider than its box scrolls sideways inside .table-responsive: the keyboard must be
  // able to reach the box to scroll it, and a screen reader needs its name (WCAG 2.1.1, 4.1.2).
  function labelFor(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    for (var node = box.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) { return node.textContent.trim(); }
    }
    var heading = box.parentNode && box.parentNode.querySelector("h1, h2, h3, h4, h5, h6");
    return heading ? heading.textContent.trim() : document.title;
  }
  function markScrollRegions() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.hasAttribute("tabindex") || box.scrollWidth <= box.clientWidth + 1) { return; }
      box.setAttribute("tabindex", "0");
      if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); }
      if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
        box.setAttribute("aria-label", labelFor(box));
      }
    });
  }
  markScrollRegions();
  // Widths settle once the web fonts and charts are in.
  window.addEventListener("load", markScrollRegions);
  if (document.fonts && document.fonts.ready) { document.fonts.ready.then(markScrollRegions); }
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(markScrollRegions, 200);
  });
  // Formset rows added later (an inspection's findings) get their picker too.
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) { setUpPickers(node); }
      });
    });
  }).observe(document.body, { childList: true, subtree: true });
})();

// <input type="file" data-max-bytes="…" data-too-large="…">: a file larger than the server takes is
// refused as soon as it is chosen, so the form's typed text is never sent to a refusal page and lost.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) return;
  const max = Number.parseInt(input.dataset.maxBytes, 10);
  if (Array.from(input.files || []).some((file) => file.size > max)) {
    window.alert(input.dataset.tooLarge);
    input.value = "";
  }
});

// A field the keyboard moves to is never left under the sticky save bar, however tall the bar is
// (its buttons wrap on a narrow phone, beyond what the CSS scroll-padding allows for).
document.addEventListener("focusin", (event) => {
  const bar = document.querySelector(".sticky-save-bar");
  const field = event.target;
  if (!bar || !(field instanceof HTMLElement) || bar.contains(field)) return;
  requestAnimationFrame(() => {
    const overlap = field.getBoundingClientRect().bottom - bar.getBoundingClientRect().top;
    if (overlap > 0) window.scrollBy(0, overlap + 8);
  });
});

// What a form posted after the session ended carried, handed back once after signing in again
// (accounts.middleware.EndedSessionMiddleware, <script id="restored-form">): the page's form
// that posts where it posted is filled with it again, visible fields only (the hidden ones, the
// version a save is checked against among them, stay the page's), and says so. Nothing is sent.
function restoreForm() {
  const kept = document.getElementById("restored-form");
  if (!kept) return;
  const { action, fields } = JSON.parse(kept.textContent);
  // Of the forms that post there (a summary's 审核通过 and 退回 share an address), the one holding
  // the most of what was sent: its fields, and the button that sent it (name and value).
  const held = (candidate) =>
    Object.entries(fields).filter(([name, values]) =>
      Array.from(candidate.querySelectorAll(`[name="${CSS.escape(name)}"]`)).some(
        (field) => field.type !== "hidden" && (field.tagName !== "BUTTON" || values.includes(field.value))
      )
    ).length;
  const form = Array.from(document.querySelectorAll("main form[method=post]"))
    // getAttribute: a form whose button is named "action" (a summary's) shadows its .action.
    .filter(
      (candidate) =>
        new URL(candidate.getAttribute("action") || window.location.href, window.location.href).pathname === action
    )
    .sort((a, b) => held(b) - held(a))[0];
  if (!form) return;
  // A formset's rows added before the session ended (添加一项) are added again first, so each
  // row's fields find their boxes (a user test: rows 3 and 4 of four were dropped unsaid).
  const prefix = form.getAttribute("data-formset");
  const total = prefix && form.querySelector(`input[name="${CSS.escape(prefix)}-TOTAL_FORMS"]`);
  const add = form.querySelector("[data-formset-add]");
  const wanted = total ? parseInt((fields[`${prefix}-TOTAL_FORMS`] || ["0"])[0], 10) || 0 : 0;
  while (total && add && parseInt(total.value, 10) < Math.min(wanted, 100)) {
    const before = total.value;
    add.click();
    if (total.value === before) break; // the button added nothing: stop, do not spin
  }
  Object.entries(fields).forEach(([name, values]) => {
    form.querySelectorAll(`[name="${CSS.escape(name)}"]`).forEach((field) => {
      // Not a button: its value says what it does (保存草稿 draft, 提交审核 submit); the one pressed
      // before is among the fields kept, and writing it into both turned 保存草稿 into 提交审核 (a re-test).
      if (field.tagName === "BUTTON" || field.type === "submit") return;
      if (field.type === "hidden" || field.type === "password" || field.type === "file" || field.disabled) return;
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = values.includes(field.value);
      } else if (field.multiple) {
        Array.from(field.options).forEach((option) => { option.selected = values.includes(option.value); });
      } else {
        field.value = values[0];
      }
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
  // The rows in the order their 序号 says, as they were arranged before the session ended.
  const rows = form.querySelector("[data-formset-forms]");
  if (rows) {
    // A row with no 序号 last, as the service orders it (a review: it came first).
    const order = (card) => {
      const value = parseInt((card.querySelector("input[name$='-sort_order']") || {}).value, 10);
      return Number.isNaN(value) ? Infinity : value;
    };
    Array.from(rows.querySelectorAll("[data-formset-form]"))
      .sort((a, b) => order(a) - order(b))
      .forEach((card) => rows.appendChild(card));
  }
  const note = document.createElement("div");
  note.className = "alert alert-warning py-2";
  note.setAttribute("role", "status");
  note.dataset.testid = "restored-form";
  note.textContent = document.documentElement.dataset.msgRestored;
  form.prepend(note);
  note.scrollIntoView({ block: "center", behavior: "instant" });
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", restoreForm);
} else {
  restoreForm();
}
