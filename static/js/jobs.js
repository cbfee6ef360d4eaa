// Background job page (accounts/job_detail.html): draws the progress bar and polls the job's
// status JSON every second until it has finished, then shows the download link or the error.
// No inline script or style (CSP): the page marks the job with data-job-status-url, and the bar's
// width is set through the CSSOM, which the policy allows.
(function () {
  "use strict";
  var POLL_MS = 1000;

  function draw(box, job) {
    var bar = box.querySelector("[data-job-bar]");
    var progress = Math.max(0, Math.min(100, Number(job.progress) || 0));
    bar.style.width = progress + "%";
    bar.textContent = progress + "%";
    bar.parentNode.setAttribute("aria-valuenow", String(progress));
    bar.parentNode.setAttribute("aria-valuetext", progress + "%");
    if (job.finished) {
      bar.classList.remove("progress-bar-striped", "progress-bar-animated");
      bar.classList.toggle("bg-danger", job.state === "failed");
      bar.classList.toggle("bg-success", job.state === "done");
    }
    if (job.state_label) {
      box.querySelector("[data-job-state]").textContent = job.state_label;
    }
    if (job.message !== undefined) {
      box.querySelector("[data-job-message]").textContent = job.message || "";
    }
    var error = box.querySelector("[data-job-error]");
    if (job.error !== undefined) {
      error.textContent = job.error || "";
      error.hidden = !job.error;
    }
    var back = box.querySelector("[data-job-return]");
    if (back && job.state === "done") {
      back.hidden = false;
    }
    var download = box.querySelector("[data-job-download]");
    if (job.download_url) {
      box.querySelector("[data-job-download-link]").setAttribute("href", job.download_url);
      box.querySelector("[data-job-result-name]").textContent = job.result_name || "";
      download.hidden = false;
    }
  }

  function poll(box) {
    fetch(box.getAttribute("data-job-status-url"), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (job) {
        draw(box, job);
        if (!job.finished) {
          window.setTimeout(function () { poll(box); }, POLL_MS);
        }
      })
      .catch(function () {
        // A network hiccup or a restarting server: keep trying, more slowly.
        window.setTimeout(function () { poll(box); }, POLL_MS * 5);
      });
  }

  document.querySelectorAll("[data-job-status-url]").forEach(function (box) {
    var finished = box.getAttribute("data-job-finished") === "1";
    draw(box, { progress: box.getAttribute("data-progress"), state: box.getAttribute("data-state"), finished: finished });
    if (!finished) {
      poll(box);
    }
  });
})();
