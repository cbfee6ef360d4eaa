"""Background jobs: asked for in a request, run once, followed on a progress page, downloaded only by
those entitled to it, and nothing lost when the broker is down or a worker dies."""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from io import StringIO
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts import jobs, tasks
from accounts.models import Job, Role
from tests.factories import JobFactory, UserFactory
from tests.support.job_kinds import ECHO

pytestmark = [pytest.mark.urls("tests.support.job_urls"), pytest.mark.usefixtures("private_files")]

ASK = "/tests/echo/"


@pytest.fixture
def kind():
    """Register a test kind with the given runner for one test: ``kind("tests.x", runner)``."""
    registered = []

    def make(code, runner, permission="accounts.manage_staff", return_url=None):
        jobs.register(code, runner, label="测试任务", permission=permission, return_url=return_url)
        registered.append(code)
        return code

    yield make
    for code in registered:
        jobs.unregister(code)


@pytest.fixture
def ask(client_for, django_capture_on_commit_callbacks):
    """``ask(person)``: the person posts the test page that asks for an echo job; the commit runs it."""

    def post(person, text="张三、李四"):
        client = client_for(person)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(ASK, {"text": text})
        return response, Job.objects.latest("pk")

    return post


def urls_of(job):
    return [
        reverse(name, args=[job.pk]) for name in ("accounts:job_detail", "accounts:job_status", "accounts:job_download")
    ]


def pending_job(person, kind=ECHO, **fields):
    return JobFactory(kind=kind, requested_by=person, **fields)


# --- Asking, running, downloading -----------------------------------------------------------------


