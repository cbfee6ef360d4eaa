// The grading page: the live 好 quota ("本季度可评“好”X人，剩余Y人") and the fields a grade needs.
// Only a guide: the server counts the quota again with the pool row locked and refuses a 好 too
// many. Each banner carries its pool's saved totals; each form on the page replaces its saved
// grade with what is picked now, so unsaved picks count as they would once saved.
(function () {
  "use strict";
  var GOOD = "good";
  var UNCERTAIN = "uncertain";

  // A form shown again after the server refused it (data-refused) still holds the refused pick;
  // it counts as the saved grade until the person changes it, so the banner's 剩余 after a
  // failed save is what the database holds, not the refused wish.
  function countedGrade(form) {
    if (form.hasAttribute("data-refused")) { return form.getAttribute("data-saved-grade") || ""; }
    return currentGrade(form);
  }

  function currentGrade(form) {
    var checked = form.querySelector("input[data-grade-choice]:checked");
    if (checked) { return checked.value; }
    var select = form.querySelector("select[data-grade-choice]");
    if (select && select.value) { return select.value; }
    return form.getAttribute("data-saved-grade") || "";
  }

  function formsOf(kind) {
    return document.querySelectorAll("form[data-quota-row][data-pool='" + kind + "']");
  }

  function refreshPool(banner) {
    var kind = banner.getAttribute("data-quota-pool");
    var percent = parseInt(banner.getAttribute("data-percent"), 10);
    var participants = parseInt(banner.getAttribute("data-participants"), 10);
    var used = parseInt(banner.getAttribute("data-used"), 10);
    var forms = formsOf(kind);
    var unsaved = false;
    forms.forEach(function (form) {
      var saved = form.getAttribute("data-saved-grade") || "";
      var now = countedGrade(form);
      // A pick not saved yet that moves the counts (好, or 不确定等次, in or out).
      if (now !== saved && (now === GOOD || saved === GOOD || now === UNCERTAIN || saved === UNCERTAIN)) { unsaved = true; }
      if (saved === GOOD) { used -= 1; }
      if (now === GOOD) { used += 1; }
      // 不确定等次 leaves the participants, so it shrinks the quota too.
      if (saved === UNCERTAIN) { participants += 1; }
      if (now === UNCERTAIN) { participants -= 1; }
    });
    var capacity = participants > 0 ? Math.floor(participants * percent / 100) : 0;
    banner.querySelector("[data-quota-capacity]").textContent = String(capacity);
    banner.querySelector("[data-quota-remaining]").textContent = String(Math.max(capacity - used, 0));
    // The counts beside it say the same: what is picked on the page, saved or not (said so).
    banner.querySelector("[data-quota-used]").textContent = String(used);
    banner.querySelector("[data-quota-participants]").textContent = String(participants);
    banner.querySelector("[data-quota-unsaved]").classList.toggle("d-none", !unsaved);
    var full = used >= capacity;
    var over = used > capacity;
    var warning = banner.querySelector("[data-quota-warning]");
    // Over with nothing picked on the page: the saved grades are (the share lowered since they
    // were given), not a pick to be refused (a user test read 所选…将被拒绝 on a page untouched).
    var message = !over ? "data-full-message" : unsaved ? "data-over-message" : "data-saved-over-message";
    warning.textContent = banner.getAttribute(message);
    warning.classList.toggle("d-none", !full);
    banner.classList.toggle("alert-info", !full);
    banner.classList.toggle("alert-warning", full && !over);
    banner.classList.toggle("alert-danger", over);
    // With the pool full, 好 stays available only where it is already picked.
    forms.forEach(function (form) {
      var keep = currentGrade(form) === GOOD;
      form.querySelectorAll("input[data-grade-choice][value='" + GOOD + "']").forEach(function (input) {
        input.disabled = full && !keep;
      });
      form.querySelectorAll("select[data-grade-choice] option[value='" + GOOD + "']").forEach(function (option) {
        option.disabled = full && !keep;
      });
    });
  }

  // Each department's 好 against its headcount's share (a guide): the saved count, with the picks
  // of that department's forms on the page counted as they would be once saved.
  function refreshShare(line) {
    var department = line.getAttribute("data-department-share");
    var good = parseInt(line.getAttribute("data-good"), 10);
    document.querySelectorAll("form[data-quota-row][data-department='" + department + "']").forEach(function (form) {
      if ((form.getAttribute("data-saved-grade") || "") === GOOD) { good -= 1; }
      if (countedGrade(form) === GOOD) { good += 1; }
    });
    line.querySelector("[data-share-good]").textContent = String(good);
    var over = good > parseInt(line.getAttribute("data-share"), 10);
    line.classList.toggle("text-danger", over);
    line.classList.toggle("fw-semibold", over);
  }

  function refreshAll() {
    document.querySelectorAll("[data-quota-pool]").forEach(refreshPool);
    document.querySelectorAll("[data-department-share]").forEach(refreshShare);
  }

  // 理由 only for 一般/较差, 不确定等次原因 only for 不确定等次; shown anyway when filled in or in error.
  function toggleFields(form) {
    var grade = currentGrade(form);
    form.querySelectorAll("[data-show-for]").forEach(function (wrapper) {
      var wanted = wrapper.getAttribute("data-show-for").split(" ").indexOf(grade) !== -1;
      var control = wrapper.querySelector("textarea, select");
      var filled = control && control.value && control.value.trim() !== "";
      var invalid = wrapper.querySelector(".is-invalid, .invalid-feedback");
      wrapper.classList.toggle("d-none", !(wanted || filled || invalid));
      if (control && control.tagName === "TEXTAREA") { control.required = wanted; }
    });
  }

  document.addEventListener("change", function (event) {
    if (!event.target.hasAttribute("data-grade-choice")) { return; }
    var form = event.target.closest("form[data-quota-row]");
    if (form) { form.removeAttribute("data-refused"); toggleFields(form); }
    refreshAll();
  });

  document.querySelectorAll("form[data-quota-row]").forEach(toggleFields);
  refreshAll();
})();
