"""Public-welfare posts (公益性岗位) and their annual assessment. DOMAIN.md §8, issue 14.

The employing unit (用人单位) is an :class:`~accounts.models.Organisation`: it has its own leaders,
科室 and their heads (the raters of the 民主测评), its own HR who runs the assessment, and its own
policy (the window). A unit therefore never sees another unit's workers, by the same boundary
that keeps agencies apart. A worker is a :class:`~accounts.models.User` of staff type 公益性岗位;
the post agreement lives on :class:`WelfarePost`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.fields import actor_link, optional_link, organisation_link, person_link
from accounts.modelbits import DetailPage
from accounts.models import OrganisationScoped
from accounts.storage import get_private_storage
from accounts.textlimits import LONG, MEDIUM, SHORT, bounded_text
from accounts.workflow import ReviewedDocument, owner_department_field, waiting_index


class WelfarePost(OrganisationScoped, models.Model):
    """One worker's post agreement (上岗协议) with the employing unit, and the subsidy it carries."""

    organisation = organisation_link(_("用人单位"))
    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="welfare_post", verbose_name=_("人员")
    )
    post_name = models.CharField(_("岗位"), max_length=100)
    agreement_start = models.DateField(_("协议开始"))
    agreement_end = models.DateField(_("协议截止"))
    monthly_subsidy = models.DecimalField(_("岗位补贴（元/月）"), max_digits=9, decimal_places=2)
    # 人员不在岗: recorded by the unit; the results export flags the person and the subsidy stops.
    absent_since = models.DateField(_("不在岗起始"), null=True, blank=True)
    absent_note = bounded_text(_("不在岗说明"), limit=SHORT, blank=True)
    terminated_on = models.DateField(_("解除日期"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("公益性岗位")
        ordering = ["organisation", "post_name", "person_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agreement_end__gte=models.F("agreement_start")),
                name="welfare_agreement_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.post_name}"


class WelfareStage(models.TextChoices):
    """The steps of DOMAIN.md §8, in order."""

    REPORT = "report", _("个人述职")
    INTERVIEW = "interview", _("谈话")
    RATING = "rating", _("民主测评")
    DECISION = "decision", _("集体研究")
    PUBLISHED = "published", _("张榜公示")
    FINAL = "final", _("已定")


class WelfareGrade(models.TextChoices):
    QUALIFIED = "qualified", _("合格")
    BASICALLY_QUALIFIED = "basically_qualified", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


def _report_path(instance: WelfareAssessment, filename: str) -> str:
    extension = filename[filename.rfind(".") :].lower()
    return f"welfare/{instance.organisation_id}/{instance.year}/{instance.owner_id}{extension}"


class WelfareAssessment(DetailPage, OrganisationScoped, ReviewedDocument):
    """A worker's year: the self-report (述职, the reviewed document: the worker hands it in, the
    unit approves or returns it), then the unit's steps up to the published, final result.

    ``status`` (the review workflow) is the 述职's state; ``stage`` is where the assessment stands.
    """

    review_permission = "evaluations.review_welfare_report"
    detail_url_name = "evaluations:welfare_assessment"
    organisation_attr = "organisation_id"

    owner = person_link(_("人员"), related_name="welfare_assessments")
    department = optional_link("accounts.Department", _("科室"))
    # Who reviews the 述职 follows the worker's department now (the review inbox, accounts.workflow).
    owner_department = owner_department_field()
    post = models.ForeignKey(WelfarePost, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("岗位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    stage = models.CharField(_("环节"), max_length=20, choices=WelfareStage.choices, default=WelfareStage.REPORT)
    # The day the unit opened the year's assessment (开展本年度考核): one opened after the window's
    # last day gives the 述职 a later deadline (accounts.periods.welfare_report_deadline).
    opened_on = models.DateField(_("开展考核日期"), null=True, blank=True)
    report_text = bounded_text(_("述职内容"), limit=LONG, blank=True)
    report_file = models.FileField(
        _("述职材料"), storage=get_private_storage, upload_to=_report_path, max_length=300, blank=True
    )
    report_file_name = models.CharField(_("述职材料文件名"), max_length=200, blank=True)
    report_content_type = models.CharField(_("述职材料类型"), max_length=100, blank=True)
    interview_notes = bounded_text(_("谈话记录"), limit=MEDIUM, blank=True)
    interviewed_by = actor_link(_("谈话人"))
    interviewed_at = models.DateTimeField(_("谈话时间"), null=True, blank=True)
    # 民主测评: the worker's line on a ballot (evaluations.ballots); one ballot may rate all the
    # workers of a unit at once, so the assessment points at its subject row, not the ballot.
    ballot_subject = optional_link("evaluations.BallotSubject", _("被测评人"))
    grade = models.CharField(_("考核等次"), max_length=30, choices=WelfareGrade.choices, blank=True)
    renew = models.BooleanField(_("续签上岗协议"), null=True, blank=True)
    decision_notes = bounded_text(_("集体研究意见"), limit=MEDIUM, blank=True)
    decided_by = actor_link(_("集体研究记录人"))
    decided_at = models.DateTimeField(_("集体研究时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公示时间"), null=True, blank=True)
    # The last time an objection upheld during 张榜公示 sent the result back to 集体研究, and why:
    # what the unit reads before deciding again (a re-test found the page silent on it).
    sent_back_at = models.DateTimeField(_("异议退回时间"), null=True, blank=True)
    sent_back_reason = bounded_text(_("异议退回理由"), limit=MEDIUM, blank=True)
    finalised_at = models.DateTimeField(_("定等时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("公益性岗位年度考核")
        ordering = ["organisation", "-year", "department_id", "owner_id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "year"], name="one_welfare_assessment_per_person_year"),
        ]
        indexes = [
            models.Index(fields=["organisation", "year", "stage"], name="welfare_org_year_stage"),
            waiting_index("welfare_waiting_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.year} {self.get_stage_display()}"

    @property
    def title(self) -> str:
        return str(_("%(year)s年度公益性岗位述职")) % {"year": self.year}

    def get_stage_today_display(self) -> str:
        """The label of ``stage_today``, the step as of today that the selectors annotate
        (``selectors.with_stage_today``): what the pages say, not the stored ``stage``."""
        return WelfareStage(self.stage_today).label


class ConsequenceKind(models.TextChoices):
    ADMONITION = "admonition", _("诫勉谈话")
    NO_RENEWAL = "no_renewal", _("不予续签上岗协议")
    TERMINATION = "termination", _("解除劳动合同")


class WelfareConsequence(OrganisationScoped, models.Model):
    """What a final result asks of HR (基本合格 → 诫勉谈话; 不合格 → 不续签; 连续两次不合格 → 解除),
    with its deadline; on HR's to-do list until recorded as done."""

    organisation = organisation_link()
    assessment = models.ForeignKey(
        WelfareAssessment, on_delete=models.PROTECT, related_name="consequences", verbose_name=_("考核")
    )
    kind = models.CharField(_("处理"), max_length=20, choices=ConsequenceKind.choices)
    due_on = models.DateField(_("办理期限"))
    done_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    done_by = actor_link(_("办理人"))
    note = bounded_text(_("办理记录"), limit=MEDIUM, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("考核结果处理")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "kind"], name="one_welfare_consequence_per_kind"),
        ]
        indexes = [models.Index(fields=["organisation", "done_at", "due_on"], name="welfare_consequence_todo")]

    def __str__(self) -> str:
        return f"{self.assessment.owner} {self.get_kind_display()}"