def test_a_job_asked_for_in_a_request_runs_on_commit_and_its_file_downloads_for_the_requester(staff, ask, client):
    response, job = ask(staff, text="王五")
    assert response.status_code == 302 and response.url == reverse("accounts:job_detail", args=[job.pk])
    assert (job.state, job.progress, job.attempts, job.requested_by) == (Job.State.DONE, 100, 1, staff)
    assert job.params == {"text": "王五"} and job.result_name == "花名册.txt" and job.expires_at > timezone.now()

    page = client.get(job.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200 and "测试导出" in html and "已完成" in html
    assert 'role="progressbar"' in html and 'aria-valuenow="100"' in html and 'aria-valuemax="100"' in html
    assert reverse("accounts:job_download", args=[job.pk]) in html and "下载结果" in html
    assert "js/jobs.js" in html and "<script>" not in html and "style=" not in html

    download = client.get(reverse("accounts:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert download["Content-Disposition"].startswith("attachment")
    assert quote("花名册.txt") in download["Content-Disposition"]
    assert b"".join(download.streaming_content).decode() == f"任务{job.pk}：王五\n"


def test_hr_holding_the_kinds_permission_may_follow_and_download_someone_elses_job(staff, hr, ask, client_for):
    _, job = ask(staff)
    client = client_for(hr)
    assert [client.get(url).status_code for url in urls_of(job)] == [200, 200, 200]


def test_a_colleague_without_the_kinds_permission_gets_404(staff, colleague, ask, client_for):
    _, job = ask(staff)
    client = client_for(colleague)
    assert [client.get(url).status_code for url in urls_of(job)] == [404, 404, 404]


def test_another_organisations_people_get_404_even_with_the_permission(
    staff, outsider, other_organisation, ask, client_for
):
    _, job = ask(staff)
    their_hr = UserFactory(organisation=other_organisation, department=None, roles=[Role.HR_ADMIN])
    for person in (outsider, their_hr):
        client = client_for(person)
        assert [client.get(url).status_code for url in urls_of(job)] == [404, 404, 404]


def test_anonymous_visitors_are_sent_to_the_login_page(staff, ask, client):
    _, job = ask(staff)
    client.logout()
    for url in urls_of(job):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_a_job_of_an_unregistered_kind_is_followed_by_its_requester_only(staff, hr, client_for):
    job = pending_job(staff, kind="gone.kind")
    assert client_for(staff).get(job.get_absolute_url()).status_code == 200
    assert client_for(hr).get(job.get_absolute_url()).status_code == 404


def test_the_status_json_reports_progress(staff, client_for):
    job = pending_job(staff, state=Job.State.RUNNING, progress=40, message="已处理400人")
    data = client_for(staff).get(reverse("accounts:job_status", args=[job.pk])).json()
    assert data == {
        "id": job.pk,
        "state": "running",
        "state_label": "进行中",
        "progress": 40,
        "message": "已处理400人",
        "error": "",
        "finished": False,
        "download_url": "",
        "result_name": "",
        "summary": {},
    }


def test_the_progress_page_of_a_running_job_polls_and_offers_no_download_yet(staff, client_for):
    job = pending_job(staff, state=Job.State.RUNNING, progress=30)
    client = client_for(staff)
    html = client.get(job.get_absolute_url()).content.decode()
    assert 'data-job-finished="0"' in html and 'aria-valuenow="30"' in html
    assert f'data-job-status-url="{reverse("accounts:job_status", args=[job.pk])}"' in html
    assert client.get(reverse("accounts:job_download", args=[job.pk])).status_code == 404


def test_looking_at_a_job_never_writes_it(staff, client_for):
    job = pending_job(staff)
    client = client_for(staff)
    with CaptureQueriesContext(connection) as queries:
        for url in urls_of(job):
            client.get(url)
    writes = [q["sql"] for q in queries if "accounts_job" in q["sql"] and not q["sql"].lstrip().startswith("SELECT")]
    assert writes == []
    job.refresh_from_db()
    assert (job.state, job.attempts, job.enqueued_at) == (Job.State.PENDING, 0, None)


def test_a_runner_may_return_a_summary_instead_of_a_file(staff, kind, client_for):
    code = kind("tests.count", lambda job, report: {"people": 8, "departments": 2})
    job = jobs.job_run(pending_job(staff, kind=code).pk)
    assert (job.state, job.summary, bool(job.file)) == (Job.State.DONE, {"people": 8, "departments": 2}, False)
    client = client_for(staff)
    assert client.get(reverse("accounts:job_status", args=[job.pk])).json()["summary"] == {
        "people": 8,
        "departments": 2,
    }
    assert client.get(reverse("accounts:job_download", args=[job.pk])).status_code == 404


def test_a_finished_job_links_back_to_the_page_its_kind_names(staff, kind, client_for):
    code = kind("tests.back", lambda job, report: None, return_url=lambda job: f"/back/{job.params['year']}/")
    pending = pending_job(staff, kind=code, params={"year": 2026})
    client = client_for(staff)
    page = client.get(reverse("accounts:job_detail", args=[pending.pk])).content.decode()
    assert '<p class="mt-2 mb-0" data-job-return hidden>' in page  # shown by jobs.js once done
    jobs.job_run(pending.pk)
    page = client.get(reverse("accounts:job_detail", args=[pending.pk])).content.decode()
    assert '<p class="mt-2 mb-0" data-job-return>' in page and 'href="/back/2026/"' in page
    echo = pending_job(staff)
    assert "data-job-return" not in client.get(reverse("accounts:job_detail", args=[echo.pk])).content.decode()


def test_a_job_run_here_is_recorded_and_run_without_the_broker(staff, kind, monkeypatch):
    def no_broker(*args, **kwargs):
        raise AssertionError("job_run_here must not enqueue")

    monkeypatch.setattr(tasks.run_job, "apply_async", no_broker)
    code = kind("tests.here", lambda job, report: {"ran": job.params["n"]})
    job = jobs.job_run_here(kind=code, organisation=staff.organisation, params={"n": 3})
    assert (job.state, job.summary, job.attempts, job.requested_by) == (Job.State.DONE, {"ran": 3}, 1, None)
    assert jobs.jobs_sweep(now=timezone.now() + timedelta(hours=1), inline=True)["pending"] == 0
    with pytest.raises(ImproperlyConfigured):
        jobs.job_run_here(kind="no.such.kind", organisation=staff.organisation)


def test_asking_for_an_unknown_kind_or_for_another_organisation_is_refused(staff, other_organisation):
    with pytest.raises(ImproperlyConfigured):
        jobs.job_request(kind="no.such.kind", organisation=staff.organisation, params={}, requested_by=staff)
    with pytest.raises(ValueError):
        jobs.job_request(kind=ECHO, organisation=other_organisation, params={}, requested_by=staff)
    assert not Job.objects.exists()


# --- Claimed once -----------------------------------------------------------------------------------


def test_two_claims_of_one_pending_job_one_wins_and_the_other_gets_none(staff):
    job = pending_job(staff)
    first, second = jobs.job_claim(job.pk), jobs.job_claim(job.pk)
    assert first is not None and second is None
    assert (first.state, first.attempts) == (Job.State.RUNNING, 1)


def test_the_task_delivered_twice_runs_the_job_once(staff):
    job = pending_job(staff)
    assert tasks.run_job.apply(args=[job.pk]).get() == "done"
    assert tasks.run_job.apply(args=[job.pk]).get() == "skipped"
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.DONE, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_the_same_moment_only_one_wins(organisation, staff):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE")
    job = pending_job(staff)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim():
        try:
            barrier.wait(timeout=10)
            outcomes.append("won" if jobs.job_claim(job.pk) is not None else "lost")
        except Exception as exc:  # noqa: BLE001 — reported in the assertion below
            outcomes.append(repr(exc))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["lost", "won"]
    assert Job.objects.get(pk=job.pk).attempts == 1


# --- Broker down, worker dead, runner failing -----------------------------------------------------------


def test_a_failed_enqueue_leaves_a_pending_row_that_the_sweeper_runs(staff, ask, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_job, "apply_async", broker_down)
    response, job = ask(staff)
    assert response.status_code == 302
    assert (job.state, job.enqueued_at, job.attempts) == (Job.State.PENDING, None, 0)
    assert "未能提交到任务队列" in job.message
    monkeypatch.undo()

    # Within the grace period the sweeper leaves it to the request that may still be enqueueing it.
    assert jobs.jobs_sweep()["pending"] == 0
    counts = jobs.jobs_sweep(now=timezone.now() + timedelta(minutes=2))
    assert (counts["pending"], counts["sent"], counts["unsent"]) == (1, 1, 0)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.progress) == (Job.State.DONE, 1, 100)


def test_the_sweeper_stops_at_the_first_enqueue_error_and_keeps_the_rows_pending(staff, monkeypatch):
    Job.objects.bulk_create([Job(kind=ECHO, organisation=staff.organisation, requested_by=staff) for _ in range(3)])
    calls = []

    def broker_down(*args, **kwargs):
        calls.append(args)
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.run_job, "apply_async", broker_down)
    counts = jobs.jobs_sweep(now=timezone.now() + timedelta(minutes=2), inline=False)
    assert (counts["pending"], counts["sent"], counts["unsent"], len(calls)) == (3, 0, 3, 1)
    assert set(Job.objects.values_list("state", flat=True)) == {Job.State.PENDING}


def test_the_sweeper_leaves_a_job_handed_to_the_broker_alone_until_its_message_looks_lost(staff, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.run_job, "apply_async", lambda args, **kwargs: sent.append(args[0]))
    job = pending_job(staff)
    assert jobs.job_enqueue(job.pk) and sent == [job.pk]
    later = timezone.now()
    assert jobs.jobs_sweep(now=later + timedelta(minutes=5), inline=False)["pending"] == 0
    assert jobs.jobs_sweep(now=later + jobs.REQUEUE_AFTER + timedelta(minutes=1), inline=False)["sent"] == 1
    assert sent == [job.pk, job.pk]


def test_a_stale_running_job_is_claimed_again_and_a_recent_one_is_not(staff):
    now = timezone.now()
    stale = pending_job(staff, state=Job.State.RUNNING, attempts=1, started_at=now - jobs.stale_after() - timedelta(1))
    busy = pending_job(staff, state=Job.State.RUNNING, attempts=1, started_at=now - timedelta(minutes=10))
    assert jobs.job_claim(busy.pk) is None
    claimed = jobs.job_claim(stale.pk)
    assert claimed is not None and claimed.attempts == 2 and claimed.started_at >= now


def test_the_sweeper_reruns_a_job_whose_worker_died(staff):
    died_at = timezone.now() - jobs.stale_after() - timedelta(minutes=1)
    job = pending_job(staff, state=Job.State.RUNNING, attempts=1, progress=60, started_at=died_at)
    counts = jobs.jobs_sweep()
    assert (counts["stale"], counts["sent"]) == (1, 1)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.DONE, 2)


