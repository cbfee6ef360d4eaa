"""The summaries app's background-job kinds (accounts.jobs), registered by SummariesConfig.ready()."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import jobs
from accounts.models import Job

from . import exports, reminders


def _roster_page(job: Job) -> str:
    params = {key: value for key, value in job.params.items() if value not in (None, "")}
    return f"{reverse('roster')}?{urlencode(params)}"


def register_kinds() -> None:
    # Others follow a roster export only if they see every department's roster anyway (HR, the
    # agency head): a department head's permission to see the roster covers their own departments,
    # not a whole-organisation workbook someone else asked for.
    jobs.register(
        exports.ROSTER_EXPORT,
        exports.run_roster_export,
        label=_("提交情况导出"),
        permission="summaries.view_every_roster",
        return_url=_roster_page,
    )
    # The scheduled reminders, one job per organisation and day: HR follows them.
    for kind, runner, label in [
        (reminders.DEADLINE_REMINDERS, reminders.run_deadline_reminders, _("提交截止提醒")),
        (reminders.REVIEW_REMINDERS, reminders.run_review_reminders, _("审核逾期提醒")),
    ]:
        jobs.register(kind, runner, label=label, permission="summaries.view_every_roster")
