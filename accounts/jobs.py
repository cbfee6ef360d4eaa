"""Background jobs: one mechanism for everything slow (roll-ups, exports, PDFs), with progress.

A higher app registers a *kind* where its runner is written (the module is imported by the app's
``AppConfig.ready()``, in every process)::

    from accounts import jobs

    @jobs.kind("evaluations.rollup_year", gettext_lazy("年度建议等次计算"), "evaluations.run_annual_rollup",
               ("evaluations:annual", "year"))     # the way back: /evaluations/annual/<year>/
    def run_rollup_year_job(job, report): ...

and a service asks for one inside its transaction::

    job = jobs.job_request(kind="evaluations.rollup_year", organisation=org,
                           params={"year": 2026}, requested_by=actor)
    return redirect(job)            # the progress page, /accounts/jobs/<id>/

The runner is ``runner(job, report) -> JobFile | dict | None``: it reads ``job.params``, calls
``report(percent, message)`` as it goes, and returns a file to download (stored on the private
storage), a small JSON summary (stored on the row), or nothing. Raising :class:`JobError` fails the
job with that message at once; any other exception is retried, up to :data:`MAX_ATTEMPTS` runs.

Delivery is at-least-once, running is at-most-once-at-a-time: the row is written before the
task is enqueued (after commit), so a broker outage leaves a pending row that :func:`jobs_sweep`
enqueues later; the task is safe to receive twice because :func:`job_claim` lets exactly one
claimer move a row to running (healthchecks' conditional UPDATE). A worker that died mid-job
leaves a running row whose ``started_at`` ages past :func:`stale_after`; the sweeper claims it
again, counting attempts, and gives up after :data:`MAX_ATTEMPTS`.

The registry is per process and filled at start-up; accounts never imports the apps above it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import IO, Any, Protocol

from celery import current_app, shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from . import job_kinds, periods
from .audit import audit_source
from .job_kinds import kind_label  # noqa: F401 (the job mechanism's name for it, used across the apps)
from .models import Job, Organisation, User, WorkerHeartbeat

logger = logging.getLogger(__name__)

# How many times a job is started before it is given up (a crashed worker or an unexpected error).
MAX_ATTEMPTS = 3
# A pending row whose enqueue failed is left alone this long, so the sweeper does not race the
# on-commit enqueue of a request that is just finishing.
PENDING_GRACE = timedelta(minutes=1)
# A pending row that was handed to the broker but has not started after this long is enqueued
# again: Redis runs without persistence here, so a restart loses the queue.
REQUEUE_AFTER = timedelta(minutes=15)
# Result files are kept this long, then the sweeper removes them (the row stays, as history).
RESULT_TTL = timedelta(days=7)
# Rows the sweeper handles per run; the rest wait for the next minute.
SWEEP_BATCH = 200
# Rows the daily purge deletes per transaction (:func:`jobs_purge`).
PURGE_BATCH = 1000

# What an unreachable broker raises from apply_async: kombu's OperationalError (a KombuError),
# redis-py's errors, or a plain socket error.
ENQUEUE_ERRORS: tuple[type[BaseException], ...] = (KombuError, RedisError, OSError)


class Report(Protocol):
    def __call__(self, progress: int, message: str = "") -> None: ...


@dataclass(frozen=True)
class JobFile:
    """A runner's result file: bytes (or an open binary file), the name it downloads as, its type."""

    content: bytes | IO[bytes]
    name: str
    content_type: str = "application/octet-stream"


Runner = Callable[[Job, Report], "JobFile | dict[str, Any] | None"]
# Where the progress page sends the person back once the job is done (the page they came from).
ReturnUrl = Callable[[Job], str]
# A finished job's message from its summary (``register(done_message=…)``).
DoneMessage = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class JobKind:
    kind: str
    runner: Runner
    label: str
    # Who, besides the person who asked, may follow and download this kind of job in their
    # organisation (a rules permission, checked without an object).
    permission: str
    return_url: ReturnUrl | None = None
    # What a finished job of this kind says, made from its summary when it is shown, so it reads in
    # the reader's language (the message a run stores is in the language it ran in: a worker's,
    # Chinese).
    done_message: DoneMessage | None = None


class JobError(Exception):
    """A failure the runner explains to the user (in Chinese); the job fails at once, no retry."""


# The longest wait a runner may ask for before its retry: shorter than REQUEUE_AFTER (so the
# sweeper does not send the job a second time while the first message waits) and far shorter than
# the broker's visibility timeout (a countdown longer than that is re-delivered in a loop).
MAX_RETRY_COUNTDOWN = timedelta(minutes=10)


