"""Feedback talks after locking (结果反馈 · 谈心谈话 · 二级反馈) and the written annual result
confirmed on screen (签字确认). DOMAIN.md §6 and §7, seed 002.

After a quarter's grades are locked (定等), the supervising leader — or, by policy, the department
head — holds a talk with each person and records it (:class:`FeedbackTalk`): for 好 why it was
given, for 一般/较差 the shortcomings and what to improve. The person reads it and confirms, with
an optional opinion. The committee's annual result is confirmed the same way
(:class:`AnnualConfirmation`). The grades themselves stay with evaluations; this room only points
at them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.fields import organisation_link, person_link
from accounts.modelbits import DetailPage
from accounts.models import OrganisationScoped
from accounts.textlimits import MEDIUM, SHORT, bounded_text
from evaluations.annual.models import AnnualGrade
from evaluations.grading.models import Grade


class FeedbackTalk(DetailPage, OrganisationScoped, models.Model):
    """One talk about one locked quarter grade: recorded by the talker, confirmed by the person."""

    detail_url_name = "publicity:feedback_detail"

    organisation = organisation_link(on_delete=models.CASCADE)
    quarter_grade = models.OneToOneField(
        "evaluations.QuarterGrade",
        on_delete=models.PROTECT,
        related_name="feedback_talk",
        verbose_name=_("季度等次"),
    )
    person = person_link(_("被考核人"), related_name="feedback_talks")
    # The grade the talk was about, as it stood when recorded (a later recorded review may change it:
    # then the talk is about an earlier grade, and a new one is due, ``about_an_earlier_grade``).
    grade = models.CharField(_("等次"), max_length=20, choices=Grade.choices)
    talked_on = models.DateField(_("谈话日期"))
    content = bounded_text(_("谈话内容"), limit=MEDIUM)
    reasons = bounded_text(_("评为“好”的原因"), limit=SHORT, blank=True)
    shortcomings = bounded_text(_("存在的不足"), limit=SHORT, blank=True)
    improvements = bounded_text(_("改进方向"), limit=SHORT, blank=True)
    recorded_by = person_link(_("谈话人"))
    recorded_at = models.DateTimeField(_("记录时间"))
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    opinion = bounded_text(_("本人意见"), limit=SHORT, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("结果反馈谈话")
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            # The person's own talks, newest first; the to-do counts their unconfirmed ones.
            models.Index(fields=["person", "confirmed_at"], name="feedback_talk_person"),
        ]

    def __str__(self) -> str:
        # The quarter too: the audit trail names the talk by this (a user test read 张三 的结果反馈谈话
        # and could not tell which quarter's).
        quarter = self.quarter_grade.appraisal_quarter.period.label
        return str(
            _("%(person)s %(quarter)s的结果反馈谈话（%(date)s）")
            % {"person": self.person, "quarter": quarter, "date": self.talked_on}
        )

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def about_an_earlier_grade(self) -> bool:
        """A recorded review (定等后复核) changed the grade since the talk: the talker talks again
        about the grade as it now stands, and the person confirms that talk, not this one."""
        return self.grade != self.quarter_grade.grade


class AnnualConfirmation(OrganisationScoped, models.Model):
    """The person's confirmation (签字确认) of their decided annual result, with an optional opinion."""

    organisation = organisation_link(on_delete=models.CASCADE)
    annual_result = models.OneToOneField(
        "evaluations.AnnualResult",
        on_delete=models.PROTECT,
        related_name="confirmation",
        verbose_name=_("年度考核结果"),
    )
    person = person_link(_("被考核人"))
    # The grade the person confirmed, as it stood then.
    grade = models.CharField(_("确定等次"), max_length=30, choices=AnnualGrade.choices)
    opinion = bounded_text(_("本人意见"), limit=SHORT, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("年度考核结果确认")
        ordering = ["-confirmed_at"]

    def __str__(self) -> str:
        return str(_("%(person)s 确认%(year)s年度考核结果") % {"person": self.person, "year": self.annual_result.year})


# What the audit trail records: every talk and confirmation (registered by PublicityConfig.ready()).
AUDITED = (FeedbackTalk, AnnualConfirmation)
