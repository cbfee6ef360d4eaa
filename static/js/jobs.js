// Background jobs (accounts.jobs): draws each job's progress bar and polls its status JSON every
// second until it has finished; then shows the download link, the error or the way back. Used by
// the job page (accounts/job_detail.html) and by lists that show a job per row (the roll-up page).
// No inline script or style (CSP): a box is marked with data-job-status-url, its parts with
// data-job-* attributes (all optional but the bar), and the bar's width is set through the CSSOM.
// data-job-reload-when-done reloads the page when the job is done (its results changed the page).
(function () {
  "use strict";
  var POLL_MS = 1000;

  function part(box, name) {
    return box.querySelector("[data-job-" + name + "]");
  }

  function draw(box, job) {
    var bar = part(box, "bar");
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
    var state = part(box, "state");
    if (state && job.state_label) {
      state.textContent = job.state_label;
    }
    var error = part(box, "error");
    var message = part(box, "message");
    if (message && (job.message !== undefined || job.error !== undefined)) {
      // Without a place of its own, a failed job explains itself in the message.
      message.textContent = (!error && job.state === "failed" && job.error) || job.message || "";
    }
    if (error && job.error !== undefined) {
      error.textContent = job.error || "";
      error.hidden = !job.error;
    }
    var back = part(box, "return");
    if (back && job.state === "done") {
      back.hidden = false;
    }
    var download = part(box, "download");
    if (download && job.download_url) {
      part(box, "download-link").setAttribute("href", job.download_url);
      part(box, "result-name").textContent = job.result_name || "";
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
        } else if (job.state === "done" && box.hasAttribute("data-job-reload-when-done")) {
          window.setTimeout(function () { window.location.reload(); }, 800);
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