def test_a_job_abandoned_too_often_ends_failed_with_its_error_shown(staff, client_for):
    long_ago = timezone.now() - jobs.stale_after() - timedelta(minutes=1)
    job = pending_job(staff, state=Job.State.RUNNING, attempts=jobs.MAX_ATTEMPTS, started_at=long_ago)
    counts = jobs.jobs_sweep()
    assert (counts["given_up"], counts["stale"]) == (1, 0)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and f"已尝试{jobs.MAX_ATTEMPTS}次仍未完成" in job.error
    client = client_for(staff)
    assert client.get(reverse("accounts:job_status", args=[job.pk])).json()["error"] == job.error
    html = client.get(job.get_absolute_url()).content.decode()
    assert "失败" in html and job.error in html


def test_a_runner_failing_every_time_is_retried_then_ends_failed_with_its_error(staff, kind, client_for):
    def broken(job, report):
        report(20)
        raise RuntimeError("磁盘已满")

    code = kind("tests.broken", broken)
    job = pending_job(staff, kind=code)
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.PENDING, 1)
    assert "磁盘已满" in job.error and "第1次执行出错" in job.message
    later = timezone.now()
    for attempt in range(2, jobs.MAX_ATTEMPTS + 1):
        later += timedelta(minutes=2)
        assert jobs.jobs_sweep(now=later)["pending"] == 1
        job.refresh_from_db()
        assert job.attempts == attempt
    assert job.state == Job.State.FAILED and job.finished_at is not None
    assert f"已尝试{jobs.MAX_ATTEMPTS}次均失败" in job.error and "磁盘已满" in job.error
    assert jobs.jobs_sweep(now=later + timedelta(minutes=2))["pending"] == 0
    html = client_for(staff).get(job.get_absolute_url()).content.decode()
    assert "磁盘已满" in html


