"""A finished job's progress page says 已完成 without the progress text of the work under way
("正在生成"): whatever the kind, the message of a report below 100 % does not outlive the run; a
closing message the runner gave at 100 % stays."""

from __future__ import annotations

import pytest

from accounts import jobs
from accounts.models import Job
from tests.factories import JobFactory


@pytest.fixture
def kind():
    registered = []

    def make(code, runner):
        jobs.register(code, runner, label="测试任务", permission="accounts.manage_staff")
        registered.append(code)
        return code

    yield make
    for code in registered:
        jobs.unregister(code)


def _file_runner(job, report):
    report(10, "正在生成")
    return jobs.JobFile(content=b"x", name="result.txt", content_type="text/plain")


def _summary_runner(job, report):
    report(50, "正在统计")
    return {"count": 1}


def _closing_runner(job, report):
    report(10, "正在生成")
    report(100, "已生成，可以下载。")
    return None


@pytest.mark.usefixtures("private_files")
@pytest.mark.parametrize("runner", [_file_runner, _summary_runner])
def test_a_done_job_keeps_no_progress_text(staff, kind, client_for, runner):
    code = kind(f"tests.done_message_{runner.__name__}", runner)
    job = JobFactory(kind=code, requested_by=staff)
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.message) == (Job.State.DONE, "")
    html = client_for(staff).get(job.get_absolute_url()).content.decode()
    assert "已完成" in html and "正在" not in html


def test_a_closing_message_given_at_100_percent_stays(staff, kind):
    code = kind("tests.done_message_closing", _closing_runner)
    job = JobFactory(kind=code, requested_by=staff)
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.message) == (Job.State.DONE, "已生成，可以下载。")
