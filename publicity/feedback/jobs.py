"""The feedback room's background-job kind (accounts.jobs), registered by PublicityConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts import jobs

from . import services


def register_kinds() -> None:
    jobs.register(
        services.FEEDBACK_REMINDERS,
        services.run_feedback_reminders_job,
        label=_("结果反馈谈话逾期提醒"),
        permission="publicity.record_feedback",
        return_url=jobs.back_to("publicity:feedback"),
    )