def test_a_runner_asking_for_a_retry_waits_for_the_sweeper_without_a_broker_then_fails_after_the_last(staff, kind):
    calls = []

    def flaky(job, report):
        calls.append(job.attempts)
        raise jobs.JobRetry("对方服务暂不可用", countdown=30)

    job = pending_job(staff, kind=kind("tests.flaky", flaky))
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.enqueued_at, job.error) == (Job.State.PENDING, None, "对方服务暂不可用")
    assert "第1次执行未成功" in job.message
    assert jobs.jobs_sweep()["pending"] == 0  # not again inside the same minute
    later = timezone.now()
    for _attempt in range(2, jobs.MAX_ATTEMPTS + 1):
        later += timedelta(minutes=2)
        jobs.jobs_sweep(now=later)
    job.refresh_from_db()
    assert calls == [1, 2, 3] and job.state == Job.State.FAILED
    assert f"已尝试{jobs.MAX_ATTEMPTS}次均失败" in job.error and "对方服务暂不可用" in job.error


def test_a_retry_countdown_is_capped_below_the_sweepers_resend_and_the_visibility_timeout():
    assert jobs.JobRetry("x", countdown=10**6).countdown == jobs.MAX_RETRY_COUNTDOWN.total_seconds()
    assert jobs.MAX_RETRY_COUNTDOWN < jobs.REQUEUE_AFTER
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert jobs.MAX_RETRY_COUNTDOWN.total_seconds() < visibility


def test_a_job_error_fails_at_once_with_the_runners_message(staff, kind):
    def no_data(job, report):
        raise jobs.JobError("该季度尚无评鉴结果，无法导出。")

    job = jobs.job_run(pending_job(staff, kind=kind("tests.no_data", no_data)).pk)
    assert (job.state, job.attempts, job.error) == (Job.State.FAILED, 1, "该季度尚无评鉴结果，无法导出。")


# --- Sweeper housekeeping, command, schedule ---------------------------------------------------------


def test_the_sweeper_removes_expired_result_files(staff, ask, client_for):
    _, job = ask(staff)
    path = job.file.path
    counts = jobs.jobs_sweep(now=job.expires_at + timedelta(minutes=1))
    assert counts["expired"] == 1
    job.refresh_from_db()
    assert not job.file and job.state == Job.State.DONE
    assert not os.path.exists(path)
    client = client_for(staff)
    assert client.get(reverse("accounts:job_download", args=[job.pk])).status_code == 404
    assert "过期删除" in client.get(job.get_absolute_url()).content.decode()


def test_the_sweep_jobs_command_runs_pending_jobs_without_a_broker(staff):
    job = pending_job(staff)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    out = StringIO()
    call_command("sweep_jobs", stdout=out)
    assert "pending 1" in out.getvalue()
    job.refresh_from_db()
    assert job.state == Job.State.DONE


def test_beat_runs_the_sweeper_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["job-sweeper"]
    assert entry["task"] == "accounts.tasks.sweep_jobs"
    assert entry["schedule"].minute == set(range(60)) and entry["schedule"].hour == set(range(24))


# --- The daily purge of finished jobs ------------------------------------------------------------


def aged(job, days: int):
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=days))
    return job


