// Roll-up page: draws each job's progress bar and polls the job's JSON until it has finished.
// No inline script or style (CSP): the page marks jobs with data-rollup-job-url, and the width is
// set through the CSSOM, which the policy allows.
(function () {
  "use strict";
  var POLL_MS = 1000;

  function draw(box, job) {
    var bar = box.querySelector("[data-rollup-bar]");
    var state = box.querySelector("[data-rollup-state]");
    var message = box.querySelector("[data-rollup-message]");
    var progress = Math.max(0, Math.min(100, Number(job.progress) || 0));
    bar.style.width = progress + "%";
    bar.textContent = progress + "%";
    bar.parentNode.setAttribute("aria-valuenow", String(progress));
    if (job.finished) {
      bar.classList.remove("progress-bar-striped", "progress-bar-animated");
      bar.classList.toggle("bg-danger", job.state === "failed");
      bar.classList.toggle("bg-success", job.state === "done");
    }
    if (state && job.state_label) {
      state.textContent = job.state_label;
    }
    if (message && (job.message !== undefined || job.error !== undefined)) {
      // A failed job explains itself in its error (the background job's status JSON).
      message.textContent = (job.state === "failed" && job.error) || job.message || "";
    }
  }

  function poll(box) {
    var url = box.getAttribute("data-rollup-job-url");
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (job) {
        draw(box, job);
        if (job.finished) {
          // The quarter's "last roll-up" time has changed: show it.
          if (job.state === "done") {
            window.setTimeout(function () { window.location.reload(); }, 800);
          }
        } else {
          window.setTimeout(function () { poll(box); }, POLL_MS);
        }
      })
      .catch(function () {
        window.setTimeout(function () { poll(box); }, POLL_MS * 5);
      });
  }

  document.querySelectorAll("[data-rollup-job-url]").forEach(function (box) {
    draw(box, {
      progress: box.getAttribute("data-progress"),
      state: box.getAttribute("data-state"),
      finished: box.getAttribute("data-rollup-active") !== "1",
    });
    if (box.getAttribute("data-rollup-active") === "1") {
      poll(box);
    }
  });
})();
