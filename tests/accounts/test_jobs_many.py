"""Many jobs asked for at once (a fan-out): written and sent in a fixed number of statements,
a job still waiting reused, nothing lost when the broker fails half-way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError

from accounts import jobs, tasks
from accounts.models import Job
from tests.factories import JobFactory, OrganisationFactory
from tests.support.job_kinds import ECHO

pytestmark = pytest.mark.usefixtures("private_files")


def test_many_jobs_are_written_and_sent_in_the_same_statements_for_one_organisation_or_several(
    organisation, other_organisation, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.run_job, "apply_async", lambda args, **kwargs: sent.append(args[0]))
    third = OrganisationFactory(code="third")
    counts = []
    for requests in (
        [(organisation.pk, {"text": "一"})],
        [(organisation.pk, {"text": "二"}), (other_organisation.pk, {"text": "二"}), (third.pk, {"text": "二"})],
    ):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            requested = jobs.job_request_many(kind=ECHO, requests=requests)
        counts.append(len(queries))
        assert [(job.organisation_id, job.params) for job in requested] == requests
    assert counts[0] == counts[1]
    assert sent == list(Job.objects.order_by("pk").values_list("pk", flat=True))
    assert Job.objects.filter(enqueued_at__isnull=True).count() == 0
    assert set(Job.objects.values_list("state", flat=True)) == {Job.State.PENDING}


def test_a_job_still_waiting_to_be_sent_is_reused_and_a_sent_one_is_not(organisation, other_organisation):
    waiting = JobFactory(kind=ECHO, organisation=organisation, requested_by=None, params={"n": 1})
    sent = JobFactory(
        kind=ECHO, organisation=other_organisation, requested_by=None, params={"n": 1}, enqueued_at=waiting.created_at
    )
    requested = jobs.job_request_many(
        kind=ECHO,
        requests=[(organisation.pk, {"n": 1}), (other_organisation.pk, {"n": 1}), (organisation.pk, {"n": 1})],
    )
    assert requested[0] == requested[2] == waiting
    assert requested[1] != sent
    assert Job.objects.count() == 3


def test_without_a_broker_each_job_runs_on_commit(organisation, other_organisation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        requested = jobs.job_request_many(
            kind=ECHO, requests=[(organisation.pk, {"text": "甲"}), (other_organisation.pk, {"text": "乙"})]
        )
    assert {job.state for job in Job.objects.filter(pk__in=[job.pk for job in requested])} == {Job.State.DONE}


def test_a_broker_failing_half_way_leaves_the_unsent_jobs_pending_for_the_sweeper(organisation, monkeypatch):
    sent = []

    def second_fails(args, **kwargs):
        if sent:
            raise OperationalError("Connection refused")
        sent.append(args[0])

    monkeypatch.setattr(tasks.run_job, "apply_async", second_fails)
    first, second, third = (JobFactory(kind=ECHO, organisation=organisation, requested_by=None) for _ in range(3))
    assert jobs.jobs_enqueue([first.pk, second.pk, third.pk]) == 1
    rows = {job.pk: job for job in Job.objects.all()}
    assert rows[first.pk].enqueued_at is not None and not rows[first.pk].message
    for job in (second, third):
        assert (rows[job.pk].state, rows[job.pk].enqueued_at) == (Job.State.PENDING, None)
        assert "未能提交到任务队列" in rows[job.pk].message


def test_asking_for_an_unknown_kind_or_for_another_organisation_is_refused(staff, other_organisation):
    with pytest.raises(Exception, match="Unknown job kind"):
        jobs.job_request_many(kind="tests.nope", requests=[(staff.organisation_id, {})])
    with pytest.raises(ValueError):
        jobs.job_request_many(kind=ECHO, requests=[(other_organisation.pk, {})], requested_by=staff)