class JobRetry(Exception):
    """A passing failure (a remote service down or slow): run the job again after ``countdown``
    seconds, up to :data:`MAX_ATTEMPTS` runs, then fail it with this message.

    With a broker the retry is a task sent with that countdown (capped at
    :data:`MAX_RETRY_COUNTDOWN`); without one (eager mode) the job waits, pending, for the sweeper,
    so a retry never runs inside the request that caused the first attempt.
    """

    def __init__(self, message: str, *, countdown: int):
        super().__init__(message)
        self.countdown = max(1, min(int(countdown), int(MAX_RETRY_COUNTDOWN.total_seconds())))


def back_to(view: str, *params: str) -> ReturnUrl:
    """A ``return_url``: the page named ``view``, its URL arguments ``params`` taken from the job's
    parameters of the same names (``back_to("evaluations:annual", "year")``)."""

    def url(job: Job) -> str:
        return reverse(view, kwargs={name: job.params[name] for name in params})

    return url


_registry: dict[str, JobKind] = {}


def register(
    kind: str,
    runner: Runner,
    *,
    label: str,
    permission: str,
    return_url: ReturnUrl | None = None,
    done_message: DoneMessage | None = None,
) -> JobKind:
    """Make ``kind`` runnable (:func:`kind` is the decorator); registering the same runner again is a no-op.

    ``return_url(job)``, if given, is the page a finished job links back to (the page that asked
    for it), so a slow action that left its page can bring the person back to see the outcome.
    ``done_message(summary)``, if given, is what a finished job says, in the reader's language.
    """
    existing = _registry.get(kind)
    if existing is not None and existing.runner is not runner:
        raise ImproperlyConfigured(f"Job kind {kind!r} is already registered with another runner.")
    _registry[kind] = JobKind(
        kind=kind, runner=runner, label=label, permission=permission, return_url=return_url, done_message=done_message
    )
    job_kinds.set_label(kind, label)
    return _registry[kind]


def kind(
    name: str,
    label: str,
    permission: str,
    back: str | tuple[str, ...] = "",
    done_message: DoneMessage | None = None,
    *,
    return_url: ReturnUrl | None = None,
) -> Callable[[Runner], Runner]:
    """Register the decorated runner as the kind ``name`` (:func:`register`). ``back``: the page a
    finished job links back to, a view name or a view name and the parameters its URL takes from the
    job's (:func:`back_to`), unless ``return_url`` says it otherwise."""
    if back and return_url is None:
        return_url = back_to(*([back] if isinstance(back, str) else back))

    def decorate(runner: Runner) -> Runner:
        register(name, runner, label=label, permission=permission, return_url=return_url, done_message=done_message)
        return runner

    return decorate


def unregister(kind: str) -> None:
    """Forget a kind (for tests that register their own)."""
    _registry.pop(kind, None)
    job_kinds.forget(kind)


def get_kind(kind: str) -> JobKind | None:
    return _registry.get(kind)


# A job still waiting after this long: without a broker, said to wait for a worker that may not be
# running; with one, for a busy worker (one not running is said after a minute, by its heartbeat).
WAITING_TOO_LONG = timedelta(minutes=5)


def job_message(
    *, kind: str, state: str, message: str, summary: dict[str, Any] | None, queued_since: datetime | None = None
) -> str:
    """What a job says of itself to the reader: a finished job of a kind with a ``done_message``
    says it from its summary, in the reader's language; any other, the message stored as it ran.
    A job still 排队中 :data:`WAITING_TOO_LONG` after ``queued_since`` (its creation) says that the
    background worker may be down (an operator test: the page said 0% 排队中 and nothing more for
    as long as the worker was stopped)."""
    job_kind = _registry.get(kind)
    if state == Job.State.DONE and summary and job_kind is not None and job_kind.done_message is not None:
        return job_kind.done_message(summary)
    if state == Job.State.PENDING and queued_since is not None:
        note = _waiting_note(timezone.now() - queued_since)
        if note:
            return f"{message} {note}".strip()
    return message


# With a broker, a job waiting this long while no worker is seen says so (a worker that is running
# takes a job within seconds, or says it is busy).
WAITING_FOR_A_SILENT_WORKER = timedelta(minutes=1)


def _waiting_note(waited: timedelta) -> str:
    """What a pending job adds after ``waited``: with a broker, whether a worker is running by its
    heartbeat (:func:`worker_state`) — not running, said after a minute; running but busy, after
    :data:`WAITING_TOO_LONG` — and without one (tasks in-process), that it may be down."""
    minutes = waited // timedelta(minutes=1)
    values = {"minutes": minutes}
    if settings.CELERY_BROKER_URL and waited >= WAITING_FOR_A_SILENT_WORKER:
        if not worker_state().running:
            return (
                ngettext(
                    "已排队%(minutes)d分钟：后台任务程序未在运行，恢复后将自动执行，请联系系统管理员。",
                    "已排队%(minutes)d分钟：后台任务程序未在运行，恢复后将自动执行，请联系系统管理员。",
                    minutes,
                )
                % values
            )
        if waited >= WAITING_TOO_LONG:
            return (
                ngettext(
                    "已排队%(minutes)d分钟：后台任务较多，正在依次处理，请稍候。",
                    "已排队%(minutes)d分钟：后台任务较多，正在依次处理，请稍候。",
                    minutes,
                )
                % values
            )
        return ""
    if waited >= WAITING_TOO_LONG:
        return _("已排队%(minutes)d分钟：后台任务程序可能未在运行，请联系系统管理员。") % values
    return ""


