// The review inbox: a "select all" box that ticks every item on the page, and shows how many
// are ticked on the bulk button. The server asks for confirmation before approving several.
(function () {
  "use strict";
  var all = document.querySelector("[data-select-all]");
  if (!all) { return; }
  var form = document.getElementById("bulk-form");
  var boxes = form.querySelectorAll("input[name=items]");
  var counter = document.querySelector("[data-selected-count]");

  function refresh() {
    var ticked = 0;
    boxes.forEach(function (box) { if (box.checked) { ticked += 1; } });
    all.checked = ticked === boxes.length && ticked > 0;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
    if (counter) { counter.textContent = String(ticked); }
  }

  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
    refresh();
  });
  boxes.forEach(function (box) { box.addEventListener("change", refresh); });
  refresh();
})();
