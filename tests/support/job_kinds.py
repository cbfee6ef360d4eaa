"""A test-only job kind, registered on import (no production kind exists yet).

Imported by the unit tests and, through ``celery worker --include``, by a real worker process,
so both sides of the broker know how to run it.
"""

from __future__ import annotations

from accounts import jobs
from accounts.models import Job

ECHO = "tests.echo"
# Who else may see an echo job: HR (holds accounts.manage_staff); a colleague does not.
ECHO_PERMISSION = "accounts.manage_staff"


def echo(job: Job, report: jobs.Report) -> jobs.JobFile:
    """Writes the params back as a small text file, reporting half-way progress on the way."""
    report(50, "写入中")
    text = f"任务{job.pk}：{job.params.get('text', '')}\n"
    return jobs.JobFile(content=text.encode(), name="花名册.txt", content_type="text/plain; charset=utf-8")


jobs.register(ECHO, echo, label="测试导出", permission=ECHO_PERMISSION)