def job_return_url(job: Job) -> str:
    """The page a finished job links back to, or "" when its kind names none."""
    registered = _registry.get(job.kind)
    if registered is None or registered.return_url is None:
        return ""
    return registered.return_url(job)


def stale_after() -> timedelta:
    """How long a running row may go without finishing before it counts as abandoned.

    Longer than Celery's hard time limit (the worker kills a task at that point), so a job that
    is merely slow is never started a second time while the first run is alive.
    """
    return timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 1800) + timedelta(minutes=5)


# --- Reads ---------------------------------------------------------------------------------


def job_visible_to(*, user: User, job: Job) -> bool:
    """The person who asked for the job, or someone with the kind's permission, in the job's organisation."""
    if not user.is_authenticated or user.organisation_id is None or user.organisation_id != job.organisation_id:
        return False
    if job.requested_by_id == user.pk:
        return True
    registered = _registry.get(job.kind)
    return registered is not None and user.has_perm(registered.permission)


# --- Requesting and enqueueing -------------------------------------------------------------


# The params key of the language a job's file is written in (an export's, the asker's pages').
READER_LANGUAGE = "language"


def for_the_reader() -> dict[str, str]:
    """Params that have a job's file written in the language of the asker's pages (the active one),
    by the runner's :func:`in_readers_language`."""
    return {READER_LANGUAGE: translation.get_language() or settings.LANGUAGE_CODE}


def in_readers_language(job: Job) -> translation.override:
    """Around a runner's building of the file the person asked for: in the language of their pages
    when the job was asked for (a user test's English roster came as a Chinese workbook from the job,
    an English one inline). Only the file: the messages a run stores on the row (``report``, a
    ``JobError``) stay in the site's language, for everyone who may read the job (a review)."""
    return translation.override(job.params.get(READER_LANGUAGE) or settings.LANGUAGE_CODE)


@transaction.atomic
def job_request(
    *, kind: str, organisation: Organisation, params: dict[str, Any] | None = None, requested_by: User | None
) -> Job:
    """Write a pending job in the caller's transaction; enqueue its task once that commits.

    The caller has already checked that ``requested_by`` may ask for this (it knows what the
    params mean). An unreachable broker does not fail the request: the row stays pending and
    :func:`jobs_sweep` enqueues it later. Without a broker (eager mode) the job runs on commit,
    in this process.
    """
    if kind not in _registry:
        raise ImproperlyConfigured(f"Unknown job kind {kind!r}: register it in its app's ready().")
    if requested_by is not None and requested_by.organisation_id != organisation.pk:
        raise ValueError("A job is requested by a member of its own organisation.")
    job = Job.objects.create(kind=kind, organisation=organisation, params=params or {}, requested_by=requested_by)
    transaction.on_commit(lambda: job_enqueue(job.pk))
    return job


@transaction.atomic
def job_request_once(
    *, kind: str, organisation: Organisation, params: dict[str, Any] | None = None, requested_by: User | None
) -> Job:
    """Like :func:`job_request`, but coalesced: a job of the same kind, organisation and params that
    is still pending and not yet handed to the broker (written by this transaction, or waiting for
    the sweeper) will run after this transaction commits anyway, so it is returned instead of a
    second one. For recomputations several steps of one transaction ask for (three quarters
    approved by the demo, a sanction raising flags for two years).
    """
    waiting = (
        Job.objects.filter(
            kind=kind, organisation=organisation, params=params or {}, state=Job.State.PENDING, enqueued_at__isnull=True
        )
        .order_by("-pk")
        .first()
    )
    if waiting is not None:
        # Asked for again: its time is the latest request's, so what reads "the inputs changed
        # when a recomputation was last asked for" (the year's freshness) sees this one.
        waiting.created_at = timezone.now()
        Job.objects.filter(pk=waiting.pk).update(created_at=waiting.created_at)
        return waiting
    return job_request(kind=kind, organisation=organisation, params=params, requested_by=requested_by)


