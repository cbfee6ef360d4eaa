"""A message to the organisation's DingTalk work group (钉钉工作群机器人), and how its sending went."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.fields import organisation_link
from accounts.modelbits import unique_where_set
from accounts.models import Job, OrganisationScoped
from accounts.textlimits import LONG, bounded_text


class DingTalkKind(models.TextChoices):
    WEEKLY_DIGEST = "weekly_digest", _("每周工作进展")
    PUBLICATION_OPENED = "publication_opened", _("结果公示开始")
    PUBLICATION_CLOSED = "publication_closed", _("结果公示结束")
    WINDOW_REMINDER = "window_reminder", _("公示期提醒")
    OTHER = "other", _("其他")


class DingTalkMessage(OrganisationScoped, models.Model):
    """One markdown message for the work group. Written in the caller's transaction; a background
    job (accounts.jobs) sends it after commit, retrying a robot that is down, and records here
    what happened, so HR sees a failure without the caller ever waiting for DingTalk."""

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    organisation = organisation_link(on_delete=models.CASCADE)
    kind = models.CharField(_("类别"), max_length=30, choices=DingTalkKind.choices)
    # What the message is about, once per organisation ("weekly:2026-W49"): pushing the same
    # event twice (a page sent twice, a task run twice) records and sends it once.
    key = models.CharField(_("事项"), max_length=100, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    text = bounded_text(_("内容"), limit=LONG)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("钉钉消息")
        ordering = ["-created_at", "-pk"]
        constraints = [
            unique_where_set("organisation", "key", name="dingtalk_message_once_per_key"),
        ]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="dingtalk_message_org_recent")]

    def __str__(self) -> str:
        return self.title
