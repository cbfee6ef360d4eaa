// Site-wide behaviour. No inline scripts are allowed (CSP), so pages opt in with data- attributes.
(function () {
  "use strict";
  // <form data-confirm="…">: ask before submitting a destructive action.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // <textarea maxlength>: a counter under the field shows how much of the server's limit is used
  // (rows added to a formset later get theirs when first focused).
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
    var limit = field.getAttribute("maxlength");
    var note = lengthCounter(field);
    note.textContent = field.value.length + " / " + limit;
    note.classList.toggle("text-danger", field.value.length >= parseInt(limit, 10));
  }
  document.querySelectorAll("textarea[maxlength]").forEach(updateCounter);
  ["input", "focusin"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (event.target.matches && event.target.matches("textarea[maxlength]")) {
        updateCounter(event.target);
      }
    });
  });
  // <select data-autosubmit>: apply a filter as soon as it changes.
  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute("data-autosubmit") && event.target.form) {
      event.target.form.submit();
    }
  });
})();