@transaction.atomic
def job_request_many(
    *, kind: str, requests: Sequence[tuple[int, dict[str, Any]]], requested_by: User | None = None
) -> list[Job]:
    """:func:`job_request_once` for many (organisation id, params) at once, in a fixed number of
    statements whatever their number: one read of the waiting jobs, one multi-row insert, and after
    commit one UPDATE before the tasks are sent (:func:`jobs_enqueue`). For fan-outs (a province's
    401 roll-ups): asked one by one, each job cost five statements (two of them savepoints) before
    the first was sent. Returns the jobs in the order of ``requests``.
    """
    if kind not in _registry:
        raise ImproperlyConfigured(f"Unknown job kind {kind!r}: register it in its app's ready().")
    if requested_by is not None and any(requested_by.organisation_id != pk for pk, _params in requests):
        raise ValueError("A job is requested by a member of its own organisation.")

    def key(organisation_id: int, params: dict[str, Any]) -> tuple[int, str]:
        return organisation_id, json.dumps(params or {}, sort_keys=True, default=str)

    waiting: dict[tuple[int, str], Job] = {}
    for job in Job.objects.filter(
        kind=kind,
        organisation__in={organisation_id for organisation_id, _params in requests},
        state=Job.State.PENDING,
        enqueued_at__isnull=True,
    ).order_by("pk"):
        waiting[key(job.organisation_id, job.params)] = job  # the latest of several, as job_request_once
    new: dict[tuple[int, str], Job] = {}
    for organisation_id, params in requests:
        wanted = key(organisation_id, params)
        if wanted not in waiting and wanted not in new:
            new[wanted] = Job(
                kind=kind, organisation_id=organisation_id, params=params or {}, requested_by=requested_by
            )
    created = Job.objects.bulk_create(new.values())
    if created:
        ids = [job.pk for job in created]
        transaction.on_commit(lambda: jobs_enqueue(ids))
    chosen = {**waiting, **new}
    return [chosen[key(organisation_id, params)] for organisation_id, params in requests]


def job_run_here(
    *, kind: str, organisation: Organisation, params: dict[str, Any] | None = None, requested_by: User | None = None
) -> Job:
    """Record a job and run it at once, in this process; for work already running in a worker or a
    command (a scheduled roll-up), so it shows on the pages like any other without a second hop.

    The row is marked enqueued, so the sweeper leaves it to this run; an unexpected error leaves
    it pending for the sweeper's retry, as for a queued job.
    """
    if kind not in _registry:
        raise ImproperlyConfigured(f"Unknown job kind {kind!r}: register it in its app's ready().")
    job = Job.objects.create(
        kind=kind, organisation=organisation, params=params or {}, requested_by=requested_by, enqueued_at=timezone.now()
    )
    return job_run(job.pk) or job


def job_run_each_organisation(*, kind: str, params: dict[str, Any] | None = None) -> list[Job]:
    """A scheduled task's loop: ``kind`` for every active organisation (by code), each a job of its
    own run here (:func:`job_run_here`). An organisation whose run raises is left pending for the
    sweeper's retry (failed and audited after the last attempt) and stops none after it."""
    return [
        job_run_here(kind=kind, organisation=organisation, params=params)
        for organisation in Organisation.objects.filter(is_active=True).order_by("code")
    ]


def jobs_totals(ran: Sequence[Job], *keys: str) -> dict[str, Any]:
    """The ``keys`` of the finished jobs' summaries added up, and ``failed``: the organisations whose
    job did not finish (for a scheduled task's result and its command's output)."""
    totals: dict[str, Any] = {key: sum((job.summary or {}).get(key, 0) for job in ran) for key in keys}
    totals["failed"] = [job.organisation_id for job in ran if job.state != Job.State.DONE]
    return totals


def failed_organisations_message(organisation_ids: Sequence[int]) -> str:
    """What a command that ran :func:`job_run_each_organisation` says (and exits with) when some failed."""
    return (
        f"Failed for organisation ids {list(organisation_ids)}; the sweeper retries their jobs, and the "
        "audit log records one that fails every attempt."
    )


def runs_inline() -> bool:
    """True without a broker: tasks run in-process (CELERY_TASK_ALWAYS_EAGER)."""
    return bool(current_app.conf.task_always_eager)


def job_enqueue(job_id: int) -> bool:
    """Hand a pending job to the broker (or, in eager mode, run it here); False if the broker is down.

    ``enqueued_at`` is written first so that, in eager mode, the job's own writes come after it.
    """
    Job.objects.filter(pk=job_id, state=Job.State.PENDING).update(enqueued_at=timezone.now())
    try:
        run_job.apply_async(args=[job_id])
    except ENQUEUE_ERRORS:
        logger.exception("Could not enqueue job %s; it stays pending for the sweeper", job_id)
        Job.objects.filter(pk=job_id, state=Job.State.PENDING).update(
            enqueued_at=None, message=_("任务暂未能提交到任务队列，系统将自动重试。")
        )
        return False
    return True


