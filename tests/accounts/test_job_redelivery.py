"""A job whose worker process died is taken over by the redelivered message at once (acks_late +
reject_on_worker_lost), not 35 minutes later by the sweeper; the dead attempt cannot write."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts import jobs
from accounts.models import Job
from accounts.tasks import run_job
from tests.factories import JobFactory
from tests.support.job_kinds import ECHO


def _running(person, **fields) -> Job:
    fields.setdefault("attempts", 1)
    started = timezone.now() - timedelta(minutes=1)
    return JobFactory(kind=ECHO, requested_by=person, state=Job.State.RUNNING, started_at=started, **fields)


def _deliver(job: Job, *, redelivered: bool) -> str:
    """Run the task as the worker does for a message (re)delivered by the broker."""
    run_job.push_request(id="test", delivery_info={"redelivered": redelivered, "exchange": "", "routing_key": "celery"})
    try:
        return run_job.run(job.pk)
    finally:
        run_job.pop_request()


def test_the_task_is_put_back_in_the_queue_when_its_worker_process_dies():
    assert run_job.acks_late and run_job.reject_on_worker_lost


def test_a_redelivered_message_takes_over_a_running_job_at_once(staff):
    job = _running(staff, params={"text": "重投"})
    assert _deliver(job, redelivered=False) == "skipped"  # a duplicate while the first run lives
    assert _deliver(job, redelivered=True) == "done"
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.DONE, 2)
    assert job.file.read().decode() == f"任务{job.pk}：重投\n"


def test_the_dead_attempt_can_no_longer_write_once_taken_over(staff):
    job = _running(staff)
    claimed = jobs.job_claim(job.pk, take_over=True)
    assert claimed is not None and claimed.attempts == 2
    first_attempt = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, attempts=1)
    assert first_attempt.update(progress=99) == 0


def test_a_redelivered_message_of_a_finished_job_does_nothing(staff):
    job = JobFactory(kind=ECHO, requested_by=staff, state=Job.State.DONE, attempts=1)
    assert _deliver(job, redelivered=True) == "skipped"
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.DONE, 1)


def test_a_taken_over_job_still_gives_up_after_its_last_attempt(staff):
    job = _running(staff, attempts=jobs.MAX_ATTEMPTS)
    assert _deliver(job, redelivered=True) == "skipped"
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
