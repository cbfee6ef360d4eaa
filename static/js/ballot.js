// 民主测评 paper: warn as soon as more people are rated 优秀 than the policy allows (the server
// refuses such a paper all the same; this only saves the rater a round trip).
(function () {
  "use strict";
  var form = document.getElementById("ballot-paper");
  var hint = document.getElementById("excellent-hint");
  if (!form || !hint || hint.dataset.limit === "") {
    return;
  }
  var limit = parseInt(hint.dataset.limit, 10);
  function check() {
    var excellent = form.querySelectorAll("input[type=radio][value=excellent]:checked").length;
    hint.classList.toggle("d-none", excellent <= limit);
  }
  form.addEventListener("change", check);
  check();
})();