def jobs_enqueue(job_ids: Sequence[int]) -> int:
    """:func:`job_enqueue` for many pending jobs: one UPDATE marks them all enqueued, then each task
    is sent; at the first broker error the jobs not yet sent go back to waiting for the sweeper
    (one UPDATE). Returns how many were sent.
    """
    ids = list(job_ids)
    Job.objects.filter(pk__in=ids, state=Job.State.PENDING).update(enqueued_at=timezone.now())
    for sent, job_id in enumerate(ids):
        try:
            run_job.apply_async(args=[job_id])
        except ENQUEUE_ERRORS:
            logger.exception(
                "Could not enqueue job %s; it and %s more stay pending for the sweeper", job_id, len(ids) - sent - 1
            )
            Job.objects.filter(pk__in=ids[sent:], state=Job.State.PENDING).update(
                enqueued_at=None, message=_("任务暂未能提交到任务队列，系统将自动重试。")
            )
            return sent
    return len(ids)


# --- Claiming and running ------------------------------------------------------------------


def _claimable(now: datetime, *, take_over: bool = False) -> Q:
    if take_over:
        return Q(state__in=[Job.State.PENDING, Job.State.RUNNING])
    return Q(state=Job.State.PENDING) | Q(state=Job.State.RUNNING, started_at__lt=now - stale_after())


def job_claim(job_id: int, *, now: datetime | None = None, take_over: bool = False) -> Job | None:
    """Move a pending (or abandoned running) job to running; None if someone else has it or it is finished.

    One conditional UPDATE decides: of two workers given the same job, exactly one sees one row
    changed. A job started :data:`MAX_ATTEMPTS` times already is failed instead of started again.

    ``take_over``: the caller knows the running attempt is dead (the broker redelivered the
    message because the worker process running it was lost), so a running row is claimed at once
    instead of after :func:`stale_after`. Every write of a run is fenced by its attempt number
    (:func:`job_run`), so even a run wrongly presumed dead cannot overwrite the new attempt.
    """
    now = now or timezone.now()
    claimable = Job.objects.filter(_claimable(now, take_over=take_over), pk=job_id)
    claimed = claimable.filter(attempts__lt=MAX_ATTEMPTS).update(
        state=Job.State.RUNNING,
        started_at=now,
        finished_at=None,
        progress=0,
        message="",
        attempts=F("attempts") + 1,
    )
    if claimed:
        return Job.objects.select_related("organisation", "requested_by").get(pk=job_id)
    _give_up(claimable.filter(attempts__gte=MAX_ATTEMPTS), now)
    return None


def _give_up(rows, now: datetime) -> int:
    return rows.update(
        state=Job.State.FAILED,
        finished_at=now,
        error=_("任务已尝试%(attempts)s次仍未完成，请重新提交；如再次失败请联系系统管理员。")
        % {"attempts": MAX_ATTEMPTS},
    )


def job_run(job_id: int, *, take_over: bool = False) -> Job | None:
    """Claim the job and run its runner, recording progress, the result or the error on the row.

    Returns the finished (or re-queued) row, or None when the job was not ours to run. Every
    write after the claim is fenced by the attempt number, so a run that was presumed dead and
    comes back late cannot overwrite the newer attempt's outcome. ``take_over``: see :func:`job_claim`.
    """
    job = job_claim(job_id, take_over=take_over)
    if job is None:
        return None
    ours = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, attempts=job.attempts)

    # The last report, when it says 100 %: written with the outcome (one statement less a job; a
    # fan-out's hundreds of short jobs pay for each). A failure writes it first, as it stood.
    final: dict[str, Any] = {}
    reported: dict[str, Any] = {}

    def report(progress: int, message: str = "") -> None:
        values = {"progress": max(0, min(100, int(progress))), "message": str(message)[:300]}
        final.clear()
        if values["progress"] == 100:
            final.update(values)
            return
        # One small UPDATE, committed at once when the runner is not inside a transaction of its own.
        ours.update(**values)
        reported.update(values)

    def flush() -> None:
        if final:
            ours.update(**final)
            final.clear()

    registered = _registry.get(job.kind)
    finished: dict[str, Any] | None = None
    try:
        # Messages stored on the row are in the site's language, whoever's request ran them inline.
        with translation.override(settings.LANGUAGE_CODE):
            if registered is None:
                raise JobError(_("未知的任务类型“%(kind)s”。") % {"kind": job.kind})
            source = _("后台任务：%(label)s #%(id)s") % {"label": registered.label, "id": job.pk}
            with periods.calendar_memo(), audit_source(source):
                outcome = registered.runner(job, report)
            finished = _finish(job, ours, outcome, final)
    except JobRetry as exc:
        logger.warning("Job %s (%s) will be retried in %ss: %s", job.pk, job.kind, exc.countdown, exc)
        flush()
        with translation.override(settings.LANGUAGE_CODE):
            _retry_later(job, ours, exc)
    except JobError as exc:
        logger.warning("Job %s (%s) failed: %s", job.pk, job.kind, exc)
        flush()
        with translation.override(settings.LANGUAGE_CODE):
            ours.update(state=Job.State.FAILED, finished_at=timezone.now(), error=str(exc))
    except Exception as exc:
        logger.exception("Job %s (%s) raised on attempt %s", job.pk, job.kind, job.attempts)
        flush()
        with translation.override(settings.LANGUAGE_CODE):
            error = _("任务出错：%(error)s") % {"error": exc}
            if job.attempts < MAX_ATTEMPTS:
                # Back to pending, not enqueued: the sweeper retries it a minute or so later.
                ours.update(
                    state=Job.State.PENDING,
                    enqueued_at=None,
                    error=error,
                    message=_("第%(attempt)s次执行出错，系统将自动重试。") % {"attempt": job.attempts},
                )
            else:
                ours.update(
                    state=Job.State.FAILED,
                    finished_at=timezone.now(),
                    error=_("任务已尝试%(attempts)s次均失败。%(error)s") % {"attempts": job.attempts, "error": error},
                )
    if finished is None:
        job.refresh_from_db()
    else:
        # Our UPDATE wrote the outcome: the row is the claimed one with the last report and the
        # outcome written over it (no read back).
        for name, value in {**reported, **finished}.items():
            setattr(job, name, value)
    _audit_run(job)
    return job


