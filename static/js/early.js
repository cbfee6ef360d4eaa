// Loaded in <head>, before any form is on the page. Until the scripts at the end of <body> have run
// (the document has finished loading), a form that posts is held back: on a slow connection a tap
// before they arrive sent an irreversible step without its question (data-confirm) and past the
// guards of app.js (sent once, changes elsewhere on the page). The form says to tap again.
(function () {
  "use strict";
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (document.readyState !== "loading" || (form.getAttribute("method") || "").toLowerCase() !== "post") {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      // Said where it was pressed: in the form, or beside the button when the form is hidden (a
      // review inbox row's 通过 sends a hidden form of its own through form="…").
      var shown = form.getClientRects().length > 0;
      var place = shown || !event.submitter ? form : event.submitter.parentNode;
      if (place.querySelector("[data-still-loading]")) {
        return;
      }
      var note = document.createElement("div");
      note.className = "alert alert-info py-1 px-2 small";
      note.setAttribute("role", "status");
      note.setAttribute("data-still-loading", "");
      note.textContent = document.documentElement.getAttribute("data-msg-still-loading");
      if (shown || !event.submitter) {
        form.insertBefore(note, form.firstChild);
      } else {
        event.submitter.parentNode.insertBefore(note, event.submitter);
      }
      document.addEventListener("DOMContentLoaded", function () {
        note.remove();
      });
    },
    true
  );
})();