def test_the_purge_removes_finished_jobs_past_the_retention_and_keeps_recent_and_unfinished_ones(
    staff, settings, client_for
):
    settings.JOBS_RETENTION_DAYS = 90
    old_done = aged(pending_job(staff, state=Job.State.DONE), 91)
    old_failed = aged(pending_job(staff, state=Job.State.FAILED), 91)
    recent_done = aged(pending_job(staff, state=Job.State.DONE), 89)
    old_pending = aged(pending_job(staff), 200)
    old_running = aged(pending_job(staff, state=Job.State.RUNNING), 200)
    assert jobs.jobs_purge() == 2
    assert set(Job.objects.values_list("pk", flat=True)) == {recent_done.pk, old_pending.pk, old_running.pk}
    client = client_for(staff)
    assert client.get(old_done.get_absolute_url()).status_code == 404
    assert client.get(old_failed.get_absolute_url()).status_code == 404
    assert client.get(recent_done.get_absolute_url()).status_code == 200
    assert jobs.jobs_purge() == 0  # a second run finds nothing more


def test_the_purge_deletes_a_result_file_still_stored_and_never_keeps_rows_shorter_than_their_files(
    staff, ask, settings
):
    settings.JOBS_RETENTION_DAYS = 1  # below the 7 days a result file is kept: 7 it is
    _, job = ask(staff)
    path = job.file.path
    assert jobs.jobs_purge(now=job.created_at + timedelta(days=6)) == 0
    assert jobs.jobs_purge(now=job.created_at + timedelta(days=8)) == 1
    assert not Job.objects.filter(pk=job.pk).exists()
    assert not os.path.exists(path)


def test_the_purge_goes_in_batches_and_a_message_pointing_at_a_purged_job_stays(staff, monkeypatch):
    from tests.factories import DingTalkMessageFactory

    monkeypatch.setattr(jobs, "PURGE_BATCH", 2)
    old = [aged(pending_job(staff, state=Job.State.DONE), 100) for _ in range(5)]
    message = DingTalkMessageFactory(organisation=staff.organisation, job=old[0])
    assert jobs.jobs_purge() == 5
    message.refresh_from_db()
    assert message.job is None and message.title


def test_the_purge_jobs_command_and_beats_daily_task(staff):
    aged(pending_job(staff, state=Job.State.DONE), 100)
    out = StringIO()
    call_command("purge_jobs", stdout=out)
    assert out.getvalue().strip() == "deleted 1 (kept 90 days)"
    entry = settings.CELERY_BEAT_SCHEDULE["job-retention"]
    assert entry["task"] == "accounts.tasks.purge_jobs"
    assert entry["schedule"].hour == {4}
    aged(pending_job(staff, state=Job.State.FAILED), 100)
    assert tasks.purge_jobs.apply().get() == 1


def test_a_job_waiting_long_for_a_worker_says_the_worker_may_be_down(staff, client_for):
    """An operator test: with the worker stopped, the page said 0% 排队中 and nothing more."""
    from tests.factories import save_fields

    job = pending_job(staff)
    url = reverse("accounts:job_status", args=[job.pk])
    client = client_for(staff)
    assert "后台任务程序可能未在运行" not in client.get(url).json()["message"]
    save_fields([job], created_at=timezone.now() - timedelta(minutes=12))
    message = client.get(url).json()["message"]
    assert "已排队12分钟：后台任务程序可能未在运行，请联系系统管理员。" in message
    assert "后台任务程序可能未在运行" in client.get(job.get_absolute_url()).content.decode()
    # Running, it says only its own progress.
    save_fields([job], state=Job.State.RUNNING, message="已处理10人")
    assert client.get(url).json()["message"] == "已处理10人"


def test_with_a_broker_a_waiting_job_says_whether_a_worker_is_running_by_its_heartbeat(staff, client_for, settings):
    """/healthz's heartbeat on the job's page: a stopped worker is said after a minute, not five;
    a running one behind a long queue is not called down."""
    from accounts.jobs import worker_seen
    from tests.factories import save_fields
    from tests.support.services import free_port

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # read, never connected to here
    job = pending_job(staff)
    url = reverse("accounts:job_status", args=[job.pk])
    client = client_for(staff)
    assert "后台任务程序" not in client.get(url).json()["message"]
    save_fields([job], created_at=timezone.now() - timedelta(minutes=2))
    assert "已排队2分钟：后台任务程序未在运行，恢复后将自动执行" in client.get(url).json()["message"]
    worker_seen("jobs@host", now=timezone.now() - timedelta(seconds=30))
    assert "后台任务" not in client.get(url).json()["message"]
    save_fields([job], created_at=timezone.now() - timedelta(minutes=12))
    message = client.get(url).json()["message"]
    assert "已排队12分钟：后台任务较多，正在依次处理" in message and "未在运行" not in message