def _retry_later(job: Job, ours, exc: JobRetry) -> None:
    """After a :class:`JobRetry`: pending again with the error shown, and sent again after the
    countdown (with a broker) or left for the sweeper (without one); failed after the last attempt."""
    error = str(exc)
    if job.attempts >= MAX_ATTEMPTS:
        ours.update(
            state=Job.State.FAILED,
            finished_at=timezone.now(),
            error=_("任务已尝试%(attempts)s次均失败。%(error)s") % {"attempts": job.attempts, "error": error},
        )
        return
    message = _("第%(attempt)s次执行未成功，系统将自动重试。") % {"attempt": job.attempts}
    if runs_inline():
        ours.update(state=Job.State.PENDING, enqueued_at=None, error=error, message=message)
        return
    # Marked enqueued, so the sweeper leaves it alone until REQUEUE_AFTER (longer than any countdown).
    if not ours.update(state=Job.State.PENDING, enqueued_at=timezone.now(), error=error, message=message):
        return
    try:
        run_job.apply_async(args=[job.pk], countdown=exc.countdown)
    except ENQUEUE_ERRORS:
        logger.exception("Could not enqueue the retry of job %s; it stays pending for the sweeper", job.pk)
        Job.objects.filter(pk=job.pk, state=Job.State.PENDING).update(enqueued_at=None)


def run_changes_event(*, organisation: Organisation, label: str, changes: dict) -> dict[str, Any]:
    """The audit event (the fields of :func:`accounts.audit.record_event` and ``event_entry``) of what
    a run wrote to ``organisation``'s rows with bulk_create, bulk_update or an upsert, which send no
    signals: the run itself is the record of what it changed. ``label`` names the run (一票否决核对)."""
    return {
        "event": "job_run",
        "obj": organisation,
        "label": str(label),
        "organisation_id": organisation.pk,
        "detail": changes,
    }


def _audit_run(job: Job) -> None:
    """The audit entry of a finished run: its kind, parameters and what it changed (the summary)."""
    if job.state not in (Job.State.DONE, Job.State.FAILED):
        return
    from .audit import record_event

    # Not the reader's language an export was written in (a user test read "language：zh-hans").
    params = {key: value for key, value in job.params.items() if key != READER_LANGUAGE}
    detail = {"kind": job.kind, "params": json.dumps(params, ensure_ascii=False, sort_keys=True, default=str)}
    if job.summary:
        detail["summary"] = json.dumps(job.summary, ensure_ascii=False, sort_keys=True, default=str)
    if job.result_name:
        detail["file"] = job.result_name
    if job.error:
        detail["error"] = job.error[:500]
    record_event(
        event="export" if job.result_name and job.state == Job.State.DONE else "job_run",
        obj=job,
        actor=job.requested_by,
        result="success" if job.state == Job.State.DONE else "failure",
        label=f"{kind_label(job.kind)} #{job.pk}",
        detail=detail,
        organisation_id=job.organisation_id,
    )


