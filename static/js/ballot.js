// 民主测评 paper: warn as soon as more people are rated 优秀 than the policy allows (the server
// refuses such a paper all the same; this only saves the rater a round trip), and as soon as the
// paper would be void under the ballot's rules (every person rated alike, every score full marks):
// the server keeps such a paper out of the tally, and the rater cannot vote again. The warnings
// stand above the buttons, and 提交's own question repeats the void one.
(function () {
  "use strict";
  var form = document.getElementById("ballot-paper");
  if (!form) {
    return;
  }
  var hint = document.getElementById("excellent-hint");
  var voidHint = document.getElementById("void-hint");
  var limit = hint && hint.dataset.limit !== "" ? parseInt(hint.dataset.limit, 10) : null;
  // 提交's question (data-confirm, static/js/app.js) says when the paper would be void, and why,
  // before the usual words: a rater who saw no warning is told before the paper is gone.
  var castButton = form.querySelector("button[value=cast][data-confirm]");
  var castQuestion = castButton ? castButton.getAttribute("data-confirm") : "";

  function identical() {
    if (!voidHint || voidHint.dataset.identical !== "1") { return false; }
    var subjects = form.querySelectorAll("[data-testid=paper-subject]");
    var chosen = form.querySelectorAll("input[type=radio]:checked");
    if (chosen.length !== subjects.length) { return false; }
    return Array.prototype.every.call(chosen, function (input) { return input.value === chosen[0].value; });
  }

  function fullMarks() {
    if (!voidHint || voidHint.dataset.fullMarks === "") { return false; }
    var scores = form.querySelectorAll("input[type=number]");
    return scores.length > 0 && Array.prototype.every.call(scores, function (input) {
      return input.value !== "" && Number(input.value) === Number(voidHint.dataset.fullMarks);
    });
  }

  function check() {
    if (limit !== null) {
      var excellent = form.querySelectorAll("input[type=radio][value=excellent]:checked").length;
      hint.classList.toggle("d-none", excellent <= limit);
    }
    if (voidHint) {
      var same = identical();
      var full = fullMarks();
      voidHint.querySelector("[data-void-identical]").classList.toggle("d-none", !same);
      voidHint.querySelector("[data-void-full-marks]").classList.toggle("d-none", same || !full);
      voidHint.classList.toggle("d-none", !(same || full));
      if (castButton) {
        var why = voidHint.querySelector(same ? "[data-void-identical]" : "[data-void-full-marks]");
        var warning = voidHint.querySelector("[data-void-lead]").textContent + why.textContent;
        castButton.setAttribute("data-confirm", same || full ? warning + "\n\n" + castQuestion : castQuestion);
      }
    }
  }
  form.addEventListener("change", check);
  form.addEventListener("input", check);
  check();
})();
