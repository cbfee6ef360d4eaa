"""gunicorn settings, shared by the systemd unit, the container and `make run-stack`.

Workers default to the classic 2 × cores + 1, the cores this process may run on (a CPU-limited
container or ``taskset`` counts its own, not the host's; WEB_CONCURRENCY overrides it). A worker is
replaced after MAX_REQUESTS requests (jittered so they do not all restart at once), or as soon as a
request leaves it above GUNICORN_MAX_WORKER_MB of resident memory (default 300): a worker grew from
82 MB at boot to 385 MB serving a province's pages. bench/load_bench.py reports the workers' memory.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or len(os.sched_getaffinity(0)) * 2 + 1)
# Import the application once in the master, then fork: faster start, shared memory pages.
# Django opens no database connection at import time, so nothing is shared across the fork.
preload_app = True
# Above the slowest page we accept (a big department's form page rendered in ~40 s was the
# bug, not the budget); long work belongs in a background job.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
# And a ceiling on a worker's resident memory: max_requests bounds how long a worker lives, not how
# large one request can make it. A worker over the ceiling after a request finishes that request and
# exits; the master starts a fresh one (as for max_requests). 0 switches the check off.
max_worker_rss_mb = int(os.environ.get("GUNICORN_MAX_WORKER_MB", "300"))


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def post_request(worker, req, environ, resp) -> None:
    if max_worker_rss_mb and worker.alive:
        try:
            rss = _rss_mb()
        except OSError:  # no /proc (not Linux): no ceiling
            return
        if rss > max_worker_rss_mb:
            worker.log.warning("worker %s at %.0f MB (over %s MB): restarting", worker.pid, rss, max_worker_rss_mb)
            worker.alive = False


# The application logs every request itself, as JSON with the request id, user and organisation
# (accounts.logging); gunicorn's own access log would only repeat it without them.
accesslog = None
errorlog = "-"  # stdout/stderr; formatted by logconfig_dict below
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# nginx on the same host is the only proxy whose X-Forwarded-Proto gunicorn believes.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 25+ opens a control socket in the home directory by default; systemd and the
# containers manage the process with signals, and two instances on one host would share the path.
control_socket_disable = True
# gunicorn's own lines (start, worker boot and exit, timeouts) as JSON too, like the application's
# (accounts.logs); its access log is off (above).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "accounts.logs.JsonFormatter"}},
    "handlers": {
        "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    },
    "loggers": {"gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False}},
    # gunicorn merges this over its defaults key by key: the root logger must be named again.
    # Without handlers here: the application's settings.LOGGING gives it its own.
    "root": {"level": "INFO", "handlers": []},
}