def _finish(
    job: Job, ours, outcome: JobFile | dict[str, Any] | None, final: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """Write the outcome (and ``final``, the last report if it said 100 %); the values written, or
    None when another attempt owns the row now."""
    now = timezone.now()
    values: dict[str, Any] = {
        # A progress message ("正在生成") says what was under way; once done it is stale, so it is
        # cleared unless the runner's last report, at 100 %, said how it ended.
        "message": "",
        **(final or {}),
        "state": Job.State.DONE,
        "progress": 100,
        "finished_at": now,
        "error": "",
    }
    stored = ""
    if isinstance(outcome, JobFile):
        content = outcome.content
        upload = ContentFile(content) if isinstance(content, bytes) else File(content)
        # The name on disk is fixed and ASCII; the download name travels in result_name.
        suffix = PurePosixPath(outcome.name).suffix.lower()
        suffix = suffix if suffix[1:].isascii() and suffix[1:].isalnum() else ""
        stored = Job.file.field.storage.save(Job.file.field.generate_filename(job, f"result{suffix}"), upload)
        values.update(
            file=stored,
            result_name=outcome.name[:200],
            content_type=outcome.content_type[:100],
            expires_at=now + RESULT_TTL,
        )
    elif isinstance(outcome, dict):
        values["summary"] = outcome
    elif outcome is not None:
        raise TypeError(f"A job runner returns a JobFile, a dict or None, not {type(outcome).__name__}.")
    if ours.update(**values):
        return values
    if stored:
        # Another attempt owns the row now: its result stands, ours is removed.
        Job.file.field.storage.delete(stored)
    return None


# --- The sweeper ---------------------------------------------------------------------------


def jobs_sweep(*, now: datetime | None = None, inline: bool | None = None) -> dict[str, int]:
    """Every minute: enqueue what a failed enqueue or a dead worker left behind, and expire old files.

    * pending rows never handed to the broker (older than :data:`PENDING_GRACE`), or handed to it
      so long ago (:data:`REQUEUE_AFTER`) that the message was probably lost;
    * running rows older than :func:`stale_after` (their worker died), or failed when they have
      used up their attempts;
    * result files past ``expires_at`` are deleted.

    ``inline`` runs the jobs in this process instead of enqueueing them (default: only when there
    is no broker). Enqueueing stops at the first broker error: the next sweep tries again.
    """
    now = now or timezone.now()
    inline = runs_inline() if inline is None else inline
    stale_before = now - stale_after()
    abandoned = Job.objects.filter(state=Job.State.RUNNING, started_at__lt=stale_before)
    given_up = _give_up(abandoned.filter(attempts__gte=MAX_ATTEMPTS), now)
    # Not enqueued: a failed enqueue (measured from the request) or a failed attempt waiting for
    # its retry (measured from that attempt's start).
    unsent = Q(enqueued_at__isnull=True) & (
        Q(started_at__isnull=True, created_at__lt=now - PENDING_GRACE) | Q(started_at__lt=now - PENDING_GRACE)
    )
    due_pending = Job.objects.filter(state=Job.State.PENDING).filter(unsent | Q(enqueued_at__lt=now - REQUEUE_AFTER))
    pending_ids = list(due_pending.order_by("created_at", "pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    stale_ids = list(
        abandoned.filter(attempts__lt=MAX_ATTEMPTS).order_by("started_at", "pk").values_list("pk", flat=True)
    )[: max(0, SWEEP_BATCH - len(pending_ids))]
    counts = {"pending": len(pending_ids), "stale": len(stale_ids), "given_up": given_up, "sent": 0, "unsent": 0}
    for job_id in pending_ids + stale_ids:
        if inline:
            job_run(job_id)
        elif not job_enqueue(job_id):
            counts["unsent"] = len(pending_ids) + len(stale_ids) - counts["sent"]
            break
        counts["sent"] += 1
    counts["expired"] = _expire_files(now)
    return counts


def _expire_files(now: datetime) -> int:
    storage = Job.file.field.storage
    expired = 0
    for pk, name in Job.objects.filter(expires_at__lt=now).exclude(file="").values_list("pk", "file"):
        storage.delete(name)
        expired += Job.objects.filter(pk=pk, file=name).update(file="")
    return expired


def retention() -> timedelta:
    """How long a finished job's row is kept as history: ``JOBS_RETENTION_DAYS`` (default 90),
    never shorter than its result file (:data:`RESULT_TTL`)."""
    return max(timedelta(days=getattr(settings, "JOBS_RETENTION_DAYS", 90)), RESULT_TTL)


def jobs_purge(*, now: datetime | None = None) -> int:
    """Daily: delete the finished jobs (done or failed) asked for longer than :func:`retention`
    ago, with any result file still stored; returns how many. A pending or running row is never
    removed, however old: it is work not yet done. The daily tasks alone write a job per
    organisation and task (about 2 000 rows a day for a province), so rows would otherwise grow
    without end. In batches of :data:`PURGE_BATCH` rows, each in its own transaction (a message
    pointing at a job keeps its text, without the link)."""
    now = now or timezone.now()
    old = Job.objects.filter(state__in=[Job.State.DONE, Job.State.FAILED], created_at__lt=now - retention())
    storage = Job.file.field.storage
    deleted, last = 0, 0
    while batch := list(old.filter(pk__gt=last).order_by("pk").values_list("pk", "file")[:PURGE_BATCH]):
        last = batch[-1][0]
        with transaction.atomic():
            _total, per_model = Job.objects.filter(pk__in=[pk for pk, _name in batch]).delete()
        deleted += per_model.get(Job._meta.label, 0)
        for _pk, name in batch:
            if name:
                storage.delete(name)
    if deleted:
        logger.info("Purged %d finished jobs older than %d days", deleted, retention().days)
    return deleted


# --- Tasks ---------------------------------------------------------------------------------
# Thin, and here rather than in tasks.py so that enqueueing needs no import of the tasks module
# (accounts.tasks re-exports them; the names stay accounts.tasks.*, which beat and queued
# messages use).


@shared_task(bind=True, name="accounts.tasks.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(self, job_id: int) -> str:
    """Run one background job. Safe to receive twice: only one delivery claims the row.

    Acknowledged when done, and put back in the queue when the process running it dies (SIGKILL,
    out of memory): Redis marks that message redelivered, and the redelivered run takes the row
    over at once instead of waiting for the sweeper. Redis redelivers a message when its worker
    process was lost, after the visibility timeout (4 h, far beyond the 30 min time limit that ends
    any run), or when the worker's connection dropped; in that last case the first run may still be
    alive, and the attempt fence keeps its writes off the row (the runners are idempotent).
    """
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    job = job_run(job_id, take_over=redelivered)
    return job.state if job is not None else "skipped"


@shared_task(name="accounts.tasks.sweep_jobs", acks_late=True, reject_on_worker_lost=True)
def sweep_jobs() -> dict:
    """Every minute: re-enqueue jobs left pending or abandoned, and remove expired result files.
    Safe to run twice (and two at once): each job is claimed by one conditional UPDATE."""
    return jobs_sweep()


# --- Worker liveness ------------------------------------------------------------------------
# Every worker's main process writes a heartbeat when it starts and every minute
# (accounts.heartbeat.WorkerHeartbeatStep, a bootstep on the worker's own timer: not a task, so a
# queue full of long jobs, or beat stopped, does not silence it). /healthz, HR's home page and a
# waiting job's page read it. Stamped and compared on the database's clock, so hosts whose clocks
# differ agree.

# A worker is said to be running when one was seen this recently: three heartbeats missed (one a
# minute, settings.WORKER_HEARTBEAT_SECONDS).
WORKER_SILENT_AFTER = timedelta(minutes=3)
# A worker not seen for this long is forgotten (containers get a new host name each time).
WORKER_FORGOTTEN_AFTER = timedelta(days=7)


def worker_seen(worker: str, *, now: datetime | None = None) -> None:
    """Record that the worker named ``worker`` (Celery's node name, worker@host) is alive, at the
    database's ``NOW()`` (``now``: a given moment, for tests), and forget workers long gone."""
    seen_at = now if now is not None else Now()
    WorkerHeartbeat.objects.update_or_create(worker=worker[:200], defaults={"seen_at": seen_at})
    forgotten = ExpressionWrapper(Now() - Value(WORKER_FORGOTTEN_AFTER), output_field=DateTimeField())
    WorkerHeartbeat.objects.filter(seen_at__lt=forgotten).delete()


@dataclass(frozen=True)
class WorkerState:
    """When a worker was last seen (any of them; None: never) and how long ago, by the database's clock."""

    last_seen: datetime | None
    silent_for: timedelta | None

    @property
    def running(self) -> bool:
        return self.silent_for is not None and self.silent_for <= WORKER_SILENT_AFTER


def worker_state() -> WorkerState:
    """One read of the newest heartbeat with the database's clock beside it."""
    row = WorkerHeartbeat.objects.annotate(db_now=Now()).order_by("-seen_at").values_list("seen_at", "db_now").first()
    if row is None:
        return WorkerState(None, None)
    last, db_now = row
    return WorkerState(last, max(db_now - last, timedelta(0)))


def worker_status() -> str:
    """What /healthz says of the workers: ``ok`` when one was seen within
    :data:`WORKER_SILENT_AFTER`, ``silent for N s`` since the last one was, ``never seen``."""
    state = worker_state()
    if state.last_seen is None:
        return "never seen"
    return "ok" if state.running else f"silent for {int(state.silent_for.total_seconds())} s"
