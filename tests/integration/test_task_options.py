"""Every task survives a lost worker and a slow queue (issue 13, "Nothing lost when a part fails").

* acknowledged late, and put back in the queue when its worker process dies — or it states why
  not (``redelivery_unsafe_because``);
* every wait the project asks the broker for (a countdown, an ETA, a retry pause) and every run is
  shorter than Redis's visibility timeout: a longer countdown is re-delivered in a loop, a longer
  run may run twice.

Configuration only (no broker): a task added without these options fails here.
"""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from accounts import jobs
from appraisal_site.celery import app

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ("accounts", "targets", "summaries", "evaluations", "publicity", "appraisal_site")
VISIBILITY_TIMEOUT = timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])

# Where the project hands the broker a wait, and the bound that caps it. A new countdown/eta/retry
# elsewhere fails test_no_countdown_outside_the_bounded_places: cap it, then list it here.
BOUNDED_WAITS = {
    # job_enqueue: no countdown; _retry_later: JobRetry.countdown, capped at MAX_RETRY_COUNTDOWN.
    "accounts/jobs.py": jobs.MAX_RETRY_COUNTDOWN,
}


def _project_tasks():
    app.loader.import_default_modules()
    tasks = {
        name: task
        for name, task in app.tasks.items()
        if not name.startswith("celery.") and task.__module__.split(".")[0] in PROJECT_PACKAGES
    }
    assert len(tasks) >= 18, sorted(tasks)
    return tasks


def test_every_task_is_acknowledged_late_and_redelivered_when_its_worker_dies_or_says_why_not():
    missing = []
    for name, task in sorted(_project_tasks().items()):
        if not task.acks_late:
            missing.append(f"{name}: acks_late")
        reason = str(getattr(task, "redelivery_unsafe_because", "") or "").strip()
        if not task.reject_on_worker_lost and not reason:
            missing.append(f"{name}: reject_on_worker_lost=True, or redelivery_unsafe_because='why'")
        if task.reject_on_worker_lost and reason:
            missing.append(f"{name}: redelivered although it says it is unsafe ({reason})")
    assert not missing, "Tasks without the options that keep them from being lost:\n" + "\n".join(missing)


def test_every_scheduled_task_exists():
    tasks = _project_tasks()
    for entry, schedule in settings.CELERY_BEAT_SCHEDULE.items():
        assert schedule["task"] in tasks, f"beat entry {entry} names an unknown task {schedule['task']}"
        options = schedule.get("options", {})
        assert "countdown" not in options and "eta" not in options, f"beat entry {entry} delays its task"


def test_every_wait_and_every_run_is_shorter_than_the_visibility_timeout():
    too_long = []
    for name, task in sorted(_project_tasks().items()):
        # Celery's own retry pause (self.retry()) and exponential back-off, should a task use them.
        for option in ("default_retry_delay", "retry_backoff_max"):
            value = getattr(task, option, None)
            if value and timedelta(seconds=value) >= VISIBILITY_TIMEOUT:
                too_long.append(f"{name}.{option} = {value} s")
        limit = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        if timedelta(seconds=limit) >= VISIBILITY_TIMEOUT:
            too_long.append(f"{name} may run {limit} s")
    for path, bound in BOUNDED_WAITS.items():
        if bound >= VISIBILITY_TIMEOUT:
            too_long.append(f"{path}: waits up to {bound}")
    # The job mechanism's other clocks: a job's retry countdown, the sweeper re-sending a message it
    # believes lost, and the age at which a running job counts as abandoned.
    assert jobs.MAX_RETRY_COUNTDOWN < jobs.REQUEUE_AFTER < VISIBILITY_TIMEOUT
    assert jobs.stale_after() < VISIBILITY_TIMEOUT
    from publicity.dingtalk.services import RETRY_COUNTDOWNS

    assert all(timedelta(seconds=pause) <= jobs.MAX_RETRY_COUNTDOWN for pause in RETRY_COUNTDOWNS)
    assert not too_long, f"Longer than the visibility timeout ({VISIBILITY_TIMEOUT}):\n" + "\n".join(too_long)


def _waits_in(source: str) -> list[int]:
    """Lines that hand the broker a wait: countdown=/eta= keywords, or a task's self.retry()."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        if any(keyword.arg in ("countdown", "eta") for keyword in node.keywords):
            # JobRetry(..., countdown=...) is capped by its own constructor.
            if not (isinstance(node.func, ast.Name) and node.func.id == "JobRetry") and not (
                isinstance(node.func, ast.Attribute) and node.func.attr == "JobRetry"
            ):
                lines.append(node.lineno)
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "retry":
            lines.append(node.lineno)
    return lines


def test_no_countdown_outside_the_bounded_places():
    unbounded = []
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in BOUNDED_WAITS:
                continue
            unbounded += [f"{relative}:{line}" for line in _waits_in(path.read_text(encoding="utf-8"))]
    assert not unbounded, (
        "A countdown, ETA or retry outside the places whose bound this test checks (use jobs.JobRetry, "
        "or add the file to BOUNDED_WAITS with its cap):\n" + "\n".join(unbounded)
    )


def test_the_scan_finds_a_countdown_and_a_retry():
    source = "task.apply_async(args=[1], countdown=7200)\nself.retry(exc=e)\nraise jobs.JobRetry('x', countdown=9)"
    assert _waits_in(source) == [1, 2]
