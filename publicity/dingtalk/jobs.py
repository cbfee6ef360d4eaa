"""The DingTalk room's background-job kind (accounts.jobs), registered by PublicityConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts import jobs

from . import services


def register_kinds() -> None:
    jobs.register(
        services.DINGTALK_SEND,
        services.run_dingtalk_send_job,
        label=_("钉钉消息推送"),
        permission="publicity.view_dingtalk_messages",
        return_url=jobs.back_to("publicity:dingtalk_messages"),
    )
