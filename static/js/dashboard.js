// The dashboards (/reports/dashboard/): draws each chart from the json_script data the page carries
// (id "dashboard-data"); the table beneath every chart prints the same numbers. No inline script
// or style (CSP): Chart.js sizes its canvas through the CSSOM.
(function () {
  "use strict";
  // The value axis: from zero; a fixed top and named ticks when the spec gives them (the grade
  // history: 1 较差 … 4 好, the same scale for everyone, not one that ends at the person's best).
  function yAxis(spec) {
    var axis = { stacked: spec.stacked, beginAtZero: true, ticks: { precision: 0 } };
    if (spec.max !== undefined) {
      axis.max = spec.max;
    }
    if (spec.tickLabels) {
      axis.ticks.stepSize = 1;
      axis.ticks.callback = function (value) {
        return spec.tickLabels[value] !== undefined ? spec.tickLabels[value] : "";
      };
    }
    return axis;
  }
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var COLOURS = ["#198754", "#0d6efd", "#ffc107", "#dc3545", "#6c757d", "#6610f2"];
  // A line (a quota, a required number, a rate) in one dark colour of its own, the bars taking the
  // palette in their order: the 好 places' line was drawn in the 好 bars' green (a user test).
  var LINE = "#212529";
  JSON.parse(source.textContent).forEach(function (spec) {
    var canvas = document.querySelector('canvas[data-chart="' + spec.key + '"]');
    if (!canvas) {
      return;
    }
    var bars = 0;
    var datasets = spec.datasets.map(function (d, i) {
      var line = d.type === "line";
      var colour = line ? LINE : COLOURS[bars++ % COLOURS.length];
      return {
        type: d.type,
        label: d.label,
        data: d.data,
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: line ? 2 : 0,
        // Stacked charts pile their bars in one stack; otherwise each series has its own, side by
        // side (one shared stack drew 已答复 exactly over 提出异议).
        stack: line || !spec.stacked ? "series-" + i : "bars",
        order: line ? 0 : 1,
        spanGaps: true,
      };
    });
    new Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: spec.stacked },
          y: yAxis(spec),
        },
      },
    });
  });
})();
